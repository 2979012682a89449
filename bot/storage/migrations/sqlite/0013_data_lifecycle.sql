-- Servers the bot has left (GUILD_DELETE, or missing from its server list at start-up): their
-- data is kept for a grace period (INFOCOACH_GUILD_GRACE_DAYS), then deleted; a server that
-- adds the bot back within it keeps everything (its row is removed).
CREATE TABLE departed_guilds (
    guild_id    INTEGER PRIMARY KEY,
    left_at     TEXT NOT NULL
) WITHOUT ROWID;

-- The salt of the deletion log kept beside the database (bot/storage/deletion_log.py): the log
-- holds hashes of (server, user), never the ids themselves.
INSERT OR IGNORE INTO app_meta (key, value) VALUES ('deletion_salt', lower(hex(randomblob(16))));

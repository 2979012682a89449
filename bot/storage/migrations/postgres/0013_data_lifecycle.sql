-- PostgreSQL twin of sqlite/0013_data_lifecycle.sql.
-- Servers the bot has left (GUILD_DELETE, or missing from its server list at start-up): their
-- data is kept for a grace period (INFOCOACH_GUILD_GRACE_DAYS), then deleted; a server that
-- adds the bot back within it keeps everything (its row is removed).
CREATE TABLE departed_guilds (
    guild_id    BIGINT PRIMARY KEY,
    left_at     TEXT NOT NULL
);

-- The salt of the deletion log kept beside the database (bot/storage/deletion_log.py): the log
-- holds hashes of (server, user), never the ids themselves. 32 lowercase hex digits like
-- SQLite's lower(hex(randomblob(16))): the md5 of two random UUIDs (gen_random_uuid() is in
-- core PostgreSQL 13+ and draws from the strong random source; pgcrypto is not needed).
INSERT INTO app_meta (key, value)
VALUES ('deletion_salt', md5(gen_random_uuid()::text || gen_random_uuid()::text))
ON CONFLICT (key) DO NOTHING;

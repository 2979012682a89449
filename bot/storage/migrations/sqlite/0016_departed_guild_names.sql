-- The name of a server the bot has left, as seen when it left (GUILD_DELETE carries the cached
-- server): its students see "Career Club" in /privacy from a DM rather than its id. NULL when
-- the bot never saw it leave (it was offline then): the id is shown instead.
ALTER TABLE departed_guilds ADD COLUMN name TEXT;

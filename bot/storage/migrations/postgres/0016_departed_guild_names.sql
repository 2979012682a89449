-- The name of a server the bot has left, as seen when it left; NULL if never seen (its id is shown).
ALTER TABLE departed_guilds ADD COLUMN name TEXT;

-- PostgreSQL twin of sqlite/0014_staff_zone.sql.
-- The server's time zone for staff (IANA name; NULL: UTC): staff views' dates, the periods
-- `/staff stats since:` starts at, and the weekly staff summary's 09:00.
ALTER TABLE guild_settings ADD COLUMN zone TEXT CHECK (zone IS NULL OR length(zone) BETWEEN 1 AND 64);

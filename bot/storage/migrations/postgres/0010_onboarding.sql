-- PostgreSQL twin of sqlite/0010_onboarding.sql.
-- Onboarding (issue 12): when the student was pointed to /start, i.e. when their first
-- stored command in this server ran (the pointer follows it, once). Students who used the bot
-- before this release are past their first command: they are not pointed.
ALTER TABLE students ADD COLUMN start_pointed_at TEXT;
UPDATE students SET start_pointed_at = created_at;

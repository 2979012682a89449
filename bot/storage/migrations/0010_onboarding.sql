-- Onboarding (issue 12): when the student was pointed to /start (after their first command in
-- this server) or opened /start themselves; NULL until then. The pointer is shown once.
ALTER TABLE students ADD COLUMN start_pointed_at TEXT;

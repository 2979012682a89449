-- PostgreSQL twin of sqlite/0015_replan_pending.sql.
-- Fair share (issue 14): a settings change commits first, then the student's contacts are
-- re-planned in small transactions. replan_pending marks the student until the last one is
-- done (a number that grows with each change, so an older pass never clears a newer mark:
-- BIGINT, as SQLite's INTEGER is 64-bit); a pass a crash interrupted is finished at start-up
-- and by the dispatcher's sweep.
ALTER TABLE students ADD COLUMN replan_pending BIGINT;
CREATE INDEX students_replan_pending ON students (replan_pending)
    WHERE replan_pending IS NOT NULL;

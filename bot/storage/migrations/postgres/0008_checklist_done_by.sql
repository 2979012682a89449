-- PostgreSQL twin of sqlite/0008_checklist_done_by.sql.
-- Checklists that tick themselves (issue 10): an item a server's staff added may be tied to
-- an action ("request_sent", "thanked", … see bot/domain/auto_ticks.py), which ticks it for
-- every student once the action is logged. NULL: ticked by hand only.
ALTER TABLE checklist_items ADD COLUMN done_by TEXT
    CHECK (done_by IS NULL OR length(done_by) BETWEEN 1 AND 32);

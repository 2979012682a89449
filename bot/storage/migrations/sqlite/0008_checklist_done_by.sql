-- Checklists that tick themselves (issue 10): an item a server's staff added may be tied to
-- an action ("request_sent", "thanked", … see bot/domain/auto_ticks.py), which ticks it for
-- every student once the action is logged. NULL: ticked by hand only (and, for a default
-- item, whatever data/checklists says). The names are checked by the staff action, so adding
-- one to the vocabulary needs no migration.
--
-- The default items that left the per-contact checklists in this release (lamp-list,
-- top-five, find-contact, now in data/search.toml, and followup's log-follow-up) keep their
-- checklist_ticks rows: ids are never reused, no checklist shows them, and a student's export
-- still lists what they ticked.
ALTER TABLE checklist_items ADD COLUMN done_by TEXT
    CHECK (done_by IS NULL OR length(done_by) BETWEEN 1 AND 32);

-- PostgreSQL twin of sqlite/0006_lookup_indexes.sql.
-- Lookups that scanned whole tables as they grew:
-- * re-planning a contact finds its nudges by (contact, kind, status);
-- * a user's DM channel, closed DMs and their held nudges are found by user id across servers
--   (students and nudges are keyed by server first).
CREATE INDEX nudges_by_contact ON nudges (contact_id, kind, status);
CREATE INDEX students_by_user ON students (user_id);
CREATE INDEX nudges_live_by_user ON nudges (user_id) WHERE status IN ('pending', 'sending');

-- Lookups that scanned whole tables as they grew:
-- * re-planning a contact finds its nudges by (contact, kind, status): 5,000 re-plans took
--   32-42 s without this index, 4.5 s with it;
-- * a user's DM channel, closed DMs and their held nudges are found by user id across servers
--   (students and nudges are keyed by server first): ~84 ms a lookup at 1,000,000 students.
CREATE INDEX nudges_by_contact ON nudges (contact_id, kind, status);
CREATE INDEX students_by_user ON students (user_id);
CREATE INDEX nudges_live_by_user ON nudges (user_id) WHERE status IN ('pending', 'sending');

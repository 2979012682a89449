-- PostgreSQL twin of sqlite/0002_outreach_and_meta.sql.
-- The 3B7 routine: when the request went out (UTC instant + the zone it was logged in), the
-- local day the business-day count starts from, the two follow-up dates, and the reply.
ALTER TABLE contacts ADD COLUMN requested_at TEXT;
ALTER TABLE contacts ADD COLUMN requested_tz TEXT;
ALTER TABLE contacts ADD COLUMN request_time_known INTEGER CHECK (request_time_known IN (0, 1));
ALTER TABLE contacts ADD COLUMN count_from TEXT;
ALTER TABLE contacts ADD COLUMN second_contact_on TEXT;
ALTER TABLE contacts ADD COLUMN follow_up_on TEXT;
ALTER TABLE contacts ADD COLUMN replied_at TEXT;
ALTER TABLE contacts ADD COLUMN replied_on TEXT;
ALTER TABLE contacts ADD COLUMN reply_class TEXT
    CHECK (reply_class IS NULL OR reply_class IN ('booster', 'obligate', 'curmudgeon'));

-- Small key/value facts about this installation (e.g. the hash of the registered commands).
CREATE TABLE app_meta (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);

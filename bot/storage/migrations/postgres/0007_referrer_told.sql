-- PostgreSQL twin of sqlite/0007_referrer_told.sql.
-- Coaching through every stage (issue 10): when the student told the person who referred them
-- that they reached out, on the referral's row; NULL until then (and for contacts nobody
-- referred).
ALTER TABLE contacts ADD COLUMN referrer_told_at TEXT;

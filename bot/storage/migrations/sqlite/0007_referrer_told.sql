-- Coaching through every stage (issue 10): once a referral's request is logged, the student
-- tells the person who referred them ("let Dana know you reached out to Priya"). The moment
-- they logged it, on the referral's row; NULL until then (and for contacts nobody referred).
ALTER TABLE contacts ADD COLUMN referrer_told_at TEXT;

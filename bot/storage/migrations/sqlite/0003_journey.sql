-- The rest of the journey: the meeting, stage timestamps, closing, questions, interview notes,
-- and the student's own settings. Timestamps of skipped stages stay NULL.

ALTER TABLE contacts ADD COLUMN meeting_at TEXT;            -- the meeting's start, UTC
ALTER TABLE contacts ADD COLUMN meeting_tz TEXT;            -- the zone it was scheduled in
ALTER TABLE contacts ADD COLUMN meeting_minutes INTEGER
    CHECK (meeting_minutes IS NULL OR meeting_minutes BETWEEN 10 AND 120);
ALTER TABLE contacts ADD COLUMN scheduled_at TEXT;          -- when the meeting was (re)scheduled
ALTER TABLE contacts ADD COLUMN met_at TEXT;
ALTER TABLE contacts ADD COLUMN thanked_at TEXT;
ALTER TABLE contacts ADD COLUMN reported_back_at TEXT;
ALTER TABLE contacts ADD COLUMN kept_in_touch_at TEXT;      -- the latest touch
ALTER TABLE contacts ADD COLUMN closed_at TEXT;
ALTER TABLE contacts ADD COLUMN close_reason TEXT
    CHECK (close_reason IS NULL OR close_reason IN ('no_reply', 'declined', 'other'));
ALTER TABLE contacts ADD COLUMN stage_before_close TEXT;

CREATE INDEX contacts_by_referrer ON contacts (referred_by) WHERE referred_by IS NOT NULL;

-- The student's question list for one contact, in order (at most 10, enforced by the bot).
CREATE TABLE contact_questions (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    category    TEXT NOT NULL CHECK (category IN
                    ('trends', 'insights', 'advice', 'resources', 'assignments', 'own')),
    bank_id     TEXT,                                       -- set when taken from the bank
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300)
);
CREATE INDEX contact_questions_by_contact ON contact_questions (contact_id, position);

-- What the student wrote right after the meeting.
CREATE TABLE interview_notes (
    contact_id  INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    notes       TEXT CHECK (notes IS NULL OR length(notes) <= 1000),
    takeaways   TEXT CHECK (takeaways IS NULL OR length(takeaways) <= 1000),
    logged_at   TEXT NOT NULL
) WITHOUT ROWID;

-- The student's settings in this server. Quiet hours are local wall-clock times.
ALTER TABLE students ADD COLUMN quiet_start TEXT NOT NULL DEFAULT '21:00';
ALTER TABLE students ADD COLUMN quiet_end TEXT NOT NULL DEFAULT '08:00';
ALTER TABLE students ADD COLUMN nudges_enabled INTEGER NOT NULL DEFAULT 1
    CHECK (nudges_enabled IN (0, 1));
ALTER TABLE students ADD COLUMN digest_day INTEGER DEFAULT 0       -- 0 = Monday … 6 = Sunday
    CHECK (digest_day IS NULL OR digest_day BETWEEN 0 AND 6);      -- NULL = off

-- Nudges: the single source of truth for every direct-message reminder.
-- status: pending → sending → sent, or cancelled (no longer wanted), skipped (made no sense by
-- the time it could be sent), undeliverable (the student's DMs are closed).
-- occurrence names what the nudge is about independently of time zones and quiet hours (e.g.
-- "2026-12-03" for a 3B7 day, the meeting's instant for a meeting reminder, the ISO week for a
-- digest); planned_at is when it was meant to arrive, due_at when it may go out now. A sent occurrence is never planned again, so changing
-- quiet hours or the time zone cannot make a nudge arrive twice.

ALTER TABLE contacts ADD COLUMN followed_up_at TEXT;
ALTER TABLE contacts ADD COLUMN nudges_stopped INTEGER NOT NULL DEFAULT 0
    CHECK (nudges_stopped IN (0, 1));

ALTER TABLE students ADD COLUMN dm_channel_id INTEGER;
ALTER TABLE students ADD COLUMN unreachable_at TEXT;       -- DMs closed (403, code 50007)
ALTER TABLE students ADD COLUMN unreachable_told_at TEXT;  -- when we told them in the server

CREATE TABLE nudges (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    contact_id   INTEGER REFERENCES contacts (id) ON DELETE CASCADE,   -- NULL for the digest
    kind         TEXT NOT NULL,
    occurrence   TEXT NOT NULL,
    planned_at   TEXT NOT NULL,   -- when it was meant to go out (quiet hours applied)
    due_at       TEXT NOT NULL,   -- when it may go out now (later after a retry or deferral)
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                     ('pending', 'sending', 'sent', 'cancelled', 'skipped', 'undeliverable')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    claimed_at   TEXT,
    sent_at      TEXT,
    message_id   INTEGER,
    action       TEXT CHECK (action IS NULL OR action IN ('done', 'snoozed', 'stopped')),
    acted_at     TEXT,
    snoozed_from INTEGER REFERENCES nudges (id) ON DELETE SET NULL,  -- the nudge this one snoozes
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES students (guild_id, user_id) ON DELETE CASCADE
);

-- One live nudge per (contact, kind), and per (student, kind) for the digest.
CREATE UNIQUE INDEX nudges_one_live_per_contact ON nudges (contact_id, kind)
    WHERE status IN ('pending', 'sending') AND contact_id IS NOT NULL;
CREATE UNIQUE INDEX nudges_one_live_digest ON nudges (guild_id, user_id, kind)
    WHERE status IN ('pending', 'sending') AND contact_id IS NULL;
-- The dispatcher's next-due query stays fast however many sent rows pile up.
CREATE INDEX nudges_pending_by_due ON nudges (due_at) WHERE status = 'pending';
CREATE INDEX nudges_sending ON nudges (claimed_at) WHERE status = 'sending';
CREATE INDEX nudges_by_owner ON nudges (guild_id, user_id, status);

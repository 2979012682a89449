-- Staff tools: per-server settings, per-server checklist edits, an audit log of staff actions,
-- the student's opt-in to share their stages with staff, and departures from the server.

CREATE TABLE guild_settings (
    guild_id              INTEGER PRIMARY KEY,
    staff_role_id         INTEGER,
    word_limit            INTEGER NOT NULL DEFAULT 100 CHECK (word_limit BETWEEN 50 AND 200),
    meeting_minutes       INTEGER NOT NULL DEFAULT 20 CHECK (meeting_minutes BETWEEN 10 AND 60),
    report_back_days      INTEGER NOT NULL DEFAULT 14 CHECK (report_back_days BETWEEN 7 AND 30),
    holiday_country       TEXT,                -- a country code the `holidays` package knows
    digest_channel_id     INTEGER,             -- where the weekly staff summary goes
    departure_grace_days  INTEGER NOT NULL DEFAULT 30 CHECK (departure_grace_days BETWEEN 1 AND 365),
    updated_at            TEXT NOT NULL
) WITHOUT ROWID;

-- A server's version of a phase's checklist: one row per item the server changed, added, hid
-- or moved. Items without a row keep their default text and place. Ticks are stored by item id,
-- so rewording or moving an item keeps every student's progress on it.
CREATE TABLE checklist_items (
    guild_id    INTEGER NOT NULL,
    phase       TEXT NOT NULL CHECK (phase IN ('request', 'prepare', 'interview', 'followup')),
    item_id     TEXT NOT NULL,
    text        TEXT CHECK (text IS NULL OR length(text) BETWEEN 1 AND 200),  -- NULL: default
    why         TEXT CHECK (why IS NULL OR length(why) <= 200),
    hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    position    INTEGER,                                                       -- NULL: default
    custom      INTEGER NOT NULL DEFAULT 0 CHECK (custom IN (0, 1)),           -- added by staff
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, phase, item_id)
) WITHOUT ROWID;

-- Who did what, when: every staff action (append-only).
CREATE TABLE staff_audit (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    staff_user_id  INTEGER NOT NULL,
    action         TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    at             TEXT NOT NULL
);
CREATE INDEX staff_audit_by_guild ON staff_audit (guild_id, at);

ALTER TABLE students ADD COLUMN share_with_staff INTEGER NOT NULL DEFAULT 0
    CHECK (share_with_staff IN (0, 1));
ALTER TABLE students ADD COLUMN departed_at TEXT;        -- first seen gone from the server
ALTER TABLE students ADD COLUMN membership_checked_at TEXT;

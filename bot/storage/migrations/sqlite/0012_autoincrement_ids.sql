-- Ids that appear in buttons and forms (contacts, reminders, employers, prepared questions) are
-- never reused: an old DM button must not act on a newer row of the same student after the
-- row it was made for was deleted. SQLite guarantees that only with AUTOINCREMENT, which an
-- existing table cannot gain: each table is rebuilt (SQLite's 12-step ALTER procedure,
-- https://www.sqlite.org/lang_altertable.html#otheralter), keeping its columns, foreign keys
-- and indexes (none of these tables has a trigger or a view).
--
-- Foreign keys must be OFF while this runs (dropping a parent table with them on would run
-- its ON DELETE CASCADE actions and erase the children): bot.storage.database.Database.open
-- turns them off around migrations, since PRAGMA foreign_keys is a no-op inside the
-- migration's transaction. This first check refuses to run otherwise.
CREATE TEMP TABLE autoincrement_guard (
    foreign_keys_on INTEGER CHECK (foreign_keys_on = 0),  -- fails: run with foreign_keys OFF
    violations INTEGER CHECK (violations = 0)             -- fails: a foreign key is broken
);
INSERT INTO temp.autoincrement_guard (foreign_keys_on) SELECT foreign_keys FROM pragma_foreign_keys;

-- employers ----------------------------------------------------------------------------------
CREATE TABLE new_employers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    alumni      INTEGER CHECK (alumni IS NULL OR alumni IN (0, 1)),
    motivation  INTEGER CHECK (motivation IS NULL OR motivation BETWEEN 0 AND 3),
    posting     INTEGER CHECK (posting IS NULL OR posting BETWEEN 1 AND 3),
    note        TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 300),
    pinned      INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    done_at     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES students (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO new_employers (id, guild_id, user_id, name, alumni, motivation, posting, note,
                           pinned, done_at, created_at, updated_at)
    SELECT id, guild_id, user_id, name, alumni, motivation, posting, note,
           pinned, done_at, created_at, updated_at FROM employers;
DROP TABLE employers;
ALTER TABLE new_employers RENAME TO employers;
CREATE INDEX employers_by_owner ON employers (guild_id, user_id);

-- contacts -----------------------------------------------------------------------------------
CREATE TABLE new_contacts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    person          TEXT NOT NULL CHECK (length(person) BETWEEN 1 AND 100),
    organization    TEXT NOT NULL CHECK (length(organization) BETWEEN 1 AND 100),
    role            TEXT CHECK (role IS NULL OR length(role) BETWEEN 1 AND 100),
    connection      TEXT CHECK (connection IS NULL OR connection IN
                        ('alumni', 'friend_family', 'mutual', 'group', 'cold')),
    stage           TEXT NOT NULL DEFAULT 'planned' CHECK (stage IN
                        ('planned', 'requested', 'replied', 'scheduled', 'met', 'thanked',
                         'keeping_in_touch', 'closed')),
    referred_by     INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    requested_at    TEXT,
    requested_tz    TEXT,
    request_time_known INTEGER CHECK (request_time_known IN (0, 1)),
    count_from      TEXT,
    second_contact_on TEXT,
    follow_up_on    TEXT,
    replied_at      TEXT,
    replied_on      TEXT,
    reply_class     TEXT
        CHECK (reply_class IS NULL OR reply_class IN ('booster', 'obligate', 'curmudgeon')),
    meeting_at      TEXT,
    meeting_tz      TEXT,
    meeting_minutes INTEGER
        CHECK (meeting_minutes IS NULL OR meeting_minutes BETWEEN 10 AND 120),
    scheduled_at    TEXT,
    met_at          TEXT,
    thanked_at      TEXT,
    reported_back_at TEXT,
    kept_in_touch_at TEXT,
    closed_at       TEXT,
    close_reason    TEXT
        CHECK (close_reason IS NULL OR close_reason IN ('no_reply', 'declined', 'other')),
    stage_before_close TEXT,
    followed_up_at  TEXT,
    nudges_stopped  INTEGER NOT NULL DEFAULT 0 CHECK (nudges_stopped IN (0, 1)),
    referrer_told_at TEXT,
    employer_id     INTEGER REFERENCES employers (id) ON DELETE SET NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES students (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO new_contacts (id, guild_id, user_id, person, organization, role, connection, stage,
        referred_by, created_at, updated_at, requested_at, requested_tz, request_time_known,
        count_from, second_contact_on, follow_up_on, replied_at, replied_on, reply_class,
        meeting_at, meeting_tz, meeting_minutes, scheduled_at, met_at, thanked_at,
        reported_back_at, kept_in_touch_at, closed_at, close_reason, stage_before_close,
        followed_up_at, nudges_stopped, referrer_told_at, employer_id)
    SELECT id, guild_id, user_id, person, organization, role, connection, stage,
        referred_by, created_at, updated_at, requested_at, requested_tz, request_time_known,
        count_from, second_contact_on, follow_up_on, replied_at, replied_on, reply_class,
        meeting_at, meeting_tz, meeting_minutes, scheduled_at, met_at, thanked_at,
        reported_back_at, kept_in_touch_at, closed_at, close_reason, stage_before_close,
        followed_up_at, nudges_stopped, referrer_told_at, employer_id
    FROM contacts;
DROP TABLE contacts;
ALTER TABLE new_contacts RENAME TO contacts;
CREATE INDEX contacts_by_owner ON contacts (guild_id, user_id, updated_at);
CREATE INDEX contacts_by_referrer ON contacts (referred_by) WHERE referred_by IS NOT NULL;
CREATE INDEX contacts_by_employer ON contacts (employer_id);

-- contact_questions --------------------------------------------------------------------------
CREATE TABLE new_contact_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    category    TEXT NOT NULL CHECK (category IN
                    ('trends', 'insights', 'advice', 'resources', 'assignments', 'own')),
    bank_id     TEXT,                                       -- set when taken from the bank
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    starred_at  TEXT                                        -- NULL: not starred (0011)
);
INSERT INTO new_contact_questions (id, contact_id, position, category, bank_id, text, starred_at)
    SELECT id, contact_id, position, category, bank_id, text, starred_at FROM contact_questions;
DROP TABLE contact_questions;
ALTER TABLE new_contact_questions RENAME TO contact_questions;
CREATE INDEX contact_questions_by_contact ON contact_questions (contact_id, position);

-- nudges -------------------------------------------------------------------------------------
CREATE TABLE new_nudges (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO new_nudges (id, guild_id, user_id, contact_id, kind, occurrence, planned_at, due_at,
        status, attempts, last_error, claimed_at, sent_at, message_id, action, acted_at,
        snoozed_from, created_at, updated_at)
    SELECT id, guild_id, user_id, contact_id, kind, occurrence, planned_at, due_at,
        status, attempts, last_error, claimed_at, sent_at, message_id, action, acted_at,
        snoozed_from, created_at, updated_at FROM nudges;
DROP TABLE nudges;
ALTER TABLE new_nudges RENAME TO nudges;
CREATE UNIQUE INDEX nudges_one_live_per_contact ON nudges (contact_id, kind)
    WHERE status IN ('pending', 'sending') AND contact_id IS NOT NULL;
CREATE UNIQUE INDEX nudges_one_live_digest ON nudges (guild_id, user_id, kind)
    WHERE status IN ('pending', 'sending') AND contact_id IS NULL;
CREATE INDEX nudges_pending_by_due ON nudges (due_at) WHERE status = 'pending';
CREATE INDEX nudges_sending ON nudges (claimed_at) WHERE status = 'sending';
CREATE INDEX nudges_by_owner ON nudges (guild_id, user_id, status);
CREATE INDEX nudges_by_contact ON nudges (contact_id, kind, status);
CREATE INDEX nudges_live_by_user ON nudges (user_id) WHERE status IN ('pending', 'sending');

-- Ids already given out and since deleted stay retired: a contact id the activity log still
-- names is above the new table's largest id when that contact was the newest one.
DELETE FROM sqlite_sequence WHERE name = 'contacts';
INSERT INTO sqlite_sequence (name, seq) VALUES ('contacts', max(
    coalesce((SELECT max(id) FROM contacts), 0),
    coalesce((SELECT max(contact_id) FROM events), 0)));

-- Step 10 of the procedure: every foreign key still holds (the whole migration rolls back
-- otherwise).
INSERT INTO temp.autoincrement_guard (foreign_keys_on, violations)
    SELECT 0, count(*) FROM pragma_foreign_key_check;
DROP TABLE temp.autoincrement_guard;

-- Students, their contacts, checklist progress and the append-only event log.
-- Instants are ISO-8601 text in UTC ("2026-11-26T20:10:00.000000+00:00"); local dates are
-- ISO dates ("2026-11-26") kept beside the IANA zone they were computed in.

CREATE TABLE students (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    timezone        TEXT,
    created_at      TEXT NOT NULL,
    last_active_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
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
    FOREIGN KEY (guild_id, user_id) REFERENCES students (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX contacts_by_owner ON contacts (guild_id, user_id, updated_at);

CREATE TABLE checklist_ticks (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    phase       TEXT NOT NULL CHECK (phase IN ('request', 'prepare', 'interview', 'followup')),
    item_id     TEXT NOT NULL,
    ticked_at   TEXT NOT NULL,
    PRIMARY KEY (contact_id, phase, item_id)
) WITHOUT ROWID;

-- Append-only: rows are inserted, never updated. Deleted only when a student deletes their data.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    contact_id  INTEGER,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    at          TEXT NOT NULL
);
CREATE INDEX events_by_owner ON events (guild_id, user_id, at);
CREATE INDEX events_by_kind ON events (guild_id, kind, at);

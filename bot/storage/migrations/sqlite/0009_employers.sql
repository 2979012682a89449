-- Employers (issue 11): the student's LAMP list in one server. Scores are NULL until given
-- (an employer created from a contact's organization starts unscored). done_at: when the
-- student said they are done there (NULL otherwise); every contact closed also counts as done,
-- which is read from the contacts, not stored.
CREATE TABLE employers (
    id          INTEGER PRIMARY KEY,
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
CREATE INDEX employers_by_owner ON employers (guild_id, user_id);

-- Every contact belongs to an employer (NULL only for a contact added by code that does not
-- link one yet).
ALTER TABLE contacts ADD COLUMN employer_id INTEGER REFERENCES employers (id) ON DELETE SET NULL;
CREATE INDEX contacts_by_employer ON contacts (employer_id);

-- Existing contacts: one employer per organization text of each student in each server,
-- grouped without case (ASCII letters: SQLite's lower()) and with every run of whitespace
-- (spaces, tabs, line breaks, no-break spaces) as one space, the way the bot compares names.
-- Each employer takes the id, the organization text and the creation time of the group's
-- first contact; every contact keeps its own organization text.
CREATE TEMP TABLE employer_migration AS
SELECT id AS contact_id, guild_id, user_id, organization, created_at,
       lower(trim(
           replace(replace(replace(replace(replace(replace(replace(
               replace(replace(replace(replace(replace(replace(organization,
                   char(9), ' '), char(10), ' '), char(11), ' '), char(12), ' '),
                   char(13), ' '), char(160), ' '),
               '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')
       )) AS name_key
FROM contacts;

CREATE INDEX temp.employer_migration_by_key
    ON employer_migration (guild_id, user_id, name_key, contact_id);

INSERT INTO employers (id, guild_id, user_id, name, created_at, updated_at)
SELECT m.contact_id, m.guild_id, m.user_id, m.organization, m.created_at, m.created_at
FROM employer_migration AS m
WHERE m.contact_id = (
    SELECT min(f.contact_id) FROM employer_migration AS f
    WHERE f.guild_id = m.guild_id AND f.user_id = m.user_id AND f.name_key = m.name_key
);

UPDATE contacts SET employer_id = (
    SELECT min(f.contact_id)
    FROM employer_migration AS m JOIN employer_migration AS f
        ON f.guild_id = m.guild_id AND f.user_id = m.user_id AND f.name_key = m.name_key
    WHERE m.contact_id = contacts.id
);

DROP TABLE temp.employer_migration;

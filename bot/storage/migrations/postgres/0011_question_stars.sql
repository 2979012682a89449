-- PostgreSQL twin of sqlite/0011_question_stars.sql.
-- Starred questions (issue 12): the student stars up to three of a contact's questions (at
-- most 3, enforced by the bot); starred ones are listed first and the 1-hour reminder shows
-- them. NULL: not starred.
ALTER TABLE contact_questions ADD COLUMN starred_at TEXT;

-- PostgreSQL twin of sqlite/0012_autoincrement_ids.sql.
-- Ids that appear in buttons and forms (contacts, reminders, employers, prepared questions) are
-- never reused. On SQLite that took AUTOINCREMENT and a rebuild of each table; here these ids
-- are identity columns since they were created (0001, 0003, 0004, 0009), whose sequences never
-- go back, so no table is rebuilt: the columns, keys and indexes are already what the SQLite
-- rebuild produces.
--
-- The one part that is not a rebuild: a contact id the activity log still names stays retired
-- even when no contact has it any more. The sequence moves past the largest such id (never
-- backwards: greatest() keeps its own position and ignores NULLs).
SELECT setval(pg_get_serial_sequence('contacts', 'id'), top)
FROM (SELECT greatest(
          pg_sequence_last_value(pg_get_serial_sequence('contacts', 'id')::regclass),
          (SELECT max(id) FROM contacts),
          (SELECT max(contact_id) FROM events)) AS top) AS retired
WHERE top IS NOT NULL;

-- PostgreSQL twin of sqlite/0017_nudge_claimer.sql.
-- Who claimed a nudge for sending, a leader's term (bot/leadership.py): start-up repair settles
-- a 'sending' row only when its claimer no longer holds the leader's lock. NULL: claimed before
-- this column existed (treated as orphaned), or released.
ALTER TABLE nudges ADD COLUMN claimed_by TEXT;

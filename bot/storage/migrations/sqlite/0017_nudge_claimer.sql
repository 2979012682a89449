-- Several processes (issue 16): who claimed a nudge for sending, a leader's term
-- (bot/leadership.py). Start-up repair settles a 'sending' row only when its claimer no longer
-- leads, so a live leader's send in flight is never taken for a crash's. NULL: claimed before
-- this column existed (treated as orphaned, as before), or released.
ALTER TABLE nudges ADD COLUMN claimed_by TEXT;

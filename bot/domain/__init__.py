"""Pure domain logic for InfoCoach: no Discord, no storage, no I/O."""

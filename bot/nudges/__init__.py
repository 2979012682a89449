"""Nudges: planning rows from a contact's state, and delivering them exactly once as DMs.

storage (a due row) → dispatcher (claim → send → mark) → Discord DM. APScheduler is only the
alarm clock that wakes the dispatcher at the next due time.
"""

"""Shared discord.py pieces: private replies, the error handler, checklists, pickers."""

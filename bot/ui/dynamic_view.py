"""Views made only of DynamicItems. discord.py dispatches those by their registered class, so
the View object itself is never needed after sending: it is created already stopped, which
keeps discord.py from storing it (for 15 minutes per ephemeral reply, or forever) and keeps the
garbage collector from walking thousands of dead views under load (measured: full collections
of 70–150 ms mid-burst without this, under 30 ms with it)."""

from __future__ import annotations

import discord


def dynamic_view(*items: discord.ui.Item[discord.ui.View]) -> discord.ui.View:
    """A view for DynamicItems only: rendered, never stored."""
    view = discord.ui.View(timeout=None)
    for item in items:
        if not isinstance(item, discord.ui.DynamicItem):
            raise TypeError(f"{item!r} is not a DynamicItem; it would not work after sending")
        view.add_item(item)
    view.stop()
    return view

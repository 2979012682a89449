"""What the student reads when closing a contact left every contact at its employer closed:
the employer is done and the next one moves into the top five. Shared by ``/followup close``
and the "Close as no reply" button of a reminder."""

from __future__ import annotations

from bot.actions.employers import EmployerExhausted
from bot.text import escape_markdown


def exhausted_text(exhausted: EmployerExhausted, in_server: str = "") -> str:
    """``in_server`` names the server for a slash command (in a DM); empty in the server."""
    name = escape_markdown(exhausted.employer.name)
    where = f" {in_server}" if in_server else ""
    entered = exhausted.moves.entered
    if entered:
        names = " and ".join(f"**{escape_markdown(e.name)}**" for e in entered)
        verb = "moves" if len(entered) == 1 else "move"
        return (
            f"**{name}** is done; {names} {verb} into your top five. Next: find someone at "
            f"{names} to ask for a 20-minute conversation, and add them with `/request new`"
            f"{where}."
        )
    if exhausted.moves.left:
        return (
            f"**{name}** is done, and your top five has a free place: add employers with "
            f"`/employers add` or `/employers import`{where}."
        )
    return (
        f"Every contact at **{name}** is closed, so it is done (it wasn't in your top five, "
        "so the five stay the same)."
    )

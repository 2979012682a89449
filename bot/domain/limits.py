"""How much one student may keep and log, in one place (the README's "Limits" lists them).

The method needs far less than any of these: about 40 target employers, a handful of contacts
at each of the top five, ten questions and a few referrals per meeting. The limits exist so
that one student (or a script) can never slow everyone else down: each is many times what the
method uses, and each refusal says which limit was reached and what to do.

Pure constants and messages: no I/O.
"""

from __future__ import annotations

MAX_OPEN_CONTACTS = 300
"""Contacts one student may have open (any stage but closed) in one server."""
MAX_EMPLOYERS = 200
"""Employers one student may keep in one server."""
MAX_QUESTIONS = 10
"""Questions on one contact's list."""
MAX_STARS = 3
"""Starred questions per contact (the 1-hour reminder shows them first)."""
MAX_REFERRALS = 10
"""Referrals logged with one meeting."""

MAX_TICK_EVENTS_PER_DAY = 500
"""Checklist events (``checklist_ticked`` / ``checklist_unticked``) logged per student per
server per UTC day. A checklist item's ticks and unticks of one day are one event anyway (the
latest replaces the earlier one); past this many items the tick is still saved, only not
logged. Journey events (a request sent, a meeting logged, a setting changed…) are always
logged."""
EMAIL_CHECKS_PER_DAY = 20
"""``email_checked`` events kept per student per server per UTC day; later checks that day
replace the latest one (its verdict and time), so "checked an email since" stays true."""


def too_many_contacts(open_now: int, adding: int = 1) -> str | None:
    """The refusal when adding ``adding`` contacts to ``open_now`` open ones would pass
    :data:`MAX_OPEN_CONTACTS`; None when there is room."""
    if open_now + adding <= MAX_OPEN_CONTACTS:
        return None
    room = max(0, MAX_OPEN_CONTACTS - open_now)
    asked = "this contact" if adding == 1 else f"these {adding} contacts"
    space = f"there is room for {room} more" if room else "there is no room for more"
    return (
        f"You have {open_now} open contacts in this server, and {MAX_OPEN_CONTACTS} is the most "
        f"one student can keep open here, so {asked} can't be added ({space}). Close the "
        "contacts you are done with (`/followup close`: closed contacts don't count, and "
        "`/followup reopen` brings one back), then try again. Nothing was added."
    )

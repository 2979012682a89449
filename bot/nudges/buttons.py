"""The buttons on every reminder DM: the reminder's own step ("I sent the follow-up", "They
replied", "Schedule the meeting", "Open my checklist", "I reached out to …"), Snooze and Stop.

All of them are one persistent DynamicItem whose custom_id carries the nudge id,
``ic:nd:<action>:<nudge id>`` (the marker start-up recovery looks for), so they work after a
restart with no stored state; every action checks that the presser owns the nudge. Snooze on
a meeting or thank-you reminder, and "I reached out to …", swap the message's buttons for a
short menu in place (``ic:nd:<action>:<nudge id>:<choice>``, with a Back button): a time that
ends before what the reminder is about, or the referral reached. Answering a reminder (Done or
its named step, They replied, Snooze, Stop) greys out the answers; the buttons that act on the
contact stay live, so the DM never ends in a dead end.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.actions.contact_reminders import resume_from_reminder
from bot.actions.context import StudentKey
from bot.actions.dm_steps import (
    ReferralReached,
    employer_after_close,
    log_referral_reached,
    open_referrals,
    reminder_questions,
    reminder_subject,
    schedule_form,
)
from bot.actions.nudge_responses import (
    NudgeDone,
    NudgeReplied,
    NudgeStopped,
    OutOfDate,
    own_nudge,
    respond_done,
    respond_replied,
    snooze_nudge,
    snooze_options,
    stop_nudge,
)
from bot.discord_limits import BUTTON_LABEL, BUTTONS_PER_ROW, MESSAGE_LIMIT, ROWS_PER_MESSAGE
from bot.domain.nudge_kinds import NudgeKind
from bot.domain.nudge_snooze import BUSINESS_DAY_KINDS, DEADLINE_KINDS, SnoozeChoice
from bot.domain.three_b_seven import ReplyClass
from bot.errors import UserError
from bot.nudges.render import ADD_ANOTHER, ADD_SECOND
from bot.text import escape_markdown, long_date
from bot.ui.checklist import show_checklist
from bot.ui.contact_reminders import RESUME_LABEL, resumed_text
from bot.ui.dm_forms import MeetingForm, SecondPersonForm, register_dm_forms, where
from bot.ui.dynamic_view import dynamic_view
from bot.ui.employer_moves import exhausted_text
from bot.ui.guarded import GuardedCallback, context_of, parse_id
from bot.ui.meeting import interview_brief

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.storage.nudges import NudgeRow

LABEL_LIMIT = 80
"""Characters in a button's label."""

ANSWERS = frozenset({"done", "reply", "snooze", "stop"})
"""Buttons that answer the reminder (one answer per reminder); the others act on its contact."""

LAYOUTS: dict[NudgeKind, tuple[str, ...]] = {
    NudgeKind.SECOND_CONTACT: ("add", "done", "snooze", "stop"),
    NudgeKind.FOLLOW_UP: ("done", "reply", "snooze", "stop"),
    NudgeKind.CLOSE_NO_REPLY: ("done", "reply", "snooze", "stop"),
    NudgeKind.SCHEDULE: ("schedule", "snooze", "stop"),
    NudgeKind.SCHEDULE_AGAIN: ("schedule", "snooze", "stop"),
    NudgeKind.PREPARE: ("checklist", "done", "snooze", "stop"),
    NudgeKind.CONFIRM: ("done", "snooze", "stop"),
    NudgeKind.TOP_QUESTIONS: ("questions", "done", "snooze", "stop"),
    NudgeKind.THANK_YOU: ("done", "snooze", "stop"),
    NudgeKind.THANK_YOU_AGAIN: ("done", "snooze", "stop"),
    NudgeKind.REFERRALS: ("refs", "snooze", "stop"),
    NudgeKind.TELL_REFERRER: ("done", "snooze", "stop"),
    NudgeKind.REPORT_BACK: ("done", "snooze", "stop"),
    NudgeKind.KEEP_WARM: ("done", "snooze", "stop"),
    NudgeKind.DIGEST: ("stop",),  # a digest comes weekly: next week's is already planned
}
"""The buttons each kind of reminder carries, in order (at most five: one row)."""

DONE_LABELS: dict[NudgeKind, str] = {
    NudgeKind.FOLLOW_UP: "I sent the follow-up",
    NudgeKind.CLOSE_NO_REPLY: "Close as no reply",
    NudgeKind.CONFIRM: "Confirmed",
    NudgeKind.THANK_YOU: "I sent the thank-you",
    NudgeKind.THANK_YOU_AGAIN: "I sent the thank-you",
    NudgeKind.TELL_REFERRER: "I told them",
}
"""Done, named after the step it logs (plain "Done" elsewhere)."""

_FIXED: dict[str, tuple[discord.ButtonStyle, str]] = {
    "add": (discord.ButtonStyle.primary, "Add the second person"),
    "schedule": (discord.ButtonStyle.primary, "Schedule the meeting"),
    "checklist": (discord.ButtonStyle.primary, "Open my checklist"),
    "questions": (discord.ButtonStyle.primary, "Show my questions"),
    "refs": (discord.ButtonStyle.primary, "I reached out to …"),
    "reply": (discord.ButtonStyle.primary, "They replied"),
    "done": (discord.ButtonStyle.success, "Done"),
    "snooze": (discord.ButtonStyle.secondary, "Snooze"),
    "stop": (discord.ButtonStyle.danger, "Stop"),
    "snoozeat": (discord.ButtonStyle.secondary, "Snooze"),
    "ref": (discord.ButtonStyle.primary, "This one"),
    "resume": (discord.ButtonStyle.primary, RESUME_LABEL),
    "back": (discord.ButtonStyle.secondary, "Back"),
}


def snooze_label(kind: NudgeKind) -> str:
    if kind in DEADLINE_KINDS:
        return "Snooze…"  # a choice of times that end in time
    return "Snooze to next business day" if kind in BUSINESS_DAY_KINDS else "Snooze 1 day"


def _label(kind: NudgeKind, action: str) -> str | None:
    if action == "done":
        return DONE_LABELS.get(kind)
    if action == "snooze":
        return snooze_label(kind)
    if action == "stop":
        return "Stop digests" if kind is NudgeKind.DIGEST else "Stop for this contact"
    return None


KEPT_LABELS = frozenset({"add", "refs"})
"""Buttons whose label was chosen at delivery (a later contact's 3B reminder says "Add another
person"): a reminder redrawn after an answer keeps them."""


def _buttons_of(message: discord.Message | None) -> list[tuple[str, str | None, bool]]:
    """(action, label, whether it carries a choice ``…:<arg>``) of each reminder button a
    message carries."""
    found: list[tuple[str, str | None, bool]] = []
    for row in message.components if message is not None else ():
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None) or ""
            match = re.match(r"^ic:nd:([a-z]+):\d+(:.+)?$", custom_id)
            if match:
                found.append((match.group(1), getattr(child, "label", None), bool(match[2])))
    return found


def labels_of(message: discord.Message | None) -> dict[str, str]:
    """The delivery-time labels (:data:`KEPT_LABELS`) of a reminder's buttons."""
    return {
        action: label
        for action, label, choice in _buttons_of(message)
        if action in KEPT_LABELS and label and not choice
    }


def nudge_view(
    row: NudgeRow,
    *,
    answered: bool = False,
    extra: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    message: discord.Message | None = None,
    omit: Iterable[str] = (),
    spent: Iterable[str] = (),
    keep_resume: bool = True,
) -> discord.ui.View:
    """The reminder's buttons; once ``answered``, its answers greyed out and ``extra`` act
    buttons added (e.g. Schedule after They replied). ``labels`` name buttons differently
    (chosen at delivery); ``message``, the reminder being redrawn, keeps the ones it had.
    ``omit``: actions of the layout left out (one the text advises against); ``spent``: act
    buttons greyed out too (nothing left for them to do, e.g. every referral reached). A
    redrawn reminder keeps Stop's **Turn reminders back on** unless ``keep_resume`` is off."""
    kind = NudgeKind(row.kind)
    chosen = {**labels_of(message), **(labels or {})}
    view = dynamic_view()
    left_out, greyed = set(omit), set(spent)
    shown = {action for action, _, _ in _buttons_of(message)}
    if "stop" in shown:  # the reminder's own row redrawn: what was left out stays out
        left_out |= {action for action in LAYOUTS[kind] if action not in shown}
    # Stop's undo stays while its text (kept above) names it, until it is pressed.
    carried = ("resume",) if keep_resume and "resume" in shown and "resume" not in extra else ()
    for action in (*LAYOUTS[kind], *extra, *carried):
        if action in left_out:
            continue
        view.add_item(
            NudgeAction(
                action=action,
                nudge_id=row.id,
                label=chosen.get(action) or _label(kind, action),
                disabled=(answered and action in ANSWERS) or action in greyed,
            )
        )
    return view


def referral_labels(referrals: Iterable[object]) -> dict[str, str]:
    """The delivery label of the referrals reminder's button (pass it to :func:`nudge_view`'s
    ``labels``): with one referral still to reach, their name ("I reached out to Jordan
    Ruiz", logged in one click); with several, the generic one that opens a pick list."""
    names = [getattr(referral, "person", None) for referral in referrals]
    if len(names) != 1 or not isinstance(names[0], str):
        return {}
    return {"refs": f"I reached out to {names[0]}"[:BUTTON_LABEL]}


def _short_local(choice: SnoozeChoice, zone: ZoneInfo | None) -> str:
    local = choice.until.astimezone(zone) if zone is not None else choice.until
    return f"{local:%a} {local:%H:%M}"


def snooze_menu(
    nudge_id: int, choices: Iterable[SnoozeChoice], zone: ZoneInfo | None
) -> discord.ui.View:
    """The times a reminder may come back (each with its local day and time), and Back."""
    items = [
        NudgeAction(
            action="snoozeat",
            nudge_id=nudge_id,
            arg=choice.key,
            label=f"{choice.label} ({_short_local(choice, zone)})",
        )
        for choice in choices
    ]
    return _menu(nudge_id, items)


def _menu(nudge_id: int, items: Iterable[NudgeAction]) -> discord.ui.View:
    """``items`` and a Back button to the reminder's own buttons."""
    view = dynamic_view()
    for item in (*items, NudgeAction(action="back", nudge_id=nudge_id)):
        view.add_item(item)
    return view


class NudgeAction(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:nd:(?P<action>[a-z]+):(?P<nudge>\d+)(?::(?P<arg>[a-z0-9]+))?",
):
    def __init__(
        self,
        *,
        action: str,
        nudge_id: int,
        arg: str | None = None,
        label: str | None = None,
        disabled: bool = False,
    ) -> None:
        style, default_label = _FIXED.get(action, (discord.ButtonStyle.secondary, action))
        custom_id = f"ic:nd:{action}:{nudge_id}" + (f":{arg}" if arg else "")
        text = label or default_label
        super().__init__(
            discord.ui.Button(
                style=style,
                label=text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…",
                custom_id=custom_id,
                disabled=disabled,
            )
        )
        self.action = action
        self.nudge_id = nudge_id
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NudgeAction:
        return cls(
            action=match["action"],
            nudge_id=parse_id(match["nudge"]),
            arg=match["arg"],
            label=getattr(item, "label", None),
        )

    async def run(self, interaction: discord.Interaction) -> None:
        handler = _HANDLERS.get(self.action)
        if handler is None:
            await interaction.response.send_message(
                "This button is from an older version of InfoCoach and no longer does anything.",
                ephemeral=True,
            )
            return
        try:
            await handler(self, interaction)
        except OutOfDate as stale:
            await _out_of_date(self, interaction, stale)


async def _out_of_date(
    item: NudgeAction, interaction: discord.Interaction, stale: OutOfDate
) -> None:
    """A press on a reminder whose step is behind the student: say why, privately, and grey
    out its answers so the old message can't be pressed again (nothing else changes)."""
    await interaction.response.send_message(f"🕰️ {stale.message}", ephemeral=True)
    message = interaction.message
    if message is None:
        return
    try:
        row, _ = await own_nudge(
            context_of(interaction), interaction.user.id, item.nudge_id, unanswered=False
        )
        spent = ("refs",) if row.kind == NudgeKind.REFERRALS else ()
        await message.edit(view=nudge_view(row, answered=True, message=message, spent=spent))
    except (discord.HTTPException, UserError):  # the answer is out; the redraw is a nicety
        log.info("could not grey out the out-of-date reminder %s", item.nudge_id)


# --- what each button does -------------------------------------------------------------------


def with_reply(content: str, line: str) -> str:
    """The DM's text with ``✅ line`` added; when too long, earlier replies make room."""
    combined = f"{content}\n✅ {line}"
    if len(combined) > MESSAGE_LIMIT:
        combined = f"{content.split(chr(10) + '✅ ', 1)[0]}\n✅ {line}"
    return combined if len(combined) <= MESSAGE_LIMIT else combined[: MESSAGE_LIMIT - 1] + "…"


async def _reply_in_place(
    interaction: discord.Interaction, line: str, view: discord.ui.View
) -> None:
    """Add the reply under the reminder and show ``view`` as its buttons."""
    if interaction.message is None:  # not expected: DM components always carry their message
        await interaction.response.send_message(line, view=view)
        return
    content = with_reply(interaction.message.content, line)
    await interaction.response.edit_message(content=content, view=view)


async def finish_form(
    interaction: discord.Interaction, row: NudgeRow, line: str, answered: bool
) -> None:
    """A form opened from a reminder was saved: the reply goes under the reminder."""
    view = nudge_view(row, answered=answered, message=interaction.message)
    await _reply_in_place(interaction, line, view)


register_dm_forms(finish_form)


async def _done(item: NudgeAction, interaction: discord.Interaction) -> None:
    ctx = context_of(interaction)
    done = await respond_done(ctx, interaction.user.id, item.nudge_id)
    in_server = where(interaction, done.nudge.guild_id)
    line = done_reply(done, in_server)
    if done.step == "closed" and done.contact is not None:
        who = StudentKey(done.nudge.guild_id, done.nudge.user_id)
        try:
            exhausted = await employer_after_close(ctx, who, done.contact)
        except Exception:  # the close is saved: say so, whatever this extra read did
            log.exception("could not read the top five after closing contact %s", done.contact.id)
            exhausted = None
        if exhausted is not None:
            line += " " + exhausted_text(exhausted, in_server)
    await _reply_in_place(
        interaction, line, nudge_view(done.nudge, answered=True, message=interaction.message)
    )


async def _reply(item: NudgeAction, interaction: discord.Interaction) -> None:
    replied = await respond_replied(context_of(interaction), interaction.user.id, item.nudge_id)
    view = nudge_view(
        replied.nudge, answered=True, extra=("schedule",), message=interaction.message
    )
    await _reply_in_place(interaction, replied_text(replied), view)


async def _snooze(item: NudgeAction, interaction: discord.Interaction) -> None:
    ctx = context_of(interaction)
    options = await snooze_options(ctx, interaction.user.id, item.nudge_id)
    if options.kind in DEADLINE_KINDS:
        menu = snooze_menu(item.nudge_id, options.choices, options.zone)
        await interaction.response.edit_message(view=menu)
        return
    await _snooze_at(item, interaction, options.choices[0].key)


async def _snooze_at(
    item: NudgeAction, interaction: discord.Interaction, choice: str | None = None
) -> None:
    snoozed = await snooze_nudge(
        context_of(interaction), interaction.user.id, item.nudge_id, choice or item.arg
    )
    line = f"Snoozed until {snoozed.until_text}."
    view = nudge_view(snoozed.nudge, answered=True, message=interaction.message)
    await _reply_in_place(interaction, line, view)


async def _stop(item: NudgeAction, interaction: discord.Interaction) -> None:
    stopped = await stop_nudge(context_of(interaction), interaction.user.id, item.nudge_id)
    in_server = where(interaction, stopped.nudge.guild_id)
    extra = () if stopped.digest else ("resume",)
    view = nudge_view(stopped.nudge, answered=True, extra=extra, message=interaction.message)
    await _reply_in_place(interaction, stop_text(stopped, in_server), view)


async def _resume(item: NudgeAction, interaction: discord.Interaction) -> None:
    resumed = await resume_from_reminder(
        context_of(interaction), interaction.user.id, item.nudge_id
    )
    assert resumed.nudge is not None
    view = nudge_view(resumed.nudge, answered=True, message=interaction.message, keep_resume=False)
    await _reply_in_place(interaction, resumed_text(resumed), view)


async def _back(item: NudgeAction, interaction: discord.Interaction) -> None:
    row, _ = await own_nudge(
        context_of(interaction), interaction.user.id, item.nudge_id, unanswered=False
    )
    view = nudge_view(row, answered=row.action is not None, message=interaction.message)
    await interaction.response.edit_message(view=view)


async def _add(item: NudgeAction, interaction: discord.Interaction) -> None:
    subject = await reminder_subject(context_of(interaction), interaction.user.id, item.nudge_id)
    contact = subject.contact
    form = SecondPersonForm(
        item.nudge_id,
        finish_form,
        organization=contact.organization,
        later=contact.asked_before is not None,
    )
    await interaction.response.send_modal(form)


async def _schedule(item: NudgeAction, interaction: discord.Interaction) -> None:
    ready = await schedule_form(context_of(interaction), interaction.user.id, item.nudge_id)
    form = MeetingForm(
        item.nudge_id,
        finish_form,
        person=ready.subject.contact.person,
        zone=ready.zone.key,
        usual_minutes=ready.usual_minutes,
    )
    await interaction.response.send_modal(form)


async def _checklist(item: NudgeAction, interaction: discord.Interaction) -> None:
    ctx = context_of(interaction)
    subject = await reminder_subject(ctx, interaction.user.id, item.nudge_id)
    embed, view = await show_checklist(ctx, subject.contact, "prepare")
    await interaction.response.send_message(embed=embed, view=view)


async def _questions(item: NudgeAction, interaction: discord.Interaction) -> None:
    brief = await reminder_questions(context_of(interaction), interaction.user.id, item.nudge_id)
    if brief.questions:
        text = interview_brief(brief.contact, brief.questions, brief.minutes)
    else:
        text = (
            f"No questions on your list for **{escape_markdown(brief.contact.display_name)}** "
            f"yet. Build it with `/prepare questions` {where(interaction, brief.contact.guild_id)}"
            " (TIARA: trends, insights, advice, resources, assignments); three good ones are "
            "plenty for 20 minutes."
        )
    await interaction.response.send_message(text)


async def _refs(item: NudgeAction, interaction: discord.Interaction) -> None:
    ctx = context_of(interaction)
    found = await open_referrals(ctx, interaction.user.id, item.nudge_id)
    named = referral_labels(found.referrals).get("refs")
    if found.more == 0 and named is not None and getattr(item.item, "label", None) == named:
        # The button names the one referral left: log them in one click.
        await _log_reached(item, interaction, found.referrals[0].id)
        return
    room = BUTTONS_PER_ROW * ROWS_PER_MESSAGE - 1
    picks = [
        NudgeAction(
            action="ref", nudge_id=item.nudge_id, arg=str(referral.id), label=referral.display_name
        )
        for referral in found.referrals[:room]
    ]
    await interaction.response.edit_message(view=_menu(item.nudge_id, picks))


async def _ref(item: NudgeAction, interaction: discord.Interaction) -> None:
    if item.arg is None or not item.arg.isdigit():
        await _back(item, interaction)
        return
    await _log_reached(item, interaction, int(item.arg))


async def _log_reached(
    item: NudgeAction, interaction: discord.Interaction, referral_id: int
) -> None:
    reached = await log_referral_reached(
        context_of(interaction), interaction.user.id, item.nudge_id, referral_id
    )
    view = nudge_view(
        reached.subject.nudge,
        answered=reached.answered,
        message=interaction.message,
        # One left: the button names them (one click); none left: it has nothing more to do.
        labels=referral_labels(reached.remaining) or {"refs": _FIXED["refs"][1]},
        spent=() if reached.remaining else ("refs",),
    )
    await _reply_in_place(interaction, referral_text(reached), view)


_Handler = Callable[[NudgeAction, discord.Interaction], Awaitable[None]]
_HANDLERS: dict[str, _Handler] = {
    "done": _done,
    "reply": _reply,
    "snooze": _snooze,
    "snoozeat": _snooze_at,
    "stop": _stop,
    "back": _back,
    "add": _add,
    "schedule": _schedule,
    "checklist": _checklist,
    "questions": _questions,
    "refs": _refs,
    "ref": _ref,
    "resume": _resume,
}


# --- the replies -------------------------------------------------------------------------------


def done_reply(done: NudgeDone, in_server: str) -> str:
    """What Done (or the button naming its step) says once logged; ``in_server`` names the
    server for a slash command."""
    contact = done.contact
    if contact is None:
        return "Done."
    person, org = escape_markdown(contact.person), escape_markdown(contact.organization)
    kind = done.kind
    if kind is NudgeKind.SECOND_CONTACT:
        if contact.asked_before is not None:
            return (
                "Noted: you reached out to someone new. If they aren't on your list yet, add "
                f"them with **{ADD_ANOTHER}** (or `/request new` {in_server}) so I can follow "
                "up on them too."
            )
        return (
            f"Noted: you reached out to a second person at {org}. If you haven't yet, add them "
            f"with **{ADD_SECOND}** so I can follow up on them too."
        )
    if kind is NudgeKind.FOLLOW_UP:
        return (
            f"Follow-up logged. If {person} still hasn't replied in 7 business days, I'll remind "
            "you to close it and move on."
        )
    if kind is NudgeKind.CLOSE_NO_REPLY:
        return (
            "Closed as no reply. On to the next employer on your list! If "
            f"{person} writes back later, run `/followup reopen` {in_server}."
        )
    if kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        return (
            "Thank-you logged. Well done! In a couple of weeks I'll remind you to tell "
            f"{person} what you did with their advice."
        )
    if kind is NudgeKind.TELL_REFERRER:
        told = escape_markdown(done.referrer.person) if done.referrer else "them"
        return f"Logged: you told {told} that you reached out to {person}."
    return _PLAIN_DONE.get(kind, "Done.")


_PLAIN_DONE = {
    NudgeKind.PREPARE: "Good. Anything still unticked is on **Open my checklist**.",
    NudgeKind.CONFIRM: "Meeting confirmed. Plan to join a few minutes early. Good luck!",
    NudgeKind.TOP_QUESTIONS: "You're ready. Listen more than you talk, and never ask for a job.",
    NudgeKind.REPORT_BACK: "Report back logged.",
    NudgeKind.KEEP_WARM: "Logged: you kept in touch.",
}


def stop_text(stopped: NudgeStopped, in_server: str) -> str:
    """What Stop says: exactly what it turned off, and the way back."""
    if stopped.digest or stopped.contact is None:
        return f"Weekly digests are off. Turn them back on with `/settings digest` {in_server}."
    name = escape_markdown(stopped.contact.display_name)
    return (
        f"🔕 All reminders for **{name}** are off: this one and every later one, meeting and "
        f"thank-you reminders included. Pressed it by mistake? Press **{RESUME_LABEL}**."
    )


def replied_text(replied: NudgeReplied) -> str:
    reply = replied.reply
    name = escape_markdown(reply.contact.display_name)
    kind = (
        "a **booster**: they answered within 3 business days, so they're likely to help"
        if reply.reply_class is ReplyClass.BOOSTER
        else "an **obligate**: they answered after 3 business days, so they may help out of "
        "duty; keep going with your other employers too"
    )
    return (
        f"Reply logged: **{name}** is {kind}. The 3B7 routine for them stops here. Next: offer "
        "two or three times to meet; once one is agreed, press **Schedule the meeting**."
    )


def referral_text(reached: ReferralReached) -> str:
    sent = reached.sent
    referrer = escape_markdown(reached.subject.contact.person)
    lines = [
        f"Logged: you reached out to **{escape_markdown(sent.contact.display_name)}** on "
        f"{long_date(sent.day)}. No reply by {long_date(sent.dates.second_contact_on)}? I'll "
        f"remind you. Let {referrer} know you did: they'll want to hear it."
    ]
    if reached.remaining:
        names = ", ".join(escape_markdown(r.person) for r in reached.remaining)
        lines.append(f"Still to contact from {referrer}'s list: {names}.")
    else:
        lines.append(f"That's everyone {referrer} suggested.")
    return " ".join(lines)

"""Done / Snooze / Stop on every nudge DM. Persistent DynamicItems: the custom_id carries the
nudge id (also the marker start-up recovery looks for), so they work after a restart."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.actions.planner import student_prefs
from bot.domain.business_days import next_business_day
from bot.domain.contacts import Stage, StageChangeError, check_stage_change
from bot.domain.nudge_plan import NudgeKind, defer_past_quiet_hours, nudge_time_on
from bot.errors import UserError
from bot.storage.contacts import (
    ContactRecord,
    close_contact,
    get_contact_by_id,
    mark_followed_up,
    mark_reported_back,
    set_nudges_stopped,
    set_stage,
)
from bot.storage.events import append_event
from bot.storage.guild_settings import server_settings
from bot.storage.nudges import NudgeRow, get_nudge, record_action, snooze
from bot.storage.students import get_student, update_settings
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, bot_of, ensure_owner

BUSINESS_DAY_KINDS = frozenset(
    {
        NudgeKind.SECOND_CONTACT,
        NudgeKind.FOLLOW_UP,
        NudgeKind.CLOSE_NO_REPLY,
        NudgeKind.REFERRALS,
    }
)
# What "Done" logs, per kind: the stage it moves to (if any) and the reply line.
DONE_REPLY = {
    NudgeKind.SECOND_CONTACT: "Noted: you contacted a second person. Add them with `/request new`.",
    NudgeKind.FOLLOW_UP: "Follow-up logged. I'll check back in 7 business days.",
    NudgeKind.CLOSE_NO_REPLY: "Closed as no reply. On to the next employer on your list!",
    NudgeKind.PREPARE: "Good. Tick the rest with `/prepare checklist` in the server.",
    NudgeKind.CONFIRM: "Meeting confirmed. Good luck!",
    NudgeKind.TOP_QUESTIONS: "You're ready. Listen more than you talk.",
    NudgeKind.THANK_YOU: "Thank-you logged. Well done!",
    NudgeKind.THANK_YOU_AGAIN: "Thank-you logged. Well done!",
    NudgeKind.REFERRALS: "Noted: you contacted the referrals.",
    NudgeKind.REPORT_BACK: "Report back logged.",
    NudgeKind.KEEP_WARM: "Logged: you kept in touch.",
}


def nudge_view(row: NudgeRow) -> discord.ui.View:
    kind = NudgeKind(row.kind)
    view = dynamic_view()
    if kind is not NudgeKind.DIGEST:
        view.add_item(NudgeAction(action="done", nudge_id=row.id))
    snooze_label = "Snooze to next business day" if kind in BUSINESS_DAY_KINDS else "Snooze 1 day"
    view.add_item(NudgeAction(action="snooze", nudge_id=row.id, label=snooze_label))
    view.add_item(
        NudgeAction(
            action="stop",
            nudge_id=row.id,
            label="Stop digests" if kind is NudgeKind.DIGEST else "Stop for this contact",
        )
    )
    return view


_PAST_TENSE = {"done": "done", "snooze": "snoozed", "stop": "stopped"}
_STYLES = {
    "done": (discord.ButtonStyle.success, "Done"),
    "snooze": (discord.ButtonStyle.secondary, "Snooze"),
    "stop": (discord.ButtonStyle.danger, "Stop"),
}


class NudgeAction(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:nd:(?P<action>done|snooze|stop):(?P<nudge>\d+)",
):
    def __init__(self, *, action: str, nudge_id: int, label: str | None = None) -> None:
        style, default_label = _STYLES[action]
        super().__init__(
            discord.ui.Button(
                style=style, label=label or default_label, custom_id=f"ic:nd:{action}:{nudge_id}"
            )
        )
        self.action = action
        self.nudge_id = nudge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NudgeAction:
        label = getattr(item, "label", None)
        return cls(action=match["action"], nudge_id=int(match["nudge"]), label=label)

    async def run(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        row = await get_nudge(bot.db, self.nudge_id)
        if row is None:
            raise UserError("This reminder no longer exists (its data may have been deleted).")
        ensure_owner(interaction, row.user_id)
        if row.action is not None:
            raise UserError(f"You already {row.action} this reminder.")
        now = bot.clock.now()
        contact = await get_contact_by_id(bot.db, row.contact_id) if row.contact_id else None
        kind = NudgeKind(row.kind)
        async with bot.db.transaction() as tx:
            if not await record_action(tx, row.id, _PAST_TENSE[self.action], now):
                raise UserError("This reminder was already handled.")
            if self.action == "done":
                reply = await _done(tx, kind, contact, now)
            elif self.action == "snooze":
                until = await _snooze_until(bot, row, kind, now)
                await snooze(tx, row, until, now)
                reply = f"Snoozed until {discord.utils.format_dt(until, 'F')}."
            else:
                if contact is not None:
                    await set_nudges_stopped(tx, contact.id, True, now)
                    reply = (
                        "No more reminders for this contact. `/settings nudges enabled:True` "
                        "turns them back on for all your contacts."
                    )
                else:
                    await update_settings(tx, row.guild_id, row.user_id, now, digest_day=None)
                    reply = "Weekly digests are off. Turn them back on with `/settings digest`."
            await append_event(
                tx,
                guild_id=row.guild_id,
                user_id=row.user_id,
                contact_id=row.contact_id,
                kind=f"nudge_{_PAST_TENSE[self.action]}",
                payload={"nudge": row.kind},
                at=now,
            )
            if contact is not None:
                await bot.planner.replan_contact(tx, contact.id, now)
            else:
                await bot.planner.replan_digest(tx, row.guild_id, row.user_id, now)
        view = nudge_view(row)
        for child in view.children:
            if isinstance(child, discord.ui.DynamicItem):
                child.item.disabled = True  # type: ignore[attr-defined]
        content = (interaction.message.content if interaction.message else "") + f"\n✅ {reply}"
        await interaction.response.edit_message(content=content[:2000], view=view)


async def _done(tx: Any, kind: NudgeKind, contact: ContactRecord | None, now: datetime) -> str:
    if contact is None:
        return "Done."
    if kind is NudgeKind.FOLLOW_UP:
        await mark_followed_up(tx, contact.id, now, now)
    elif kind is NudgeKind.CLOSE_NO_REPLY and contact.stage is not Stage.CLOSED:
        await close_contact(tx, contact.id, "no_reply", now, now)
    elif kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        await _move(tx, contact, Stage.THANKED, now)
    elif kind is NudgeKind.REPORT_BACK:
        await mark_reported_back(tx, contact.id, now, now)
    elif kind is NudgeKind.KEEP_WARM:
        await _move(tx, contact, Stage.KEEPING_IN_TOUCH, now, allow_same=True)
    return DONE_REPLY[kind]


async def _move(
    tx: Any, contact: ContactRecord, stage: Stage, now: datetime, *, allow_same: bool = False
) -> None:
    if allow_same and contact.stage is stage:
        await set_stage(tx, contact.id, stage, now, now)
        return
    try:
        check_stage_change(contact.stage, stage)
    except StageChangeError:
        return  # already there or further along: nothing to log
    await set_stage(tx, contact.id, stage, now, now)


async def _snooze_until(bot: Any, row: NudgeRow, kind: NudgeKind, now: datetime) -> datetime:
    student = await get_student(bot.db, row.guild_id, row.user_id)
    prefs = student_prefs(student) if student else None
    if prefs is None:
        return now + timedelta(days=1)
    if kind in BUSINESS_DAY_KINDS:
        holidays = (await server_settings(bot.db, row.guild_id)).holidays
        today = now.astimezone(prefs.zone).date()
        return nudge_time_on(next_business_day(today, holidays), prefs)
    return defer_past_quiet_hours(now + timedelta(days=1), prefs)

"""Done / Snooze / Stop on every nudge DM. Persistent DynamicItems: the custom_id carries the
nudge id (also the marker start-up recovery looks for), so they work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.actions.nudge_responses import respond_done, snooze_nudge, stop_nudge
from bot.discord_limits import MESSAGE_LIMIT
from bot.domain.nudge_kinds import NudgeKind
from bot.domain.nudge_snooze import BUSINESS_DAY_KINDS
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of

if TYPE_CHECKING:
    from bot.storage.nudges import NudgeRow

# The reply to Done, per kind (what Done records is up to bot/actions/nudge_responses.py).
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
        ctx, user_id = context_of(interaction), interaction.user.id
        if self.action == "done":
            done = await respond_done(ctx, user_id, self.nudge_id)
            row = done.nudge
            reply = "Done." if row.contact_id is None else DONE_REPLY.get(done.kind, "Done.")
        elif self.action == "snooze":
            snoozed = await snooze_nudge(ctx, user_id, self.nudge_id)
            row = snoozed.nudge
            reply = f"Snoozed until {discord.utils.format_dt(snoozed.until, 'F')}."
        else:
            stopped = await stop_nudge(ctx, user_id, self.nudge_id)
            row = stopped.nudge
            reply = (
                "Weekly digests are off. Turn them back on with `/settings digest`."
                if stopped.digest
                else "No more reminders for this contact. `/settings nudges enabled:True` "
                "turns them back on for all your contacts."
            )
        view = nudge_view(row)
        for child in view.children:
            if isinstance(child, discord.ui.DynamicItem):
                child.item.disabled = True
        content = (interaction.message.content if interaction.message else "") + f"\n✅ {reply}"
        await interaction.response.edit_message(content=content[:MESSAGE_LIMIT], view=view)

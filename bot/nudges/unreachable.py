"""When a student's DMs are closed: tell them privately at their next command, once, with how to
fix it and a button to try again (their held reminders are planned again)."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.actions.context import StudentKey
from bot.actions.reachability import mark_told, pending_unreachable_notice, retry_direct_messages
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, parse_id, student_of

log = logging.getLogger(__name__)

NOTICE = (
    "📭 I couldn't send you a reminder: your direct messages are closed to me, so I've paused "
    "your reminders. To fix it, open this server's menu → **Privacy Settings** and allow "
    "**Direct Messages**, then press the button below."
)


async def notify_if_unreachable(interaction: discord.Interaction) -> None:
    """After a command: if this student is unreachable and hasn't been told, tell them."""
    if interaction.guild_id is None:
        return
    ctx = context_of(interaction)
    who = StudentKey(interaction.guild_id, interaction.user.id)
    if not await pending_unreachable_notice(ctx, who):
        return
    if interaction.response.type not in (
        discord.InteractionResponseType.channel_message,
        discord.InteractionResponseType.deferred_channel_message,
    ):
        return  # answered with a form: Discord allows no followup; told at the next command
    view = dynamic_view()
    view.add_item(RetryDirectMessages(owner_id=interaction.user.id))
    try:
        await interaction.followup.send(NOTICE, view=view, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not show the closed-DM notice: %s", exc)
        return
    await mark_told(ctx, who)


class RetryDirectMessages(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:dm:retry:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label="I've opened my DMs: try again",
                custom_id=f"ic:dm:retry:{owner_id}",
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RetryDirectMessages:
        return cls(owner_id=parse_id(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        await retry_direct_messages(context_of(interaction), student_of(interaction))
        await interaction.response.edit_message(
            content="Thanks! Your reminders are back on; anything you missed will arrive now.",
            view=None,
        )

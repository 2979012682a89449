"""``/staff audit``: the server's staff actions, newest first, 20 a page, with Older/Newer
buttons that keep working after a restart and check again, at each press, that the presser is
still staff."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actions.staff import AuditPage, audit_log
from bot.discord_limits import EMBED_LIMIT
from bot.storage.staff_audit import AuditEntry
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner
from bot.ui.staff_access import require_staff

MAX_DETAIL_SHOWN = 140


def _value(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{_value(value[0])} → {_value(value[1])}"
    if value is None:
        return "none"
    return str(value)


def detail_text(detail: dict[str, Any]) -> str:
    text = ", ".join(f"{key.replace('_', ' ')}: {_value(value)}" for key, value in detail.items())
    text = " ".join(text.split())
    if len(text) > MAX_DETAIL_SHOWN:
        text = text[: MAX_DETAIL_SHOWN - 1] + "…"
    return escape_markdown(text)


def entry_line(entry: AuditEntry) -> str:
    when = discord.utils.format_dt(entry.at, "f")
    line = f"{when} <@{entry.staff_user_id}> **{entry.action.replace('_', ' ')}**"
    detail = detail_text(entry.detail)
    return f"{line} — {detail}" if detail else line


def audit_page(shown: AuditPage, owner_id: int) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the audit log, with Newer/Older buttons for ``owner_id`` if there are more."""
    page, pages, total = shown.page, shown.pages, shown.total
    lines = [entry_line(entry) for entry in shown.entries] or ["No staff actions recorded yet."]
    description = "\n".join(lines)
    if len(description) > EMBED_LIMIT:
        description = description[: EMBED_LIMIT - 1] + "…"
    embed = discord.Embed(
        title="Staff actions in this server",
        description=description,
        colour=discord.Colour.dark_teal(),
    )
    embed.set_footer(text=f"Newest first · page {page + 1} of {pages} · {total} actions in all")
    if pages == 1:
        return embed, None
    view = dynamic_view()
    view.add_item(
        AuditPageButton(owner_id=owner_id, page=page - 1, label="◀ Newer", disabled=page == 0)
    )
    view.add_item(
        AuditPageButton(
            owner_id=owner_id, page=page + 1, label="Older ▶", disabled=page >= pages - 1
        )
    )
    return embed, view


class AuditPageButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:sa:(?P<owner>\d+):(?P<page>-?\d+)",
):
    def __init__(
        self, *, owner_id: int, page: int, label: str = "Page", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"ic:sa:{owner_id}:{page}",
                disabled=disabled,
            )
        )
        self.owner_id = owner_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AuditPageButton:
        return cls(owner_id=int(match["owner"]), page=int(match["page"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        ctx = context_of(interaction)
        staff = await require_staff(ctx, interaction)  # a role taken away since counts at once
        embed, view = audit_page(await audit_log(ctx, staff, self.page), self.owner_id)
        if view is None:
            await interaction.response.edit_message(embed=embed, view=None)
        else:
            await interaction.response.edit_message(embed=embed, view=view)

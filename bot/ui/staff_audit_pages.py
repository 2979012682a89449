"""``/staff audit``: the server's staff actions, newest first, 20 a page, with Older/Newer
buttons that keep working after a restart and check again, at each press, that the presser is
still staff."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import discord

from bot.actions.staff import AuditPage, audit_log
from bot.discord_limits import EMBED_LIMIT
from bot.storage.staff_audit import AuditEntry
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner
from bot.ui.staff_access import require_staff
from bot.ui.staff_settings import value_text

MAX_TEXT_SHOWN = 80

SETTING_NAMES = {
    "staff_role_id": "the staff role",
    "word_limit": "the word limit",
    "meeting_minutes": "the meeting length",
    "report_back_days": "the report-back delay",
    "holiday_country": "the holiday calendar",
    "digest_channel_id": "the summary channel",
    "departure_grace_days": "the grace period for departed students",
    "zone": "the server time zone",
}
CHECKLIST_VERBS = {
    "checklist_item_added": "added",
    "checklist_item_reworded": "reworded",
    "checklist_item_hidden": "hid",
    "checklist_item_restored": "restored",
    "checklist_item_moved": "moved",
}
PHASE_NAMES = {
    "request": "request",
    "prepare": "preparation",
    "interview": "interview",
    "followup": "follow-up",
}
"""A phase as named in a sentence: "the follow-up checklist"."""
FORGOTTEN = "a student who has since deleted their data"


def _quoted(text: Any) -> str:
    words = " ".join(str(text).split())
    if len(words) > MAX_TEXT_SHOWN:
        words = words[: MAX_TEXT_SHOWN - 1] + "…"
    return f"“{escape_markdown(words)}”"


def _period(detail: dict[str, Any]) -> str:
    since = detail.get("since")
    return f"since {escape_markdown(str(since))}" if since else "for all time"


def _change(column: str, pair: Any) -> str:
    name = SETTING_NAMES.get(column, escape_markdown(column.replace("_", " ")))
    if not isinstance(pair, list) or len(pair) != 2:
        return f"changed {name}"
    old, new = (escape_markdown(value_text(column, value)) for value in pair)
    return f"set {name} {old} → {new}"


def _progress(detail: dict[str, Any], shared: str) -> str:
    """ "<@9>'s shared progress", or "the shared progress of a student who has since deleted
    their data" once the log no longer says who."""
    student = detail.get("student")
    if student is None or detail.get("forgotten"):
        return f"the {shared}progress of {FORGOTTEN}"
    return f"<@{int(student)}>'s {shared}progress"


def _checklist_sentence(
    action: str, detail: dict[str, Any], item_texts: Mapping[tuple[str, str], str]
) -> str:
    """ "hid the item “Research the person” in the preparation checklist": the item by its
    text (as recorded, else as it reads now), never by its internal id."""
    verb = CHECKLIST_VERBS[action]
    phase_key = str(detail.get("phase", ""))
    phase = PHASE_NAMES.get(phase_key) or escape_markdown(phase_key)
    where = f"{'to' if action == 'checklist_item_added' else 'in'} the {phase} checklist"
    text = detail.get("text")
    if action == "checklist_item_reworded":
        old = detail.get("old_text")
        if old is not None and text is not None:
            return f"{verb} the item {_quoted(old)} to {_quoted(text)} {where}"
        if text is not None:
            return f"{verb} an item to {_quoted(text)} {where}"
        return f"{verb} an item {where}"
    if text is None:
        text = item_texts.get((phase_key, str(detail.get("item", ""))))
    item = f"the item {_quoted(text)}" if text is not None else "an item"
    if action == "checklist_item_moved" and "to" in detail:
        item += f" from position {detail.get('from')} to {detail.get('to')}"
    return f"{verb} {item} {where}"


def entry_sentence(
    entry: AuditEntry, item_texts: Mapping[tuple[str, str], str] | None = None
) -> str:
    """The entry as a sentence with names: "<@Carol> set the word limit 100 → 75". Mentions
    in an embed show as names and never ping. ``item_texts``: checklist items' texts for
    entries that did not record them (:attr:`AuditPage.item_texts`)."""
    who = f"<@{entry.staff_user_id}>"
    detail = entry.detail
    action = entry.action
    if action == "settings_changed":
        changes = [_change(column, pair) for column, pair in detail.items()]
        return f"{who} " + ("; ".join(changes) if changes else "saved the settings")
    if action == "student_viewed":
        if detail.get("shared"):
            return f"{who} viewed {_progress(detail, 'shared ')}"
        return f"{who} looked for {_progress(detail, '')} (not shared: nothing shown)"
    if action == "stats_viewed":
        return f"{who} viewed the server figures {_period(detail)}"
    if action == "stats_exported":
        files = ", ".join(escape_markdown(str(name)) for name in detail.get("files", []))
        line = f"{who} exported the server figures {_period(detail)}"
        return f"{line}: {files}" if files else line
    if action in CHECKLIST_VERBS:
        return f"{who} {_checklist_sentence(action, detail, item_texts or {})}"
    return f"{who} {escape_markdown(action.replace('_', ' '))}"


def entry_line(entry: AuditEntry, item_texts: Mapping[tuple[str, str], str]) -> str:
    return f"{discord.utils.format_dt(entry.at, 'f')} · {entry_sentence(entry, item_texts)}"


def audit_page(shown: AuditPage, owner_id: int) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the audit log, with Newer/Older buttons for ``owner_id`` if there are more."""
    page, pages, total = shown.page, shown.pages, shown.total
    lines = [entry_line(entry, shown.item_texts) for entry in shown.entries]
    lines = lines or ["No staff actions recorded yet."]
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

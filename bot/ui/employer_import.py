"""``/employers import``: a form to paste a list (one employer per line, scores optional) and the
report of what was added and what was refused, line by line, and why."""

from __future__ import annotations

import discord

from bot.actions.employers import ImportOutcome, ImportReport, import_employers
from bot.discord_limits import EMBED_LIMIT
from bot.domain.employers import scores_text
from bot.text import escape_markdown
from bot.ui.employer_board import clip, esc_name, moves_text
from bot.ui.guarded import GuardedModal, context_of, student_of
from bot.ui.modal_rescue import modal_custom_id, register_modal

MAX_PASTE = 4000
SHORT_LINE = 60
SHORT_REASON = 160


def _added_line(line: ImportOutcome) -> str:
    assert line.added is not None
    scores = line.added.scores
    shown = "not scored" if scores.empty else scores_text(scores)
    return f"✅ line {line.number}: **{esc_name(line.added.name)}** ({shown})"


def _refused_line(line: ImportOutcome) -> str:
    typed = escape_markdown(clip(line.text, SHORT_LINE))
    reason = escape_markdown(clip(line.reason or "", SHORT_REASON))
    return f"❌ line {line.number}: “{typed}”: {reason}"


def _fit(lines: list[str], budget: int, what: str) -> str:
    """As many of ``lines`` as fit in ``budget`` characters, then how many were left out."""
    kept: list[str] = []
    used = 0
    for number, line in enumerate(lines):
        left = len(lines) - number
        reserve = 0 if left == 1 else len(f"…and {left - 1} more {what}") + 1
        if used + len(line) + 1 + reserve > budget:
            kept.append(f"…and {left} more {what}")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def render_import(report: ImportReport) -> discord.Embed:
    added, refused = report.added, report.refused
    if added and refused:
        title = f"Added {len(added)} employer{'s' if len(added) != 1 else ''}; {len(refused)} "
        title += f"line{'s' if len(refused) != 1 else ''} refused"
    elif added:
        title = f"Added {len(added)} employer{'s' if len(added) != 1 else ''}"
    else:
        title = f"Nothing added: {len(refused)} line{'s' if len(refused) != 1 else ''} refused"
    closing = []
    moved = moves_text(report.moves)
    if moved:
        closing.append(moved)
    closing.append(
        f"Your list has {report.total} employer{'s' if report.total != 1 else ''} now: see it "
        "with `/employers list`."
    )
    if refused:
        closing.append(
            "Nothing was stored for the refused lines: fix them and import just those again."
        )
    tail = "\n\n" + "\n".join(closing)
    budget = EMBED_LIMIT - len(tail) - 40
    refused_block = _fit(
        [_refused_line(line) for line in refused], budget - (200 if added else 0), "refused"
    )
    added_block = _fit(
        [_added_line(line) for line in report.lines if line.added is not None],
        budget - len(refused_block) - 2,
        "added",
    )
    skipped = "\n".join(
        f"↷ line {line.number} skipped: it looks like a header row"
        for line in report.lines
        if line.skipped
    )
    blocks = (refused_block, added_block, skipped)
    description = "\n\n".join(block for block in blocks if block) + tail
    colour = discord.Colour.orange() if refused else discord.Colour.green()
    return discord.Embed(title=title, description=description[:EMBED_LIMIT], colour=colour)


class EmployerImportModal(GuardedModal, title="Import your employer list"):
    lines: discord.ui.TextInput[EmployerImportModal] = discord.ui.TextInput(
        label="One employer per line; scores optional",
        custom_id="lines",
        style=discord.TextStyle.paragraph,
        placeholder="Contoso Energy; A=yes; M=3; P=2\nFabrikam; M=2\nNorthwind Traders",
        min_length=1,
        max_length=MAX_PASTE,
    )

    def __init__(self, custom_id: str | None = None) -> None:
        super().__init__(custom_id=custom_id or modal_custom_id("lamp"))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        report = await import_employers(
            context_of(interaction), student_of(interaction), self.lines.value
        )
        await interaction.response.send_message(embed=render_import(report), ephemeral=True)


register_modal(r"ic:mf:lamp:[0-9a-f]{8}", lambda m: EmployerImportModal(custom_id=m.string))

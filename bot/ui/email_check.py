"""The outreach-email check: the form a student pastes a draft into, and the verdict per rule.
Opened by `/request check-email` and by `/start`'s button; rebuilt if submitted after a restart."""

from __future__ import annotations

import discord

from bot.actions.request import check_outreach_email
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT
from bot.domain.email_check import RuleVerdict
from bot.text import escape_markdown
from bot.ui.guarded import GuardedModal, context_of, student_of
from bot.ui.modal_rescue import modal_custom_id, register_modal


def verdict_embed(limit: int, rules_result: list[RuleVerdict]) -> discord.Embed:
    passed = sum(1 for verdict in rules_result if verdict.passed)
    embed = discord.Embed(
        title=f"Outreach email check: {passed} of {len(rules_result)} rules pass",
        colour=discord.Colour.green() if passed == len(rules_result) else discord.Colour.orange(),
    )
    for verdict in rules_result:
        embed.add_field(
            name=f"{verdict.mark} {verdict.title}"[:EMBED_TITLE_LIMIT],
            value=escape_markdown(verdict.reason)[:EMBED_FIELD_LIMIT],  # reasons quote the draft
            inline=False,
        )
    # A footer shows no markdown: the command is written plainly.
    if passed < len(rules_result):
        next_step = "Fix what failed and check again."
    elif any(verdict.hint for verdict in rules_result):
        next_step = (
            "All rules pass (⚠️ is a tip, not a problem): send it yourself, then log it "
            "with /request sent."
        )
    else:
        next_step = "All rules pass: send it yourself, then log it with /request sent."
    embed.set_footer(
        text=f"Word limit on this server: {limit}. Your draft was not stored. {next_step}"
    )
    return embed


class EmailDraftModal(GuardedModal, title="Check your outreach email"):
    draft: discord.ui.TextInput[EmailDraftModal] = discord.ui.TextInput(
        label="Paste your draft",
        custom_id="draft",
        style=discord.TextStyle.paragraph,
        placeholder="Dear Ms. Lee, I'm a fellow … alum … Would you have 20 minutes …?",
        min_length=1,
        max_length=4000,
    )

    def __init__(self, custom_id: str | None = None) -> None:
        super().__init__(custom_id=custom_id or modal_custom_id("email"))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        result = await check_outreach_email(
            context_of(interaction), student_of(interaction), self.draft.value
        )
        await interaction.response.send_message(
            embed=verdict_embed(result.word_limit, result.verdicts), ephemeral=True
        )


register_modal(r"ic:mf:email:[0-9a-f]{8}", lambda m: EmailDraftModal(custom_id=m.string))

"""The LAMP list: ``/employers add | list | score | import | done | reopen | pin | unpin``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.employers import (
    EmployerAdded,
    EmployerDone,
    EmployerPinned,
    EmployerReopened,
    EmployerScored,
    Moves,
    NewEmployer,
    add_new_employer,
    mark_employer_done,
    pin_employer,
    reopen_employer,
    score_employer,
)
from bot.domain.contacts import MAX_NAME
from bot.domain.employers import (
    MAX_NOTE,
    MOTIVATION_MAX,
    MOTIVATION_MIN,
    POSTING_MAX,
    POSTING_MIN,
    Scores,
    scores_text,
)
from bot.storage.employers import EmployerRecord
from bot.ui.employer_board import EmployerPageButton, board_page, esc_name, moves_phrase, moves_text
from bot.ui.employer_import import EmployerImportModal
from bot.ui.employer_option import EmployerOption
from bot.ui.guarded import student_of

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

ALUMNI_CHOICES = [
    app_commands.Choice(name="yes: I have a connection there", value="yes"),
    app_commands.Choice(name="no", value="no"),
]
Motivation = app_commands.Range[int, MOTIVATION_MIN, MOTIVATION_MAX]
Posting = app_commands.Range[int, POSTING_MIN, POSTING_MAX]
SCORE_DESCRIPTIONS = {
    "alumni": "Alumni/Advocacy: do you have a connection there?",
    "motivation": "0–3: how much you want to work there (3 = dream employer)",
    "posting": "1–3: 3 = a relevant job posting there now, 1 = none",
    "note": "A few words to remember why (optional)",
}


def _alumni(choice: app_commands.Choice[str] | None) -> bool | None:
    return None if choice is None else choice.value == "yes"


def _scores(employer: EmployerRecord) -> str:
    return "not scored yet" if employer.scores.empty else scores_text(employer.scores)


def next_step(employer: EmployerRecord) -> str:
    """What to do with an employer of the top five."""
    return (
        f"Next: find someone at **{esc_name(employer.name)}** to ask for a 20-minute "
        "conversation and add them with `/request new`."
    )


def added_text(result: EmployerAdded) -> str:
    employer = result.employer
    lines = [
        f"Added **{esc_name(employer.name)}** ({_scores(employer)}): number {result.position} "
        f"of {result.total} on your list" + (", in your top five ⭐." if result.active else ".")
    ]
    if result.moves.left:  # it moving in is said above
        lines.append(moves_text(Moves(left=result.moves.left)))
    if not employer.scores.complete:
        lines.append("Add the missing scores with `/employers score` so it sorts where it belongs.")
    if result.active:
        lines.append(next_step(employer))
    else:
        lines.append("See your whole list with `/employers list`.")
    return "\n".join(lines)


def scored_text(result: EmployerScored) -> str:
    employer = result.employer
    name = esc_name(employer.name)
    if not result.changed:
        return f"**{name}** already has those scores ({_scores(employer)}); nothing changed."
    text = f"Updated **{name}**: {_scores(employer)} (was {scores_text(result.before)})."
    moved = moves_text(result.moves)
    return text + (f"\n{moved}" if moved else "") + "\nSee the new order with `/employers list`."


def done_text(result: EmployerDone) -> str:
    name = esc_name(result.employer.name)
    phrase = moves_phrase(result.moves)
    if result.moves.entered:
        text = f"**{name}** is done; {phrase}."
        text += "\n" + next_step(result.moves.entered[0])
    elif result.moves.left:
        text = (
            f"**{name}** is done, and your top five has a free place: add employers with "
            "`/employers add` or `/employers import`."
        )
    else:
        text = f"**{name}** is done (it wasn't in your top five, so the five stay the same)."
    if result.open_contacts:
        people = "contact" if result.open_contacts == 1 else "contacts"
        text += (
            f"\nYour {result.open_contacts} open {people} there stay as they are; close them "
            "with `/followup close` when you stop."
        )
    return text + "\nChanged your mind? `/employers reopen`."


def reopened_text(result: EmployerReopened) -> str:
    name = esc_name(result.employer.name)
    text = f"**{name}** is back on your list."
    if result.all_closed:
        text += (
            " Every contact there is closed, so it stays out of your top five until you add "
            "someone new there with `/request new`."
        )
    moved = moves_text(result.moves)
    return text + (f"\n{moved}" if moved else "")


def pinned_text(result: EmployerPinned) -> str:
    name = esc_name(result.employer.name)
    if result.pinned:
        text = f"Pinned **{name}** to your top five 📌."
    else:
        text = f"Unpinned **{name}**: it takes its place by its scores again."
    moved = moves_text(result.moves)
    return text + (f"\n{moved}" if moved else "")


@app_commands.guild_only()
class EmployersCog(
    commands.GroupCog,
    group_name="employers",
    group_description="Your LAMP list: the employers you target, scored, and your top five",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(name="add", description="Add an employer to your list, with its scores")
    @app_commands.describe(name="The employer's name", **SCORE_DESCRIPTIONS)
    @app_commands.choices(alumni=ALUMNI_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, MAX_NAME],
        alumni: app_commands.Choice[str] | None = None,
        motivation: Motivation | None = None,
        posting: Posting | None = None,
        note: app_commands.Range[str, 1, MAX_NOTE] | None = None,
    ) -> None:
        result = await add_new_employer(
            self.ctx,
            student_of(interaction),
            NewEmployer(name, Scores(_alumni(alumni), motivation, posting), note),
        )
        await interaction.response.send_message(added_text(result), ephemeral=True)

    @app_commands.command(
        name="list", description="Your employers, scored and sorted, with your top five"
    )
    async def list_(self, interaction: discord.Interaction) -> None:
        embed, view = await board_page(self.ctx, student_of(interaction), 0)
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="score", description="Change an employer's scores or note")
    @app_commands.describe(employer="Which employer", **SCORE_DESCRIPTIONS)
    @app_commands.choices(alumni=ALUMNI_CHOICES)
    async def score(
        self,
        interaction: discord.Interaction,
        employer: EmployerOption,
        alumni: app_commands.Choice[str] | None = None,
        motivation: Motivation | None = None,
        posting: Posting | None = None,
        note: app_commands.Range[str, 1, MAX_NOTE] | None = None,
    ) -> None:
        result = await score_employer(
            self.ctx,
            student_of(interaction),
            employer.id,
            Scores(_alumni(alumni), motivation, posting),
            note,
        )
        await interaction.response.send_message(scored_text(result), ephemeral=True)

    @app_commands.command(
        name="import", description="Paste your list: one employer per line, scores optional"
    )
    async def import_(self, interaction: discord.Interaction) -> None:
        student_of(interaction)  # a private error in direct messages
        await interaction.response.send_modal(EmployerImportModal())

    @app_commands.command(
        name="done", description="You are done with an employer: the next one moves up"
    )
    @app_commands.describe(employer="Which employer")
    async def done(self, interaction: discord.Interaction, employer: EmployerOption) -> None:
        result = await mark_employer_done(self.ctx, student_of(interaction), employer.id)
        await interaction.response.send_message(done_text(result), ephemeral=True)

    @app_commands.command(name="reopen", description="Work an employer you marked done again")
    @app_commands.describe(employer="Which employer")
    async def reopen(self, interaction: discord.Interaction, employer: EmployerOption) -> None:
        result = await reopen_employer(self.ctx, student_of(interaction), employer.id)
        await interaction.response.send_message(reopened_text(result), ephemeral=True)

    @app_commands.command(name="pin", description="Keep an employer in your top five")
    @app_commands.describe(employer="Which employer")
    async def pin(self, interaction: discord.Interaction, employer: EmployerOption) -> None:
        result = await pin_employer(self.ctx, student_of(interaction), employer.id, True)
        await interaction.response.send_message(pinned_text(result), ephemeral=True)

    @app_commands.command(name="unpin", description="Let an employer's scores place it again")
    @app_commands.describe(employer="Which employer")
    async def unpin(self, interaction: discord.Interaction, employer: EmployerOption) -> None:
        result = await pin_employer(self.ctx, student_of(interaction), employer.id, False)
        await interaction.response.send_message(pinned_text(result), ephemeral=True)


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(EmployerPageButton)
    await bot.add_cog(EmployersCog(bot.actions))

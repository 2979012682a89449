"""◀ ▶ buttons that page through one of a student's long views, editing the message in place.
Persistent: the custom_id carries the owner, the page and the direction, so they work after a
restart; only the owner can use them."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot.ui.guarded import GuardedCallback, ensure_owner, parse_id

MAX_PAGE = 10_000
"""A forged page number is clamped here (the view clamps it further to the pages it has)."""


class PageButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    # discord.py requires a template on every DynamicItem class; this base is never registered
    template=r"ic:page-base:(?P<owner>\d+):(?P<page>\d+):(?P<dir>[pn])",
):
    """Subclass with ``template=r"ic:<prefix>:(?P<owner>\\d+):(?P<page>\\d+):(?P<dir>[pn])"``, set
    :attr:`PREFIX` to the same ``<prefix>``, and implement :meth:`show`."""

    PREFIX: ClassVar[str]

    def __init__(self, *, owner_id: int, page: int, forward: bool, off: bool = False) -> None:
        page = max(page, 0)
        super().__init__(
            discord.ui.Button(
                label="▶" if forward else "◀",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ic:{self.PREFIX}:{owner_id}:{page}:{'n' if forward else 'p'}",
                disabled=off,
            )
        )
        self.owner_id = owner_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(
            owner_id=parse_id(match["owner"]),
            page=min(int(match["page"]), MAX_PAGE),
            forward=match["dir"] == "n",
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        embed, view = await self.show(interaction, self.page)
        await interaction.response.edit_message(embed=embed, view=view)

    async def show(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        raise NotImplementedError

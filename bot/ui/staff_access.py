"""Who is staff: members with Manage Server (or Administrator), or with the server's staff role.

Checked at run time on every staff command and component, from the member data Discord sends
with the interaction itself, so a role given or taken away counts at once (the commands'
``default_permissions`` only hide them in Discord's client; server admins can override that).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.actions.context import ActionContext
from bot.actions.staff import StaffKey, staff_settings
from bot.compat import role_ids_as_sent
from bot.errors import UserError
from bot.storage.guild_settings import ServerSettings
from bot.ui.guarded import guild_id_of

STAFF_ONLY = (
    "This is for the server's staff only (Manage Server permission or the staff role). "
    "Nothing was done."
)


def member_role_ids(user: discord.User | discord.Member | Any) -> set[int]:
    """The role ids in the interaction's member data. ``Member.roles`` would drop roles missing
    from the gateway cache, so the ids as sent are read first."""
    if isinstance(user, discord.Member):
        return set(role_ids_as_sent(user))
    return {role.id for role in getattr(user, "roles", ())}


def manages_server(interaction: discord.Interaction) -> bool:
    permissions = interaction.permissions
    return bool(permissions.manage_guild or permissions.administrator)


def is_staff(interaction: discord.Interaction, settings: ServerSettings) -> bool:
    if not isinstance(interaction.user, discord.Member):
        return False  # not in a server (or the member data is missing)
    if manages_server(interaction):
        return True
    role = settings.staff_role_id
    return role is not None and role in member_role_ids(interaction.user)


async def require_staff(ctx: ActionContext, interaction: discord.Interaction) -> StaffKey:
    """Who is acting, if they are the server's staff; otherwise a private "staff only" error."""
    guild_id = guild_id_of(interaction)
    if not is_staff(interaction, await staff_settings(ctx, guild_id)):
        raise UserError(STAFF_ONLY)
    return StaffKey(guild_id, interaction.user.id, manages_server(interaction))

"""When a student's direct messages are closed: whether to tell them, noting that they were
told, and trying again once they have opened them."""

from __future__ import annotations

from bot.actions.context import ActionContext, StudentKey
from bot.storage.students import (
    clear_unreachable,
    get_student,
    guilds_of_user,
    mark_told_unreachable,
)


async def pending_unreachable_notice(ctx: ActionContext, who: StudentKey) -> bool:
    """True if a reminder could not reach the student and they have not been told yet."""
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    return (
        student is not None
        and student.unreachable_at is not None
        and student.unreachable_told_at is None
    )


async def mark_told(ctx: ActionContext, who: StudentKey) -> None:
    """The student has seen the notice in this server: don't repeat it until the next failure."""
    async with ctx.db.transaction() as tx:
        await mark_told_unreachable(tx, who.guild_id, who.user_id, ctx.clock.now())


async def retry_direct_messages(ctx: ActionContext, who: StudentKey) -> int:
    """The student says their DMs are open again: clear "unreachable" for the user (in every
    server, as the failure was) and re-plan their reminders in each server, so the held ones
    go out now. Returns the servers re-planned."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        await clear_unreachable(tx, who.user_id)
        guilds = await guilds_of_user(tx, who.user_id)
        for guild_id in guilds:
            await ctx.planner.replan_student(tx, guild_id, who.user_id, now)
    return len(guilds)

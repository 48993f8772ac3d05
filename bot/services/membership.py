"""Joining, leaving, profiles and forgetting a member."""

from __future__ import annotations

from bot.commands.context import Context
from bot.domain.model import Member
from bot.errors import Conflict


async def join(ctx: Context) -> tuple[Member, bool]:
    """Join this channel's group; returns (member, rejoined)."""
    group, who = ctx.group, ctx.who
    existing = who.member
    if existing is not None:
        if existing.active:
            raise Conflict("You are already in this study group. Type `me` to see where you stand.")
        existing.active = True
        existing.name = who.caller.name
        await ctx.store.members.save(existing)
        return existing, True
    member = await ctx.store.members.add(
        Member(id=0, group_id=group.id, user_id=who.user_id, name=who.caller.name, timezone=group.timezone,
               joined_at=ctx.now)
    )
    who.member = member
    return member, False


async def leave(ctx: Context) -> Member:
    member = ctx.member
    member.active = False
    await ctx.store.members.save(member)
    ctx.reschedule = True
    return member


async def forget(ctx: Context) -> None:
    """Delete every row about this member in this group; the person row too if nothing else needs it."""
    who = ctx.who
    member = who.member
    if member is None:
        raise Conflict("There is nothing stored about you in this group.")
    store = ctx.store
    await store.outbox.forget_user(who.user_id, ctx.group.id)
    await store.members.delete(member.id)
    await store.groups.remove_organiser(ctx.group.id, who.user_id)
    await store.users.delete_if_orphan(who.user_id)
    who.member = None
    ctx.reschedule = True

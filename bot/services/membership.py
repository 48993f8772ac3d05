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


async def last_organiser(ctx: Context) -> bool:
    """Is the caller the only person holding an organiser grant in this group? Then leaving (or being
    forgotten) leaves the group with no organiser but the platform's admins, and they are told first."""
    grants = await ctx.store.groups.organisers(ctx.group.id)
    return [user_id for user_id, _, _ in grants] == [ctx.who.user_id]


async def leave(ctx: Context) -> Member:
    """Leave the group (history kept); an organiser grant ends with the membership."""
    member = ctx.member
    member.active = False
    await ctx.store.members.save(member)
    await ctx.store.groups.remove_organiser(ctx.group.id, ctx.who.user_id)
    ctx.reschedule = True
    return member


def stored_member(ctx: Context) -> Member:
    member = ctx.who.member
    if member is None:
        raise Conflict("There is nothing stored about you in this group.")
    return member


async def forget(ctx: Context) -> int:
    """Delete every row about this member in this group, the person row too if nothing else needs it,
    and their words in the group's outbox (messages to them deleted, their words in the others removed).
    Returns how many outbox messages were rewritten."""
    who = ctx.who
    member = stored_member(ctx)
    store = ctx.store
    rewritten = await store.outbox.forget_user(who.user_id, ctx.group.id)
    await store.members.delete(member.id)
    await store.groups.remove_organiser(ctx.group.id, who.user_id)
    await store.users.delete_if_orphan(who.user_id)
    # Deleted rows are zeroed in place (secure_delete); the WAL still holds their old pages until emptied.
    store.db.purge_log_after_commit()
    who.member = None
    ctx.reschedule = True
    return rewritten

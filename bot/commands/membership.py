"""join, leave, profile, me, forget-me"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain.model import LEVELS, TARGETS, Member
from bot.domain.progress import current_stage, stage_progress
from bot.domain.scoring import target_split
from bot.errors import Conflict
from bot.reply import Bar, Button, Field, Reply
from bot.services import mock as mock_service
from bot.services import practice
from bot.text import Rich, Said, Styled, count


@command("join", scope="group", moves_roles=True, help="Join this channel's study group")
async def join(ctx: Context) -> Reply:
    member, rejoined = await _join(ctx)
    again = "back " if rejoined else ""
    group = ctx.group
    if member.timezone == group.timezone:
        zone_text = Rich.format("Your timezone is the group's, {tz}", tz=member.timezone)
    else:
        zone_text = Rich.format("Your timezone is {tz}", tz=member.timezone)
    # The example fits this group and member: the zone they have (a new member has the group's, never
    # some other city's), and the other target.
    other = "faang" if member.target != "faang" else "general"
    example = f"profile timezone {member.timezone} target {other}"
    return Reply(
        title=Rich.format("Welcome {again}to {group}, {name}!", again=again, group=group.name,
                          name=Said(member.name, by=member.user_id)),
        text=Rich.format("{zone}, and your target is {target} ({count}). Change them with `profile`, "
                         "e.g. {example}.\nStart with {a}, then {b}.",
                         zone=zone_text, target=member.target, count=count(member.target_count, "problem"),
                         example=Styled(example, "code"), a=Styled("problem today", "code"),
                         b=Styled("roadmap", "code")),
        buttons=[Button("Today's problem", "problem today", "primary"), Button("My profile", "profile"),
                 Button("Roadmap", "roadmap")],
        tone="success",
    )


_CONFIRM = Param("confirm", "choice", "Say `confirm` to go ahead", choices=("confirm",))


def _last_organiser_warning(group_name: str) -> Rich:
    return Rich.format("You are the last member with an organiser grant in {group}: after this, only the "
                       "platform's admins can run organiser commands. Grant someone first with "
                       "`group organisers add MEMBER`.", group=group_name)


@command("leave", params=[_CONFIRM], private=True, moves_roles=True,
         help="Leave this channel's study group (your history is kept; `forget-me` erases it)",
         details="The last member holding an organiser grant is asked to confirm with `leave confirm`.")
async def leave(ctx: Context, confirm: str | None = None) -> Reply:
    if confirm is None and await _last_organiser(ctx):
        return Reply(title=f"Leave {ctx.group.name}?", text=_last_organiser_warning(ctx.group.name),
                     buttons=[Button("Leave anyway", "leave confirm", "danger")], tone="warning", private=True)
    # Their sessions end now, and their partners hear it at once (and may be offered someone new).
    await mock_service.end_member_sessions(ctx.store, ctx.content, ctx.group, ctx.member, ctx.now, "left")
    member = await _leave(ctx)
    return Reply(text=Rich.format("{name} left {group}. Type `join` to come back any time.",
                                  name=Said(member.name, by=member.user_id), group=ctx.group.name))


@command(
    "profile", private=True,
    help="Show or set your profile",
    params=[
        Param("timezone", "timezone", "Your IANA timezone, e.g. Europe/Paris", keyword=True, max_length=64),
        Param("target", "choice", "general = 50 problems, faang = 150", keyword=True, choices=tuple(TARGETS)),
        Param("level", "choice", "Your level", keyword=True, choices=LEVELS),
    ],
    examples=("profile", "profile timezone Asia/Kolkata target faang level intermediate"),
)
async def profile(ctx: Context, timezone: str | None = None, target: str | None = None,
                  level: str | None = None) -> Reply:
    member = ctx.member
    changed = []
    for name, value in (("timezone", timezone), ("target", target), ("level", level)):
        if value and value != getattr(member, name):
            setattr(member, name, value)
            changed.append(name)
    if changed:
        await ctx.store.members.save(member)
    return Reply(
        title=Rich.format("{name}'s profile", name=Said(member.name, by=member.user_id)),
        text=f"Updated your {', '.join(changed)}." if changed else "",
        fields=[
            Field("Timezone", member.timezone),
            Field("Target", f"{member.target} ({count(member.target_count, 'problem')})"),
            Field("Level", member.level),
        ],
        tone="success" if changed else "info",
    )


@command("me", private=True, help="Your stats: solves against your target, streak, roadmap stage, mocks")
async def me(ctx: Context) -> Reply:
    member = ctx.member
    roadmap = ctx.roadmap()
    done = set(await ctx.store.milestones.done(member.id))
    progress = stage_progress(roadmap, done)
    stage = roadmap.stages[current_stage(roadmap, done)]
    ticked = sum(p.done for p in progress)
    total = sum(p.total for p in progress)
    solved = await ctx.store.practice.counts_by_difficulty(member.id)
    split = target_split(member.target_count)
    st = await practice.member_streak(ctx.store, ctx.member, ctx.now)
    fields = [
        Field("Solved", f"{sum(solved.values())}/{member.target_count} ({member.target})"),
        Field("Streak", f"{count(st.current, 'day')} (best {count(st.best, 'day')}, "
                        f"{count(st.freezes, 'freeze')})"),
        Field("Roadmap stage", stage.title),
        Field("Milestones", f"{ticked}/{total}"),
    ]
    fields += await mock_service.me_fields(ctx.store, ctx.content, member.id)
    bars = [Bar(f"{d.capitalize()}", solved.get(d, 0), split[d]) for d in ("easy", "medium", "hard")]
    bars.append(Bar("Roadmap", ticked, total))
    return Reply(title=Rich.format("{name} in {group}", name=Said(member.name, by=member.user_id),
                                   group=ctx.group.name), fields=fields, bars=bars,
                 buttons=[Button("Today's problem", "problem today"), Button("Review", "problem review"),
                          Button("Roadmap", "roadmap")])


@command("forget-me", scope="group", private=True, params=[_CONFIRM],
         help="Delete everything the bot stores about you in this group",
         details=("Asks first; `forget-me confirm` (or the button) deletes your profile, solves, streaks, "
                  "check-ins, applications and mock history, and removes your words and name from the "
                  "messages the bot posted or still has to post. It cannot be undone."))
async def forget_me(ctx: Context, confirm: str | None = None) -> Reply:
    _stored_member(ctx)
    if confirm is None:
        warning = _last_organiser_warning(ctx.group.name) if await _last_organiser(ctx) else ""
        return Reply(
            title=f"Forget everything about you in {ctx.group.name}?",
            text=Rich.format("This deletes your profile, solves, streaks, check-ins, applications and mock history "
                             "here, and removes your words and name from the bot's messages. It cannot be undone. "
                             "Press the button or type `forget-me confirm`.{warning}",
                             warning=Rich.of("\n", warning) if warning else ""),
            buttons=[Button("Delete everything", "forget-me confirm", "danger")], tone="warning",
        )
    await _forget(ctx)
    return Reply(text="Done: everything studybot stored about you in this group is deleted.", tone="success")


# -- the steps behind the commands above ------------------------------------------------------------
async def _join(ctx: Context) -> tuple[Member, bool]:
    """Join this channel's group; returns (member, rejoined)."""
    group, who = ctx.group, ctx.who
    existing = who.member
    if existing is not None:
        if existing.active:
            raise Conflict(Rich.format("You are already in this study group. Type `me` to see where you stand."))
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


async def _last_organiser(ctx: Context) -> bool:
    """Is the caller the only person holding an organiser grant in this group? Then leaving (or being
    forgotten) leaves the group with no organiser but the platform's admins, and they are told first."""
    grants = await ctx.store.groups.organisers(ctx.group.id)
    return [user_id for user_id, _, _ in grants] == [ctx.who.user_id]


async def _leave(ctx: Context) -> Member:
    """Leave the group (history kept); an organiser grant ends with the membership."""
    member = ctx.member
    member.active = False
    await ctx.store.members.save(member)
    await ctx.store.groups.remove_organiser(ctx.group.id, ctx.who.user_id)
    return member


def _stored_member(ctx: Context) -> Member:
    member = ctx.who.member
    if member is None:
        raise Conflict("There is nothing stored about you in this group.")
    return member


async def _forget(ctx: Context) -> int:
    """Delete every row about this member in this group, the person row too if nothing else needs it,
    and their words in the group's outbox (messages to them deleted, their words in the others removed).
    Returns how many outbox messages were rewritten."""
    who = ctx.who
    member = _stored_member(ctx)
    store = ctx.store
    # Before the member's rows go: the partner is told (without the name) and the invite is cancelled.
    await mock_service.end_member_sessions(store, ctx.content, ctx.group, member, ctx.now, "forget")
    rewritten = await store.outbox.forget_user(who.user_id, ctx.group.id)
    await store.members.delete(member.id)
    await store.groups.remove_organiser(ctx.group.id, who.user_id)
    await store.users.delete_if_orphan(who.user_id)
    # Deleted rows are zeroed in place (secure_delete); the WAL still holds their old pages until emptied.
    store.db.purge_log_after_commit()
    who.member = None
    return rewritten

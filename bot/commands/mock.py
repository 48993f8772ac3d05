"""mock join | leave | skip | snooze | availability | prefs | avoid | unavoid | status | feedback |
confirm | propose | cancel, and `group pair-now` (organisers)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.commands import members
from bot.commands.context import Context
from bot.commands.members import MemberRef
from bot.commands.registry import Param, command
from bot.domain import availability, matching
from bot.domain.availability import Window
from bot.domain.model import Member
from bot.domain.sessions import MockMember, MockSession
from bot.domain.timeutil import WEEKDAYS, zone
from bot.errors import Conflict, NotAllowed, NotFound, UsageError
from bot.reply import Button, Field, Reply, stamp
from bot.services import mock as svc
from bot.text import Rich, Said

MAX_WINDOWS = 21


async def _enrolled(ctx: Context) -> MockMember:
    mm = await ctx.store.mock.get(ctx.member.id)
    if mm is None or mm.status == "left":
        raise NotAllowed("You are not in mock-interview pairing. Type `mock join` first.")
    return mm


async def _other(ctx: Context, ref: MemberRef) -> Member:
    other = await members.resolve(ctx, ref)  # by identity or our id; a shared name asks "which one?"
    if other.id == ctx.member.id:
        raise UsageError("That is you. Name another member.")
    return other


def _windows_text(windows: list[Window], tz: str) -> str:
    return ", ".join(w.label() for w in windows) + f" ({tz})" if windows else "none yet"


@command("mock join", help="Opt in to weekly mock-interview pairing (also: come back after a pause)",
         examples=("mock join",))
async def mock_join(ctx: Context) -> Reply:
    member = ctx.member
    mm = await ctx.store.mock.get(member.id)
    if mm is not None and mm.status == "active":
        raise Conflict("You are already in mock-interview pairing. `mock status` shows your week.")
    await ctx.store.mock.join(member.id, ctx.now)
    windows = await ctx.store.mock.windows(member.id)
    when = svc.next_pairing(ctx.group, ctx.now)
    text = Rich.format("You will be paired every week; the next round is {when}.", when=stamp(when))
    if not windows:
        text += " Tell me when you are free, in your own time: `mock availability add sat 10:00-12:00`."
    return Reply(title="Mock interviews: you're in", text=text, tone="success",
                 fields=[Field("Availability", _windows_text(windows, member.timezone))],
                 buttons=[Button("Interview kinds", "mock prefs"), Button("My status", "mock status")])


@command("mock leave", help="Stop being paired for mock interviews (your history is kept)")
async def mock_leave(ctx: Context) -> Reply:
    await _enrolled(ctx)
    await ctx.store.mock.set_status(ctx.member.id, "left")
    return Reply(text="You left mock-interview pairing. `mock join` brings you back.")


@command("mock skip", help="Sit out the next pairing round")
async def mock_skip(ctx: Context) -> Reply:
    mm = await _enrolled(ctx)
    await ctx.store.mock.set_skip(ctx.member.id, max(mm.skip_rounds, 1))
    when = svc.next_pairing(ctx.group, ctx.now)
    return Reply(text=Rich.format("You sit out the round of {when}. You are paired again the week after.",
                                  when=stamp(when, "d")))


@command("mock snooze", help="Sit out the next N pairing rounds",
         params=[Param("weeks", "int", "How many rounds to sit out", required=True, minimum=1, maximum=12,
                       metavar="WEEKS")],
         examples=("mock snooze 2",))
async def mock_snooze(ctx: Context, weeks: int) -> Reply:
    await _enrolled(ctx)
    await ctx.store.mock.set_skip(ctx.member.id, weeks)
    return Reply(text=f"You sit out the next {weeks} round{'s' if weeks != 1 else ''}. `mock skip` or "
                      "`mock snooze 1` shortens it.")


@command("mock availability add", private=True, help="Add a weekly window, in your own timezone",
         params=[Param("day", "weekday", "Weekday", required=True),
                 Param("hours", "timerange", "From-to, your local time", required=True)],
         examples=("mock availability add sat 10:00-12:00", "mock availability add tue 19:00-21:00"))
async def mock_availability_add(ctx: Context, day: str, hours: tuple[time, time]) -> Reply:
    member = ctx.member
    start, end = hours
    if (datetime.combine(datetime.min, end) - datetime.combine(datetime.min, start)) < timedelta(minutes=60):
        raise UsageError("A window needs at least an hour: a mock interview takes 60 to 100 minutes.")
    windows = await ctx.store.mock.windows(member.id)
    if len(windows) >= MAX_WINDOWS:
        raise Conflict(f"You already have {MAX_WINDOWS} windows. `mock availability clear` starts over.")
    if not await ctx.store.mock.add_window(member.id, Window(day, start, end)):
        raise Conflict(f"You already have {day} {start:%H:%M}-{end:%H:%M}.")
    windows = await ctx.store.mock.windows(member.id)
    return Reply(text=f"Added {day} {start:%H:%M}-{end:%H:%M} in your timezone ({member.timezone}).",
                 fields=[Field("Availability", _windows_text(windows, member.timezone), inline=False)],
                 tone="success")


@command("mock availability clear", private=True, help="Remove all your weekly windows")
async def mock_availability_clear(ctx: Context) -> Reply:
    removed = await ctx.store.mock.clear_windows(ctx.member.id)
    if not removed:
        raise Conflict("You have no availability to clear.")
    return Reply(text=f"Removed {removed} window{'s' if removed != 1 else ''}. Add new ones with "
                      "`mock availability add DAY HH:MM-HH:MM`.")


@command("mock prefs", private=True, help="The interview kinds you want (none named: show them)",
         params=[Param("kinds", "choices", "Interview kinds", choices=matching.KINDS)],
         examples=("mock prefs coding ml-design",))
async def mock_prefs(ctx: Context, kinds: tuple[str, ...] = ()) -> Reply:
    mm = await _enrolled(ctx)
    if kinds:
        chosen = tuple(k for k in matching.KINDS if k in kinds)
        await ctx.store.mock.set_kinds(ctx.member.id, chosen)
        return Reply(text=f"You will be paired for: {', '.join(chosen)}.", tone="success")
    shown = ", ".join(mm.kinds) if mm.kinds else "any kind"
    return Reply(text=f"You want: {shown}. Change with `mock prefs coding system-design ml-design behavioral`.")


@command("mock avoid", private=True, help="Never be paired with a member (private)",
         params=[Param("member", "member", "A member: a mention, or their name", required=True, max_length=80)])
async def mock_avoid(ctx: Context, member: MemberRef) -> Reply:
    other = await _other(ctx, member)
    if not await ctx.store.mock.avoid(ctx.member.id, other.id):
        raise Conflict(f"{other.name} is already on your do-not-pair list.")
    return Reply(text=f"You will not be paired with {other.name}. Only you can see this list.")


@command("mock unavoid", private=True, help="Take a member off your do-not-pair list",
         params=[Param("member", "member", "A member: a mention, or their name", required=True, max_length=80)])
async def mock_unavoid(ctx: Context, member: MemberRef) -> Reply:
    other = await _other(ctx, member)
    if not await ctx.store.mock.unavoid(ctx.member.id, other.id):
        raise Conflict(f"{other.name} is not on your do-not-pair list.")
    return Reply(text=f"{other.name} is off your do-not-pair list.")


async def _current(ctx: Context) -> MockSession | None:
    session = await ctx.store.mock.latest_session(ctx.member.id)
    if session is None or session.status != "scheduled" or session.ends_at < ctx.now:
        return None
    return session


async def _members(ctx: Context) -> dict[int, Member]:
    return {m.id: m for m in await ctx.store.members.active(ctx.group.id)}


@command("mock status", private=True, help="Your current pairing, slot, role and what you ask")
async def mock_status(ctx: Context) -> Reply:
    member = ctx.member
    mm = await ctx.store.mock.get(member.id)
    windows = await ctx.store.mock.windows(member.id)
    avoided = await ctx.store.mock.avoided(member.id)
    members = await _members(ctx)
    state = "not taking part (`mock join`)" if mm is None or mm.status == "left" else (
        "paused after missed sessions (`mock join` to come back)" if mm.status == "paused" else "taking part")
    if mm is not None and mm.status == "active" and mm.skip_rounds:
        state += f", sitting out the next {mm.skip_rounds} round{'s' if mm.skip_rounds != 1 else ''}"
    fields = [Field("Pairing", state),
              Field("Next round", stamp(svc.next_pairing(ctx.group, ctx.now))),
              Field("Availability", _windows_text(windows, member.timezone), inline=False),
              Field("Kinds", ", ".join(mm.kinds) if mm and mm.kinds else "any"),
              Field("Do-not-pair", ", ".join(sorted(members[i].name for i in avoided if i in members)) or "nobody")]
    session = await _current(ctx)
    if session is None:
        return Reply(title="Mock interviews", text="No session scheduled for you right now.", fields=fields)
    others = [s.member_id for s in session.others(member.id)]
    _, asks = svc.plan_for(session, member.id)
    confirmed = [members[s.member_id].name for s in session.seats if s.confirmed_at and s.member_id in members]
    fields[:0] = [
        Field("Partner", ", ".join(members[i].name for i in others if i in members)),
        Field("Slot", Rich.format("{start} — your time: {span}", start=stamp(session.starts_at),
                                  span=svc.local_span(session.starts_at, session.ends_at, member.timezone)),
              inline=False),
        Field("Role", svc.roles_text(session, member.id, members), inline=False),
        Field("You ask", svc.item_text(ctx.content, session.kind, session.seat(asks).item_id)
              if asks else "nothing: you observe", inline=False),
        Field("Confirmed", ", ".join(confirmed) or "nobody yet"),
    ]
    if session.proposed_at:
        by = members[session.proposed_by].name if session.proposed_by in members else "?"
        fields.append(Field("Proposed", Rich.format("{at} by {by}", at=stamp(session.proposed_at), by=by)))
    return Reply(title=f"Mock interview: {svc.KIND_LABEL.get(session.kind, session.kind)}", fields=fields,
                 buttons=[Button("Confirm", "mock confirm", "success"), Button("Propose another slot", "mock propose"),
                          Button("Can't make it", "mock cancel", "danger")])


async def _notify(ctx: Context, session: MockSession, key: str, reply: Reply) -> None:
    members = await _members(ctx)
    for seat in session.others(ctx.member.id):
        other = members.get(seat.member_id)
        if other is not None:
            await ctx.store.outbox.enqueue(f"mock:{session.id}:{other.id}:{key}", reply, ctx.now,
                                           group_id=ctx.group.id, user_id=other.user_id)
            ctx.sent += 1


async def _current_or_fail(ctx: Context) -> MockSession:
    session = await _current(ctx)
    if session is None:
        raise NotFound("You have no mock interview scheduled right now. `mock status` shows your week.")
    return session


@command("mock confirm", private=True, help="Confirm your mock-interview slot (or accept your partner's proposal)")
async def mock_confirm(ctx: Context) -> Reply:
    session = await _current_or_fail(ctx)
    me = ctx.member
    if session.proposed_at and session.proposed_by != me.id:
        length = session.ends_at - session.starts_at
        start = session.proposed_at
        await ctx.store.mock.move(session.id, start, start + length)
        await ctx.store.mock.confirm(session.id, me.id, ctx.now)
        epoch = int(start.timestamp())
        for member in (await _members(ctx)).values():
            if session.seat(member.id) is None:
                continue
            reply = Reply(title="Mock interview moved",
                          text=Rich.format("New slot: {start} — your time: {span}", start=stamp(start),
                                           span=svc.local_span(start, start + length, member.timezone)),
                          buttons=[Button("My status", "mock status")])
            await ctx.store.outbox.enqueue(f"mock:{session.id}:{member.id}:moved:{epoch}", reply, ctx.now,
                                           group_id=ctx.group.id, user_id=member.user_id)
        return Reply(text=Rich.format("Moved to {start}. Reminders follow the new time.", start=stamp(start)),
                     tone="success")
    if not await ctx.store.mock.confirm(session.id, me.id, ctx.now):
        raise Conflict("You had already confirmed this session.")
    await _notify(ctx, session, f"confirmed-by:{me.id}",
                  Reply(text=Rich.format("{name} confirmed your mock interview at {at}.",
                                         name=svc.said_name(me), at=stamp(session.starts_at))))
    return Reply(text=Rich.format("Confirmed: {at}. Your partner is told.", at=stamp(session.starts_at)),
                 tone="success")


@command("mock propose", private=True, help="Propose another slot to your partner (no time: list shared free times)",
         params=[Param("day", "weekday", "Weekday, your timezone"), Param("time", "hhmm", "Start, your local time")],
         examples=("mock propose", "mock propose thu 19:30"))
async def mock_propose(ctx: Context, day: str | None = None, time: time | None = None) -> Reply:
    session = await _current_or_fail(ctx)
    me = ctx.member
    members = await _members(ctx)
    round_at = await ctx.store.mock.round_at(session.round_id)
    until = svc.session_window_end(session, round_at)
    length = session.ends_at - session.starts_at
    if day is None and time is None:
        start = ctx.now + timedelta(hours=1)
        shared = None
        for seat in session.seats:
            m = members.get(seat.member_id)
            if m is None:
                continue
            mine = availability.intervals(await ctx.store.mock.windows(m.id), m.timezone, start, until)
            shared = mine if shared is None else [
                (max(a, c), min(b, d)) for a, b in shared for c, d in mine if min(b, d) > max(a, c)]
        options = [(a, b) for a, b in (shared or []) if b - a >= length and a != session.starts_at][:3]
        if not options:
            return Reply(text="No other shared window fits this week. Propose a time anyway with "
                              "`mock propose DAY HH:MM` (your local time).")
        z = zone(me.timezone)
        buttons = [Button(f"{a.astimezone(z):%a %H:%M}",
                          f"mock propose {WEEKDAYS[a.astimezone(z).weekday()]} {a.astimezone(z):%H:%M}")
                   for a, _ in options]
        return Reply(text="Times you both marked free:\n" + "\n".join(
            f"• {svc.local_span(a, a + length, me.timezone)}" for a, _ in options), buttons=buttons)
    if day is None or time is None:
        raise UsageError("Give both the day and the time, e.g. `mock propose thu 19:30`.")
    start = svc.next_local(day, time, me.timezone, ctx.now)
    if start < ctx.now + timedelta(hours=1) or start + length > until:
        raise Conflict(f"Propose a time between one hour from now and "
                       f"{until.astimezone(zone(me.timezone)):%a %d %b %H:%M} ({me.timezone}).")
    await ctx.store.mock.propose(session.id, me.id, start)
    epoch = int(start.timestamp())
    for seat in session.others(me.id):
        other = members.get(seat.member_id)
        if other is None:
            continue
        reply = Reply(title=Rich.format("{name} proposes another slot", name=svc.said_name(me)),
                      text=Rich.format("{start} — your time: {span}", start=stamp(start),
                                       span=svc.local_span(start, start + length, other.timezone)),
                      buttons=[Button("Accept", "mock confirm", "success"), Button("Propose another", "mock propose"),
                               Button("Can't make it", "mock cancel", "danger")])
        await ctx.store.outbox.enqueue(f"mock:{session.id}:{other.id}:proposal:{me.id}:{epoch}", reply, ctx.now,
                                       group_id=ctx.group.id, user_id=other.user_id)
    return Reply(text=f"Proposed {svc.local_span(start, start + length, me.timezone)}; your partner can accept "
                      "with `mock confirm`.")


@command("mock cancel", private=True, help="You can't make this week's mock interview")
async def mock_cancel(ctx: Context) -> Reply:
    session = await _current_or_fail(ctx)
    if session.starts_at <= ctx.now:
        raise Conflict("The session has started; report how it went with `mock feedback PARTNER ...`.")
    await ctx.store.mock.set_status_of(session.id, "cancelled")
    await _notify(ctx, session, "cancelled", Reply(
        title="Mock interview cancelled",
        text=f"{ctx.member.name} can't make it this week. You are first in line next round.",
        buttons=[Button("My status", "mock status")]))
    return Reply(text="Cancelled; your partner is told. You are paired again next round.")


@command(
    "mock feedback", private=True, help="Rate your partner on the rubric after a session (or report a no-show)",
    params=[Param("partner", "member", "Your partner", required=True, max_length=80),
            Param("ratings", "word", "communication,problem-solving,coding,testing from 1 to 4, or no-show",
                  required=True, max_length=40, metavar="RATINGS"),
            Param("notes", "text", "A note for your partner", max_length=500, metavar="NOTES")],
    examples=("mock feedback alice 3,4,3,2 explained trade-offs well", "mock feedback bob no-show"),
)
async def mock_feedback(ctx: Context, partner: MemberRef, ratings: str, notes: str | None = None) -> Reply:
    me = ctx.member
    other = await _other(ctx, partner)
    try:
        values = svc.parse_ratings(ratings, ctx.content)
    except ValueError as exc:
        raise UsageError(f"Ratings: {exc}.") from None
    sessions = [s for s in await ctx.store.mock.sessions_with(me.id, other.id) if s.status != "cancelled"]
    if not sessions:
        raise NotFound(f"You have no mock session with {other.name}.")
    started = [x for x in sessions if x.starts_at <= ctx.now]
    if not started:
        when = svc.local_span(sessions[-1].starts_at, sessions[-1].ends_at, me.timezone)
        raise Conflict(f"Your session with {other.name} is {when}; rate it afterwards.")
    session = started[0]
    fresh = await ctx.store.mock.give_feedback(session.id, me.id, other.id, values, notes, ctx.now)
    if values is None:
        if session.status == "scheduled":
            await ctx.store.mock.set_status_of(session.id, "missed")
        if fresh:
            missed = await ctx.store.mock.add_no_show(other.id)
            if missed >= svc.NO_SHOW_LIMIT:
                await ctx.store.mock.set_status(other.id, "paused")
                reply = Reply(title="Mock interviews paused",
                              text=f"Partners reported you absent {missed} times, so you are not paired for now. "
                                   "When you can commit again, type `mock join` to come back.",
                              buttons=[Button("Come back", "mock join")])
                await ctx.store.outbox.enqueue(f"mock:paused:{other.id}:{session.id}", reply, ctx.now,
                                               group_id=ctx.group.id, user_id=other.user_id)
        return Reply(text=f"Noted that {other.name} did not show. Thanks for telling us.")
    await ctx.store.mock.set_status_of(session.id, "done")
    criteria = ctx.content.rubric.criteria if ctx.content.rubric else ()
    fields = [Field(c.title, str(v)) for c, v in zip(criteria, values, strict=False)]
    # Their name and notes are their words: Said parts, so forget-me can remove them from the DM.
    reply = Reply(title=Rich.format("Feedback from {name}", name=svc.said_name(me)),
                  text=Rich.of(Said(notes, by=me.user_id)) if notes else "", fields=fields,
                  buttons=[Button("My trend", "me")])
    await ctx.store.outbox.enqueue(f"mock:{session.id}:{me.id}:{other.id}:feedback", reply, ctx.now,
                                   group_id=ctx.group.id, user_id=other.user_id)
    ctx.sent += 1
    verb = "Recorded" if fresh else "Updated"
    return Reply(text=f"{verb} your feedback for {other.name}; they will see it.", fields=fields, tone="success")


@command("group pair-now", admin=True, scope="group", private=True, help="Run this week's pairing round now")
async def group_pair_now(ctx: Context) -> Reply:
    group = ctx.group
    belongs = svc.next_pairing(group, ctx.now)
    summary = await svc.pair_round(ctx.store, ctx.content, ctx.now, group, belongs)
    if summary is None:
        raise Conflict(f"This week's round has already run; the next one pairs after {belongs:%a %d %b} (UTC).")
    return Reply(title="Pairing round done",
                 text=f"{summary.sessions} session{'s' if summary.sessions != 1 else ''}, "
                      f"{summary.unpaired} sitting out. Seed {summary.seed} ({summary.method}).",
                 tone="success")

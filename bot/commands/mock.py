"""mock join | leave | skip | snooze | availability | prefs | avoid | unavoid | status | confirm | propose |
cancel | feedback | dispute | rematch, and `group pair-now [again]` (organisers)."""

from __future__ import annotations

import random
import re
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
from bot.text import Content, Rich, Said, count, join

MAX_WINDOWS = 21
LOOK_BACK = timedelta(days=14)  # how far back `mock confirm` (attendance) and `mock feedback` look
_SESSION = Param("session", "int", "The session number (shown on its messages), when you have several",
                 minimum=1, maximum=10**12, metavar="SESSION")


async def _enrolled(ctx: Context) -> MockMember:
    mm = await ctx.store.mock.get(ctx.member.id)
    if mm is None or mm.status == "left":
        raise NotAllowed(Rich.format("You are not in mock-interview pairing. Type `mock join` first."))
    return mm


async def _other(ctx: Context, ref: MemberRef) -> Member:
    other = await members.resolve(ctx, ref)  # by identity or our id; a shared name asks "which one?"
    if other.id == ctx.member.id:
        raise UsageError("That is you. Name another member.")
    return other


def _windows_text(windows: list[Window], tz: str) -> str:
    return ", ".join(w.label() for w in windows) + f" ({tz})" if windows else "none yet"


async def _members(ctx: Context) -> dict[int, Member]:
    return {m.id: m for m in await ctx.store.members.active(ctx.group.id)}


def _kind(session: MockSession) -> str:
    return svc.KIND_LABEL.get(session.kind, session.kind)


def _with(session: MockSession, me: int, members_by_id: dict[int, Member]) -> Rich:
    return join(" and ", (svc.said_name(members_by_id[s.member_id]) if s.member_id in members_by_id else "a former member"
                          for s in session.others(me)))


def _label(session: MockSession, me: int, members_by_id: dict[int, Member]) -> Rich:
    """'session 12 (coding with bo, <stamp>)': how a reply says which session it applies to."""
    return Rich.format("session {id} ({kind} with {names}, {at})", id=session.id, kind=_kind(session),
                       names=_with(session, me, members_by_id) or "nobody", at=stamp(session.starts_at))


# -- taking part --------------------------------------------------------------------------------------
@command("mock join", private=True, help="Opt in to weekly mock-interview pairing (also: come back after a pause)",
         examples=("mock join",))
async def mock_join(ctx: Context) -> Reply:
    member = ctx.member
    mm = await ctx.store.mock.get(member.id)
    if mm is not None and mm.status == "active":
        raise Conflict(Rich.format("You are already in mock-interview pairing. `mock status` shows your week."))
    await ctx.store.mock.join(member.id, ctx.now)
    windows = await ctx.store.mock.windows(member.id)
    when = svc.next_pairing(ctx.group, ctx.now)
    text = Rich.format("You will be paired every week; the next round is {when}.", when=stamp(when))
    if not windows:
        text += Rich.format(" Tell me when you are free, in your own time: `mock availability add sat 10:00-12:00`.")
    return Reply(title="Mock interviews: you're in", text=text, tone="success",
                 fields=[Field("Availability", _windows_text(windows, member.timezone))],
                 buttons=[Button("Interview kinds", "mock prefs"), Button("My status", "mock status")])


@command("mock leave", private=True, help="Stop being paired for mock interviews (your history is kept)",
         details="Sessions you have not had yet are cancelled, and your partners are told at once.")
async def mock_leave(ctx: Context) -> Reply:
    await _enrolled(ctx)
    ended = await svc.end_member_sessions(ctx.store, ctx.content, ctx.group, ctx.member, ctx.now, "mock-leave")
    await ctx.store.mock.set_status(ctx.member.id, "left")
    text = Rich.format("You left mock-interview pairing. `mock join` brings you back.")
    if ended:
        text += f" {count(ended, 'session')} cancelled; your partners are told."
    return Reply(text=text)


@command("mock skip", private=True, help="Sit out the next pairing round")
async def mock_skip(ctx: Context) -> Reply:
    mm = await _enrolled(ctx)
    await ctx.store.mock.set_skip(ctx.member.id, max(mm.skip_rounds, 1))
    when = svc.next_pairing(ctx.group, ctx.now)
    return Reply(text=Rich.format("You sit out the round of {when}. You are paired again the week after.",
                                  when=stamp(when, "D")))


@command("mock snooze", private=True, help="Sit out the next N pairing rounds",
         params=[Param("weeks", "int", "How many rounds to sit out", required=True, minimum=1, maximum=12,
                       metavar="WEEKS")],
         examples=("mock snooze 2",))
async def mock_snooze(ctx: Context, weeks: int) -> Reply:
    await _enrolled(ctx)
    await ctx.store.mock.set_skip(ctx.member.id, weeks)
    return Reply(text=Rich.format("You sit out the next {rounds}. `mock skip` or `mock snooze 1` shortens it.",
                                  rounds=count(weeks, "round")))


# -- availability ---------------------------------------------------------------------------------------
def _length(hours: tuple[time, time]) -> timedelta:
    return datetime.combine(datetime.min, hours[1]) - datetime.combine(datetime.min, hours[0])


@command("mock availability add", private=True, help="Add a weekly window, in your own timezone",
         params=[Param("day", "weekday", "Weekday", required=True),
                 Param("hours", "timerange", "From-to, your local time", required=True)],
         details="A window that overlaps or touches one you have on that day is merged with it.",
         examples=("mock availability add sat 10:00-12:00", "mock availability add tue 19:00-21:00"))
async def mock_availability_add(ctx: Context, day: str, hours: tuple[time, time]) -> Reply:
    member = ctx.member
    start, end = hours
    if _length(hours) < timedelta(minutes=60):
        raise UsageError("A window needs at least an hour: a mock interview takes 60 to 100 minutes.")
    windows = await ctx.store.mock.windows(member.id)
    merged, changed = availability.add_window(windows, Window(day, start, end))
    if not changed:
        raise Conflict(f"You already have {day} {start:%H:%M}-{end:%H:%M}.")
    if len(merged) > MAX_WINDOWS:
        raise Conflict(Rich.format("You already have {most} windows. `mock availability remove` or "
                                   "`mock availability clear` makes room.", most=MAX_WINDOWS))
    await ctx.store.mock.set_windows(member.id, merged)
    text = f"Added {day} {start:%H:%M}-{end:%H:%M} in your timezone ({member.timezone})."
    if len(merged) <= len(windows):
        text += " It joins the window it overlaps."
    return Reply(text=text, fields=[Field("Availability", _windows_text(merged, member.timezone), inline=False)],
                 tone="success")


@command("mock availability remove", private=True, help="Remove a weekly window (or part of one)",
         params=[Param("day", "weekday", "Weekday", required=True),
                 Param("hours", "timerange", "From-to, your local time", required=True)],
         details="Takes that time out of your windows on that day; what is left of a window under an hour goes too.",
         examples=("mock availability remove sat 10:00-12:00",))
async def mock_availability_remove(ctx: Context, day: str, hours: tuple[time, time]) -> Reply:
    member = ctx.member
    windows = await ctx.store.mock.windows(member.id)
    left, touched = availability.remove_span(windows, Window(day, *hours))
    if not touched:
        raise Conflict(Rich.format("You have no window on {day} between {start:%H:%M} and {end:%H:%M}. "
                                   "`mock status` lists yours.", day=day, start=hours[0], end=hours[1]))
    await ctx.store.mock.set_windows(member.id, left)
    return Reply(text=f"Removed {day} {hours[0]:%H:%M}-{hours[1]:%H:%M} from your availability.",
                 fields=[Field("Availability", _windows_text(left, member.timezone), inline=False)], tone="success")


@command("mock availability clear", private=True, help="Remove all your weekly windows")
async def mock_availability_clear(ctx: Context) -> Reply:
    removed = await ctx.store.mock.clear_windows(ctx.member.id)
    if not removed:
        raise Conflict("You have no availability to clear.")
    return Reply(text=Rich.format("Removed {windows}. Add new ones with `mock availability add DAY HH:MM-HH:MM`.",
                                  windows=count(removed, "window")))


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
    return Reply(text=Rich.format("You want: {shown}. Change with "
                                  "`mock prefs coding system-design ml-design behavioral`.", shown=shown))


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


# -- status ---------------------------------------------------------------------------------------------
async def _upcoming(ctx: Context) -> list[MockSession]:
    """The member's sessions still to come or under way, earliest first."""
    return [s for s in await ctx.store.mock.sessions_of(ctx.member.id, ctx.now) if s.status == "scheduled"]


def _state(session: MockSession, me: int) -> Content:
    seat = session.seat(me)
    if session.proposed_at and session.proposed_by != me:
        return Rich.format("a new slot is proposed: accept it with `mock confirm {id}`", id=session.id)
    if session.proposed_at and session.proposed_by == me:
        # Proposing is confirming the slot proposed: nothing more is asked of the proposer.
        return Rich.format("you proposed {at} and are confirmed for it; waiting for your partner to accept",
                           at=stamp(session.proposed_at))
    if session.confirmed:
        return "confirmed by everyone"
    if seat is not None and seat.confirmed_at:
        return "you confirmed; waiting for your partner"
    return "waiting for you to confirm"


@command("mock status", private=True, help="Your upcoming mock sessions, slot, role and what you ask")
async def mock_status(ctx: Context) -> Reply:
    member = ctx.member
    mm = await ctx.store.mock.get(member.id)
    windows = await ctx.store.mock.windows(member.id)
    avoided = await ctx.store.mock.avoided(member.id)
    by_id = await _members(ctx)
    state: Content = Rich.format("not taking part (`mock join`)") if mm is None or mm.status == "left" else (
        Rich.format("paused after missed sessions (`mock join` to come back)") if mm.status == "paused"
        else "taking part")
    if mm is not None and mm.status == "active" and mm.skip_rounds:
        state += f", sitting out the next {count(mm.skip_rounds, 'round')}"
    fields = [Field("Pairing", state),
              Field("Next round", stamp(svc.next_pairing(ctx.group, ctx.now))),
              Field("Availability", _windows_text(windows, member.timezone), inline=False),
              Field("Kinds", ", ".join(mm.kinds) if mm and mm.kinds else "any"),
              Field("Do-not-pair", join(", ", sorted((svc.said_name(by_id[i]) for i in avoided if i in by_id),
                                                     key=lambda s: s.text)) or "nobody")]
    if ctx.who.organiser:
        fields += await _disputes_field(ctx, by_id)
    sessions = await _upcoming(ctx)
    if not sessions:
        return Reply(title="Mock interviews", text="No session scheduled for you right now.", fields=fields)
    lines = [Rich.format("Session {id}: {kind} with {names}, {when} — {state}", id=s.id, kind=_kind(s),
                         names=_with(s, member.id, by_id) or "nobody", when=svc.span(s.starts_at, s.ends_at),
                         state=_state(s, member.id)) for s in sessions]
    session = sessions[0]
    head = [
        Field("Partner", _with(session, member.id, by_id) or "nobody"),
        Field("Slot", svc.span(session.starts_at, session.ends_at), inline=False),
        Field("Role", svc.roles_text(session, member.id, by_id), inline=False),
        Field("You ask", svc.you_ask(ctx.content, session, member.id), inline=False),
        svc.meeting_field(ctx.group, session),
        Field("Confirmed", svc.confirmed_text(session, by_id)),
    ]
    proposed = svc.proposed_field(session, by_id)
    if proposed is not None:
        head.append(proposed)
    title = Rich.format("Mock interviews: {n}", n=count(len(sessions), "upcoming session"))
    return Reply(title=title, text=join("\n", lines), fields=head + fields,
                 buttons=svc.session_buttons(session, member.id), footer=f"Next: session {session.id}.")


async def _disputes_field(ctx: Context, by_id: dict[int, Member]) -> list[Field]:
    """Organisers see the disputed no-show reports of the last four weeks: they count for no one."""
    reports = await ctx.store.mock.disputed(ctx.group.id, ctx.now - timedelta(days=28))
    if not reports:
        return []

    def who(i: int) -> Content:
        return svc.said_name(by_id[i]) if i in by_id else "a former member"

    lines = [Rich.format("Session {sid}: {by} reported {about} absent; disputed {at}", sid=r.session_id, by=who(r.by),
                         about=who(r.about), at=stamp(r.settled_at or r.created_at, "R")) for r in reports[:10]]
    return [Field("Disputed no-show reports (organisers)", join("\n", lines), inline=False)]


# -- choosing the session a command is about ------------------------------------------------------------
async def _choose(ctx: Context, number: int | None, pool: list[MockSession], command_word: str,
                  none: Content) -> MockSession | Reply:
    """The session a command applies to: the one numbered, the only one in `pool`, or a question."""
    me = ctx.member.id
    if number is not None:
        found = next((s for s in pool if s.id == number), None)
        if found is None:
            mine = await ctx.store.mock.session(number)
            if mine is None or mine.seat(me) is None:
                raise NotFound(Rich.format("Session {number} is not one of yours. `mock status` lists yours.",
                                           number=number))
            raise Conflict(Rich.format("Session {number} is not one this applies to now. {none}", number=number,
                                       none=none))
        return found
    if not pool:
        raise NotFound(none)
    if len(pool) == 1:
        return pool[0]
    by_id = await _members(ctx)
    return Reply(title="Which session?",
                 text=join("\n", (_label(s, me, by_id) for s in pool)),
                 buttons=[Button(f"Session {s.id}", f"{command_word} {s.id}") for s in pool[:5]], private=True)


# -- confirming, proposing, cancelling ---------------------------------------------------------------
@command("mock confirm", private=True,
         help="Confirm your session's slot, accept your partner's proposal, or (after it) say you took part",
         params=[_SESSION], examples=("mock confirm", "mock confirm 12"))
async def mock_confirm(ctx: Context, session: int | None = None) -> Reply:
    me = ctx.member
    recent = await ctx.store.mock.sessions_of(me.id, ctx.now - LOOK_BACK)
    before = [s for s in recent if s.status == "scheduled" and s.starts_at > ctx.now
              and ((s.proposed_at and s.proposed_by != me.id) or not s.seat(me.id).confirmed_at)]
    after = [s for s in recent if s.starts_at <= ctx.now and s.seat(me.id).attended_at is None]
    if session is None and not before and not after:
        upcoming = [s for s in recent if s.status == "scheduled" and s.starts_at > ctx.now]
        if upcoming:
            raise Conflict("You had already confirmed this session." if len(upcoming) == 1
                           else "You had already confirmed your sessions.")
    chosen = await _choose(ctx, session, before + after, "mock confirm",
                           Rich.format("You have no mock interview to confirm. `mock status` shows your week."))
    if isinstance(chosen, Reply):
        return chosen
    if chosen.starts_at <= ctx.now:
        return await _attended(ctx, chosen)
    by_id = await _members(ctx)
    if chosen.proposed_at and chosen.proposed_by != me.id:
        start = chosen.proposed_at
        end = chosen.proposed_end or start + (chosen.ends_at - chosen.starts_at)
        proposer = chosen.proposed_by
        await ctx.store.mock.move(chosen.id, start, end)
        await _settle_proposal(ctx, chosen, proposer, start, end, by_id)
        # Proposing a slot is confirming it: the proposer and whoever accepts are both confirmed.
        await ctx.store.mock.confirm(chosen.id, me.id, ctx.now)
        if proposer is not None:
            await ctx.store.mock.confirm(chosen.id, proposer, ctx.now)
        moved = await ctx.store.mock.session(chosen.id)
        ctx.sent += await svc.notify_change(ctx.store, ctx.content, ctx.group, moved, ctx.now, "Mock interview moved")
        return Reply(text=Rich.format("Moved {label}. Reminders follow the new time.",
                                      label=_label(moved, me.id, by_id)), tone="success")
    if not await ctx.store.mock.confirm(chosen.id, me.id, ctx.now):
        raise Conflict("You had already confirmed this session.")
    now_session = await ctx.store.mock.session(chosen.id)
    everyone = now_session.confirmed
    text = (Rich.format("{name} confirmed your mock interview of {at}; everyone has, so it is on.",
                        name=svc.said_name(me), at=stamp(now_session.starts_at)) if everyone else
            Rich.format("{name} confirmed your mock interview of {at}.", name=svc.said_name(me), at=stamp(now_session.starts_at)))
    for seat in now_session.others(me.id):
        other = by_id.get(seat.member_id)
        if other is None:
            continue
        await ctx.store.outbox.enqueue(
            f"mock:{now_session.id}:{other.id}:confirmed-by:{me.id}:{now_session.sequence}",
            Reply(text=text, buttons=svc.session_buttons(now_session, other.id), footer=f"Session {now_session.id}."),
            ctx.now, group_id=ctx.group.id, user_id=other.user_id)
        ctx.sent += 1
    # The earlier pairing DMs lose the Confirm button that no longer applies.
    await svc.refresh_pairing(ctx.store, ctx.content, ctx.group, now_session, by_id, ctx.now)
    return Reply(text=Rich.format("Confirmed {label}. Your partner is told.", label=_label(now_session, me.id, by_id)),
                 tone="success")


async def _settle_proposal(ctx: Context, session: MockSession, proposer: int | None, start: datetime,
                           end: datetime, by_id: dict[int, Member]) -> None:
    """The proposal DM the accepting member got loses its Accept button: it is answered."""
    if proposer is None:
        return
    key = f"mock:{session.id}:{ctx.member.id}:proposal:{proposer}:{int(start.timestamp())}"
    if await ctx.store.outbox.get(key) is None:
        return
    name = svc.said_name(by_id[proposer]) if proposer in by_id else "Your partner"
    reply = Reply(title=Rich.format("{name} proposed another slot: accepted", name=name),
                  text=Rich.format("{when}, confirmed by you both.", when=svc.span(start, end)),
                  buttons=[Button("My status", "mock status")], footer=f"Session {session.id}.", tone="success")
    await ctx.store.outbox.enqueue(f"{key}:accepted", reply, ctx.now, group_id=ctx.group.id,
                                   user_id=ctx.member.user_id, edit_of=key)


async def _attended(ctx: Context, session: MockSession) -> Reply:
    """After the slot: the member's own word that they took part. A no-show report about them then
    counts for no one (it is disputed, and organisers can see it)."""
    me = ctx.member
    by_id = await _members(ctx)
    if not await ctx.store.mock.attend(session.id, me.id, ctx.now):
        raise Conflict(f"You had already said you took part in session {session.id}.")
    disputed = await ctx.store.mock.dispute(session.id, me.id, ctx.now)
    text = Rich.format("Noted: you took part in {label}.", label=_label(session, me.id, by_id))
    if disputed:
        text += " The no-show report about you is disputed: it counts for no one."
        await _tell_reporters(ctx, session, by_id)
    return Reply(text=text, tone="success")


async def _tell_reporters(ctx: Context, session: MockSession, by_id: dict[int, Member]) -> None:
    me = ctx.member
    for report in await ctx.store.mock.reports(session.id):
        if report.about != me.id or report.state != "disputed" or report.by not in by_id:
            continue
        reporter = by_id[report.by]
        reply = Reply(text=Rich.format("{name} says they took part in session {sid}, so your no-show report is "
                                       "disputed: it counts for no one, and the organisers can see it.",
                                       name=svc.said_name(me), sid=session.id))
        await ctx.store.outbox.enqueue(f"mock:{session.id}:{reporter.id}:disputed:{me.id}", reply, ctx.now,
                                       group_id=ctx.group.id, user_id=reporter.user_id)
        ctx.sent += 1


def _shared_windows(ctx: Context):
    async def windows_of(session: MockSession, by_id: dict[int, Member], start: datetime, until: datetime,
                         skip: int | None = None) -> list[availability.Interval]:
        lists = []
        for seat in session.seats:
            m = by_id.get(seat.member_id)
            if m is None or m.id == skip:
                continue
            lists.append(availability.intervals(await ctx.store.mock.windows(m.id), m.timezone, start, until))
        return availability.shared(*lists) if lists else []
    return windows_of


@command("mock propose", private=True,
         help="Propose another slot to your partner (no time: list every free hour you share this week)",
         params=[Param("day", "weekday", "Weekday, your timezone"), Param("time", "hhmm", "Start, your local time"),
                 Param("session", "int", "The session number, when you have several", keyword=True, minimum=1,
                       maximum=10**12, metavar="N")],
         details="Proposing a slot confirms it for you; your partner accepts with `mock confirm`.",
         examples=("mock propose", "mock propose thu 19:30", "mock propose thu 19:30 session 12"))
async def mock_propose(ctx: Context, day: str | None = None, time: time | None = None,
                       session: int | None = None) -> Reply:
    me = ctx.member
    pool = [s for s in await _upcoming(ctx) if s.starts_at > ctx.now]
    chosen = await _choose(ctx, session, pool, "mock propose session",
                           Rich.format("You have no mock interview scheduled right now. `mock status` shows your week."))
    if isinstance(chosen, Reply):
        return chosen
    by_id = await _members(ctx)
    round_at = await ctx.store.mock.round_at(chosen.round_id)
    until = svc.session_window_end(chosen, round_at)
    length = chosen.ends_at - chosen.starts_at
    hour = timedelta(minutes=matching.MIN_MINUTES)
    windows_of = _shared_windows(ctx)
    earliest = ctx.now + timedelta(hours=1)
    if day is None and time is None:
        shared = [(a, b) for a, b in await windows_of(chosen, by_id, earliest, until) if b - a >= hour]
        if not shared:
            return Reply(text=Rich.format("You and your partner share no free hour this week ({label}). Propose a "
                                          "time anyway with `mock propose DAY HH:MM` (your local time).",
                                          label=_label(chosen, me.id, by_id)))
        z = zone(me.timezone)
        lines = [Rich.format("• {when}{now}", when=svc.span(a, b),
                             now=" (holds your current slot)" if a <= chosen.starts_at < b else "") for a, b in shared]
        starts = [a for a, b in shared if not a <= chosen.starts_at < b]
        buttons = [Button(f"{a.astimezone(z):%a %H:%M}",
                          f"mock propose {WEEKDAYS[a.astimezone(z).weekday()]} {a.astimezone(z):%H:%M} "
                          f"session {chosen.id}") for a in starts[:5]]
        return Reply(title=Rich.format("Free hours you share this week: {n}", n=count(len(shared), "window")),
                     text=join("\n", lines), buttons=buttons,
                     footer=Rich.format("Session {id}. Propose one with `mock propose DAY HH:MM`, in your own time.",
                                        id=chosen.id))
    if day is None or time is None:
        raise UsageError(Rich.format("Give both the day and the time, e.g. `mock propose thu 19:30`."))
    start = svc.next_local(day, time, me.timezone, ctx.now)
    if start < earliest or start + hour > until:
        raise Conflict(f"Propose a time between one hour from now and the end of this pairing week "
                       f"({until.astimezone(zone(me.timezone)):%a %d %b %H:%M}, {me.timezone}).")
    partners = await windows_of(chosen, by_id, earliest, until, skip=me.id)
    end = min(start + length, until)
    fits = availability.covers(partners, start, end)
    if not fits:
        # A shorter session inside a window the partners share still counts as fitting them.
        holding = next(((a, b) for a, b in partners if a <= start and b - start >= hour), None)
        if holding is not None:
            end, fits = min(end, holding[1]), True
    await ctx.store.mock.propose(chosen.id, me.id, start, end)
    # The proposer's pairing DM stops asking them to confirm the old slot.
    await svc.refresh_pairing(ctx.store, ctx.content, ctx.group, await ctx.store.mock.session(chosen.id), by_id,
                              ctx.now)
    outside = "" if fits else " It is outside the times your partner marked free, so they are asked to say if they can."
    for seat in chosen.others(me.id):
        other = by_id.get(seat.member_id)
        if other is None:
            continue
        text = Rich.format("{when} (your partner proposed it, and is confirmed for it)", when=svc.span(start, end))
        if not fits:
            text += ("\nThis is outside the times you marked free. Can you make it? Accept, or propose another "
                     "slot, or tell them you can't.")
        reply = Reply(title=Rich.format("{name} proposes another slot", name=svc.said_name(me)), text=text,
                      buttons=[Button("Accept", f"mock confirm {chosen.id}", "success"),
                               Button("Propose another", f"mock propose session {chosen.id}"),
                               Button("Can't make it", f"mock cancel {chosen.id}", "danger")],
                      footer=f"Session {chosen.id}.", tone="info" if fits else "warning")
        epoch = int(start.timestamp())
        await ctx.store.outbox.enqueue(f"mock:{chosen.id}:{other.id}:proposal:{me.id}:{epoch}", reply, ctx.now,
                                       group_id=ctx.group.id, user_id=other.user_id)
        ctx.sent += 1
    return Reply(text=Rich.format("Proposed {when} for {label}; that counts as your confirmation. Your partner can "
                                  "accept with `mock confirm`.{outside}", when=svc.span(start, end),
                                  label=_label(chosen, me.id, by_id), outside=outside),
                 tone="success" if fits else "warning")


@command("mock cancel", private=True, help="You can't make a mock interview: cancel it and tell your partner",
         params=[_SESSION], examples=("mock cancel", "mock cancel 12"))
async def mock_cancel(ctx: Context, session: int | None = None) -> Reply:
    me = ctx.member
    upcoming = await _upcoming(ctx)
    started = [s for s in upcoming if s.starts_at <= ctx.now]
    pool = [s for s in upcoming if s.starts_at > ctx.now]
    if session is None and not pool and started:
        raise Conflict(Rich.format("The session has started; report how it went with `mock feedback PARTNER ...`."))
    chosen = await _choose(ctx, session, pool, "mock cancel",
                           Rich.format("You have no mock interview scheduled right now. `mock status` shows your week."))
    if isinstance(chosen, Reply):
        return chosen
    by_id = await _members(ctx)
    label = _label(chosen, me.id, by_id)
    after = await svc.withdraw(ctx.store, ctx.content, ctx.group, chosen, me, ctx.now, "cancel")
    ctx.sent += len(after.seats)
    return Reply(text=Rich.format("Cancelled your place in {label}; {who} told. You are paired again next round.",
                                  label=label, who="your partner is" if len(chosen.seats) <= 2 else "the others are"))


# -- feedback and no-shows --------------------------------------------------------------------------------
_SESSION_NUMBER = re.compile(r"#?([0-9]{1,9})")


@command(
    "mock feedback", private=True,
    help="Rate a candidate on the session's rubric, with your verdict (or report a no-show)",
    params=[Param("partner", "member", "Your partner (or the session number, in a pair)", required=True,
                  max_length=80, metavar="PARTNER"),
            Param("ratings", "word", "One rating 1-4 per criterion of the session's rubric, or no-show",
                  required=True, max_length=40, metavar="RATINGS"),
            Param("notes", "text", "Your verdict (strong-hire, hire, lean-no, no), then a note", max_length=500,
                  metavar="VERDICT [NOTES]")],
    details=("The criteria are those of the session's kind (the feedback prompt lists them, in order). In a "
             "trio you rate the member you interviewed and the one you observed. A no-show report counts only "
             "if the member does not dispute it within 48 hours and did not say they took part."),
    examples=("mock feedback alice 3,4,3,2 hire explained trade-offs well", "mock feedback 12 3,3,3,3 lean-no",
              "mock feedback bob no-show"),
)
async def mock_feedback(ctx: Context, partner: MemberRef, ratings: str, notes: str | None = None) -> Reply:
    me = ctx.member
    if any(ch.isdigit() and not ch.isascii() for ch in ratings):  # '٣' would read as 3 to int(): refused first
        raise UsageError(Rich.format("Ratings are whole numbers from 1 to 4, written with the digits 0-9, like "
                                     "`3,4,3,2 hire`."))
    recent = [s for s in await ctx.store.mock.sessions_of(me.id, ctx.now - LOOK_BACK) if s.status != "cancelled"]
    number = _SESSION_NUMBER.fullmatch(partner.name or "")
    session, other = None, None
    if number and any(s.id == int(number.group(1)) for s in recent):
        session = next(s for s in recent if s.id == int(number.group(1)))
        watched = session.candidates_of(me.id)
        if len(watched) != 1:
            raise UsageError(f"Session {session.id} is a trio: name the member you rate.")
        found = await ctx.store.members.get(watched[0][0])
        if found is None:
            raise NotFound("That partner is no longer in the group.")
        other = found
    else:
        other = await _other(ctx, partner)
        with_them = [s for s in recent if s.seat(other.id) is not None]
        if not with_them:
            raise NotFound(f"You have no recent mock session with {other.name}.")
        started = [s for s in with_them if s.starts_at <= ctx.now]
        if not started:
            raise Conflict(f"Your session with {other.name} has not started yet; rate it afterwards.")
        session = started[-1]  # the latest; an earlier one by its number
    if session.starts_at > ctx.now:
        raise Conflict(f"Session {session.id} has not started yet; rate it afterwards.")
    text = ratings if notes is None else f"{ratings} {notes}"
    try:
        parsed = svc.parse_feedback(ctx.content, session.kind, text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    by_id = await _members(ctx)
    label = _label(session, me.id, by_id)
    if parsed is None:
        if session.seat(other.id) is None:
            raise NotFound(f"{other.name} was not in session {session.id}.")
        outcome = await svc.report_no_show(ctx.store, ctx.group, session, me, other, ctx.now)
        ctx.sent += 1
        if outcome == "disputed":
            return Reply(text=Rich.format("{name} had already said they took part in {label}, so your report is "
                                          "disputed: it counts for no one, and the organisers can see it.",
                                          name=svc.said_name(other), label=label))
        return Reply(text=Rich.format("Noted that {name} did not show for {label}. They can dispute it for 48 hours; "
                                      "after that it counts.", name=svc.said_name(other), label=label))
    role = dict(session.candidates_of(me.id)).get(other.id)
    if role is None:
        raise UsageError(f"In session {session.id} you did not watch {other.name} as the candidate: rate the member "
                         "you interviewed or observed.")
    scores, verdict, note = parsed
    fresh = await ctx.store.mock.give_feedback(session.id, me.id, other.id, scores, note or None, ctx.now, verdict)
    await ctx.store.mock.attend(session.id, me.id, ctx.now)  # rating them is taking part
    await ctx.store.mock.attend(session.id, other.id, ctx.now)  # and so was being rated
    await ctx.store.mock.dispute(session.id, other.id, ctx.now)
    if session.status == "scheduled":
        await ctx.store.mock.set_status_of(session.id, "done")
    rubric = svc.rubric_of(ctx.content, session.kind)
    criteria = rubric.criteria if rubric else ()
    titles = rubric.verdict(verdict).title if rubric else verdict
    fields = [Field(c.title, str(v)) for c, v in zip(criteria, scores, strict=False)] + [Field("Verdict", titles)]
    # Their name and notes are their words: Said parts, so forget-me can remove them from the DM.
    reply = Reply(title=Rich.format("Feedback from {name}, {role}", name=svc.said_name(me),
                                    role="your interviewer" if role == "interviewer" else "who observed you"),
                  text=Rich.of(Said(note, by=me.user_id)) if note else "", fields=fields,
                  buttons=[Button("My trend", "me")], footer=f"Session {session.id}.")
    await ctx.store.outbox.enqueue(f"mock:{session.id}:{me.id}:{other.id}:feedback", reply, ctx.now,
                                   group_id=ctx.group.id, user_id=other.user_id)
    ctx.sent += 1
    verb = "Recorded" if fresh else "Updated"
    return Reply(text=Rich.format("{verb} your feedback for {name} ({label}), as {role}; they will see it.",
                                  verb=verb, name=svc.said_name(other), label=label,
                                  role="interviewer" if role == "interviewer" else "observer"),
                 fields=fields, tone="success")


@command("mock dispute", private=True, help="You did take part: dispute a no-show report about you",
         params=[_SESSION], details="Within 48 hours of the report. A disputed report counts for no one; "
                                    "the organisers can see it.",
         examples=("mock dispute", "mock dispute 12"))
async def mock_dispute(ctx: Context, session: int | None = None) -> Reply:
    me = ctx.member
    recent = await ctx.store.mock.sessions_of(me.id, ctx.now - LOOK_BACK)
    open_about_me = []
    for s in recent:
        reports = [r for r in await ctx.store.mock.reports(s.id) if r.about == me.id]
        if any(r.state == "open" for r in reports):
            open_about_me.append(s)
        elif session == s.id and any(r.state == "counted" for r in reports):
            raise Conflict(f"The report about session {s.id} was counted: 48 hours passed without a dispute.")
    chosen = await _choose(ctx, session, open_about_me, "mock dispute", "There is no open no-show report about you.")
    if isinstance(chosen, Reply):
        return chosen
    await ctx.store.mock.dispute(chosen.id, me.id, ctx.now)
    await ctx.store.mock.attend(chosen.id, me.id, ctx.now)
    by_id = await _members(ctx)
    await _tell_reporters(ctx, chosen, by_id)
    return Reply(text=Rich.format("Disputed: the no-show report about {label} counts for no one. The organisers can "
                                  "see it.", label=_label(chosen, me.id, by_id)), tone="success")


@command("mock rematch", private=True, help="Take the new partner offered when yours cancelled",
         params=[Param("member", "member", "The member offered", required=True, max_length=80)])
async def mock_rematch(ctx: Context, member: MemberRef) -> Reply:
    me = ctx.member
    other = await _other(ctx, member)
    sessions = [s for s in await ctx.store.mock.sessions_of(me.id, ctx.now - svc.WEEK) if s.status == "scheduled"]
    if any(s.starts_at > ctx.now for s in sessions):
        raise Conflict(Rich.format("You already have a session this week. `mock status` shows it."))
    cancelled = await _last_cancelled(ctx)
    if cancelled is None:
        raise NotFound("There is no cancelled session of yours this week to replace.")
    offer = await svc.rematch_candidate(ctx.store, ctx.group, cancelled, me, ctx.now, only=other.id)
    if offer is None:
        raise Conflict(f"{other.name} is no longer free with you this week. You go first in line next round.")
    partner, (start, end) = offer
    by_id = await _members(ctx)
    rng = random.Random(svc.round_seed(ctx.group.id, f"rematch:{cancelled.id}:{partner.id}"))
    kinds = await _kinds_for(ctx, me, partner, rng, cancelled.kind)
    created = await svc.create_session(ctx.store, ctx.content, ctx.group, cancelled.round_id, kinds, start, end,
                                       [partner, me], rng, ctx.now, by_id)
    ctx.sent += len(created.seats)
    return Reply(text=Rich.format("Paired with {name}: {label}.", name=svc.said_name(partner),
                                  label=_label(created, me.id, by_id)), tone="success")


async def _kinds_for(ctx: Context, a: Member, b: Member, rng: random.Random, fallback: str) -> str:
    ka, kb = await ctx.store.mock.get(a.id), await ctx.store.mock.get(b.id)
    pa = matching.Participant(a.id, (), kinds=frozenset(ka.kinds if ka else ()))
    pb = matching.Participant(b.id, (), kinds=frozenset(kb.kinds if kb else ()))
    if fallback in (pa.kinds or set(matching.KINDS)) and fallback in (pb.kinds or set(matching.KINDS)):
        return fallback
    return matching.choose_kind(pa, pb, rng)


async def _last_cancelled(ctx: Context) -> MockSession | None:
    """The member's latest cancelled session of this pairing week (what a rematch replaces)."""
    since = svc.last_pairing(ctx.group, ctx.now)
    cancelled = await ctx.store.mock.cancelled_of(ctx.member.id, since)
    return cancelled[-1] if cancelled else None


# -- organisers -----------------------------------------------------------------------------------------
@command("group no-shows", admin=True, scope="group", private=True,
         help="Disputed no-show reports of the last four weeks (they count for no one)")
async def group_no_shows(ctx: Context) -> Reply:
    fields = await _disputes_field(ctx, await _members(ctx))
    if not fields:
        return Reply(title="Mock interviews: no-show reports", text="No disputed no-show report in the last four weeks.")
    return Reply(title="Mock interviews: no-show reports", fields=fields,
                 footer="A disputed report counts for no one. Talk to both members if it keeps happening.")


@command("group pair-now", admin=True, scope="group", private=True,
         help="Pair everyone who has no session this week, now (`again`: cancel this week's and pair afresh)",
         params=[Param("again", "choice", "Cancel this week's sessions that have not started, and pair again",
                       choices=("again",))],
         details=("Members who already have a session this week are left out; the weekly round still runs at "
                  "the pairing time. With `again`, sessions not yet started are cancelled first and their members "
                  "told."),
         examples=("group pair-now", "group pair-now again"))
async def group_pair_now(ctx: Context, again: str | None = None) -> Reply:
    group = ctx.group
    week = svc.last_pairing(group, ctx.now)
    cancelled = await svc.repair_week(ctx.store, ctx.content, ctx.now, group) if again else []
    summary = await svc.pair_round(ctx.store, ctx.content, ctx.now, group, week, extra=True)
    if summary is None:  # pragma: no cover - an extra round always gets a key of its own
        raise Conflict("This week's round could not run; try again.")
    summary.cancelled = cancelled
    by_id = await _members(ctx)
    ctx.sent += summary.paired + len(summary.sat_out) + sum(len(s.seats) for s in cancelled)
    return Reply(title="Pairing round done", text=_round_words(summary, by_id), tone="success")


def _round_words(summary: svc.RoundSummary, by_id: dict[int, Member]) -> Rich:
    """What the organiser reads: who was paired and who sat out, in words (the seed is in the log)."""
    def name(i: int) -> Content:
        return svc.said_name(by_id[i]) if i in by_id else "a former member"

    parts: list[Rich] = []
    if summary.cancelled:
        parts.append(Rich.format("Cancelled first: {n}, and everyone in them told.",
                                 n=count(len(summary.cancelled), "session")))
    if summary.sessions:
        sessions = join("; ", (Rich.format("{names} ({kind}, {at})", names=join(" and ", (name(m) for m in s.order)),
                                           kind=_kind(s), at=stamp(s.starts_at)) for s in summary.sessions))
        parts.append(Rich.format("Paired: {sessions}.", sessions=sessions))
    else:
        parts.append(Rich.of("Nobody new was paired."))
    why = {"no-shared-window": "no shared free hour", "odd-count": "odd count", "unpaired": "no shared free hour",
           "no-availability": "no availability", "skipped": "skipping", "snoozed": "snoozed"}
    if summary.sat_out:
        outs = join(", ", (Rich.format("{name} ({why})", name=name(m), why=why.get(r, r)) for m, r in summary.sat_out))
        parts.append(Rich.format("Sat out: {outs}; each is told why.", outs=outs))
    if summary.booked:
        parts.append(Rich.format("Already have a session this week: {names}.",
                                 names=join(", ", (name(m) for m in summary.booked))))
    return join("\n", parts)

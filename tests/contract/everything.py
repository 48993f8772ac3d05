"""Write through every repository about one member, and read back everything the repositories say
about them: the rollback and forget-me contracts are "what was written can be read, and then nothing can".

`write_member` returns the ids it made; `read_member` returns, per read method, what it says about the
member (filtered to them where the method reads a whole group). `empty` says whether a value is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from bot.domain import buttons
from bot.domain.availability import Window
from bot.domain.model import Group, Member
from bot.domain.selection import Posted
from bot.domain.streaks import StreakMark
from bot.ports.storage import Lease
from bot.reply import Button, Field, Reply
from bot.text import Rich, Said
from tests.contract.world import NOW

DAY = date(2026, 3, 2)
H = timedelta(hours=1)
WEEK = NOW - 9 * H


@dataclass
class Written:
    member: Member
    partner: Member
    group: Group
    round_id: int = 0
    session_id: int = 0
    app_id: int = 0
    words: str = ""
    keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, group: Group, m: Member, partner: Member) -> Written:
        """What write_member will write, before it has (the ids it makes are 0 until then)."""
        return cls(m, partner, group, words=f"words-of-{m.name}",
                   keys={"dm": f"dm-to-{m.name}", "post": f"post-by-{m.name}", "button": buttons.key(long_command(m))})


def long_command(member: Member) -> str:
    return f"mock feedback member:{member.id} " + "with a long note " * 6


async def write_member(store, group: Group, m: Member, partner: Member) -> Written:
    """Everything a member can have, through every repository that holds a member's rows."""
    w = Written.of(group, m, partner)
    uid, ext = m.user_id, f"ext-{m.name}"
    await store.links.link("discord", "user", ext, uid)
    await store.links.keep_dm("discord", uid, f"dm-channel-of-{m.name}")
    await store.groups.add_organiser(group.id, uid, None, NOW)
    await store.milestones.tick(m.id, "python", NOW + H)
    practice = store.practice
    await practice.add_solve(m.id, group.id, "two-sum", "problem", "easy", 10, "hard", NOW, DAY, "hard@1")
    await practice.add_solve(m.id, group.id, "lru-cache", "problem", "medium", None, None, NOW + H, DAY, "ok@2")
    await practice.save_card(m.id, "lru-cache", "{}", NOW + 24 * H)
    await practice.count_solve(group.id, m.id, "easy", StreakMark(DAY, 1, 1, 0, 1), WEEK, WEEK)
    await store.hints.next_tier(m.id, "two-sum", 3, NOW)
    await store.hints.next_tier(m.id, "two-sum", 3, NOW)
    mock = store.mock
    await mock.join(m.id, NOW)
    await mock.set_kinds(m.id, ("coding",))
    await mock.add_window(m.id, Window("tue", time(19), time(21)))
    await mock.avoid(m.id, partner.id)
    w.round_id = await mock.add_round(group.id, f"round-of-{m.id}", NOW, 1, "greedy")
    w.session_id = await mock.add_session(w.round_id, group.id, "coding", NOW + 2 * H, NOW + 3 * H)
    await mock.add_seat(w.session_id, m.id, 0, "p1")
    await mock.add_seat(w.session_id, partner.id, 1, "p2")
    await mock.add_sitout(w.round_id, m.id, "unpaired")
    await mock.confirm(w.session_id, m.id, NOW)
    await mock.propose(w.session_id, m.id, NOW + 4 * H)
    await mock.set_status_of(w.session_id, "done")
    await mock.give_feedback(w.session_id, partner.id, m.id, (4, 4, 4), "good", NOW + 3 * H)
    await mock.give_feedback(w.session_id, m.id, partner.id, (3, 3, 3), w.words, NOW + 3 * H)
    checkins = store.accountability.checkins
    await checkins.record_prompt(m.id, DAY, NOW)
    await checkins.save_answer(m.id, group.id, DAY, {"done": w.words}, NOW + H)
    await checkins.pause(m.id, DAY + timedelta(days=7))
    applications = store.accountability.applications
    w.app_id = await applications.add(m.id, f"{m.name} Corp", "MLE", "offer", NOW)
    await applications.mark_announced(w.app_id, NOW + H)
    await store.outbox.enqueue(w.keys["dm"], Reply(text="for you", buttons=[Button("Rate", long_command(m))]), NOW,
                               group_id=group.id, user_id=uid)
    said = Reply(text=Rich.of("digest: ", Said(w.words, by=uid)), fields=[Field("who", Rich.of(Said(m.name, by=uid)))])
    await store.outbox.enqueue(w.keys["post"], said, NOW, group_id=group.id, channel_id=group.channel_id)
    return w


async def write_group(store, group: Group) -> None:
    """What belongs to the group rather than to a member (it stays when a member leaves)."""
    await store.practice.record_post(group.id, Posted(DAY, "two-sum", "problem", "easy", "arrays"), NOW)
    await store.accountability.design.record(group.id, DAY, "recommender", NOW)
    await store.accountability.digests.record_weekly(group.id, DAY, NOW)
    await store.accountability.checkins.record_digest(group.id, DAY, NOW, 2)
    await store.runtime.set(f"group-{group.id}", "x")


async def read_member(store, w: Written) -> dict[str, object]:
    m, uid, g, partner = w.member, w.member.user_id, w.group.id, w.partner
    practice, mock = store.practice, store.mock
    checkins, applications = store.accountability.checkins, store.accountability.applications
    digests = store.accountability.digests
    start, end = NOW - 24 * H, NOW + 48 * H
    group = await store.groups.get(g)
    post = await store.outbox.get(w.keys["post"])
    return {
        "links.internal": await store.links.internal("discord", "user", f"ext-{m.name}"),
        "links.external": await store.links.external("discord", "user", uid),
        "groups.for_caller": (await store.groups.for_caller("discord", f"ext-{m.name}", "no-channel"))[0],
        "groups.with_member": (await store.groups.with_member(w.group.channel_id, uid))[1:],
        "groups.created_by": group.created_by == uid,
        "groups.is_organiser": await store.groups.is_organiser(g, uid),
        "groups.organisers": [o for o in await store.groups.organisers(g) if o[0] == uid],
        "members.get": await store.members.get(m.id),
        "members.of_user": await store.members.of_user(g, uid),
        "members.by_name": await store.members.by_name(g, m.name),
        "members.named": await store.members.named(g, m.name),
        "members.active": [e for e in await store.members.active(g) if e.id == m.id],
        "members.names": [n for n in await store.members.names(g) if n == m.name],
        "milestones.done": await store.milestones.done(m.id),
        "milestones.done_by_group": (await store.milestones.done_by_group(g)).get(m.id),
        "practice.solved_ids": await practice.solved_ids(m.id),
        "practice.solve_days": await practice.solve_days(m.id),
        "practice.counts_by_difficulty": await practice.counts_by_difficulty(m.id),
        "practice.unreviewed": await practice.unreviewed(m.id),
        "practice.due_reviews": await practice.due_reviews(m.id, NOW),
        "practice.standings": [r for r in await practice.standings(g, "all", None) if r[0] == m.id],
        "practice.stats_sources": [r for r in await practice.stats_sources(g, WEEK, WEEK) if r[0] == m.id],
        "mock.get": await mock.get(m.id),
        "mock.enrolled": [e for e in await mock.enrolled(g) if e.member_id == m.id],
        "mock.windows": await mock.windows(m.id),
        "mock.avoided": await mock.avoided(m.id),
        "mock.round_seats": [r for r in await mock.round_seats([w.round_id]) if r[2] == m.id],
        "mock.sitouts": [r for r in await mock.sitouts([w.round_id]) if r[1] == m.id],
        "mock.last_led": await mock.last_led([m.id]),
        "mock.items_seen": await mock.items_seen(m.id),
        "mock.session": [s for s in ((await mock.session(w.session_id)) or _none()).seats if s.member_id == m.id],
        "mock.session.proposed_by": ((await mock.session(w.session_id)) or _none()).proposed_by == m.id,
        "mock.latest_session": await mock.latest_session(m.id),
        "mock.sessions_with": await mock.sessions_with(m.id, partner.id),
        "mock.feedback_for": await mock.feedback_for(m.id),
        "mock.feedback_for.partner": await mock.feedback_for(partner.id),  # what the member wrote about them
        "mock.history_counts": await mock.history_counts(m.id),
        "checkins.history": await checkins.history(m.id),
        "checkins.group_history": (await checkins.group_history(g)).get(m.id),
        "checkins.answer": await checkins.answer(m.id, DAY),
        "checkins.answers_between": [r for r in await checkins.answers_between(g, None, end) if r.member_id == m.id],
        "checkins.counts_between": (await checkins.counts_between(g, DAY, DAY + timedelta(days=1))).get(m.id),
        "checkins.paused_until": await checkins.paused_until(m.id),
        "checkins.groups_of_user": await checkins.groups_of_user(uid),
        "applications.of_member": await applications.of_member(m.id),
        "applications.announced_between": [r for r in await applications.announced_between(g, start, end) if r[3] == uid],
        "digests.solves_between": [r for r in await digests.solves_between(g, start, end) if r[0] == m.id],
        "digests.solve_days": (await digests.solve_days(g)).get(m.id),
        "digests.milestones_between": [r for r in await digests.milestones_between(g, start, end) if r[0] == m.id],
        "outbox.get": await store.outbox.get(w.keys["dm"]),
        "outbox.words": post is not None and (w.words in post.reply.plain_text() or m.name in post.reply.plain_text()),
        "buttons.command": await store.buttons.command(w.keys["button"]),
    }


class _none:  # a session that is not there has no seats and no proposer
    seats: list = []
    proposed_by = None


async def snapshot(uow, w: Written) -> dict[str, object]:
    """read_member in a unit of its own, and the DM channel kept for the person: that one is read only
    with a claimed message, so a probe message is queued and claimed in a unit that is then rolled back."""
    seen = await uow.run(lambda store: read_member(store, w))

    class Found(Exception):
        pass

    async def probe(store):
        await store.outbox.enqueue("probe", Reply(text="probe"), NOW, group_id=None, user_id=w.member.user_id)
        heads = await store.outbox.claim(Lease("probe", NOW + 999 * H, NOW + 1000 * H, "discord"), 100_000)
        raise Found([h.dm_channel for h in heads if h.user_id == w.member.user_id])

    try:
        await uow.run(probe)
    except Found as found:
        [seen["links.keep_dm"]] = found.args[0]
    return seen


def empty(value: object) -> bool:
    if value is None or value is False or value == 0 or value == "":
        return True
    if isinstance(value, tuple):
        return all(empty(v) for v in value)
    if isinstance(value, list | set | dict | frozenset):
        return len(value) == 0
    return False

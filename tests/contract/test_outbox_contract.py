"""The outbox: enqueue once by key, deliver in order, retry, give up, forget a member, prune."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.events import MessageEnqueued
from bot.ports.messaging import Thread
from bot.ports.storage import Lease
from bot.reply import Bar, Button, Field, Image, Reply
from bot.text import REMOVED, Rich, Said
from tests.contract.world import NOW, new_group, new_member, seed

LATER = NOW + timedelta(minutes=5)


async def post(store, group, key, text="hello", **kw):
    return await store.outbox.enqueue(key, Reply(text=text), kw.pop("now", NOW), group_id=group.id,
                                      channel_id=kw.pop("channel_id", group.channel_id), **kw)


async def dm(store, member, key, text="hi", **kw):
    return await store.outbox.enqueue(key, Reply(text=text), kw.pop("now", NOW), group_id=member.group_id,
                                      user_id=member.user_id, **kw)


async def keys_due(uow, now=NOW, limit=100):
    return [m.key for m in await uow.run(lambda store: store.outbox.due(now, limit))]


async def test_a_key_is_enqueued_once_and_the_first_message_stands(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    uow.subscribe(listener)
    world = await uow.run(seed)
    heard.clear()

    async def work(store):
        return [await post(store, world.group, "k1", "one"), await post(store, world.group, "k1", "dup")]

    assert await uow.run(work) == [True, False]
    assert await uow.run(lambda store: post(store, world.group, "k1", "again")) is False
    assert (await uow.run(lambda store: store.outbox.get("k1"))).reply.text == "one"
    assert await keys_due(uow) == ["k1"]
    assert heard == [MessageEnqueued("k1")], "only a message that went in wakes the deliverer"


async def test_a_message_reads_back_as_it_was_enqueued(uow):
    world = await uow.run(seed)
    reply = Reply(text=Rich.of("Answer from ", Said("ada's words", by=world.user_id)), title="Check-in",
                  fields=[Field("Done", Rich.of(Said("a thing", by=world.user_id))), Field("n", "v", inline=False)],
                  bars=[Bar("stage", 2, 5)], buttons=[Button("Solved", "problem solved two-sum", "success")],
                  image=Image("chart.png", b"\x89PNG\x00\xff", "a chart"), private=True, tone="success",
                  footer="f")

    async def work(store):
        await store.outbox.enqueue("dm:1", reply, NOW, group_id=world.group.id, user_id=world.user_id,
                                   not_before=LATER, thread_of="post:1")
        await post(store, world.group, "post:1")
        return await store.outbox.get("dm:1"), await store.outbox.get("post:1"), await store.outbox.get("nope")

    message, header, missing = await uow.run(work)
    assert message.reply == reply
    assert (message.key, message.group_id, message.channel_id, message.user_id, message.attempts, message.created_at,
            message.not_before, message.status, message.delivered_at, message.last_error, message.thread_of,
            message.ref, message.unreadable) == \
        ("dm:1", world.group.id, None, world.user_id, 0, NOW, LATER, "pending", None, None, "post:1", None, None)
    assert (header.channel_id, header.user_id, header.not_before, header.thread_of) == \
        (world.group.channel_id, None, NOW, None)
    assert missing is None


async def test_due_messages_come_in_enqueue_order_up_to_the_limit_and_not_before_their_time(uow):
    async def setup(store):
        world = await seed(store)
        await post(store, world.group, "first")
        await post(store, world.group, "later", not_before=LATER)
        await dm(store, world.member, "second")
        await post(store, world.group, "third", not_before=NOW - timedelta(hours=1))  # older time, newer row
        return world

    await uow.run(setup)
    assert await keys_due(uow) == ["first", "second", "third"]
    assert await keys_due(uow, limit=2) == ["first", "second"]
    assert await keys_due(uow, now=LATER) == ["first", "later", "second", "third"]
    assert await keys_due(uow, now=NOW - timedelta(days=1)) == []


async def test_delivered_messages_leave_the_queue_with_their_platform_ref(uow):
    world = await uow.run(seed)
    await uow.run(lambda store: post(store, world.group, "k1"))
    await uow.run(lambda store: post(store, world.group, "k2"))
    first = (await uow.run(lambda store: store.outbox.due(NOW)))[0]
    await uow.run(lambda store: store.outbox.mark_delivered(first.id, LATER, "platform-42"))
    assert await keys_due(uow, now=LATER) == ["k2"]
    got = await uow.run(lambda store: store.outbox.get("k1"))
    assert (got.status, got.delivered_at, got.attempts, got.ref) == ("delivered", LATER, 1, "platform-42")


async def test_a_failed_message_waits_for_its_retry_time_with_the_error_kept_short(uow):
    world = await uow.run(seed)
    await uow.run(lambda store: post(store, world.group, "k1"))
    message = await uow.run(lambda store: store.outbox.get("k1"))
    retry = NOW + timedelta(seconds=30)
    await uow.run(lambda store: store.outbox.mark_failed(message.id, "503 " + "x" * 2000, retry))
    got = await uow.run(lambda store: store.outbox.get("k1"))
    assert (got.status, got.attempts, got.not_before) == ("pending", 1, retry)
    assert got.last_error.startswith("503 x") and len(got.last_error) <= 500
    assert await keys_due(uow, now=NOW) == []
    assert await keys_due(uow, now=retry) == ["k1"]
    await uow.run(lambda store: store.outbox.mark_failed(message.id, "again", retry + timedelta(minutes=1)))
    assert (await uow.run(lambda store: store.outbox.get("k1"))).attempts == 2


async def test_an_undeliverable_message_is_never_due_again_and_blocks_nothing_behind_it(uow):
    world = await uow.run(seed)
    await uow.run(lambda store: post(store, world.group, "refused"))
    await uow.run(lambda store: post(store, world.group, "behind"))
    lease = Lease("d1", NOW, NOW + timedelta(seconds=30), "discord")
    [refused] = await uow.run(lambda store: store.outbox.claim(lease, 10))

    async def refuse(store):
        await store.outbox.mark_undeliverable(refused.id, "content refused")
        return await store.outbox.advance(refused, lease)

    assert (await uow.run(refuse)).key == "behind", "the next message goes on at once"
    got = await uow.run(lambda store: store.outbox.get("refused"))
    assert (got.status, got.attempts, got.last_error) == ("undeliverable", 1, "content refused")
    assert await keys_due(uow, now=NOW + timedelta(days=30)) == ["behind"]


async def test_latest_created_is_the_newest_message_under_a_key_prefix(uow):
    async def setup(store):
        world = await seed(store)
        await post(store, world.group, "daily:1:2026-03-01", now=NOW - timedelta(days=1))
        await post(store, world.group, "daily:1:2026-03-02", now=NOW)
        await post(store, world.group, "daily:10:2026-03-09", now=NOW + timedelta(days=7))
        await post(store, world.group, "digest:1:2026-03-09", now=NOW + timedelta(days=8))

    await uow.run(setup)

    async def read(store):
        return (await store.outbox.latest_created("daily:1:"), await store.outbox.latest_created("daily:"),
                await store.outbox.latest_created("pairing:"))

    assert await uow.run(read) == (NOW, NOW + timedelta(days=7), None)


async def test_forget_user_deletes_their_messages_and_removes_their_words_from_the_groups_others(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        ada_there = await store.members.add(type(world.member)(id=0, group_id=other.id, user_id=world.user_id,
                                                               name="ada", joined_at=NOW))
        ada, g = world.user_id, world.group
        said = Rich.of("digest: ", Said("ada's answer", by=ada), " and ", Said("bob's", by=bob.user_id))
        await dm(store, world.member, "to-ada")
        await store.outbox.enqueue("digest", Reply(text=said, fields=[Field(Rich.of(Said("ada", by=ada)), "x")]), NOW,
                                   group_id=g.id, channel_id=g.channel_id)
        await store.outbox.enqueue("sent", Reply(text=Rich.of(Said("old words", by=ada))), NOW, group_id=g.id,
                                   channel_id=g.channel_id)
        await store.outbox.enqueue("no-group", Reply(text=Rich.of(Said("ada in a DM-less post", by=ada))), NOW,
                                   group_id=None, channel_id=g.channel_id)
        await store.outbox.enqueue("bobs", Reply(text=Rich.of(Said("bob only", by=bob.user_id))), NOW,
                                   group_id=g.id, channel_id=g.channel_id)
        await dm(store, ada_there, "to-ada-there")
        await store.outbox.enqueue("there", Reply(text=Rich.of(Said("ada there", by=ada))), NOW, group_id=other.id,
                                   channel_id=other.channel_id)
        sent = await store.outbox.get("sent")
        await store.outbox.mark_failed(sent.id, "quoting ada's old words", NOW)
        await store.outbox.mark_delivered(sent.id, NOW, "ref")
        return world, bob

    world, bob = await uow.run(setup)
    rewritten = await uow.run(lambda store: store.outbox.forget_user(world.user_id, world.group.id))
    assert rewritten == 3  # digest, sent, no-group

    async def read(store):
        return {k: await store.outbox.get(k) for k in ("to-ada", "digest", "sent", "no-group", "bobs",
                                                        "to-ada-there", "there")}

    got = await uow.run(read)
    assert got["to-ada"] is None
    text = got["digest"].reply.text
    assert Said("bob's", by=bob.user_id) in text.parts, "the others' words stay"
    assert "ada's answer" not in text.plain() and REMOVED in text.plain()
    assert "ada" not in got["digest"].reply.plain_text().replace(REMOVED, "")
    assert "old words" not in got["sent"].reply.plain_text()
    assert "ada's" not in (got["sent"].last_error or "") and got["sent"].status == "delivered"
    assert "ada in a" not in got["no-group"].reply.plain_text()
    assert got["bobs"].reply.text.plain() == "bob only"
    assert got["to-ada-there"] is not None and got["there"].reply.text.plain() == "ada there", \
        "another group's messages are that group's business"
    assert await uow.run(lambda store: store.outbox.forget_user(world.user_id, world.group.id)) == 0, \
        "words once removed are not found again"


async def test_prune_deletes_old_finished_messages_in_batches_and_keeps_a_waiting_threads_header(uow):
    old, cutoff = NOW - timedelta(days=20), NOW - timedelta(days=14)

    async def setup(store):
        world = await seed(store)
        g = world.group
        for i in range(5):
            await post(store, g, f"old-{i}", now=old)
        await post(store, g, "old-refused", now=old)
        await post(store, g, "old-pending", now=old)
        await post(store, g, "header", now=old)
        await store.outbox.enqueue("reply", Reply(text="r"), old, group_id=g.id, channel_id=g.channel_id,
                                   thread_of="header", not_before=NOW)
        await post(store, g, "recent", now=NOW - timedelta(days=1))
        for m in await store.outbox.due(NOW):
            if m.key.startswith("old-") and m.key != "old-pending" and m.key != "old-refused":
                await store.outbox.mark_delivered(m.id, old)
            elif m.key in ("header",):
                await store.outbox.mark_delivered(m.id, old, "header-ref")
            elif m.key == "recent":
                await store.outbox.mark_delivered(m.id, NOW - timedelta(days=1))
            elif m.key == "old-refused":
                await store.outbox.mark_undeliverable(m.id, "refused")

    await uow.run(setup)
    assert await uow.run(lambda store: store.outbox.prune(cutoff, limit=4)) == 4
    assert await uow.run(lambda store: store.outbox.prune(cutoff, limit=4)) == 2
    assert await uow.run(lambda store: store.outbox.prune(cutoff, limit=4)) == 0

    async def left(store):
        keys = ["old-0", "old-1", "old-2", "old-3", "old-4", "old-refused", "old-pending", "header", "reply", "recent"]
        return {k for k in keys if await store.outbox.get(k) is not None}

    assert await uow.run(left) == {"old-pending", "header", "reply", "recent"}
    header = await uow.run(lambda store: store.outbox.get("header"))
    reply = await uow.run(lambda store: store.outbox.get("reply"))
    await uow.run(lambda store: store.outbox.mark_delivered(reply.id, NOW))
    assert header.ref == "header-ref"
    assert await uow.run(lambda store: store.outbox.prune(NOW + timedelta(days=1))) == 3  # header, reply, recent
    assert await uow.run(left) == {"old-pending"}


# -- claims: many deliverers, one outbox -----------------------------------------------------------


def lease(owner: str = "d1", now=NOW, seconds: int = 30, platform: str = "discord") -> Lease:
    return Lease(owner, now, now + timedelta(seconds=seconds), platform)


async def claim(uow, hold: Lease, limit: int = 100) -> list[str]:
    return [m.key for m in await uow.run(lambda store: store.outbox.claim(hold, limit))]


def settle(message, hold: Lease, outcome: str = "delivered", retry_at=None):
    """A unit that records how a send went and takes the destination's next message (or gives it back)."""
    async def work(store):
        if outcome == "delivered":
            await store.outbox.mark_delivered(message.id, hold.now, f"ref-{message.key}")
        elif outcome == "failed":
            await store.outbox.mark_failed(message.id, "503", retry_at)
        else:
            await store.outbox.mark_undeliverable(message.id, "refused")
        return await store.outbox.advance(message, hold)
    return work


async def queues(store):
    world = await seed(store)
    bob = await new_member(store, world.group, "bob")
    other = await new_group(store, "other")
    await post(store, world.group, "a1")
    await dm(store, world.member, "ada1")
    await post(store, world.group, "a2")
    await post(store, other, "b1", not_before=LATER)  # not due yet
    await dm(store, world.member, "ada2")
    await dm(store, bob, "bob1")
    return world, bob, other


async def test_a_claim_takes_each_due_destination_once_with_its_oldest_message(uow):
    await uow.run(queues)
    assert await claim(uow, lease("d1", seconds=600), limit=2) == ["a1", "ada1"], "the destinations ready first"
    assert await claim(uow, lease("d2", seconds=600)) == ["bob1"], "held destinations are not handed out again"
    assert await claim(uow, lease("d3")) == []
    assert await claim(uow, lease("d3", now=LATER, seconds=600)) == ["b1"], "once due"
    lapsed = NOW + timedelta(seconds=601)
    assert await claim(uow, lease("d3", now=lapsed)) == ["a1", "ada1", "bob1"], \
        "a destination whose lease lapsed is taken over, at the message its holder had not settled"


async def test_advance_hands_over_a_destinations_messages_in_order_then_gives_it_back(uow):
    world, bob, other = await uow.run(queues)
    hold = lease("d1")
    heads = {m.key: m for m in await uow.run(lambda store: store.outbox.claim(hold, 10))}
    nxt = await uow.run(settle(heads["a1"], hold))
    assert nxt.key == "a2"
    assert await uow.run(settle(nxt, hold)) is None, "nothing more for that channel"
    assert (await uow.run(lambda store: store.outbox.get("a1"))).ref == "ref-a1"
    assert (await uow.run(settle(heads["ada1"], hold))).key == "ada2"
    assert await claim(uow, lease("d2")) == [], "d1 still holds ada's queue, and bob's"
    await uow.run(lambda store: post(store, world.group, "a3"))
    assert await claim(uow, lease("d2")) == ["a3"], "a channel given back is claimed afresh with its new message"


async def test_a_failed_head_waits_for_its_retry_in_its_place(uow):
    await uow.run(queues)
    hold, retry = lease("d1"), NOW + timedelta(seconds=10)
    heads = {m.key: m for m in await uow.run(lambda store: store.outbox.claim(hold, 10))}
    assert await uow.run(settle(heads["a1"], hold, "failed", retry)) is None, "a2 never overtakes a1"
    for m in ("ada1", "bob1"):
        message = heads[m]
        while message is not None:
            message = await uow.run(settle(message, hold))
    assert await claim(uow, lease("d2")) == []
    assert await uow.run(lambda store: store.outbox.next_due_at()) == retry
    assert await claim(uow, lease("d2", now=retry)) == ["a1"]
    assert (await uow.run(lambda store: store.outbox.get("a1"))).attempts == 1


async def test_next_due_at_is_when_a_claim_next_finds_something(uow):
    assert await uow.run(lambda store: store.outbox.next_due_at()) is None
    world = await uow.run(seed)
    other = await uow.run(lambda store: new_group(store, "other"))
    await uow.run(lambda store: post(store, world.group, "late", not_before=NOW + timedelta(hours=2)))
    await uow.run(lambda store: post(store, world.group, "behind", not_before=NOW + timedelta(hours=1)))
    assert await uow.run(lambda store: store.outbox.next_due_at()) == NOW + timedelta(hours=2), \
        "a channel's messages go in order: the one behind waits for its head"
    await uow.run(lambda store: post(store, other, "soon", not_before=NOW + timedelta(hours=1)))
    assert await uow.run(lambda store: store.outbox.next_due_at()) == NOW + timedelta(hours=1)
    hold = lease("d1", now=NOW + timedelta(hours=1))
    [soon] = await uow.run(lambda store: store.outbox.claim(hold, 10))
    assert await uow.run(lambda store: store.outbox.next_due_at()) <= hold.until, "the lease lapses by then"
    assert await uow.run(settle(soon, hold)) is None
    assert await uow.run(lambda store: store.outbox.next_due_at()) == NOW + timedelta(hours=2)


async def test_a_lapsed_holder_can_neither_settle_twice_nor_take_the_destination_back(uow):
    await uow.run(queues)
    first = lease("d1")
    heads = {m.key: m for m in await uow.run(lambda store: store.outbox.claim(first, 10))}
    second = lease("d2", now=first.until + timedelta(seconds=1))
    taken = {m.key: m for m in await uow.run(lambda store: store.outbox.claim(second, 10))}
    assert set(taken) == set(heads)
    # d1's send of a1 ended after its lease lapsed: its outcome is recorded, but the channel stays d2's
    assert await uow.run(settle(heads["a1"], first)) is None
    assert (await uow.run(settle(taken["a1"], second, "failed", NOW))).key == "a2", \
        "d2's own send of a1 settles nothing twice and goes on with the channel"
    got = await uow.run(lambda store: store.outbox.get("a1"))
    assert (got.status, got.attempts, got.last_error) == ("delivered", 1, None), "the first outcome stands"


async def test_released_destinations_are_ready_at_once_for_anyone(uow):
    await uow.run(queues)
    assert await claim(uow, lease("d1"), limit=2) == ["a1", "ada1"]
    assert await claim(uow, lease("d2"), limit=1) == ["bob1"]
    assert await uow.run(lambda store: store.outbox.release("nobody", NOW)) == 0
    assert await uow.run(lambda store: store.outbox.release("d1", NOW)) == 2
    assert await claim(uow, lease("d3")) == ["a1", "ada1"]
    assert await uow.run(lambda store: store.outbox.release(None, NOW)) == 3, "every holder's, d2's and d3's"
    assert await claim(uow, lease("d4")) == ["a1", "ada1", "bob1"]


async def test_claimed_messages_carry_the_platform_addresses_and_the_kept_dm_channel(uow):
    async def setup(store):
        world, bob, other = await queues(store)
        await store.links.link("discord", "channel", "C-study", world.group.channel_id)
        await store.links.link("discord", "user", "U-ada", world.user_id)
        await store.links.link("slack", "user", "S-ada", world.user_id)
        await store.links.keep_dm("discord", world.user_id, "DM-old")
        await store.links.keep_dm("discord", world.user_id, "DM-ada")  # kept again: replaced
        await store.links.keep_dm("discord", bob.user_id + 99, "DM-nobody")  # no such person: nothing kept
        await store.outbox.enqueue("ghost", Reply(text="x"), NOW, group_id=None, user_id=bob.user_id + 99)

    await uow.run(setup)

    async def addresses(hold):
        return {m.key: (m.channel_ref, m.user_ref, m.dm_channel)
                for m in await uow.run(lambda store: store.outbox.claim(hold, 10))}

    assert await addresses(lease("d1")) == {"a1": ("C-study", None, None), "ada1": (None, "U-ada", "DM-ada"),
                                            "bob1": (None, None, None), "ghost": (None, None, None)}
    assert await addresses(lease("d2", now=NOW + timedelta(minutes=1), platform="slack")) == {
        "a1": (None, None, None), "ada1": (None, "S-ada", None), "bob1": (None, None, None),
        "ghost": (None, None, None)}, "addresses of the deliverer's own platform only"


async def test_a_thread_reply_is_claimed_with_the_thread_it_goes_in(uow):
    async def setup(store):
        world = await seed(store)
        g = world.group
        for key in ("header", "refused-header"):
            await store.outbox.enqueue(key, Reply(title=f"Check-ins: {key}", text="x"), NOW, group_id=g.id,
                                       channel_id=g.channel_id)
        for key, parent in (("reply", "header"), ("orphan-reply", "refused-header"), ("lost", "never-sent")):
            await store.outbox.enqueue(key, Reply(text="answer"), NOW, group_id=g.id, user_id=world.user_id + 1000,
                                       thread_of=parent)
        return world

    await uow.run(setup)
    hold = lease("d1")
    [header] = [m for m in await uow.run(lambda store: store.outbox.claim(hold, 10)) if m.key == "header"]
    refused = await uow.run(settle(header, hold))
    assert refused.key == "refused-header"
    await uow.run(settle(refused, hold, "undeliverable"))
    [reply] = await uow.run(lambda store: store.outbox.claim(lease("d2", now=NOW + timedelta(minutes=1)), 10))
    assert (reply.key, reply.thread) == ("reply", Thread("ref-header", "Check-ins: header"))
    nxt = await uow.run(settle(reply, lease("d2", now=NOW + timedelta(minutes=1))))
    assert (nxt.key, nxt.thread) == ("orphan-reply", Thread(None, "Check-ins: refused-header"))
    last = await uow.run(settle(nxt, lease("d2", now=NOW + timedelta(minutes=1))))
    assert (last.key, last.thread) == ("lost", Thread(None, ""))


async def test_forgetting_a_person_leaves_their_queue_due_when_its_new_head_is(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        await dm(store, world.member, "here")
        await store.outbox.enqueue("there", Reply(text="x"), NOW, group_id=other.id, user_id=world.user_id,
                                   not_before=NOW + timedelta(hours=3))
        return world

    world = await uow.run(setup)
    await uow.run(lambda store: store.outbox.forget_user(world.user_id, world.group.id))
    assert await uow.run(lambda store: store.outbox.next_due_at()) == NOW + timedelta(hours=3)
    assert await claim(uow, lease("d1")) == []
    assert await claim(uow, lease("d1", now=NOW + timedelta(hours=3))) == ["there"]


async def test_two_deliverers_send_a_thousand_messages_once_each_in_order_per_destination(uow):
    """Issue 13's double delivery: two deliverers on one database sent the same message twice."""
    destinations = 40

    async def setup(store):
        world = await seed(store)
        members = [world.member] + [await new_member(store, world.group, f"m{i}") for i in range(destinations // 2 - 1)]
        groups = [world.group] + [await new_group(store, f"c{i}") for i in range(destinations // 2 - 1)]
        for i in range(1000):
            if i % 2:
                await post(store, groups[i // 2 % len(groups)], f"k{i:04}")
            else:
                await dm(store, members[i // 2 % len(members)], f"k{i:04}")

    await uow.run(setup)
    sent: list[tuple[str, str, str]] = []

    async def deliverer(owner: str) -> None:
        hold = lease(owner, seconds=600)
        while heads := await uow.run(lambda store: store.outbox.claim(hold, 8)):
            for message in heads:
                while message is not None:
                    sent.append((owner, message.destination, message.key))  # the send, outside any unit
                    message = await uow.run(settle(message, hold))

    await asyncio.gather(deliverer("d1"), deliverer("d2"))
    keys = [key for _, _, key in sent]
    assert len(keys) == 1000 and len(set(keys)) == 1000, "0 duplicates, 0 lost"
    assert {owner for owner, _, _ in sent} == {"d1", "d2"}, "both deliverers took part"
    by_destination: dict[str, list[str]] = {}
    for _, destination, key in sent:
        by_destination.setdefault(destination, []).append(key)
    assert len(by_destination) == destinations
    assert all(ks == sorted(ks) for ks in by_destination.values()), "in order per destination"
    assert await keys_due(uow, now=NOW + timedelta(days=1)) == []
    assert await uow.run(lambda store: store.outbox.next_due_at()) is None


async def test_a_deliverer_that_dies_is_replaced_once_its_lease_lapses_and_nothing_is_lost(uow):
    async def setup(store):
        world = await seed(store)
        for i in range(10):
            await post(store, world.group, f"c{i}")
            await dm(store, world.member, f"d{i}")

    await uow.run(setup)
    dead = lease("dead", seconds=30)
    first = await uow.run(lambda store: store.outbox.claim(dead, 10))
    assert [m.key for m in first] == ["c0", "d0"]  # ... and it died before sending
    after = lease("heir", now=dead.until + timedelta(seconds=1))
    sent = []
    while heads := await uow.run(lambda store: store.outbox.claim(after, 10)):
        for message in heads:
            while message is not None:
                sent.append(message.key)
                message = await uow.run(settle(message, after))
    assert sorted(sent) == sorted([f"c{i}" for i in range(10)] + [f"d{i}" for i in range(10)])


async def test_the_oldest_pending_message_is_when_the_first_still_waiting_was_queued(uow):
    world = await uow.run(seed)
    assert await uow.run(lambda store: store.outbox.oldest_pending()) is None
    await uow.run(lambda store: post(store, world.group, "k1"))
    await uow.run(lambda store: post(store, world.group, "k2", now=LATER))
    assert await uow.run(lambda store: store.outbox.oldest_pending()) == NOW
    first = (await uow.run(lambda store: store.outbox.due(NOW)))[0]
    await uow.run(lambda store: store.outbox.mark_delivered(first.id, LATER))
    assert await uow.run(lambda store: store.outbox.oldest_pending()) == LATER, "delivered ones no longer wait"

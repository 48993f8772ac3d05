"""Runtime values, hint tiers and kept button commands."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import buttons
from bot.reply import Button, Reply
from tests.contract.world import NOW, new_member, seed

LONG = "mock feedback member:12 4 4 5 " + "notes " * 20  # longer than any platform's button id
SHORT = "problem solved two-sum"


async def test_runtime_values_are_set_replaced_and_read(uow):
    assert await uow.run(lambda store: store.runtime.get("simulated_now")) is None

    async def work(store):
        await store.runtime.set("simulated_now", "2026-03-02T09:00:00+00:00")
        await store.runtime.set("other", "x")
        await store.runtime.set("simulated_now", "2026-03-03T09:00:00+00:00")

    await uow.run(work)

    async def read(store):
        return await store.runtime.get("simulated_now"), await store.runtime.get("other"), await store.runtime.get("x")

    assert await uow.run(read) == ("2026-03-03T09:00:00+00:00", "x", None)


async def test_each_ask_for_a_hint_moves_one_tier_on_and_stays_on_the_last(uow):
    async def setup(store):
        world = await seed(store)
        return world.member, await new_member(store, world.group, "bob")

    ada, bob = await uow.run(setup)

    async def ask(member, problem="two-sum", tiers=3):
        return await uow.run(lambda store: store.hints.next_tier(member.id, problem, tiers, NOW))

    assert [await ask(ada) for _ in range(5)] == [0, 1, 2, 2, 2]
    assert await ask(ada, "lru-cache") == 0, "per problem"
    assert await ask(bob) == 0, "per member"
    assert await ask(ada, tiers=2) == 1, "a pack with fewer tiers now: never past its last"
    assert [await ask(bob, "one-tier", tiers=1) for _ in range(3)] == [0, 0, 0]
    assert await ask(bob, "none", tiers=0) == 0


async def test_long_button_commands_are_kept_by_key_and_short_ones_need_not_be(uow):
    world = await uow.run(seed)
    reply = Reply(text="x", buttons=[Button("Rate", LONG), Button("Solved", SHORT)])
    assert buttons.kept(LONG) and not buttons.kept(SHORT)

    async def work(store):
        await store.buttons.keep(reply, world.user_id, NOW)
        await store.buttons.keep(reply, None, NOW + timedelta(days=1))  # kept again: still one command per key
        return await store.buttons.command(buttons.key(LONG)), await store.buttons.command(buttons.key(SHORT))

    assert await uow.run(work) == (LONG, None)
    assert await uow.run(lambda store: store.buttons.command("0" * 32)) is None


async def test_an_enqueued_message_keeps_its_long_button_commands(uow):
    world = await uow.run(seed)
    other = LONG + " again"

    async def work(store):
        await store.outbox.enqueue("k", Reply(text="rate", buttons=[Button("Rate", other)]), NOW,
                                   group_id=world.group.id, user_id=world.user_id)
        return await store.buttons.command(buttons.key(other))

    assert await uow.run(work) == other

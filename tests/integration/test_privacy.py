"""Privacy (issue 12, must-have 4): forget-me asks first and then removes the member's words from every
outbox row, pending or delivered; delivered rows are pruned after a retention window; group stats never
show one person's pipeline."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from adapters.console.adapter import ConsoleAdapter
from bot.bootstrap import open_app
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.domain.model import Group
from bot.reply import Field, Reply
from bot.services.retention import prune_outbox
from bot.storage.db import open_database
from bot.storage.sqlite import SqliteStore
from bot.storage.uow import SqliteUnitOfWork
from bot.text import REMOVED, Rich, Said
from tests.conftest import START, ConsoleBot
from tests.units import each_statement_commits, units

ALICE_WORDS = ("wrote-the-parser", "my-divorce-lawyer", "OfferCo", "Staff-Wizard", "second-day-secret")


async def payloads(db) -> str:
    return "\n".join(r[0] for r in await db.all("SELECT payload FROM outbox"))


async def test_forget_me_asks_first_and_bad_input_changes_nothing(group):
    bot = group
    out = await bot.say("@alice forget-me")
    assert "cannot be undone" in out and "[Delete everything: forget-me confirm]" in out
    out = await bot.say("@alice forget-me now")
    assert "confirm must be one of confirm, not 'now'" in out and "usage: forget-me [confirm]" in out
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM members WHERE name='alice'") == 1
    assert "There is nothing stored about you" in await bot.say("@zed forget-me")


async def test_forget_me_removes_their_words_from_delivered_and_pending_outbox_rows(group):
    """Before: `Blockers: my-divorce-lawyer` stayed in the digest row and `alice got an offer from
    OfferCo` in the announcement, for ever. Now both read `(removed)`, delivered or still queued."""
    bot, db = group, group.app.db
    await bot.script("""
@alice checkin done wrote-the-parser blockers my-divorce-lawyer
@bob checkin done bob-stuff
@alice apply add OfferCo role Staff-Wizard
@alice apply move offerco offer announce
:advance 12h
""")  # the offer and the day's digest are delivered
    assert await db.scalar("SELECT COUNT(*) FROM outbox WHERE status='pending'") == 0
    bot.app.deliverer = None  # from here on nothing is delivered: the next digest stays queued
    await bot.script("""
:advance 14h
@alice checkin done second-day-secret
@bob checkin done bob-again
:advance 10h
""")  # Tuesday: the prompts at 09:00 Paris, the answers, the digest at 19:00
    pending = await db.scalar("SELECT payload FROM outbox WHERE status='pending' AND key LIKE 'checkin-digest:%:1'")
    assert "second-day-secret" in pending
    alice = await db.scalar("SELECT user_id FROM members WHERE name='alice'")
    to_alice = await db.scalar("SELECT COUNT(*) FROM outbox WHERE user_id=?", (alice,))
    assert to_alice > 0  # her check-in prompts
    before = await payloads(db)
    assert all(word in before for word in ALICE_WORDS)

    assert "deleted" in await bot.say("@alice forget-me confirm")
    after = await payloads(db)
    for word in (*ALICE_WORDS, "alice"):
        assert word not in after, word
    assert "bob-stuff" in after and "bob-again" in after  # other members' words stay
    assert REMOVED in after
    assert await db.scalar("SELECT COUNT(*) FROM outbox WHERE user_id=?", (alice,)) == 0
    assert await db.scalar("SELECT COUNT(*) FROM outbox_authors WHERE user_id=?", (alice,)) == 0
    # the scrubbed rows still read back and render
    for (payload,) in await db.all("SELECT payload FROM outbox"):
        Reply.from_json(json.loads(payload)).plain_text()


async def test_forget_me_also_clears_what_a_failed_delivery_said_about_their_words(group):
    bot, db = group, group.app.db
    bot.app.deliverer = None
    await bot.script("@alice checkin done wrote-the-parser\n:advance 12h")
    (row_id,) = await db.scalar("SELECT id FROM outbox WHERE key LIKE 'checkin-digest:%:1'"),
    async with each_statement_commits(db):
        await db.write("UPDATE outbox SET last_error=? WHERE id=?", ("renderer choked on wrote-the-parser", row_id))
    assert "deleted" in await bot.say("@alice forget-me confirm")
    assert await db.scalar("SELECT last_error FROM outbox WHERE id=?", (row_id,)) == "(removed with forget-me)"


async def test_forget_me_removes_their_name_and_offer_from_the_weekly_digest(group):
    bot, db = group, group.app.db
    await bot.script("""
@alice problem solved two-sum
@alice roadmap done python-fluency
@alice apply add OfferCo role Staff-Wizard
@alice apply move offerco offer announce
@bob problem solved valid-anagram
:advance 7d
""")
    weekly = await db.scalar("SELECT payload FROM outbox WHERE key LIKE 'digest:%'")
    assert "alice" in weekly and "OfferCo" in weekly and "Staff-Wizard" in weekly and "bob" in weekly
    await bot.say("@alice forget-me confirm")
    weekly = await db.scalar("SELECT payload FROM outbox WHERE key LIKE 'digest:%'")
    assert "alice" not in weekly and "OfferCo" not in weekly and "Staff-Wizard" not in weekly
    assert "bob" in weekly and REMOVED in weekly


async def test_forget_me_in_one_group_leaves_the_other_groups_rows_alone(tmp_path):
    async with open_database(str(tmp_path / "s.db")) as db:
        store = SqliteStore(db)
        c1, c2 = await store.channels.add("a"), await store.channels.add("b")
        g1 = await store.groups.add(Group(id=0, channel_id=c1, name="#a", created_at=START))
        g2 = await store.groups.add(Group(id=0, channel_id=c2, name="#b", created_at=START))

        def said(*parts) -> Reply:
            return Reply(title=Rich.of(*parts), fields=[Field("f", Rich.of(*parts))])

        async with each_statement_commits(db):
            await store.outbox.enqueue("both", said(Said("ann-words", 1), " and ", Said("ben-words", 2)), START,
                                       group_id=g1.id, channel_id=c1)
            await store.outbox.enqueue("other-group", said(Said("ann-elsewhere", 1)), START, group_id=g2.id,
                                       channel_id=c2)
            await store.outbox.enqueue("dm-to-ann", Reply(text="hello"), START, group_id=g1.id, user_id=1)
            await store.outbox.enqueue("corrupt", said(Said("ann-in-a-broken-row", 1)), START, group_id=g1.id,
                                       channel_id=c1)
            await db.execute("UPDATE outbox SET payload='{not json' WHERE key='corrupt'")
        async with each_statement_commits(db):
            assert await store.outbox.forget_user(1, g1.id) == 2
        rows = {r[0]: r[1] for r in await db.all("SELECT key, payload FROM outbox")}
        assert "dm-to-ann" not in rows
        assert "ann-words" not in rows["both"] and "ben-words" in rows["both"]
        assert "ann-elsewhere" in rows["other-group"]  # forget-me is per group
        assert "ann-in-a-broken-row" not in rows["corrupt"] and REMOVED in rows["corrupt"]
        authors = await db.all("SELECT a.user_id, o.key FROM outbox_authors a JOIN outbox o ON o.id=a.outbox_id "
                               "ORDER BY o.key, a.user_id")
        assert [tuple(r) for r in authors] == [(2, "both"), (1, "other-group")]


async def test_group_stats_never_shows_one_persons_pipeline(group):
    """Before: `Applications: 3 by 1 member: 1 applied, 1 offer, 1 rejected`."""
    bot = group
    await bot.script("""
@alice apply add Acme
@alice apply add Initech
@alice apply move initech offer
@alice apply add Globex
@alice apply move globex rejected
""")
    stats = await bot.say("group stats")
    assert "Applications: tracked by fewer than 3 members: not shown" in stats
    assert "offer" not in stats and "rejected" not in stats and "applied" not in stats
    await bot.script("""
@bob apply add Acme
@bob apply move acme withdrawn
apply add Hooli
""")
    # bob's only application is withdrawn: he does not count, and two members are still too few
    assert "tracked by fewer than 3 members" in await bot.say("group stats")
    await bot.say("@bob apply add Umbrella stage phone-screen")
    stats = await bot.say("group stats")
    assert "Applications: 4 by 3 members: 2 applied, 1 phone-screen, 1 offer" in stats
    assert "rejected" not in stats and "withdrawn" not in stats


async def test_delivered_rows_go_after_the_retention_window_in_bounded_batches(tmp_path):
    async with open_database(str(tmp_path / "r.db")) as db:
        store = SqliteStore(db)
        cid = await store.channels.add("a")
        group = await store.groups.add(Group(id=0, channel_id=cid, name="#a", created_at=START))
        old = START - timedelta(days=20)
        async with each_statement_commits(db):
            for i in range(5):
                await store.outbox.enqueue(f"old:{i}", Reply(title=Rich.of(Said("w", 9))), old, group_id=group.id,
                                           channel_id=cid)
            await store.outbox.enqueue("old-pending", Reply(text="x"), old, group_id=group.id, channel_id=cid)
            await store.outbox.enqueue("header", Reply(text="h"), old, group_id=group.id, channel_id=cid)
            await store.outbox.enqueue("reply", Reply(text="r"), old, group_id=group.id, channel_id=cid,
                                       thread_of="header")
            await store.outbox.enqueue("recent", Reply(text="n"), START, group_id=group.id, channel_id=cid)
            for (key,) in await db.all("SELECT key FROM outbox WHERE key LIKE 'old:%' OR key='header'"):
                message = await store.outbox.get(key)
                await store.outbox.mark_delivered(message.id, old + timedelta(minutes=1))
            await store.outbox.mark_delivered((await store.outbox.get("recent")).id, START)
        # at most batch x max_batches rows a run; the rest goes at the next run
        assert await prune_outbox(SqliteUnitOfWork(db), START, 14, batch=2, max_batches=2) == 4
        assert await prune_outbox(SqliteUnitOfWork(db), START, 14, batch=2, max_batches=2) == 1
        assert await prune_outbox(SqliteUnitOfWork(db), START, 14) == 0
        left = sorted(r[0] for r in await db.all("SELECT key FROM outbox"))
        # pending rows stay whatever their age; a header stays while a reply in its thread still waits
        assert left == ["header", "old-pending", "recent", "reply"]
        assert await db.scalar("SELECT COUNT(*) FROM outbox_authors") == 0  # gone with their rows


async def test_the_daily_job_prunes_with_the_configured_retention(tmp_path):
    settings = Settings.from_env({"STUDYBOT_OUTBOX_RETENTION_DAYS": "3"}, db_path=str(tmp_path / "j.db"))
    assert settings.outbox_retention_days == 3
    async with open_app(settings, SimulatedClock(START)) as app:
        out = io.StringIO()
        bot = ConsoleBot(app, ConsoleAdapter(app, out=out, interactive=False), out)
        await app.start()
        await bot.script("group setup timezone UTC\njoin")
        await bot.say(":advance 2d")
        first = "daily:1:" + START.date().isoformat()
        assert await units(app).outbox.get(first) is not None
        await bot.say(":advance 2d")  # the 03:30 UTC run on day 4 deletes what was delivered on day 0
        assert await units(app).outbox.get(first) is None
        assert await units(app).outbox.get("daily:1:" + (START + timedelta(days=3)).date().isoformat()) is not None
        assert await app.uow.run(lambda store: store.schedule.due_at("outbox-prune", 0)) == START.replace(
            hour=3, minute=30) + timedelta(days=5)  # the next run, tomorrow's 03:30 UTC


@pytest.mark.parametrize("value", ["0", "-1", "two", "١٤", "99999"])
def test_a_bad_retention_setting_is_one_clear_line(value):
    with pytest.raises(ValueError, match="STUDYBOT_OUTBOX_RETENTION_DAYS must be") as caught:
        Settings.from_env({"STUDYBOT_OUTBOX_RETENTION_DAYS": value})
    assert "\n" not in str(caught.value)
    assert Settings.from_env({}).outbox_retention_days == 14


"""Foundation features driven through the console adapter in-process (fast; same code path as the CLI)."""

from datetime import timedelta

from bot.content import load_pack


async def test_rejoin_keeps_history_and_forget_me_erases_it(group):
    bot = group
    milestone = load_pack().roadmap("ml-engineer").stages[0].milestones[0].id
    await bot.say(f"@alice roadmap done {milestone}")
    assert "left #study" in await bot.say("@alice leave")
    assert "You are not in this study group yet" in await bot.say("@alice roadmap")
    assert "Welcome back" in await bot.say("@alice join")
    assert "[x] " + milestone in await bot.say("@alice roadmap")
    assert "deleted" in await bot.say("@alice forget-me confirm")
    db = bot.app.db
    assert await db.scalar("SELECT COUNT(*) FROM members WHERE name='alice'") == 0
    assert await db.scalar("SELECT COUNT(*) FROM users WHERE name='alice'") == 0
    assert await db.scalar("SELECT COUNT(*) FROM links WHERE external_id='alice'") == 0


async def test_pause_and_resume(group):
    bot = group
    assert "paused" in await bot.say("group pause")
    assert "already paused" in await bot.say("group pause")
    assert "running again" in await bot.say("group resume")


async def test_setup_again_changes_settings_and_keeps_the_organiser(group):
    bot = group
    out = await bot.say("group setup post-time 07:15 pairing-day wed pace 4")
    assert "updated" in out and "Daily problem: 07:15" in out
    pairing = next(line for line in out.splitlines() if line.startswith("Pairing: "))
    assert "wed" in pairing.lower() and "18:00" in pairing
    assert "Timezone: Europe/Paris" in out  # untouched settings stay
    assert "for organisers" in await bot.say("@alice group setup pace 1")
    assert "no roadmap 'nope'" in await bot.say("group setup roadmap nope")


async def test_help_lists_and_explains(bot):
    everything = await bot.say("help")
    assert "group setup" in everything and "(admin)" in everything
    one = await bot.say("help profile")
    assert "profile [timezone TZ]" in one and "IANA" in one
    assert "Did you mean 'roadmap'" in await bot.say("help roadmapp")


async def test_untick_and_double_tick(group):
    bot = group
    milestone = load_pack().roadmap("ml-engineer").stages[0].milestones[0].id
    await bot.say(f"roadmap done {milestone}")
    assert "already ticked" in await bot.say(f"roadmap done {milestone.upper()}")
    assert "Unticked" in await bot.say(f"roadmap undo {milestone}")
    assert "was not ticked" in await bot.say(f"roadmap undo {milestone}")


async def test_a_checkin_says_which_digest_it_joins(group):
    bot = group  # Europe/Paris; the digest goes out at 19:00 group time
    today = await bot.say("checkin done read a paper")
    assert "check-in digest" in today and "02 Mar 2026 19:00" in today
    await bot.app.advance(timedelta(hours=12))  # 20:00 in Paris
    assert "03 Mar 2026 19:00" in await bot.say("checkin next write it up")

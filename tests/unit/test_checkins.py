"""Pure accountability rules: check-in streaks, the one gentle nudge, pauses, questions, design prompt
choice, finding an application by name, and the weekly chart as a real PNG."""

import io
import struct
from datetime import UTC, date, datetime, time, timedelta

import pytest
from PIL import Image

from bot.domain.applications import Application, find
from bot.domain.checkins import (
    DEFAULT_QUESTIONS,
    Answer,
    CheckinSettings,
    checkin_streak,
    is_prompt_day,
    missed_run,
    parse_questions,
    pause_end,
    rate,
    should_nudge,
)
from bot.domain.design import choose_prompt, week_start
from bot.services.chart import DIFFICULTY_COLOURS, solves_chart
from bot.services.checkins import DIGEST_POST_CHARS, DIGEST_POST_FIELDS, digest_replies

MON = date(2026, 3, 2)


def days(*offsets: int) -> list[date]:
    return [MON + timedelta(days=o) for o in offsets]


def test_streak_counts_answered_checkin_days_and_today_does_not_break_it():
    prompts = days(0, 1, 2, 3, 4)
    assert checkin_streak(prompts, days(0, 1, 2, 3, 4), MON + timedelta(days=4)) == 5
    assert checkin_streak(prompts, days(0, 1, 3), MON + timedelta(days=4)) == 1  # today (4) still open
    assert checkin_streak(prompts, days(0, 1, 3), MON + timedelta(days=5)) == 0  # 4 was missed
    assert checkin_streak(prompts, days(0, 1, 2, 5), MON + timedelta(days=5)) == 1  # an unprompted answer counts
    # paused days are not prompt days, so they do not break the run
    assert checkin_streak(days(0, 1, 7, 8), days(0, 1, 7, 8), MON + timedelta(days=8)) == 4
    assert checkin_streak([], [], MON) == 0


def test_nudge_once_after_three_missed_prompts_until_they_answer():
    prompts, answers, nudges = days(0), days(0), []
    sent = []
    for offset in range(1, 12):
        today = MON + timedelta(days=offset)
        if should_nudge(prompts, answers, today, nudges):
            nudges.append(today)
            sent.append(offset)
        prompts.append(today)
    assert sent == [4]  # after prompts 1, 2, 3 went unanswered; never again while silent

    answers.append(MON + timedelta(days=12))  # they answer ...
    prompts.append(MON + timedelta(days=12))
    for offset in range(13, 20):
        today = MON + timedelta(days=offset)
        if should_nudge(prompts, answers, today, nudges):
            nudges.append(today)
            sent.append(offset)
        prompts.append(today)
    assert sent == [4, 16]  # ... so a new run of three misses earns one more nudge


def test_missed_run_stops_at_the_last_answer():
    assert missed_run(days(0, 1, 2, 3), days(1), MON + timedelta(days=4)) == days(2, 3)
    assert missed_run(days(0, 1, 2), [], MON + timedelta(days=2)) == days(0, 1)  # today is not missed yet
    assert not should_nudge(days(0, 1), [], MON + timedelta(days=3), [])


def test_pause_and_prompt_days():
    assert pause_end(MON, 7) == MON + timedelta(days=7)
    assert pause_end(MON, 0) == MON
    s = CheckinSettings()
    assert [is_prompt_day(s, d) for d in days(0, 4, 5, 6)] == [True, True, False, False]
    assert not is_prompt_day(CheckinSettings(enabled=False), MON)


def test_questions_and_digest_time():
    assert parse_questions("What shipped? ; What next?;") == ("What shipped?", "What next?")
    for bad in ("", " ; ", "a;b;c;d", "x" * 151):
        with pytest.raises(ValueError):
            parse_questions(bad)
    assert CheckinSettings().questions == DEFAULT_QUESTIONS
    assert CheckinSettings().digest_time() == time(19, 0)
    assert CheckinSettings(time=time(20, 30)).digest_time() == time(6, 30)  # wraps past midnight
    assert CheckinSettings(questions=("A?", "B?")).slots() == (("done", "A?"), ("next", "B?"))
    assert rate(0, 0) == "no prompts yet" and rate(4, 3) == "75% (3/4)"


def test_design_prompts_do_not_repeat_until_exhausted_and_alternate_kinds():
    prompts = [("a", "classic"), ("b", "classic"), ("c", "ml"), ("d", "ml"), ("e", "classic")]
    history: list[str] = []
    week = week_start(MON + timedelta(days=3))
    assert week == MON
    for _ in range(10):
        history.append(choose_prompt(7, week, prompts, history))
        week += timedelta(days=7)
    assert sorted(history[:5]) == ["a", "b", "c", "d", "e"]
    assert sorted(history[5:]) == ["a", "b", "c", "d", "e"]
    kinds = dict(prompts)
    assert kinds[history[0]] != kinds[history[1]]  # alternates while both kinds remain
    assert choose_prompt(7, MON, prompts, []) == choose_prompt(7, MON, prompts, [])  # deterministic
    with pytest.raises(ValueError):
        choose_prompt(7, MON, [], [])


def test_find_application_by_exact_name_or_unique_prefix():
    from datetime import UTC, datetime

    t = datetime(2026, 3, 2, tzinfo=UTC)
    apps = [Application(i, 1, name, None, "applied", t, t) for i, name in
            enumerate(["Jane Street", "Janus Labs", "Acme"], 1)]
    assert find(apps, "jane street").company == "Jane Street"
    assert find(apps, "ac").company == "Acme"
    assert [a.company for a in find(apps, "ja")] == ["Jane Street", "Janus Labs"]
    assert find(apps, "Globex") is None


def test_chart_is_a_real_non_trivial_png():
    week = days(0, 1, 2, 3, 4, 5, 6)
    counts = {week[0]: {"easy": 3, "medium": 1}, week[2]: {"hard": 2}, week[5]: {"easy": 1, "medium": 2, "hard": 1}}
    png = solves_chart(week, counts, "Solves per day")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (800, 400)
    assert len(png) > 8_000
    img = Image.open(io.BytesIO(png))
    img.verify()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (800, 400)
    pixels = {c: n for n, c in img.getcolors(maxcolors=1 << 20)}
    empty = Image.open(io.BytesIO(solves_chart(week, {}, "Nothing"))).convert("RGB")
    legend_only = {c: n for n, c in empty.getcolors(maxcolors=1 << 20)}
    for hex_colour in DIFFICULTY_COLOURS.values():  # every difficulty is drawn as bars, beyond its legend key
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        assert pixels.get(rgb, 0) > 10 * legend_only.get(rgb, 1), hex_colour


def test_the_day_digest_is_a_header_and_every_answer_in_thread_posts_within_embed_limits():
    at = datetime(2026, 3, 2, 18, tzinfo=UTC)

    def answers(n: int, length: int) -> list[Answer]:
        return [Answer(i, f"member{i}", MON, "d" * length, "n" * length, "b" * length, at, at) for i in range(n)]

    header, posts = digest_replies("#study", MON, CheckinSettings(), answers(2, 20), None, {0: 3})
    assert (header.title, header.text) == ("Check-ins — Mon 02 Mar", "2 members checked in for #study.")
    assert header.fields == [] and len(posts) == 1
    assert [f.name.plain() for f in posts[0].fields] == ["member0 · streak 3", "member1 · streak 0"]
    # 60 members with long answers: several posts, each inside Discord's embed limits (25 fields, 6000
    # characters), and every member exactly once, in order.
    header, posts = digest_replies("#study", MON, CheckinSettings(), answers(60, 900), None, {})
    assert header.text == "60 members checked in for #study."
    assert len(posts) > 1
    for post in posts:
        assert 0 < len(post.fields) <= DIGEST_POST_FIELDS
        assert sum(len(f.name) + len(f.value) for f in post.fields) <= DIGEST_POST_CHARS
        assert all(len(f.value) <= 1024 for f in post.fields)
    assert [f.name.plain() for p in posts for f in p.fields] == [f"member{i} · streak 0" for i in range(60)]


def test_the_next_digest_is_an_instant_on_the_groups_clock():
    from bot.services.checkins import digest_when, next_digest_at
    from bot.text import Stamp

    s = CheckinSettings(time=time(9, 0))  # the digest at 19:00, group time
    # 18:59 in Berlin (UTC+1): today's; 19:00: tomorrow's
    assert next_digest_at(datetime(2026, 3, 2, 17, 59, tzinfo=UTC), "Europe/Berlin", s) == \
        datetime(2026, 3, 2, 18, tzinfo=UTC)
    assert next_digest_at(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), "Europe/Berlin", s) == \
        datetime(2026, 3, 3, 18, tzinfo=UTC)
    # across New York's spring-forward (Sunday 8 March): 19:00 EST, then 19:00 EDT
    ny = CheckinSettings(time=time(9, 0))
    assert next_digest_at(datetime(2026, 3, 7, 23, 30, tzinfo=UTC), "America/New_York", ny) == \
        datetime(2026, 3, 8, 0, tzinfo=UTC)
    assert next_digest_at(datetime(2026, 3, 8, 1, tzinfo=UTC), "America/New_York", ny) == \
        datetime(2026, 3, 8, 23, tzinfo=UTC)
    shown = digest_when(datetime(2026, 3, 2, 12, tzinfo=UTC), "Europe/Berlin", s)
    assert Stamp.at(datetime(2026, 3, 2, 18, tzinfo=UTC), "f") in shown.parts
    assert "Europe/Berlin" not in shown.plain(), "a stamp, not a time in the group's zone"

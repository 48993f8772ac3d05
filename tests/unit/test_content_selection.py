"""Who is handed what from the content pack: premium-only problems, and design prompts by a group's
roadmap stage and a member's level (pure functions over the bundled pack)."""

from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_pack
from bot.domain import design
from bot.domain.selection import Posted, choose_daily, open_to, practice_pool

PACK = load_pack()
PROBLEMS = list(PACK.problems.values())
PREMIUM = {p.id for p in PROBLEMS if p.premium}
PROMPTS = [(p.id, p.kind, p.difficulty) for p in PACK.design_prompts.values()]
DIFFICULTY = {p.id: p.difficulty for p in PACK.design_prompts.values()}
START = date(2026, 3, 2)


@settings(max_examples=25, deadline=None)
@given(group_key=st.integers(1, 10_000), stage=st.integers(0, 6))
def test_a_premium_problem_is_never_a_daily_post(group_key, stage):
    assert PREMIUM  # the bank has some, so this can fail
    history: list[Posted] = []
    for i in range(400):  # long enough to exhaust every difficulty at least once
        day = START + timedelta(days=i)
        c = choose_daily(group_key=group_key, local_date=day, age_days=i, stage=stage, problems=PROBLEMS,
                         history=history)
        assert c.item_id not in PREMIUM, c.item_id
        history.append(Posted(day, c.item_id, c.kind, c.difficulty, c.pattern))


def test_a_beginner_is_never_offered_a_premium_problem_and_an_intermediate_member_may_be():
    beginner = practice_pool(PROBLEMS, level="beginner", solved=set())
    intermediate = practice_pool(PROBLEMS, level="intermediate", solved=set())
    advanced = practice_pool(PROBLEMS, level="advanced", solved=set())
    assert not PREMIUM & {p.id for p in beginner}
    assert PREMIUM <= {p.id for p in intermediate} and PREMIUM <= {p.id for p in advanced}
    assert len(beginner) == len(PROBLEMS) - len(PREMIUM)
    assert all(open_to(p, "beginner") != p.premium for p in PROBLEMS)


def test_the_practice_pool_leaves_out_what_was_solved_and_what_does_not_match():
    solved = {"two-sum", "3sum"}
    pool = practice_pool(PROBLEMS, level="advanced", solved=solved, difficulty="medium", topic="two-pointers")
    assert pool and all(p.difficulty == "medium" and p.pattern == "two-pointers" for p in pool)
    assert not solved & {p.id for p in pool}
    assert [p.id for p in pool] == sorted(p.id for p in pool)  # a stable order for the seeded draw


def test_the_stage_sets_the_weekly_prompt_difficulty():
    at = design.design_stage_index([s.id for s in PACK.roadmap("ml-engineer").stages])
    assert at == 5
    assert design.stage_difficulties(0, at) == {"easy"}
    assert design.stage_difficulties(at - 1, at) == {"easy", "medium"}
    assert design.stage_difficulties(at, at) == design.stage_difficulties(at + 1, at) == {"medium", "hard"}
    assert design.design_stage_index(["a", "b", "c"]) == 1 and design.design_stage_index(["a"]) == 0


def weeks(wanted, n: int, group: int = 7) -> list[str]:
    history: list[str] = []
    week = design.week_start(START)
    for _ in range(n):
        history.append(design.choose_prompt(group, week, PROMPTS, history, wanted))
        week += timedelta(days=7)
    return history


def test_a_group_early_on_the_roadmap_gets_easy_prompts_first_and_still_no_repeats():
    easy = sum(d == "easy" for d in DIFFICULTY.values())
    history = weeks(design.stage_difficulties(0, 5), len(PROMPTS))
    assert all(DIFFICULTY[pid] == "easy" for pid in history[:easy])
    # Once the easy ones are used up the nearest difficulty follows, hard ones last.
    assert all(DIFFICULTY[pid] == "medium" for pid in history[easy:len(PROMPTS) - Counter(DIFFICULTY.values())["hard"]])
    assert sorted(history) == sorted(pid for pid, _, _ in PROMPTS)


def test_a_group_at_the_design_stage_practises_at_interview_level():
    history = weeks(design.stage_difficulties(5, 5), 20)
    assert all(DIFFICULTY[pid] in ("medium", "hard") for pid in history)
    assert len(set(history)) == 20
    kinds = dict((pid, kind) for pid, kind, _ in PROMPTS)
    assert any(kinds[a] != kinds[b] for a, b in zip(history, history[1:], strict=False))


def test_a_mock_kit_prompt_suits_the_member_level_and_falls_back_to_the_nearest():
    unseen = [(p.id, p.difficulty) for p in PACK.design_prompts.values()]
    for level, difficulty in (("beginner", "easy"), ("intermediate", "medium"), ("advanced", "hard")):
        pool = design.nearest(unseen, design.LEVEL_DIFFICULTIES[level])
        assert pool and all(DIFFICULTY[pid] == difficulty for pid in pool), level
    without_easy = [(pid, d) for pid, d in unseen if d != "easy"]
    assert all(DIFFICULTY[pid] == "medium" for pid in design.nearest(without_easy, {"easy"}))
    assert design.nearest([], {"easy"}) == []

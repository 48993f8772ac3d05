"""The pure rules of mock-interview rubrics: turns of a slot, timer phases fitted to a turn, the prompts
a rater answers in their role, and reading `3,4,3,2 hire`."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import VERDICT_IDS, Criterion, GuidePhase, Rubric, load_pack
from bot.domain.rubric import (
    ROLES,
    VERDICTS,
    Verdict,
    example,
    parse_feedback,
    parse_ratings,
    phases_for,
    ratings_for,
    turns,
)

PACK = load_pack()
CODING = PACK.rubric_for("coding")
DESIGN = PACK.rubric_for("system-design")
ANCHORS = {1: "Level one, as observed.", 2: "Level two, as observed.", 3: "Level three, as observed.",
           4: "Level four, as observed."}


def rubric_with(minutes: list[int]) -> Rubric:
    return Rubric(kind="coding", criteria=(Criterion(id="x", title="X", question="Did they do X?", anchors=ANCHORS),),
                  guide=tuple(GuidePhase(phase=f"p{i}", minutes=m, what="") for i, m in enumerate(minutes)))


# -- time -----------------------------------------------------------------------------------------------

def test_turns_split_the_slot():
    assert turns(60, 2) == (30, 30)
    assert turns(45, 2) == (23, 22)
    assert turns(90, 3) == (30, 30, 30)
    assert turns(50, 3) == (17, 17, 16)
    with pytest.raises(ValueError, match="cannot give"):
        turns(2, 3)


@given(st.integers(1, 600), st.integers(1, 3))
def test_turns_add_up_to_the_slot(slot, people):
    if slot < people:
        return
    parts = turns(slot, people)
    assert sum(parts) == slot and len(parts) == people
    assert max(parts) - min(parts) <= 1


def test_a_guide_written_for_the_half_is_unchanged():
    for rubric in PACK.rubrics.values():
        assert phases_for(rubric, 30) == rubric.guide


def test_the_bundled_guides_fit_the_usual_slots():
    # 60-minute pair, 45-minute pair (23 + 22), 90-minute trio (three thirds)
    for rubric in PACK.rubrics.values():
        for half in (*turns(60, 2), *turns(45, 2), *turns(90, 3)):
            phases = phases_for(rubric, half)
            assert sum(p.minutes for p in phases) == half
            assert [p.phase for p in phases] == [p.phase for p in rubric.guide]
    coding = phases_for(CODING, 22)
    assert [(p.phase, p.minutes) for p in coding] == [("clarify", 3), ("solve", 12), ("test", 4), ("feedback", 3)]


def test_short_turns_keep_a_minute_per_phase():
    rubric = rubric_with([1, 40, 1, 1])
    assert [p.minutes for p in phases_for(rubric, 5)] == [1, 2, 1, 1]
    assert [p.minutes for p in phases_for(rubric, 4)] == [1, 1, 1, 1]
    with pytest.raises(ValueError, match="too short"):
        phases_for(rubric, 3)
    assert phases_for(rubric_with([]), 30) == ()


@given(st.lists(st.integers(1, 60), min_size=1, max_size=8), st.integers(1, 240))
def test_phases_add_up_to_the_half_in_order(minutes, half):
    rubric = rubric_with(minutes)
    if half < len(minutes):
        with pytest.raises(ValueError):
            phases_for(rubric, half)
        return
    phases = phases_for(rubric, half)
    assert sum(p.minutes for p in phases) == half
    assert all(p.minutes >= 1 for p in phases)
    assert [p.phase for p in phases] == [p.phase for p in rubric.guide]
    # proportional: no phase is more than a minute from its share, unless raised to its one minute
    total = sum(minutes)
    for p, m in zip(phases, minutes, strict=True):
        assert p.minutes == 1 or abs(p.minutes - m * half / total) < 1 + len(minutes)


@given(st.lists(st.integers(1, 60), min_size=1, max_size=8))
def test_fitting_a_guide_to_its_own_length_changes_nothing(minutes):
    rubric = rubric_with(minutes)
    assert [p.minutes for p in phases_for(rubric, sum(minutes))] == minutes


# -- rating prompts -------------------------------------------------------------------------------------

def test_ratings_for_name_the_role():
    for role in ROLES:
        prompts = ratings_for(DESIGN, role)
        assert [p.criterion_id for p in prompts] == [c.id for c in DESIGN.criteria]
        assert all(f"as the {role}" in p.text and p.role == role for p in prompts)
        assert all(p.question in p.text and p.title in p.text for p in prompts)
        assert [lvl for lvl, _ in prompts[0].anchors] == [1, 2, 3, 4]
        assert prompts[0].anchor(4) == DESIGN.criteria[0].anchors[4]
    assert "candidate of this turn" in ratings_for(CODING, "observer")[0].text
    with pytest.raises(ValueError, match="role is one of"):
        ratings_for(CODING, "candidate")


def test_a_system_design_prompt_never_mentions_coding_or_testing():
    for role in ROLES:
        for prompt in ratings_for(DESIGN, role):
            text = " ".join([prompt.text, *(a for _, a in prompt.anchors)])
            assert not re.search(r"\b(cod(e|ing)|test(s|ing)?)\b", text, re.IGNORECASE), text


# -- reading ratings ------------------------------------------------------------------------------------

def test_verdict_ids_agree_with_the_schema():
    assert tuple(VERDICTS) == tuple(Verdict(v) for v in VERDICT_IDS)
    assert Verdict.LEAN_NO == "lean-no"


@pytest.mark.parametrize(("text", "scores", "verdict"), [
    ("3,4,3,2 hire", (3, 4, 3, 2), Verdict.HIRE),
    ("3, 4, 3, 2 Hire", (3, 4, 3, 2), Verdict.HIRE),
    ("3 4 3 2 strong-hire", (3, 4, 3, 2), Verdict.STRONG_HIRE),
    ("1/1/2/1 no", (1, 1, 2, 1), Verdict.NO),
    ("4;4;4;4 Strong Hire", (4, 4, 4, 4), Verdict.STRONG_HIRE),
    ("2,2,3,2 lean no", (2, 2, 3, 2), Verdict.LEAN_NO),
    ("  2,2,3,2   LEAN_NO ", (2, 2, 3, 2), Verdict.LEAN_NO),
])
def test_parse_ratings(text, scores, verdict):
    assert parse_ratings(CODING, text) == (scores, verdict)


def test_parse_ratings_follows_the_kind():
    assert parse_ratings(DESIGN, "3,4,3,2,3 hire") == ((3, 4, 3, 2, 3), Verdict.HIRE)
    assert example(DESIGN) == "3,4,3,2,3 hire"
    with pytest.raises(ValueError, match="4 ratings for 5 criteria"):
        parse_ratings(DESIGN, "3,4,3,2 hire")


@pytest.mark.parametrize(("text", "reason"), [
    ("", "Rate each criterion"),
    ("3,4,3,2", "Add your overall verdict"),
    ("3,4,3 hire", "3 ratings for 4 criteria"),
    ("3,4,3,2,1 hire", "5 ratings for 4 criteria"),
    ("hire", "0 ratings for 4 criteria"),
    ("3,4,3,5 hire", "from 1 to 4"),
    ("3,4,0,2 hire", "from 1 to 4"),
    ("3,4,3,22 hire", "from 1 to 4"),
    ("3,4,3,٣ hire", "digits 0-9"),  # an Arabic-Indic three
    ("3,4,3,³ hire", "digits 0-9"),  # superscript three: isdigit() is true, int() fails
    ("3,4,3,３ hire", "digits 0-9"),  # fullwidth three
    ("3,4,3,2.5 hire", "digits 0-9"),
    ("3,4,x,2 hire", "digits 0-9"),
    ("3,4,3,-2 hire", "digits 0-9"),
    ("3,4,3,2 maybe", "verdict is one of"),
    ("3,4,3,2 strong", "verdict is one of"),
    ("3,4,3,2 hire extra words", "Nothing goes after the verdict"),
    ("3," * 200 + " hire", "too long"),
])
def test_bad_ratings_get_one_clear_line(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_ratings(CODING, text)
    message = str(caught.value)
    assert "\n" not in message
    assert "communication, problem-solving, coding, testing" in message and "like 3,4,3,2 hire" in message
    assert "strong-hire, hire, lean-no, no" in message


def test_parse_feedback_keeps_the_notes_as_typed():
    assert parse_feedback(CODING, "3,4,3,2 hire clear, calm; *good*") == ((3, 4, 3, 2), Verdict.HIRE,
                                                                          "clear, calm; *good*")
    assert parse_feedback(CODING, "3,4,3,2 strong hire") == ((3, 4, 3, 2), Verdict.STRONG_HIRE, "")
    assert parse_feedback(CODING, "3,4,3,2 no show of tests") == ((3, 4, 3, 2), Verdict.NO, "show of tests")


@given(st.lists(st.integers(1, 4), min_size=4, max_size=4), st.sampled_from(VERDICTS),
       st.sampled_from([",", ", ", " ", "/", ";"]))
def test_ratings_round_trip(scores, verdict, sep):
    assert parse_ratings(CODING, f"{sep.join(map(str, scores))} {verdict.value}") == (tuple(scores), verdict)


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_value_error(text):
    try:
        scores, verdict = parse_ratings(CODING, text)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert len(scores) == 4 and all(1 <= s <= 4 for s in scores) and verdict in VERDICTS

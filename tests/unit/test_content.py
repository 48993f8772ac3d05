"""The bundled content pack: schema, counts, and facts that agree with the reference list."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from bot.content import ML_TOPICS, PATTERNS, ContentError, load_pack

PACK = load_pack()
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "coding-problems.tsv"
LABEL_TO_SLUG = {label: slug for slug, label in PATTERNS.items()}


def reference() -> dict[str, dict]:
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {r["url"]: r for r in rows}


def test_problem_bank_size_and_mix():
    counts = Counter(p.difficulty for p in PACK.problems.values())
    total = sum(counts.values())
    assert total >= 170
    assert abs(counts["easy"] / total - 0.30) <= 0.05
    assert abs(counts["medium"] / total - 0.55) <= 0.05
    assert abs(counts["hard"] / total - 0.15) <= 0.05
    assert {p.pattern for p in PACK.problems.values()} == set(PATTERNS)


def test_every_problem_agrees_with_the_reference():
    ref = reference()
    for p in PACK.problems.values():
        url = str(p.url)
        assert url == f"https://leetcode.com/problems/{p.id}/", p.id
        row = ref.get(url)
        assert row is not None, f"{p.id} is not in the reference list"
        assert p.title == row["title"], p.id
        assert p.difficulty == row["difficulty"], p.id
        assert p.number == int(row["number"]), p.id
        assert p.pattern == LABEL_TO_SLUG[row["pattern"]], p.id
        assert p.neetcode150 == (row["neetcode150"] == "yes"), p.id


def test_hints_are_our_own_and_distinct():
    hints = [p.hint for p in PACK.problems.values()]
    assert len(set(hints)) == len(hints)
    for p in PACK.problems.values():
        assert p.title.lower() not in p.hint.lower() or len(p.hint) > len(p.title) + 20


def test_ml_questions():
    questions = list(PACK.ml_questions.values())
    assert len(questions) >= 60
    topics = Counter(q.topic for q in questions)
    assert set(topics) == set(ML_TOPICS)
    assert all(q.id.startswith("ml-") and len(q.answer) >= 40 for q in questions)


def test_roadmap_follows_the_seven_stages():
    rm = PACK.roadmap("ml-engineer")
    assert [s.id for s in rm.stages] == [
        "fundamentals", "ml-basics", "projects", "portfolio", "coding-prep", "system-design", "applying"]
    for stage in rm.stages:
        assert 3 <= len(stage.milestones) <= 6
        for m in stage.milestones:
            assert m.description and m.resource.name and str(m.resource.url).startswith("https://")


def test_prompts_behavioral_and_rubric():
    prompts = list(PACK.design_prompts.values())
    assert len(prompts) >= 25 and sum(p.kind == "ml" for p in prompts) >= 10
    assert len(PACK.behavioral) >= 30
    rubric = PACK.rubric
    assert [c.id for c in rubric.criteria] == ["communication", "problem-solving", "coding", "testing"]
    assert all(sorted(c.anchors) == [1, 2, 3, 4] for c in rubric.criteria)
    assert [g.minutes for g in rubric.guide] == [5, 30, 10, 5]


def test_a_broken_pack_is_refused_with_the_file_named(tmp_path):
    (tmp_path / "roadmaps").mkdir()
    (tmp_path / "roadmaps" / "x.yaml").write_text("name: x\ntitle: X\nstages: []\n")
    with pytest.raises(ContentError, match="stages"):
        load_pack(tmp_path)
    (tmp_path / "roadmaps" / "x.yaml").write_text(": : :")
    with pytest.raises(ContentError):
        load_pack(tmp_path)

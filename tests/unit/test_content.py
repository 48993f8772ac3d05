"""The bundled content pack: schema, counts per topic and difficulty, facts that agree with the reference
list, corrections that must not come back, and every point a prompt carries reaching what the bot sends."""

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

import content as bundled
from bot.content import (
    DEFAULT_VERDICTS,
    ML_TOPICS,
    MODERN_ML_TOPICS,
    PATTERNS,
    RUBRIC_KINDS,
    VERDICT_IDS,
    ContentError,
    load_pack,
)
from bot.services.digest import render_design
from bot.services.mock import item_text

PACK = load_pack()
TESTS = Path(__file__).resolve().parents[1]
REFERENCE = TESTS / "data" / "coding-problems.tsv"
SHARED_REFERENCE = TESTS.parents[1] / "shared" / "reference" / "coding-problems.tsv"
LABEL_TO_SLUG = {label: slug for slug, label in PATTERNS.items()}
# Discord's limit for one embed field, the tightest of the platforms: a longer text is cut short there.
FIELD_MAX = 1024
PREMIUM = {"encode-and-decode-strings", "walls-and-gates", "number-of-connected-components-in-an-undirected-graph",
           "graph-valid-tree", "alien-dictionary", "meeting-rooms", "meeting-rooms-ii"}


def reference() -> dict[str, dict]:
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {r["url"]: r for r in rows}


# -- coding problems ----------------------------------------------------------------------------------

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
        assert p.blind75 == (row["blind75"] == "yes"), p.id


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="outside the workspace the repository's copy is all there is")
def test_the_tests_copy_of_the_reference_is_the_shared_one():
    assert REFERENCE.read_bytes() == SHARED_REFERENCE.read_bytes()


def test_every_problem_has_three_hint_tiers_of_its_own():
    texts = []
    for p in PACK.problems.values():
        assert p.hints is not None and p.hint is None, f"{p.id} still has a single hint"
        labels = [label for label, _ in p.tiers]
        assert labels == ["Nudge", "Key idea", "Approach"], p.id
        tiers = [text for _, text in p.tiers]
        assert len(set(tiers)) == 3, p.id
        # Each tier gives away more than the one before: the outline is the longest and states its cost.
        assert len(p.hints.nudge) < len(p.hints.approach), p.id
        assert "O(" in p.hints.approach or "steps" in p.hints.approach, p.id
        for text in tiers:
            # A hint quotes no problem statement: it may name the problem only inside a longer sentence.
            assert p.title.lower() not in text.lower() or len(text) > len(p.title) + 20, p.id
        texts += tiers
    assert len(set(texts)) == len(texts), "two tiers share their words"


def test_the_corrected_hints_say_what_the_review_asked_for():
    hints = {pid: " ".join(text for _, text in p.tiers) for pid, p in PACK.problems.items()}
    assert "ending in 0" in hints["palindrome-number"] and "10, 20 and 100" in hints["palindrome-number"]
    assert "max(0" not in hints["maximum-subarray"] and "all-negative" in hints["maximum-subarray"]
    assert "never meet" in hints["intersection-of-two-linked-lists"]
    assert "-1" in hints["network-delay-time"]
    key = "construct-binary-tree-from-preorder-and-inorder-traversal"
    assert "map" in hints[key] and "O(n)" in hints[key]
    assert "itself" in PACK.problems["palindromic-substrings"].hints.key_idea


def test_premium_problems_are_flagged_with_a_free_alternative():
    premium = {pid for pid, p in PACK.problems.items() if p.premium}
    assert premium == PREMIUM
    for pid in premium:
        alt = PACK.problems[pid].free_alternative
        assert alt is not None and str(alt.url).startswith("https://neetcode.io/problems/"), pid
        assert "free" in alt.name.lower(), pid
    assert all(p.free_alternative is None for p in PACK.problems.values() if not p.premium)
    urls = [str(PACK.problems[pid].free_alternative.url) for pid in premium]
    assert len(set(urls)) == len(urls)


def test_a_kit_names_every_hint_tier_and_the_free_page():
    for p in PACK.problems.values():
        text = item_text(PACK, "coding", p.id)
        assert len(text) <= FIELD_MAX, p.id
        for _, tier in p.tiers:
            assert tier in text, p.id
        if p.free_alternative:
            assert str(p.free_alternative.url) in text


# -- ML questions -------------------------------------------------------------------------------------

def test_ml_questions_counts_per_topic_and_difficulty():
    questions = list(PACK.ml_questions.values())
    topics = Counter(q.topic for q in questions)
    difficulties = Counter(q.difficulty for q in questions)
    assert len(questions) >= 130
    assert set(topics) == set(ML_TOPICS) and len(topics) >= 14
    assert all(n >= 5 for n in topics.values()), topics
    assert sum(topics[t] for t in MODERN_ML_TOPICS) >= 40
    assert all(difficulties[d] >= 20 for d in ("easy", "medium", "hard")), difficulties
    # k-means is no longer a topic of its own (8 of 81 questions): one algorithm among the unsupervised ones.
    assert "k-means" not in topics
    kmeans = [q for q in questions if q.id.startswith("ml-kmeans")]
    assert len(kmeans) / len(questions) <= 0.06 and topics["unsupervised"] > len(kmeans)
    assert all(q.id.startswith("ml-") and len(q.answer) >= 200 for q in questions)
    assert len({q.question for q in questions}) == len(questions)


def test_the_modern_topics_cover_what_interviews_ask():
    by_topic: dict[str, str] = {}
    for q in PACK.ml_questions.values():
        by_topic[q.topic] = by_topic.get(q.topic, "") + " " + q.question + " " + q.answer
    wanted = {
        "llms": ["token", "temperature", "KV cache", "LoRA", "RLHF", "DPO", "hallucinat", "evaluation set"],
        "retrieval": ["embedding", "RAG", "HNSW", "BM25", "cross-encoder"],
        "training-at-scale": ["all-reduce", "FSDP", "pipeline", "bf16"],
        "serving": ["continuous", "quantis", "time to first token", "speculative"],
        "experimentation": ["power analysis", "peek", "p-value", "CUPED", "sample ratio mismatch"],
        "recommenders": ["collaborative filtering", "matrix factorisation", "cold-start", "candidate"],
        "responsible-ai": ["equalised odds", "differential privacy", "model card"],
        "transformers": ["RMSNorm", "SwiGLU", "RoPE", "causal", "FlashAttention"],
    }
    for topic, terms in wanted.items():
        for term in terms:
            assert term.lower() in by_topic[topic].lower(), (topic, term)


def test_the_corrected_answers_stay_corrected():
    a = {qid: q.answer for qid, q in PACK.ml_questions.items()}
    assert "power analysis" in a["ml-safe-rollout"] and "sequential" in a["ml-safe-rollout"]
    assert "until it is statistically significant" not in a["ml-safe-rollout"]
    assert "Mean absolute error is in the target's units" in a["ml-regression-metrics"]
    assert "square root" in a["ml-sgd-vs-adam"]
    imbalanced = a["ml-imbalanced-classes"]
    assert imbalanced.index("weight") < imbalanced.index("threshold") < imbalanced.index("SMOTE")
    assert "test-time augmentation" in a["ml-data-augmentation"]
    assert "median" in a["ml-log-transform"] and "underestimates" in a["ml-log-transform"]
    assert "label or prior shift" in a["ml-data-vs-concept-drift"].lower()
    assert "seeds alone do not" in a["ml-reproducibility"]
    assert "RMSNorm" in a["ml-batch-norm"]


# -- system design ------------------------------------------------------------------------------------

def test_design_prompts_counts_apps_and_difficulty():
    prompts = list(PACK.design_prompts.values())
    assert len(prompts) >= 50
    difficulty = Counter(p.difficulty for p in prompts)
    assert difficulty["easy"] >= 10 and difficulty["medium"] >= 10 and difficulty["hard"] >= 10
    assert sum(p.kind == "ml" for p in prompts) >= 20 and sum(p.kind == "classic" for p in prompts) >= 20
    assert all("difficulty" in p.model_fields_set for p in prompts), "each bundled prompt states its difficulty"
    titles = " | ".join(p.title for p in prompts)
    for app in ("Instagram", "Netflix", "YouTube", "WhatsApp", "Uber", "X (Twitter)", "Dropbox",
                "Google Maps nearby search", "Google Docs", "TikTok"):
        assert app in titles, app
    for pid in ("llm-serving", "training-platform", "experimentation-platform", "nearby-search",
                "collaborative-editing", "rag-assistant", "video-recommendations"):
        assert pid in PACK.design_prompts, pid


def test_every_key_point_reaches_the_weekly_post_and_the_mock_kit():
    for p in PACK.design_prompts.values():
        reply = render_design(p, date(2026, 3, 2))
        field = next(f for f in reply.fields if "check yourself" in f.name)
        kit = item_text(PACK, "system-design", p.id)
        assert len(str(field.value)) <= FIELD_MAX and len(kit) <= FIELD_MAX, p.id
        assert 5 <= len(p.key_points) <= 8, p.id
        for point in p.key_points:
            assert point in str(field.value) and point in kit, (p.id, point)


# -- behavioral ---------------------------------------------------------------------------------------

def test_behavioral_openers_and_red_flags():
    questions = PACK.behavioral
    assert len(questions) >= 44
    for qid in ("beh-tell-me-about-yourself", "beh-why-this-company", "beh-why-ml", "beh-responsible-ai"):
        assert qid in questions, qid
    assert {"introduction", "motivation", "responsible-ai"} <= {q.theme for q in questions.values()}
    for q in questions.values():
        assert len(q.listen_for) >= 3 and len(q.red_flags) >= 2, q.id
        kit = item_text(PACK, "behavioral", q.id)
        assert len(kit) <= FIELD_MAX, q.id
        for point in (*q.listen_for, *q.red_flags):
            assert point in kit, (q.id, point)


# -- roadmap ------------------------------------------------------------------------------------------

ROADMAP = PACK.roadmap("ml-engineer")
STAGES = {s.id: " ".join(f"{m.title}. {m.description}" for m in s.milestones) for s in ROADMAP.stages}


def test_roadmap_follows_the_seven_stages():
    assert [s.id for s in ROADMAP.stages] == [
        "fundamentals", "ml-basics", "projects", "portfolio", "coding-prep", "system-design", "applying"]
    for stage in ROADMAP.stages:
        assert 3 <= len(stage.milestones) <= 8
        for m in stage.milestones:
            assert m.description and m.resource.name and str(m.resource.url).startswith("https://")
    urls = [str(m.resource.url) for s in ROADMAP.stages for m in s.milestones]
    assert len(set(urls)) == len(urls), "two milestones link the same page"


@pytest.mark.parametrize("stage, phrases", [
    ("fundamentals", ["Git", "pull request", "unit tests", "debugger", "cloud"]),
    ("projects", ["database", "server", "API", "production"]),
    ("portfolio", ["LinkedIn", "very important"]),
    ("coding-prep", ["brute-force", "optimise", "data structures", "when stuck"]),
    ("system-design", ["most popular apps", "does not exist yet", "repeat", "Google Maps nearby search"]),
    ("applying", ["referral", "half of hires", "recruiters on LinkedIn", "job fairs", "networking", "rejection"]),
])
def test_the_seed_advice_is_on_the_roadmap(stage, phrases):
    for phrase in phrases:
        assert phrase.lower() in STAGES[stage].lower(), (stage, phrase)


def test_resources_are_named_and_credited_rightly():
    resource = {m.id: m.resource for s in ROADMAP.stages for m in s.milestones}
    autocomplete = resource["design-autocomplete"]
    assert "System Design Interview vol. 1 (Alex Xu)" in autocomplete.name
    assert "autocomplete" in str(autocomplete.url) and "machine-learning" not in str(autocomplete.url)
    for mid in ("timed-mocks", "mock-loop", "ml-design-mocks"):
        assert not str(resource[mid].url).rstrip("/").endswith("mock-interviews"), mid  # a list of paid platforms
    assert all("madewithml" not in str(r.url) for r in resource.values())  # an MLOps course, not a README guide
    assert "README" in resource["repo-polish"].name


# -- the schema ---------------------------------------------------------------------------------------

def _pack(tmp_path: Path, problem: str) -> Path:
    (tmp_path / "roadmaps").mkdir(exist_ok=True)
    (tmp_path / "problems").mkdir(exist_ok=True)
    (tmp_path / "roadmaps" / "x.yaml").write_text(
        "name: x\ntitle: X\nstages:\n  - id: s\n    title: S\n    summary: S.\n    milestones:\n"
        + "".join(f"      - {{id: m{i}, title: M, description: D., resource: {{name: R, url: 'https://r.example/{i}'}}}}\n"
                  for i in range(3)))
    (tmp_path / "problems" / "p.yaml").write_text(
        "problems:\n  - {id: two-sum, number: 1, title: Two Sum, difficulty: easy, pattern: arrays-hashing, "
        "url: 'https://leetcode.com/problems/two-sum/', " + problem + "}\n")
    return tmp_path


def test_a_pack_with_one_hint_per_problem_still_loads_as_one_tier(tmp_path):
    pack = load_pack(_pack(tmp_path, "hint: 'Remember what each number would pair with.'"))
    assert pack.problems["two-sum"].tiers == (("Hint", "Remember what each number would pair with."),)


@pytest.mark.parametrize("problem, complaint", [
    ("premium: false", "needs either `hints`"),
    ("hint: 'One hint of ours.', hints: {nudge: 'A nudge of ours.', key_idea: 'An idea of ours.', "
     "approach: 'An outline of ours.'}", "needs either `hints`"),
    ("hints: {nudge: 'A nudge of ours.', key_idea: 'An idea of ours.'}", "approach"),
    ("hint: 'One hint of ours.', free_alternative: {name: N, url: 'https://neetcode.io/problems/x'}",
     "free, so it needs no free alternative"),
])
def test_a_problem_without_proper_hints_is_refused(tmp_path, problem, complaint):
    with pytest.raises(ContentError, match=re.escape(complaint)):
        load_pack(_pack(tmp_path, problem))


def test_a_broken_pack_is_refused_with_the_file_named(tmp_path):
    (tmp_path / "roadmaps").mkdir()
    (tmp_path / "roadmaps" / "x.yaml").write_text("name: x\ntitle: X\nstages: []\n")
    with pytest.raises(ContentError, match="stages"):
        load_pack(tmp_path)
    (tmp_path / "roadmaps" / "x.yaml").write_text(": : :")
    with pytest.raises(ContentError):
        load_pack(tmp_path)


KIND_CRITERIA = {
    "coding": ["communication", "problem-solving", "coding", "testing"],
    "system-design": ["requirements", "high-level-design", "deep-dive", "scale", "communication"],
    "ml-design": ["problem-framing", "data-features", "modelling", "evaluation", "deployment"],
    "behavioral": ["structure", "ownership", "impact", "reflection"],
}
# A word that belongs to a coding round only: never in the rubric of another kind, nor in its prompts.
CODING_WORDS = re.compile(r"\b(cod(e|es|ing)|test(s|ing|ed)?|bugs?)\b", re.IGNORECASE)


def test_every_kind_has_its_rubric():
    from bot.domain.matching import KINDS
    from bot.services.mock import KIND_LABEL

    assert set(KINDS) == set(RUBRIC_KINDS) == set(KIND_LABEL) == set(PACK.rubrics)
    for kind, ids in KIND_CRITERIA.items():
        rubric = PACK.rubric_for(kind)
        assert rubric is not None and rubric.kind == kind
        assert [c.id for c in rubric.criteria] == ids
    assert PACK.rubric_for("unknown") is None


def test_rubric_criteria_have_four_anchors_and_the_verdicts():
    for rubric in PACK.rubrics.values():
        assert rubric.scale == {"min": 1, "max": 4}
        for c in rubric.criteria:
            assert list(c.anchors) == [1, 2, 3, 4], (rubric.kind, c.id)
            assert all(len(a) >= 30 for a in c.anchors.values()), (rubric.kind, c.id)
            assert len(set(c.anchors.values())) == 4
            assert c.question.endswith("?")
        assert [v.id for v in rubric.verdicts] == list(VERDICT_IDS)
        assert [v.title for v in rubric.verdicts] == ["Strong hire", "Hire", "Lean no", "No"]
        # Each kind says in its own words what its verdicts mean, not the generic fallback.
        assert all(v not in DEFAULT_VERDICTS for v in rubric.verdicts), rubric.kind


def test_no_coding_criterion_outside_coding():
    for kind in ("system-design", "ml-design", "behavioral"):
        rubric = PACK.rubric_for(kind)
        for c in rubric.criteria:
            assert c.id not in ("coding", "testing")
            for text in (c.id, c.title, c.question, *c.anchors.values()):
                assert not CODING_WORDS.search(text), (kind, c.id, text)
        for phase in rubric.guide:
            assert not CODING_WORDS.search(f"{phase.phase} {phase.what}"), (kind, phase.phase)


def test_each_guide_is_one_half_of_a_sixty_minute_slot():
    for rubric in PACK.rubrics.values():
        assert sum(g.minutes for g in rubric.guide) == 30, rubric.kind
        assert rubric.guide[-1].phase == "feedback"
        assert all(g.minutes >= 1 and g.what for g in rubric.guide)


def test_the_coding_rubric_stays_the_packs_rubric():
    # Callers written before there was a rubric per kind read `PACK.rubric`: it is the coding one.
    assert PACK.rubric is PACK.rubric_for("coding")


def _minimal_pack(tmp_path: Path) -> Path:
    (tmp_path / "roadmaps").mkdir()
    (tmp_path / "roadmaps" / "ml-engineer.yaml").write_text(
        (bundled.ROOT / "roadmaps" / "ml-engineer.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_legacy_rubric_file_is_the_coding_rubric(tmp_path):
    root = _minimal_pack(tmp_path)
    coding = yaml.safe_load((bundled.ROOT / "rubrics" / "coding.yaml").read_text(encoding="utf-8"))
    legacy = {"scale": {"min": 1, "max": 4}, "criteria": coding["criteria"], "guide": coding["guide"]}
    (root / "rubric.yaml").write_text(yaml.safe_dump(legacy), encoding="utf-8")
    pack = load_pack(root)
    assert pack.rubric_for("coding") is pack.rubric
    assert [c.id for c in pack.rubric.criteria] == KIND_CRITERIA["coding"]
    assert pack.rubric.verdicts == DEFAULT_VERDICTS
    assert pack.rubric_for("system-design") is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["criteria"][0]["anchors"].pop(4), "exactly 1, 2, 3 and 4"),
    (lambda d: d["criteria"][0]["anchors"].update({5: "A fifth level that the scale does not have."}),
     "exactly 1, 2, 3 and 4"),
    (lambda d: d["verdicts"].pop(), "the verdicts are exactly"),
    (lambda d: d["verdicts"].reverse(), "the verdicts are exactly"),
    (lambda d: d.update(kind="ml-design"), "named ml-design.yaml"),
    (lambda d: d.update(kind="pairing"), "unknown interview kind"),
    (lambda d: d["criteria"].append(dict(d["criteria"][0])), "unique"),
    (lambda d: d["guide"][0].update(minutes=0), "greater than or equal to 1"),
    (lambda d: d.update(scale={"min": 1, "max": 5}), "scale is 1 to 4"),
])
def test_a_broken_rubric_is_refused_naming_the_mistake(tmp_path, change, message):
    root = _minimal_pack(tmp_path)
    (root / "rubrics").mkdir()
    data = yaml.safe_load((bundled.ROOT / "rubrics" / "coding.yaml").read_text(encoding="utf-8"))
    change(data)
    (root / "rubrics" / "coding.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        load_pack(root)

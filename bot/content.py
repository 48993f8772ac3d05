"""The content pack: roadmaps, problem bank, prompts and rubrics, validated by a schema on load.

A group can use its own pack (a folder laid out like the bundled one); facts of coding problems must
agree with the reference list, which the tests check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

import content as bundled

Difficulty = Literal["easy", "medium", "hard"]
PATTERNS: dict[str, str] = {
    "arrays-hashing": "Arrays & Hashing",
    "two-pointers": "Two Pointers",
    "sliding-window": "Sliding Window",
    "stack": "Stack",
    "binary-search": "Binary Search",
    "linked-list": "Linked List",
    "trees": "Trees",
    "tries": "Tries",
    "heap": "Heap / Priority Queue",
    "backtracking": "Backtracking",
    "graphs": "Graphs",
    "advanced-graphs": "Advanced Graphs",
    "dp-1d": "1-D Dynamic Programming",
    "dp-2d": "2-D Dynamic Programming",
    "greedy": "Greedy",
    "intervals": "Intervals",
    "math-geometry": "Math & Geometry",
    "bit-manipulation": "Bit Manipulation",
}
ML_TOPICS = (
    # the classics
    "regression", "decision-trees", "unsupervised", "bias-variance", "regularization", "metrics",
    "preprocessing", "feature-engineering", "neural-networks", "deployment",
    # the architecture behind today's models, then the topics of MODERN_ML_TOPICS
    "transformers", "llms", "retrieval", "training-at-scale", "serving", "experimentation",
    "recommenders", "responsible-ai",
)
# The topics an interview for an ML role asks about today and the 2020 pack did not have.
MODERN_ML_TOPICS = ("llms", "retrieval", "training-at-scale", "serving", "experimentation", "recommenders",
                    "responsible-ai")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Strict):
    name: str
    url: HttpUrl


class Milestone(_Strict):
    id: str
    title: str
    description: str = Field(max_length=200)
    resource: Resource

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not _ID.match(v) or len(v) > 32:
            raise ValueError(f"milestone id {v!r} must be short lowercase-kebab")
        return v


class Stage(_Strict):
    id: str
    title: str
    summary: str
    # Eight at most: a stage is a fortnight's work at the default pace, and `roadmap STAGE` lists them all.
    milestones: tuple[Milestone, ...] = Field(min_length=3, max_length=8)


class Roadmap(_Strict):
    name: str
    title: str
    description: str = ""
    stages: tuple[Stage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Roadmap:
        ids = [m.id for s in self.stages for m in s.milestones]
        if len(ids) != len(set(ids)):
            raise ValueError("milestone ids must be unique across the roadmap")
        return self

    def milestone(self, milestone_id: str) -> tuple[Stage, Milestone] | None:
        for stage in self.stages:
            for m in stage.milestones:
                if m.id == milestone_id:
                    return stage, m
        return None

    def milestone_ids(self) -> list[str]:
        return [m.id for s in self.stages for m in s.milestones]


class HintTiers(_Strict):
    """Three hints, each giving away more than the one before, so a member takes only as much as needed."""

    nudge: str = Field(min_length=10, max_length=300)  # a question or observation that points the way
    key_idea: str = Field(min_length=10, max_length=400)  # the insight the solution rests on
    approach: str = Field(min_length=10, max_length=500)  # the steps and their cost, still without code


TIER_LABELS = ("Nudge", "Key idea", "Approach")


class FreeLink(_Strict):
    name: str
    url: HttpUrl


class Problem(_Strict):
    id: str
    number: int | None = None
    title: str
    difficulty: Difficulty
    pattern: str
    url: HttpUrl
    hints: HintTiers | None = None
    # One hint in a single tier: what packs written before the tiers have, and still accepted from them.
    hint: str | None = Field(default=None, min_length=10, max_length=300)
    neetcode150: bool = False
    blind75: bool = False
    # Only LeetCode Premium subscribers can open the page: never handed to someone who may not have it.
    premium: bool = False
    free_alternative: FreeLink | None = None  # the same problem (or its twin) on a free page

    @field_validator("pattern")
    @classmethod
    def _known_pattern(cls, v: str) -> str:
        if v not in PATTERNS:
            raise ValueError(f"unknown pattern {v!r}")
        return v

    @model_validator(mode="after")
    def _hinted(self) -> Problem:
        if (self.hints is None) == (self.hint is None):
            raise ValueError(f"problem {self.id!r} needs either `hints` (nudge, key_idea, approach) or one `hint`")
        if self.free_alternative is not None and not self.premium:
            raise ValueError(f"problem {self.id!r} is free, so it needs no free alternative")
        return self

    @property
    def pattern_label(self) -> str:
        return PATTERNS[self.pattern]

    @property
    def tiers(self) -> tuple[tuple[str, str], ...]:
        """(label, text) for each hint tier, gentlest first."""
        if self.hints is None:
            return (("Hint", self.hint or ""),)
        h = self.hints
        return tuple(zip(TIER_LABELS, (h.nudge, h.key_idea, h.approach), strict=True))


class MLQuestion(_Strict):
    id: str
    topic: str
    difficulty: Difficulty
    question: str
    answer: str = Field(max_length=900)

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, v: str) -> str:
        if v not in ML_TOPICS:
            raise ValueError(f"unknown ML topic {v!r}")
        return v


class DesignPrompt(_Strict):
    id: str
    title: str
    kind: Literal["classic", "ml"]
    # Easy prompts go to groups early on the roadmap and to beginners in mock interviews.
    difficulty: Difficulty = "medium"
    brief: str
    key_points: tuple[str, ...] = Field(min_length=3)


class BehavioralQuestion(_Strict):
    id: str
    theme: str
    question: str
    listen_for: tuple[str, ...] = ()  # what a strong answer shows
    red_flags: tuple[str, ...] = ()  # what a weak answer sounds like


# The kinds of mock interview, as `bot/domain/matching.py` KINDS names them (a test checks they agree).
RUBRIC_KINDS = ("coding", "system-design", "ml-design", "behavioral")
# The overall verdict a rater gives after rating each criterion, best first.
VERDICT_IDS = ("strong-hire", "hire", "lean-no", "no")
VERDICT_TITLES = {"strong-hire": "Strong hire", "hire": "Hire", "lean-no": "Lean no", "no": "No"}
ANCHOR_LEVELS = (1, 2, 3, 4)


class Criterion(_Strict):
    id: str
    title: str = Field(min_length=1, max_length=40)
    question: str = Field(min_length=10, max_length=200)
    # What a rating of 1, 2, 3 and 4 looks like: observable behaviour, one line each.
    anchors: dict[int, str]

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not _ID.match(v) or len(v) > 32:
            raise ValueError(f"criterion id {v!r} must be short lowercase-kebab")
        return v

    @field_validator("anchors")
    @classmethod
    def _four_anchors(cls, v: dict[int, str]) -> dict[int, str]:
        if sorted(v) != list(ANCHOR_LEVELS):
            raise ValueError(f"a criterion needs anchors for exactly 1, 2, 3 and 4, not {sorted(v)}")
        if any(len(text.strip()) < 10 or len(text) > 300 for text in v.values()):
            raise ValueError("each anchor says in 10 to 300 characters what that rating looks like")
        return dict(sorted(v.items()))


class GuidePhase(_Strict):
    phase: str = Field(min_length=1, max_length=40)
    minutes: int = Field(ge=1)
    what: str = ""


class VerdictLevel(_Strict):
    id: Literal["strong-hire", "hire", "lean-no", "no"]
    meaning: str = Field(min_length=10, max_length=200)  # one line: what this verdict says about the candidate

    @property
    def title(self) -> str:
        return VERDICT_TITLES[self.id]


# For a pack whose rubric predates verdicts (a group's own `rubric.yaml`): generic meanings.
DEFAULT_VERDICTS = (
    VerdictLevel(id="strong-hire", meaning="Clearly above the bar on every criterion; you would argue for them."),
    VerdictLevel(id="hire", meaning="At the bar: no serious gap, and good enough to pass."),
    VerdictLevel(id="lean-no", meaning="Below the bar on something that matters, though close."),
    VerdictLevel(id="no", meaning="Well below the bar, even with help."),
)


class Rubric(_Strict):
    """The rubric and guide of one kind of mock interview: criteria rated 1-4 with anchors, the overall
    verdict scale, and the timer phases of ONE half (one member interviewing the other)."""

    kind: str = "coding"
    title: str = "Mock interview"
    scale: dict[str, int] = Field(default_factory=lambda: {"min": 1, "max": 4})
    criteria: tuple[Criterion, ...] = Field(min_length=1, max_length=8)
    verdicts: tuple[VerdictLevel, ...] = DEFAULT_VERDICTS
    guide: tuple[GuidePhase, ...] = ()

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in RUBRIC_KINDS:
            raise ValueError(f"unknown interview kind {v!r}; the kinds are {', '.join(RUBRIC_KINDS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        if self.scale != {"min": 1, "max": 4}:
            raise ValueError("a rubric's scale is 1 to 4 (`scale: {min: 1, max: 4}`), to match its anchors")
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError(f"criterion ids must be unique in the {self.kind} rubric")
        if tuple(v.id for v in self.verdicts) != VERDICT_IDS:
            raise ValueError(f"the verdicts are exactly {', '.join(VERDICT_IDS)}, in that order")
        return self

    def verdict(self, verdict_id: str) -> VerdictLevel:
        return next(v for v in self.verdicts if v.id == verdict_id)


@dataclass
class ContentPack:
    roadmaps: dict[str, Roadmap] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)
    ml_questions: dict[str, MLQuestion] = field(default_factory=dict)
    design_prompts: dict[str, DesignPrompt] = field(default_factory=dict)
    behavioral: dict[str, BehavioralQuestion] = field(default_factory=dict)
    # One rubric per interview kind (`content/rubrics/KIND.yaml`), keyed by the kind id.
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    # The coding rubric, kept for callers written before there was one per kind: use `rubric_for`.
    rubric: Rubric | None = None
    root: Path | None = None

    def roadmap(self, name: str) -> Roadmap:
        return self.roadmaps[name]

    def rubric_for(self, kind: str) -> Rubric | None:
        """The rubric of an interview kind ("coding", "system-design", "ml-design", "behavioral"), if the
        pack has one. A pack with only a legacy `rubric.yaml` has it for coding alone."""
        found = self.rubrics.get(kind)
        if found is None and kind == "coding":
            return self.rubric
        return found


class ContentError(ValueError):
    pass


def _load_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping at the top")
    return data


def _add_unique(target: dict, items, path: Path) -> None:
    for item in items:
        if item.id in target:
            raise ContentError(f"{path}: duplicate id {item.id!r}")
        target[item.id] = item


def load_pack(root: Path | str | None = None) -> ContentPack:
    """Load and validate a content pack; raises ContentError naming the file on any mistake."""
    root = Path(root) if root else bundled.ROOT
    pack = ContentPack(root=root)
    try:
        for path in sorted((root / "roadmaps").glob("*.yaml")):
            roadmap = Roadmap(**_load_yaml(path))
            pack.roadmaps[roadmap.name] = roadmap
        for path in sorted((root / "problems").glob("*.yaml")):
            data = _load_yaml(path)
            _add_unique(pack.problems, [Problem(**p) for p in data.get("problems", [])], path)
            _add_unique(pack.ml_questions, [MLQuestion(**q) for q in data.get("questions", [])], path)
        for path in sorted((root / "design").glob("*.yaml")):
            _add_unique(pack.design_prompts, [DesignPrompt(**p) for p in _load_yaml(path).get("prompts", [])], path)
        for path in sorted((root / "behavioral").glob("*.yaml")):
            data = _load_yaml(path)
            _add_unique(pack.behavioral, [BehavioralQuestion(**q) for q in data.get("questions", [])], path)
        for path in sorted((root / "rubrics").glob("*.yaml")):
            rubric = Rubric(**_load_yaml(path))
            if rubric.kind != path.stem:
                raise ContentError(f"{path}: the file of the {rubric.kind} rubric is named {rubric.kind}.yaml")
            pack.rubrics[rubric.kind] = rubric
        legacy = root / "rubric.yaml"  # one rubric for every kind, from packs written before rubrics/
        if legacy.exists() and "coding" not in pack.rubrics:
            pack.rubrics["coding"] = Rubric(**{"kind": "coding", **_load_yaml(legacy)})
        pack.rubric = pack.rubrics.get("coding")
    except ContentError:
        raise
    except (ValueError, TypeError, yaml.YAMLError) as exc:
        raise ContentError(f"content pack {root}: {exc}") from exc
    if not pack.roadmaps:
        raise ContentError(f"content pack {root} has no roadmap")
    return pack

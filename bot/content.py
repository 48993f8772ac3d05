"""The content pack: roadmaps, problem bank, prompts and rubric, validated by a schema on load.

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


class Criterion(_Strict):
    id: str
    title: str
    question: str
    anchors: dict[int, str]


class GuidePhase(_Strict):
    phase: str
    minutes: int
    what: str


class Rubric(_Strict):
    scale: dict[str, int]
    criteria: tuple[Criterion, ...]
    guide: tuple[GuidePhase, ...] = ()


@dataclass
class ContentPack:
    roadmaps: dict[str, Roadmap] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)
    ml_questions: dict[str, MLQuestion] = field(default_factory=dict)
    design_prompts: dict[str, DesignPrompt] = field(default_factory=dict)
    behavioral: dict[str, BehavioralQuestion] = field(default_factory=dict)
    rubric: Rubric | None = None
    root: Path | None = None

    def roadmap(self, name: str) -> Roadmap:
        return self.roadmaps[name]


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
        rubric = root / "rubric.yaml"
        if rubric.exists():
            pack.rubric = Rubric(**_load_yaml(rubric))
    except ContentError:
        raise
    except (ValueError, TypeError, yaml.YAMLError) as exc:
        raise ContentError(f"content pack {root}: {exc}") from exc
    if not pack.roadmaps:
        raise ContentError(f"content pack {root} has no roadmap")
    return pack

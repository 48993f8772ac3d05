"""The bundled content pack (roadmaps, problem bank, prompts, a rubric per interview kind) as data files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent

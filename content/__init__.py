"""The bundled content pack (roadmaps, problem bank, prompts, rubric) as data files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent

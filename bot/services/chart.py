"""The weekly chart: solves per day, stacked by difficulty, as PNG bytes (matplotlib, Agg, no pyplot).

The figure is built on its own Agg canvas rather than through pyplot, so no global state or GUI backend
is involved and rendering is safe in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

DIFFICULTY_COLOURS = {"easy": "#2e9d5b", "medium": "#e0a100", "hard": "#d1463b"}
WIDTH_IN, HEIGHT_IN, DPI = 8, 4, 100  # 800 x 400 pixels: readable inline in Discord and Slack


def solves_chart(days: Sequence[date], counts: Mapping[date, Mapping[str, int]], title: str) -> bytes:
    """A stacked bar per day; `counts[day][difficulty]` solves. Returns a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(len(days)))
    bottoms = [0] * len(days)
    for difficulty, colour in DIFFICULTY_COLOURS.items():
        heights = [counts.get(d, {}).get(difficulty, 0) for d in days]
        ax.bar(xs, heights, bottom=bottoms, color=colour, label=difficulty, width=0.7, edgecolor="white")
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_xticks(xs, [f"{d:%a}\n{d.day}" for d in days])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*bottoms, 1]) * 1.4)  # headroom keeps the legend clear of the tallest bar
    ax.set_ylabel("problems solved")
    ax.set_title(title)
    ax.legend(loc="upper left", frameon=False, ncols=3)
    ax.spines[["top", "right"]].set_visible(False)
    for x, total in zip(xs, bottoms, strict=True):
        if total:
            ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=9, xytext=(0, 2),
                        textcoords="offset points")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()

"""The digest's 8-week chart, drawn with matplotlib (no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bot.readmodels import Week


def weekly_chart(weeks: Sequence[Week], *, title: str) -> bytes:
    """A PNG: requirements created and done per week (bars), open blockers (line)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: never open a window
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    # Drawn for a phone: Slack shows the image about 350 points wide, so the figure is
    # nearly square, its text large, the legend under the plot and the weeks labelled short.
    labels = [f"{w.start.day} {w.start:%b}" if n % 2 == 0 else "" for n, w in enumerate(weeks)]
    with plt.rc_context({"font.size": 15}):
        return _draw(plt, MaxNLocator, weeks, labels, title)


def _draw(plt: Any, locator: Any, weeks: Sequence[Week], labels: list[str], title: str) -> bytes:
    xs = range(len(weeks))
    fig, ax = plt.subplots(figsize=(6, 5), dpi=120)
    try:
        ax.bar([x - 0.2 for x in xs], [w.created for w in weeks], 0.4, label="new")
        ax.bar([x + 0.2 for x in xs], [w.done for w in weeks], 0.4, label="done")
        ax.plot(
            list(xs),
            [w.open_blockers for w in weeks],
            "o-",
            color="#c0392b",
            linewidth=3,
            markersize=8,
            label="open blockers",
        )
        ax.set_xticks(list(xs), labels)
        ax.set_title(title, fontsize=17)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(locator(integer=True))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)

"""The digest's 8-week chart, drawn with matplotlib (no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.readmodels import Week


def weekly_chart(weeks: Sequence[Week], *, title: str) -> bytes:
    """A PNG: requirements created and done per week (bars), open blockers (line)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: never open a window
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [f"{w.start:%d %b}" for w in weeks]
    xs = range(len(weeks))
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    try:
        ax.bar([x - 0.2 for x in xs], [w.created for w in weeks], 0.4, label="requirements created")
        ax.bar([x + 0.2 for x in xs], [w.done for w in weeks], 0.4, label="requirements done")
        ax.plot(
            list(xs), [w.open_blockers for w in weeks], "o-", color="#c0392b", label="open blockers"
        )
        ax.set_xticks(list(xs), labels)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)

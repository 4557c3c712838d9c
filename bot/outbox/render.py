"""Files the sender draws just before uploading them: an outbox row keeps what to draw
(small JSON), not the drawing, so the tick never renders inside its transaction and the
store never keeps a PNG."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.readmodels import Week
from bot.views.chart import weekly_chart


def weekly_spec(weeks: Sequence[Week], *, title: str) -> dict[str, Any]:
    """What `draw` needs for the digest's 8-week chart, as JSON."""
    return {
        "chart": "weekly",
        "title": title,
        "weeks": [[w.start.isoformat(), w.created, w.done, w.open_blockers] for w in weeks],
    }


def draw(spec: dict[str, Any]) -> bytes:
    """The PNG a `weekly_spec` describes. Raises ValueError for a spec it does not know."""
    if spec.get("chart") != "weekly":
        raise ValueError(f"unknown drawing {spec.get('chart')!r}")
    weeks = [Week(date.fromisoformat(s), int(c), int(d), int(o)) for s, c, d, o in spec["weeks"]]
    return weekly_chart(weeks, title=str(spec["title"]))

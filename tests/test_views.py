"""Block Kit builders: escaping and limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.views import requirements as views
from bot.views.blocks import escape, fit_message, message, section
from storage.models import Requirement
from storage.statuses import RequirementStatus


def _req(**kw: object) -> Requirement:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    fields = dict(
        id=1,
        team_id="T",
        number=7,
        title="T",
        description="",
        status="new",
        priority="P2",
        owner_id=None,
        requester_id="U1",
        channel_id="C1",
        labels=[],
        due_date=None,
        permalink=None,
        votes=0,
        close_reason=None,
        created_at=now,
        updated_at=now,
        closed_at=None,
    )
    fields.update(kw)
    return Requirement(**fields)


@given(st.text())
def test_escaped_text_never_forms_a_mention(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_long_text_is_truncated_within_limits() -> None:
    req = _req(
        title="t" * 300,
        description="d" * 9000,
        labels=["a" * 40] * 10,
        close_reason="r" * 9000,
        status="rejected",
        due_date=date(2026, 1, 1),
    )
    blocks = views.card(req, today=date(2026, 11, 23))
    header = blocks[0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for f in block.get("fields", []):
            assert len(f["text"]) <= 2000
    assert "overdue" not in str(blocks)  # a closed requirement is never overdue
    req.status = RequirementStatus.NEW
    assert "⚠️ overdue" in str(views.card(req, today=date(2026, 11, 23)))


def test_messages_never_exceed_fifty_blocks() -> None:
    blocks = [section(str(i)) for i in range(120)]
    fitted = fit_message(blocks)
    assert len(fitted) == 50 and "71 more not shown" in str(fitted[-1])
    assert len(message("x" * 5000, blocks)["text"]) <= 3000


def test_modal_title_and_prefill_limits() -> None:
    view = views.modal(channel_id="C1", title="x" * 500, description="y" * 5000)
    assert len(view["title"]["text"]) <= 24
    assert len(view["blocks"][0]["element"]["initial_value"]) <= 200
    assert len(view["blocks"][1]["element"]["initial_value"]) <= 3000
    assert len(view["blocks"]) <= 100

"""`/req show REQ-n`: the recent changes one a line, in words, dates and times as the rest of
the bot writes them, times in the reader's own zone."""

from __future__ import annotations

from tests.conftest import BOB, CAROL, PM, Env, texts


def shown(env: Env, text: str, user: str) -> list[str]:
    env.req(text, user=user)
    blocks = env.last_ephemeral(user)["blocks"]
    at = next(i for i, b in enumerate(blocks) if "*Recent changes*" in texts([b]))
    # One text, one change a line: a context's several elements show side by side in Slack.
    [changes] = blocks[at + 1]["elements"]
    return str(changes["text"]).splitlines()


def test_changes_read_one_a_line_in_words(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("new Invoices to CSV export <@U0BOB|bob>")
    env.req("status REQ-2 triaged", user=BOB)
    env.req("status REQ-2 planned", user=BOB)
    env.req("priority REQ-2 P1", user=BOB)
    env.req("due REQ-2 2026-12-04", user=BOB)
    env.req("merge REQ-2 into REQ-1")
    # Carol reads from New York: 08:00 UTC on Monday 23 November is 03:00 there. Her zone
    # is learnt from Slack on her first command.
    shown(env, "show REQ-2", CAROL)
    lines = shown(env, "show REQ-2", CAROL)
    assert lines[:6] == [
        "Mon 23 Nov, 03:00 · <@U0ALICE> · merged into REQ-1",
        "Mon 23 Nov, 03:00 · <@U0ALICE> · status: planned → duplicate",
        # The requester's counted vote went to REQ-1 with the merge.
        "Mon 23 Nov, 03:00 · <@U0ALICE> · votes: 1 → 0",
        "Mon 23 Nov, 03:00 · <@U0BOB> · due Fri 4 Dec 2026",
        "Mon 23 Nov, 03:00 · <@U0BOB> · priority: P2 → P1",
        "Mon 23 Nov, 03:00 · <@U0BOB> · status: triaged → planned",
    ], lines
    joined = "\n".join(lines)
    assert "merged_into" not in joined and "2026-12-04" not in joined
    # Alice, in Berlin, reads the same changes at 09:00.
    assert shown(env, "show REQ-1", PM)[0] == (
        "Mon 23 Nov, 09:00 · <@U0ALICE> · REQ-2 merged into this one"
    )

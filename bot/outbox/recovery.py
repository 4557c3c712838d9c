"""After an attempt whose outcome is unknown: did Slack get the message after all?"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class Posted(Protocol):
    """What the check needs of a claimed outbox row."""

    @property
    def dedupe_key(self) -> str: ...

    @property
    def thread_ts(self) -> str | None: ...

    @property
    def uncertain_since(self) -> Any: ...


def find_posted(client: WebClient, channel: str, claim: Posted) -> str | None:
    """The ts of the message carrying this row's dedupe key in its metadata, if Slack has it.

    A public channel teamloop posts in without being a member (chat:write.public) can't be
    read (`not_in_channel`): then nothing can be checked and None is returned, so the row is
    sent again (at most one duplicate there, rather than a digest lost for good).
    """
    try:
        return _find_posted(client, channel, claim)
    except SlackApiError as exc:
        if exc.response.get("error") != "not_in_channel":
            raise
        log.warning("outbox %s: can't read %s to check; sending again", claim.dedupe_key, channel)
        return None


def _find_posted(client: WebClient, channel: str, claim: Posted) -> str | None:
    assert claim.uncertain_since is not None
    oldest = f"{claim.uncertain_since.timestamp() - 60:.6f}"
    cursor = None
    for _page in range(10):
        if claim.thread_ts:
            page = client.conversations_replies(
                channel=channel,
                ts=claim.thread_ts,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        msg: dict[str, Any]
        for msg in page.get("messages", []):
            payload: dict[str, Any] = (msg.get("metadata") or {}).get("event_payload") or {}
            if payload.get("dedupe_key") == claim.dedupe_key:
                return str(msg["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None

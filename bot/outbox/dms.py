"""The bot's DM channel with each person, opened once: kept in memory and in the people
table, so a restart does not cost one conversations.open (a Tier 3 method) per person."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.outbox import store
from storage.db import transaction


class DmChannels:
    """DM channel ids by (workspace, person); Slack is asked only for one never opened."""

    def __init__(self, *, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock
        self._known: dict[tuple[str, str], str] = {}

    def channel(self, client: WebClient, *, team_id: str, user_id: str) -> str:
        """The DM channel id; opens it (outside any transaction) the first time."""
        key = (team_id, user_id)
        if key not in self._known:
            with transaction(self.sessions) as session:
                known = store.dm_channel(session, team_id=team_id, user_id=user_id)
            if known is None:
                opened = client.conversations_open(users=user_id)
                known = str(opened["channel"]["id"])
                self._keep(team_id, user_id, known)
            self._known[key] = known
        return self._known[key]

    def forget(self, *, team_id: str, user_id: str) -> None:
        """Slack no longer knows the stored DM (channel_not_found): open it again next time."""
        self._known.pop((team_id, user_id), None)
        self._keep(team_id, user_id, None)

    def _keep(self, team_id: str, user_id: str, channel_id: str | None) -> None:
        with transaction(self.sessions) as session:
            store.keep_dm_channel(
                session, team_id=team_id, user_id=user_id, channel_id=channel_id,
                now=self.clock.now(),
            )  # fmt: skip

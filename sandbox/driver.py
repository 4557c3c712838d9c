"""Plays Slack's side: builds real payloads, signs them, sends them to the app, applies answers.

Signing, delivery and applying answers: sandbox.transport.Transport, which Driver extends.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from sandbox import messages
from sandbox.encoding import as_slack_sends
from sandbox.transport import Reply, Transport, template
from sandbox.workspace import Json


class Driver(Transport):
    """Sends signed slash commands, events and interactivity payloads to an app."""

    # -- slash commands ----------------------------------------------------------------------
    def command(
        self,
        command: str,
        text: str,
        *,
        user: str,
        channel: str,
        as_sent: bool = False,
        times: int = 1,
        **kw: Any,
    ) -> Reply:
        """Send `/command text` as `user` in `channel`: `text` is what the person typed
        (escaped here as Slack does), or with `as_sent` exactly what Slack delivers. With
        `times` the same request (same trigger id) arrives that often; the last reply counts."""
        body = template("SlashCommandPayload")
        body.update(
            team_id=self.ws.team_id,
            team_domain=self.ws.domain,
            enterprise_id="",
            enterprise_name="",
            api_app_id="A0TEAMLOOP",
            channel_id=channel,
            channel_name=self.ws.channels.get(channel, {}).get("name", "directmessage"),
            user_id=user,
            user_name=self.ws.users.get(user, {}).get("name", user),
            command=command,
            # What the person typed, escaped and marked up as Slack delivers it.
            text=text if as_sent else as_slack_sends(text),
            trigger_id=self.ws.trigger_for(user),
            response_url=self._response_url(channel, user),
            is_enterprise_install="false",
        )
        for _ in range(times):
            reply = self.send(urlencode(body), "application/x-www-form-urlencoded", **kw)
            self._apply(reply, channel, user)
        return reply

    # -- events ------------------------------------------------------------------------------
    def event(
        self, event: Json, *, event_id: str | None = None, retry_num: int | None = None, **kw: Any
    ) -> Reply:
        """Deliver an Events API callback (re-deliveries reuse the event_id)."""
        self._event_seq += 1
        body = template("ReactionAddedPayload")
        body.update(
            team_id=self.ws.team_id,
            enterprise_id="",
            api_app_id="A0TEAMLOOP",
            event=event,
            # Unique across restarts, as Slack's are: a stored id from the last run must not
            # make the app take a new event for a re-delivery.
            event_id=event_id or f"Ev{self.ws.run.upper()}{self._event_seq:06d}",
            event_time=int(time.time()),
            context_team_id=self.ws.team_id,
            context_enterprise_id=None,
            authorizations=[
                {
                    "enterprise_id": None,
                    "team_id": self.ws.team_id,
                    "user_id": self.ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        )
        headers = {}
        if retry_num is not None:
            headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "timeout"}
        return self.send(json.dumps(body), "application/json", headers=headers, **kw)

    def react(
        self,
        reaction: str,
        *,
        user: str,
        channel: str,
        ts: str,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        """`user` adds `:reaction:` to the message at `ts`."""
        msg = self.ws.find(channel, ts) or {}
        event = template("ReactionAddedPayload")["event"]
        event.update(
            user=user,
            reaction=reaction,
            item_user=msg.get("user", ""),
            item={"type": "message", "channel": channel, "ts": ts},
            event_ts=self.ws.next_ts(),
        )
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def set_status(
        self, user: str, *, text: str = "", emoji: str = "", tz: str | None = None
    ) -> Reply:
        """`user` changes their Slack status (or zone); Slack sends `user_change`."""
        with self.ws.lock:
            person = self.ws.users[user]
            person["profile"].update(status_text=text, status_emoji=emoji, status_expiration=0)
            if tz is not None:
                person["tz"] = person["tz_label"] = tz
            snapshot = json.loads(json.dumps(person))
        return self.event(
            {"type": "user_change", "user": snapshot, "cache_ts": int(time.time()),
             "event_ts": self.ws.next_ts()}
        )  # fmt: skip

    def join(self, user: str, channel: str, *, leave: bool = False) -> Reply:
        """`user` joins (or leaves) `channel`; Slack sends member_joined/left_channel."""
        with self.ws.lock:
            members = self.ws.channels[channel]["members"]
            if leave and user in members:
                members.remove(user)
            elif not leave and user not in members:
                members.insert(0, user)
        kind = "member_left_channel" if leave else "member_joined_channel"
        private = self.ws.channels[channel].get("is_private")
        return self.event(
            {"type": kind, "user": user, "channel": channel,
             "channel_type": "G" if private else "C",
             "team": self.ws.team_id, "event_ts": self.ws.next_ts()}
        )  # fmt: skip

    def remove_bot(self, channel: str, *, by: str) -> Reply:
        """`by` removes the app from `channel`. Slack sends `member_left_channel` with the
        bot's id and, to the bot, `channel_left` (`group_left` for a private channel)."""
        self.join(self.ws.bot_user_id, channel, leave=True)
        kind = "group_left" if self.ws.channels[channel].get("is_private") else "channel_left"
        return self.event(
            {"type": kind, "channel": channel, "actor_id": by, "event_ts": self.ws.next_ts()}
        )

    def invite_bot(self, channel: str) -> Reply:
        """Someone types `/invite @teamloop` in `channel`: Slack sends member_joined_channel
        with the bot's id."""
        return self.join(self.ws.bot_user_id, channel)

    def archive(self, channel: str, *, by: str, undo: bool = False) -> Reply:
        """`by` archives (or, with `undo`, unarchives) `channel`: Slack sends
        `channel_archive` / `group_archive` (`…_unarchive`); posts then answer `is_archived`."""
        with self.ws.lock:
            found = self.ws.channels[channel]
            found["is_archived"] = not undo
        prefix = "group" if found.get("is_private") else "channel"
        kind = f"{prefix}_{'unarchive' if undo else 'archive'}"
        return self.event(
            {"type": kind, "channel": channel, "user": by, "event_ts": self.ws.next_ts()}
        )

    def say(self, text: str, *, user: str, channel: str, thread_ts: str | None = None) -> Json:
        """A person posts a plain message, escaped as Slack does; in a DM with the app (a `D`
        channel) Slack also sends it to the app as `message.im`. Returns the stored message."""
        msg = self.ws.post(
            channel, user=user, text=messages.slack_escape(text), thread_ts=thread_ts
        )
        msg["blocks"] = messages.rich_text(text)
        if channel.startswith("D"):
            self.event(messages.typed(self.ws, msg, channel))
        return msg

    def edit(self, msg: Json, text: str, *, channel: str) -> Reply:
        """The author edits a message; Slack sends `message_changed` (DMs with the app)."""
        before = dict(msg)
        with self.ws.lock:
            msg.update(text=messages.slack_escape(text), blocks=messages.rich_text(text),
                       edited={"user": msg["user"], "ts": self.ws.next_ts()})  # fmt: skip
        return self.event(messages.changed(self.ws, channel, before, msg))

    def delete(self, msg: Json, *, channel: str) -> Reply:
        """The author deletes a message; Slack sends `message_deleted`."""
        with self.ws.lock:
            self.ws.messages[channel].remove(msg)
        return self.event(messages.deleted(self.ws, channel, msg))

    def share_file(self, name: str, *, user: str, channel: str, comment: str = "") -> Reply:
        """A person uploads a file (with an optional comment); Slack sends `file_share`."""
        msg = self.ws.post(channel, user=user, text=messages.slack_escape(comment))
        return self.event(messages.file_share(self.ws, channel, msg, name))

    def echo(self, msg: Json, *, channel: str) -> Reply:
        """Slack sends an app's own DM posts (and other apps') back to it as `message.im`."""
        return self.event(messages.typed(self.ws, msg, channel))

    def app_says(self, channel: str, message: Json, *, thread_ts: str | None = None) -> Json:
        """Another app posts `message` (e.g. `text` empty, content in `attachments` or `blocks`,
        `subtype: bot_message`), stored as Slack keeps it: no `user`, its own `bot_id`."""
        msg = self.ws.post(channel, user="", text=message.get("text", ""), thread_ts=thread_ts)
        with self.ws.lock:
            msg.pop("user", None)
            msg.update({k: v for k, v in message.items() if k not in ("ts", "thread_ts")})
        return msg

    # -- interactivity -----------------------------------------------------------------------
    def shortcut(self, callback_id: str, *, user: str, channel: str, ts: str) -> Reply:
        """Run a message shortcut on the message at `ts`."""
        msg = self.ws.find(channel, ts)
        if msg is None:
            raise KeyError(f"no message {ts} in {channel}")
        body = template("MessageShortcutPayload")
        self._team(body)
        body.update(
            callback_id=callback_id,
            trigger_id=self.ws.trigger_for(user),
            message_ts=ts,
            response_url=self._response_url(channel, user),
            user=self._user(user),
            channel={"id": channel, "name": self.ws.channels.get(channel, {}).get("name", "")},
            message={**body["message"], **msg, "blocks": msg.get("blocks", [])},
            action_ts=self.ws.next_ts(),
            token="",
        )
        return self._interact(body)

    def click(
        self,
        message: Json,
        action_id: str,
        *,
        user: str,
        channel: str,
        value: str | None = None,
        selected: str | None = None,
        ephemeral: bool = False,
    ) -> Reply:
        """Click a button (or pick a select option) in a message's blocks."""
        element = _find_element(message.get("blocks") or [], action_id)
        body = template("BlockActionPayload")
        self._team(body)
        action: Json = {
            "action_id": action_id,
            "block_id": element.get("_block_id", ""),
            "type": element["type"],
            "action_ts": self.ws.next_ts(),
        }
        if element["type"] == "button":
            action.update(
                value=value if value is not None else element.get("value", ""), text=element["text"]
            )
        elif element["type"] == "static_select":
            option = next((o for o in element["options"] if o["value"] == selected), None)
            if option is None:  # the menu changed since it was drawn: Slack offers no such choice
                raise KeyError(f"no option {selected!r} in {action_id!r}")
            action["selected_option"] = option
        body.update(
            user=self._user(user),
            trigger_id=self.ws.trigger_for(user),
            container={
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            channel={"id": channel, "name": self.ws.channels.get(channel, {}).get("name", "")},
            message=message,
            actions=[action],
            view=None,
            state={"values": {}},
            response_url=self._response_url(channel, user, message["ts"], message.get("thread_ts")),
            token="",
        )
        return self._interact(body)

    def submit(
        self, view_id: str, values: dict[str, dict[str, Json]], *, user: str, times: int = 1
    ) -> Reply:
        """Submit an open modal with `{block_id: {action_id: value-object}}`. With `times`,
        the person pressed Submit again before Slack closed the form: the same view (id and
        hash) arrives that often; the last reply counts."""
        view = self.ws.views[view_id]
        body = template("ViewSubmissionPayload")
        self._team(body)
        body.update(
            user=self._user(user),
            trigger_id=self.ws.trigger_for(user),
            token="",
            view={**body["view"], **view, "state": {"values": values}},
            response_urls=[],
        )
        for _ in range(times):
            reply = self._interact(body)
        if reply.status == 200 and not reply.json().get("response_action"):
            with self.ws.lock:
                self.ws.views.pop(view_id, None)
        return reply


def has_element(message: Json, action_id: str) -> bool:
    """Whether `message` still shows the button or select `action_id` (a press on one that
    went away, e.g. after the message was replaced, never reaches the app)."""
    try:
        _find_element(message.get("blocks") or [], action_id)
    except KeyError:
        return False
    return True


def _find_element(blocks: list[Json], action_id: str) -> Json:
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return {**element, "_block_id": block.get("block_id", "")}
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            return {**accessory, "_block_id": block.get("block_id", "")}
    raise KeyError(f"no element {action_id!r} in message")

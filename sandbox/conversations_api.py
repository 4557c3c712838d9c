"""The conversations the stand-in answers for, as Slack does: history, replies, info,
members and DMs, and which conversations the bot can't read or post in
(../shared/slack/BEHAVIOUR.md, real-shapes/error-not-in-channel.json and
replies-of-a-reply.json)."""

from __future__ import annotations

from sandbox.files_api import FilesApi
from sandbox.workspace import Json


class ConversationsApi(FilesApi):
    """Mixed into the stand-in's WebApi."""

    _READS = frozenset(("conversations.history", "conversations.replies", "conversations.members"))
    _POSTS = frozenset(("chat.postMessage", "chat.postEphemeral", "chat.update"))
    # Refused only where the bot can't see the conversation at all (a message shortcut's
    # permalink in a private channel it is not in, or in a DM between people).
    _HIDDEN_ONLY = frozenset(("conversations.info", "chat.getPermalink"))

    def _unreachable(self, method: str, args: Json) -> str | None:
        """Slack's error for a conversation the bot can't read or post in (BEHAVIOUR.md,
        real-shapes/error-not-in-channel.json), else None.

        Reading a public channel the bot is not in: `not_in_channel`; a private channel or a
        DM between other people: `channel_not_found` (for conversations.info and
        chat.getPermalink too); posting there: `channel_not_found` (a public channel works,
        with chat:write.public); an archived channel: `is_archived`; a channel where posting
        is restricted: `restricted_action`.
        """
        found = self.ws.channels.get(str(args.get("channel") or ""))
        if found is None or method not in self._READS | self._POSTS | self._HIDDEN_ONLY:
            return None
        joined = self.ws.bot_user_id in found.get("members", [])
        hidden = (found.get("is_private") or found.get("is_im")) and not joined
        if hidden:
            return "channel_not_found"
        if method in self._READS and not joined:
            return "not_in_channel"
        if method in self._POSTS and found.get("is_archived"):
            return "is_archived"
        if method in self._POSTS and (restricted := found.get("posting_restricted")):
            # True: apps may not post; a string: that code (a read-only channel, say).
            return restricted if isinstance(restricted, str) else "restricted_action"
        return None

    def _channel(self, channel: str) -> str:
        if channel.startswith("U"):
            return self.ws.dm_channel(channel)
        if channel not in self.ws.channels and not channel.startswith("D"):
            raise KeyError(channel)
        return channel

    def conversations_history(self, args: Json) -> Json:
        """Top-level messages, newest first, bounded by latest/oldest."""
        msgs = self.ws.channel_messages(self._channel(args["channel"]))
        latest, oldest = args.get("latest"), args.get("oldest")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        if latest:
            msgs = [m for m in msgs if (m["ts"] <= latest if inclusive else m["ts"] < latest)]
        if oldest:
            msgs = [m for m in msgs if m["ts"] >= oldest]
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            msgs = [{k: v for k, v in m.items() if k != "metadata"} for m in msgs]
        limit = int(args.get("limit") or 100)
        page = list(reversed(msgs))[:limit]
        return {
            "ok": True,
            "messages": page,
            "has_more": len(msgs) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def conversations_replies(self, args: Json) -> Json:
        """A thread, as Slack answers: the parent first, then replies (oldest first) within
        `oldest`/`latest`, at most `limit` messages; asked with a reply's ts, the whole
        thread still comes back, parent first (real-shapes/replies-of-a-reply.json)."""
        channel = self._channel(args["channel"])
        msg = self.ws.find(channel, args.get("ts", ""))
        if msg is None:
            return {"ok": False, "error": "thread_not_found"}
        parent = self.ws.find(channel, msg.get("thread_ts") or msg["ts"]) or msg
        replies = self.ws.thread(channel, parent["ts"])
        latest, oldest = args.get("latest"), args.get("oldest")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        if latest:
            replies = [m for m in replies if m["ts"] <= latest if inclusive or m["ts"] < latest]
        if oldest:
            replies = [m for m in replies if m["ts"] >= oldest if inclusive or m["ts"] > oldest]
        limit = int(args.get("limit") or 1000)
        page = [parent, *replies][:limit]
        return {"ok": True, "messages": page, "has_more": len(replies) + 1 > limit}

    def conversations_info(self, args: Json) -> Json:
        """A channel's info."""
        if args["channel"] not in self.ws.channels and args["channel"].startswith("D"):
            # The bot's own DM with someone (DMs between people are registered channels).
            user = "U" + args["channel"].removeprefix("D")
            if user not in self.ws.users:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": args["channel"], "is_im": True, "user": user}}
        chan = self.ws.channels[args["channel"]]
        info = {k: v for k, v in chan.items() if k not in ("members", "posting_restricted")}
        joined = self.ws.bot_user_id in chan["members"]
        return {
            "ok": True,
            "channel": {**info, "is_member": joined, "num_members": len(chan["members"])},
        }

    def conversations_members(self, args: Json) -> Json:
        """A channel's member ids."""
        return {
            "ok": True,
            "members": list(self.ws.channels[args["channel"]]["members"]),
            "response_metadata": {"next_cursor": ""},
        }

    def conversations_open(self, args: Json) -> Json:
        """Open (or find) the DM with a user."""
        user = str(args.get("users", "")).split(",")[0]
        if user not in self.ws.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.ws.dm_channel(user)}}

"""The Slack app's contract, derived from the code, and its comparison with `manifest.yml`.

What the code uses comes from the real bolt App (its registered listeners' matchers) and from
the Web API methods the stand-in answered; what each method and event needs comes from Slack's
OpenAPI and AsyncAPI specs (`../shared/slack/api-specs/`, their scopes bundled in
`slack_scopes.json`). Each `check_*` function returns
the problems it finds as sentences (empty: the manifest agrees)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from tests.manifest_yaml import loads

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.yml"
SPECS = ROOT.parent / "shared" / "slack" / "api-specs"
WEB_SPEC = SPECS / "slack_web_openapi_v2.json"
EVENTS_SPEC = SPECS / "slack_events_api_async_v1.json"
# The scopes part of those specs (compact_scopes; their license: sandbox/
# WEB_API_SPEC_LICENSE); a test keeps it equal to the specs.
BUNDLED = Path(__file__).with_name("slack_scopes.json")

# The spec's legacy scope names and what Slack calls them today.
LEGACY = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write",
          "files:write:user": "files:write"}  # fmt: skip
# Newer than the 2021 spec (Slack's current method and event docs).
NEWER_METHODS = {"files.getUploadURLExternal": {"files:write"},
                 "files.completeUploadExternal": {"files:write"}}  # fmt: skip
NEWER_EVENTS: dict[str, set[str]] = {"app_home_opened": set()}
# Scopes no method requires, which a call needs besides the method's own: (method, conversation
# kind) -> scope. Posting in a public channel the bot has not joined needs chat:write.public.
EXTRA = {("chat.postMessage", "channels (not joined)"): "chat:write.public"}
Call = tuple[str, str | None]  # a Web API method and the kind of conversation it addressed


@dataclass
class Listeners:
    """What the app registered with bolt, by kind."""

    commands: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    interactive: set[str] = field(default_factory=set)  # actions and view submissions


def load_manifest(text: str | None = None) -> dict[str, Any]:
    """`manifest.yml` (or the given text) as a dict."""
    found = loads(MANIFEST.read_text() if text is None else text)
    assert isinstance(found, dict), "manifest.yml is not a mapping"
    return found


def _probe(kind: str, name: str) -> dict[str, Any]:
    """A minimal request body of a kind, to confirm a matcher really matches `name`."""
    if kind == "command":
        return {"command": name}
    if kind == "event":
        return {"type": "event_callback", "event": {"type": name}}
    if kind == "shortcut":
        return {"type": "message_action", "callback_id": name}
    if kind == "action":
        return {"type": "block_actions", "actions": [{"action_id": name}]}
    return {"type": "view_submission", "view": {"callback_id": name}}


CLOSURE_NAMES = {"command": "command", "event": "event_type", "shortcut": "callback_id",
                 "action": "constraints", "view_submission": "callback_id"}  # fmt: skip


# A `message` event's channel_type -> the event the manifest subscribes for it.
MESSAGE_TOPICS = {"channel": "message.channels", "group": "message.groups", "im": "message.im",
                  "mpim": "message.mpim", "app_home": "message.app_home"}  # fmt: skip


def message_topics(listener: Any) -> set[str]:
    """The `message.*` events a `message` listener accepts, by probing it (every matcher,
    custom ones too) with a message from each kind of conversation."""
    topics = set()
    for channel_type, topic in MESSAGE_TOPICS.items():
        event = {"type": "message", "channel_type": channel_type, "channel": "D0PROBE",
                 "user": "U0PROBE", "text": "probe", "ts": "1.000001"}  # fmt: skip
        body = {"type": "event_callback", "team_id": "T0PROBE", "event": event}
        request = BoltRequest(body=body, mode="socket_mode")
        if all(m.matches(request, BoltResponse(status=200)) for m in listener.matchers):
            topics.add(topic)
    return topics


def registered(app: App) -> Listeners:
    """Read every listener of the real app: its kind and the name it matches (a `message`
    listener as the `message.*` events it accepts)."""
    found = Listeners()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            kind = getattr(func, "__qualname__", "").split(".")[0]
            if func is None or kind not in CLOSURE_NAMES:
                continue  # a custom matcher narrowing a built-in one
            name = inspect.getclosurevars(func).nonlocals.get(CLOSURE_NAMES[kind])
            if not isinstance(name, str) or not func(body=_probe(kind, name)):
                raise AssertionError(f"cannot read the {kind} listener {listener!r}")
            if kind == "event" and name == "message":
                found.events.update(message_topics(listener))
                continue
            {
                "command": found.commands,
                "event": found.events,
                "shortcut": found.shortcuts,
                "action": found.interactive,
                "view_submission": found.interactive,
            }[kind].add(str(name))
    return found


def compact_scopes(web: dict[str, Any], events: dict[str, Any]) -> dict[str, Any]:
    """Reduce Slack's Web API (OpenAPI) and Events API (AsyncAPI) specs to the scopes each
    method and event needs, as the spec names them: {"methods": {...}, "events": {...}}."""
    methods: dict[str, list[str]] = {}
    for path, ops in web["paths"].items():
        scopes: set[str] = set()
        for op in ops.values():
            for requirement in op.get("security", []):
                scopes.update(requirement.get("slackAuth", []))
        methods[path.lstrip("/")] = sorted(scopes)
    topics: dict[str, list[str]] = {}
    for topic, body in events["topics"].items():
        name = topic if topic.startswith("message.") else topic.replace(".", "_")
        topics[name] = sorted(body.get("subscribe", {}).get("x-scopes-required", []))
    return {"methods": methods, "events": topics}


def _today(scopes: list[str]) -> frozenset[str]:
    return frozenset(LEGACY.get(s, s) for s in scopes if s != "none")


@cache
def method_scopes() -> dict[str, frozenset[str]]:
    """Web API method -> the scopes (today's names) any one of which lets a token call it."""
    table = {m: _today(s) for m, s in json.loads(BUNDLED.read_text())["methods"].items()}
    for name, needed in NEWER_METHODS.items():
        table.setdefault(name, frozenset(needed))
    return table


@cache
def event_scopes() -> dict[str, frozenset[str]]:
    """Event type (as the manifest names it) -> the scopes any one of which lets the app
    receive it."""
    table = {e: _today(s) for e, s in json.loads(BUNDLED.read_text())["events"].items()}
    for name, scopes in NEWER_EVENTS.items():
        table.setdefault(name, frozenset(scopes))
    return table


def bot_scopes(manifest: dict[str, Any]) -> list[str]:
    """The manifest's bot scopes, in its order."""
    return list(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])


def check_listeners(manifest: dict[str, Any], app: Listeners) -> list[str]:
    """Every command, shortcut and event the app listens to is declared, and nothing more."""
    problems: list[str] = []
    features = manifest.get("features") or {}
    settings = manifest.get("settings") or {}
    commands = {c.get("command"): c for c in features.get("slash_commands") or []}
    for name in sorted(app.commands - commands.keys()):
        problems.append(f"slash command {name} is handled but not in features.slash_commands")
    for name in sorted(commands.keys() - app.commands):
        problems.append(f"slash command {name} is declared but nothing handles it")
    for name in sorted(app.commands & commands.keys()):
        if not str(commands[name].get("usage_hint") or "").strip():
            problems.append(f"slash command {name} has no usage_hint")
        if commands[name].get("should_escape") is not True:
            problems.append(f"slash command {name} must set should_escape: true")
    shortcuts = {s.get("callback_id"): s for s in features.get("shortcuts") or []}
    for name in sorted(app.shortcuts - shortcuts.keys()):
        problems.append(f"shortcut {name} is handled but not in features.shortcuts")
    for name in sorted(shortcuts.keys() - app.shortcuts):
        problems.append(f"shortcut {name} is declared but nothing handles it")
    subscriptions = settings.get("event_subscriptions") or {}
    subscribed = set(subscriptions.get("bot_events") or [])
    for name in sorted(app.events - subscribed):
        problems.append(f"event {name} is handled but not in bot_events: Slack never sends it")
    for name in sorted(subscribed - app.events):
        problems.append(f"event {name} is subscribed but nothing handles it")
    interactive = (settings.get("interactivity") or {}).get("is_enabled") is True
    if (app.shortcuts or app.interactive) and not interactive:
        problems.append("buttons, modals and shortcuts need settings.interactivity.is_enabled")
    if "app_home_opened" in app.events and not (features.get("app_home") or {}).get(
        "home_tab_enabled"
    ):
        problems.append("app_home_opened is handled but features.app_home has no Home tab")
    return problems


def needed_scopes(method: str, kind: str | None) -> frozenset[str] | None:
    """The scopes any one of which allows a call (None: Slack's spec has no such method).

    Slack lists one scope per kind of conversation (`channels:history`, `groups:history`,
    `im:history`, ...): a call into a private channel needs the `groups:` one."""
    scopes = method_scopes().get(method)
    if scopes is None or kind is None:
        return scopes
    narrowed = frozenset(s for s in scopes if s.split(":")[0] == kind.split()[0])
    return narrowed or scopes


def used_scopes(app: Listeners, calls: Iterable[Call], declared: set[str]) -> dict[str, str]:
    """Declared scope -> one use of it (a method, an event, a command), for scopes in use."""
    uses: dict[str, str] = {}
    if app.commands or app.shortcuts:
        uses["commands"] = "slash commands and shortcuts"
    for event in sorted(app.events):
        for scope in event_scopes().get(event, frozenset()) & declared:
            uses.setdefault(scope, f"event {event}")
    called = set(calls)
    for method, kind in sorted(called, key=str):
        for scope in (needed_scopes(method, kind) or frozenset()) & declared:
            uses.setdefault(scope, f"method {method} ({kind or 'no conversation'})")
    for call, scope in EXTRA.items():
        if scope in declared and call in called:
            uses.setdefault(scope, f"method {call[0]} ({call[1]})")
    return uses


def check_scopes(manifest: dict[str, Any], app: Listeners, calls: Iterable[Call]) -> list[str]:
    """Every called method and subscribed event has a declared bot scope that allows it; every
    declared bot scope is used by something."""
    problems: list[str] = []
    declared = set(bot_scopes(manifest))
    if (app.commands or app.shortcuts) and "commands" not in declared:
        problems.append("scope commands is missing: slash commands and shortcuts need it")
    for event in sorted(app.events):
        needed = event_scopes().get(event)
        if needed is None:
            problems.append(f"event {event} is not in Slack's Events API spec")
        elif needed and not needed & declared:
            problems.append(f"event {event} needs one of {sorted(needed)}; none is declared")
    called = set(calls)
    for method, kind in sorted(called, key=str):
        needed = needed_scopes(method, kind)
        where = f" ({kind})" if kind else ""
        if needed is None:
            problems.append(f"method {method} is not in Slack's Web API spec")
        elif needed and not needed & declared:
            problems.append(
                f"method {method}{where} needs one of {sorted(needed)}; none is declared"
            )
        extra = EXTRA.get((method, kind or ""))
        if extra and extra not in declared:
            problems.append(f"method {method}{where} needs one of ['{extra}'] too")
    uses = used_scopes(app, called, declared)
    for scope in sorted(declared - uses.keys()):
        problems.append(f"scope {scope} is declared but nothing uses it")
    return problems

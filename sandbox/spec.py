"""Slack Web API method table (from Slack's OpenAPI spec) the stand-in checks calls against."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).with_name("web_api_methods.json")

# Newer than the 2021 spec; their arguments follow Slack's current docs.
NEWER_METHODS: dict[str, dict[str, list[str]]] = {
    "files.getUploadURLExternal": {"required": ["filename", "length"], "params": ["alt_txt"]},
    "files.completeUploadExternal": {
        "required": ["files"],
        "params": ["channel_id", "channels", "initial_comment", "thread_ts"],
    },
}

# Arguments added after the 2021 spec (Slack's current docs): message metadata.
NEWER_PARAMS: dict[str, list[str]] = {
    "chat.postMessage": ["metadata"],
    "conversations.history": ["include_all_metadata"],
    "conversations.replies": ["include_all_metadata"],
}


def compact(openapi: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Reduce the OpenAPI document to {method: {required: [...], params: [...]}}."""
    methods: dict[str, dict[str, list[str]]] = {}
    for path, ops in openapi["paths"].items():
        for op in ops.values():
            params = [p for p in op.get("parameters", []) if p["name"] != "token"]
            methods[path.lstrip("/")] = {
                "required": sorted(p["name"] for p in params if p.get("required")),
                "params": sorted(p["name"] for p in params),
            }
    return methods


@cache
def methods() -> dict[str, dict[str, list[str]]]:
    """The bundled table plus the few methods newer than the spec."""
    table: dict[str, dict[str, list[str]]] = json.loads(BUNDLED.read_text())
    for name, spec in NEWER_METHODS.items():
        table.setdefault(name, spec)
    for name, params in NEWER_PARAMS.items():
        table[name] = {**table[name], "params": sorted({*table[name]["params"], *params})}
    return table


def check_call(method: str, args: dict[str, Any]) -> str | None:
    """Return Slack's error code for an unknown method or a missing argument, else None."""
    spec = methods().get(method)
    if spec is None:
        return "unknown_method"
    for name in spec["required"]:
        if args.get(name) in (None, ""):
            return "invalid_arguments"
    return None

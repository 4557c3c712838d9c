"""A strict reader for the YAML `manifest.yml` is written in: block mappings, block lists (of
scalars or of mappings), quoted and plain scalars, comments. Anything else (flow collections,
block scalars, anchors, tabs) raises, so the contract test never reads a manifest wrongly."""

from __future__ import annotations

import json
import re
from typing import Any

KEY = re.compile(r"^([A-Za-z_][\w.-]*):(?: (.*))?$")
Line = tuple[int, str]


def loads(text: str) -> Any:
    """Parse the manifest's YAML subset into dicts, lists and scalars."""
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw:
            raise ValueError(f"line {number}: tabs are not supported")
        content = _strip_comment(raw).rstrip()
        if content.strip():
            lines.append((len(content) - len(content.lstrip(" ")), content.strip()))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise ValueError(f"unexpected indentation at {lines[end][1]!r}")
    return value


def _strip_comment(raw: str) -> str:
    quote = ""
    for i, char in enumerate(raw):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and (i == 0 or raw[i - 1] in " :-"):
            quote = char
        elif char == "#" and (i == 0 or raw[i - 1] == " "):
            return raw[:i]
    return raw


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _block(lines: list[Line], i: int, indent: int) -> tuple[Any, int]:
    if _is_item(lines[i][1]):
        return _list(lines, i, indent)
    return _mapping(lines, i, indent)


def _list(lines: list[Line], i: int, indent: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
        rest = lines[i][1][1:].strip()
        if not rest:
            value, i = _block(lines, i + 1, lines[i + 1][0])
        elif KEY.match(rest):
            lines[i] = (indent + 2, rest)  # "- key: v" opens a mapping two columns in
            value, i = _mapping(lines, i, indent + 2)
        else:
            value, i = _scalar(rest), i + 1
        out.append(value)
    return out, i


def _mapping(lines: list[Line], i: int, indent: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not _is_item(lines[i][1]):
        found = KEY.match(lines[i][1])
        if found is None:
            raise ValueError(f"not a `key: value` line: {lines[i][1]!r}")
        key, rest = found.group(1), (found.group(2) or "").strip()
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        i += 1
        if rest:
            out[key] = _scalar(rest)
        elif i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and _is_item(lines[i][1]))
        ):
            out[key], i = _block(lines, i, lines[i][0])
        else:
            out[key] = None
    return out, i


def _scalar(text: str) -> Any:
    if text[0] in "[{&*|>!%@`":
        raise ValueError(f"unsupported YAML: {text!r}")
    if text[0] == '"':
        if not text.endswith('"') or len(text) < 2:
            raise ValueError(f"unterminated string: {text!r}")
        return json.loads(text)
    if text[0] == "'":
        if not text.endswith("'") or len(text) < 2:
            raise ValueError(f"unterminated string: {text!r}")
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if ": " in text or text.endswith(":"):
        raise ValueError(f"ambiguous plain scalar: {text!r}")
    return text

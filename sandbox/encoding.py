"""Text as Slack sends it: what a person typed, escaped and marked up the way Slack does.

Slack escapes `&`, `<` and `>` in command and message text and writes bare links as
`<https://…>` markup; mentions, channels and special mentions a client autocompleted arrive
as markup too (`<@U1|bob>`, `<#C1|general>`, `<!channel>`). The driver and the stand-in pass
text through `as_slack_sends`, so the app sees what a real workspace sends
(../shared/slack/BEHAVIOUR.md, "Text that reaches the app").
"""

from __future__ import annotations

import re

# Markup a test (or the browser page) already wrote as Slack's client would have sent it.
# A label may hold spaces (`<https://x|the spec>`, `<@U1|bob smith>`).
_MARKUP = re.compile(r"<(?:[@#!][^<>\s|]*|(?:https?|mailto):[^<>\s|]*)(?:\|[^<>]*)?>")
_URL = re.compile(r"\bhttps?://[^\s<>|]+")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_slack_sends(typed: str) -> str:
    """Escape `&<>` outside markup and wrap bare links, as Slack does before delivering text.

    Markup already present (`<@U1|bob>`, `<#C1|>`, `<!here>`, `<https://x|label>`) is kept:
    it stands for a mention or link the client autocompleted. Text that already carries
    `&amp;`, `&lt;` or `&gt;` is taken as typed and escaped again, as Slack would.
    """
    out: list[str] = []
    pos = 0
    for match in _MARKUP.finditer(typed):
        out.append(_wrap_links(typed[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_wrap_links(typed[pos:]))
    return "".join(out)


def _wrap_links(segment: str) -> str:
    parts: list[str] = []
    pos = 0
    for match in _URL.finditer(segment):
        parts.append(_escape(segment[pos : match.start()]))
        parts.append(f"<{_escape(match.group(0))}>")
        pos = match.end()
    parts.append(_escape(segment[pos:]))
    return "".join(parts)


# Slack ends a command's name at the first whitespace of any kind (a no-break space too, which
# clients put after an autocompleted command) and drops one plain space after it; anything
# else, a no-break space included, stays at the start of the text.
_COMMAND = re.compile(r"(/[^\s]+)(.*)", re.DOTALL)


def split_command(line: str) -> tuple[str, str]:
    """`/req new X` -> (`/req`, `new X`); `/req\\u00a0new X` -> (`/req`, `\\u00a0new X`).
    Raises ValueError when `line` does not start with `/` and a name."""
    found = _COMMAND.fullmatch(line)
    if found is None:
        raise ValueError(f"not a command: {line!r}")
    command, rest = found.groups()
    return command, rest.removeprefix(" ")


def not_a_command(command: str) -> str:
    """Slackbot's ephemeral answer to a slash command no app in the workspace registered."""
    return (
        f"{command} is not a valid command. In Slack, all messages that start with the "
        '"/" character are interpreted as commands.\n\nIf you are trying to send a message '
        'and not run a command, try preceding the "/" with an empty space.'
    )

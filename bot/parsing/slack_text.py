"""The one place incoming Slack text becomes plain text plus the entities it carried.

Slack sends command text, message text and most string fields mrkdwn-escaped (`&amp;`,
`&lt;`, `&gt;`) and, with `should_escape: true`, writes people, channels and links as
markup: `<@U123|bob>`, `<#C123|general>`, `<#C123|>`, `<https://x.y|label>`,
`<mailto:a@x.y|a@x.y>`, `<!here>`, `<!subteam^S1|@design>`, `<!date^…|fallback>`. Clients
also slip in no-break and zero-width spaces. Parsers read tokens with `normalize` (markup
kept, so a mention token still names its user); whatever teamloop stores goes through
`plain` (markup turned into readable text, the three entities decoded), and is escaped once,
on the way out, by `bot.views.blocks.escape`. Source: api.slack.com "Formatting text for app
surfaces", and ../shared/slack/BEHAVIOUR.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.errors import InvalidInput

# Zero-width space, non-joiner, joiner, word joiner, byte-order mark.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# No-break and other unusual spaces count as a plain space between words.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000"), " ")
_MARKUP = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


@dataclass(frozen=True)
class Link:
    """A link Slack wrote as markup: its target and the label shown (empty when none)."""

    url: str
    label: str = ""


@dataclass(frozen=True)
class SlackText:
    """Decoded text: `plain` is what a person reads; the rest are the entities in it."""

    plain: str
    users: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    special_mentions: list[str] = field(default_factory=list)


def unescape(text: str) -> str:
    """Decode exactly the three entities Slack encodes (`&amp;` last, so `&amp;lt;` stays)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def normalize(raw: str) -> str:
    """Drop zero-width characters and turn no-break spaces into spaces; markup is kept."""
    return (raw or "").translate(_ZERO_WIDTH).translate(_SPACES)


def decode(raw: str) -> SlackText:
    """Turn Slack's escaped, marked-up text into plain text and its entities.

    `<@U1|bob>` reads `@bob` (`@U1` without a label), `<#C1|general>` `#general`,
    `<https://x|spec>` `spec (https://x)`, `<!here>` `@here`, `<!subteam^S1|@design>`
    `@design`, `<!date^…|fallback>` its fallback; `&amp;`/`&lt;`/`&gt;` become `&`/`<`/`>`.
    """
    text = normalize(raw)
    users: list[str] = []
    channels: list[str] = []
    links: list[Link] = []
    specials: list[str] = []
    out: list[str] = []
    pos = 0
    for match in _MARKUP.finditer(text):
        out.append(unescape(text[pos : match.start()]))
        pos = match.end()
        target, _, label = match.group(1).partition("|")
        label = unescape(label)
        if target.startswith("@"):
            users.append(target[1:])
            out.append("@" + (label.lstrip("@") or target[1:]))
        elif target.startswith("#"):
            channels.append(target[1:])
            out.append("#" + (label.lstrip("#") or target[1:]))
        elif target.startswith("!"):
            name = target[1:]
            specials.append(name.split("^", 1)[0])
            out.append(label or _SPECIAL.get(name, "@" + name.split("^", 1)[0]))
        else:
            url = unescape(target)
            links.append(Link(url, label))
            shown = url.removeprefix("mailto:")
            out.append(shown if not label or label == shown else f"{label} ({shown})")
    out.append(unescape(text[pos:]))
    return SlackText("".join(out), users, channels, links, specials)


def escape(text: str) -> str:
    """Escape plain text for mrkdwn: `&`, `<`, `>` only, so it can never form a mention.

    The one escape helper: every string teamloop sends with user text in it passes here.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def echo(raw: str, limit: int = 30) -> str:
    """What someone typed (Slack's raw text), shortened and safe to send back to them."""
    text = plain(raw)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def retype(command: str, *words: str, limit: int = 300) -> str:
    """The command a person should type instead, as a code span ready to copy: `command`
    followed by their own `words` (Slack's raw text: mentions read as `@bob`), escaped, cut
    to `limit` characters. A backtick in their text would end the span, so it becomes `'`."""
    typed = " ".join(w for w in words if w)
    shown = f"{command} {echo(typed, limit)}".strip() if typed else command
    return "`" + shown.replace("`", "'") + "`"


def plain(raw: str) -> str:
    """The plain text a person reads in Slack's escaped, marked-up `raw` (see `decode`)."""
    return decode(raw).plain


_UNLABELLED = re.compile(r"<([@#])([A-Z0-9]+)\|?>")


def unlabelled(raw: str) -> tuple[list[str], list[str]]:
    """The user ids and channel ids Slack wrote without a name (`<@U1>`, `<#C1>`, `<#C1|>`)."""
    users: list[str] = []
    channels: list[str] = []
    for sigil, ident in _UNLABELLED.findall(raw or ""):
        found = users if sigil == "@" else channels
        if ident not in found:
            found.append(ident)
    return users, channels


def with_labels(raw: str, names: dict[str, str]) -> str:
    """`raw` with each unlabelled mention or channel given its name from `names` (id -> name),
    so `plain` reads `<@U1>` as `@bob` rather than `@U1`; ids not in `names` stay as they are.
    """

    def label(match: re.Match[str]) -> str:
        sigil, ident = match.group(1), match.group(2)
        name = names.get(ident, "").lstrip(sigil).replace("|", " ").replace(">", " ")
        return f"<{sigil}{ident}|{escape(name)}>" if name.strip() else match.group(0)

    return _UNLABELLED.sub(label, raw or "")


QUOTE_MAX = 2500  # leaves room in a 3000-character section for the refusal around it


def quoted(text: str, limit: int = QUOTE_MAX) -> str:
    """Plain `text` as an escaped code block, to hand back what someone typed in a refusal;
    cut at `limit` characters (Slack's section limit) with a note saying so."""
    shown = text.replace("```", "'''")[:limit]
    # Cut the plain text (never inside an entity) until its escaped form fits.
    while len(escape(shown)) > limit:
        shown = shown[: max(1, len(shown) * limit // len(escape(shown)) - 1)]
    note = (
        ""
        if len(shown) == len(text)
        else (f"\n_(the first {len(shown)} of {len(text)} characters)_")
    )
    return f"```{escape(shown)}```{note}"


def too_long(what: str, limit: int, text: str, *, field: str | None = None) -> InvalidInput:
    """The refusal for text over `limit` characters, handing the typed text back (quoted,
    escaped) so nothing is lost; a form, which still holds the text, gets the short line."""
    short = f"{what} at most {limit} characters (yours has {len(text)})."
    error = InvalidInput(short, field=field, in_form=short)
    error.quote = f"Here is your text to shorten:\n{quoted(text)}"
    return error

"""The answer to an unknown verb: what was meant, what was typed, and a button that runs it."""

from __future__ import annotations

from bot.ids import ActionId
from bot.parsing.slack_text import echo
from bot.views.blocks import Block, actions, button, escape, message, section

# Slack's limit on a button's value (Block Kit reference, "Button element": 2000 characters).
VALUE_MAX = 2000
# What an answer repeats of the typed text: all of it that fits a section (3000 characters).
KEPT_MAX = 2500


def unknown_verb(
    *, name: str, verb: str, typed: str, guess: str | None, rest: str, has_default: bool
) -> Block:
    """The ephemeral answer to `name verb …`: the nearest verb, the typed text kept whole
    (up to KEPT_MAX characters), and, when a verb was guessed, a *Run* button whose value is
    the suggested command line in Slack's own text (`/req new Fix A &amp; B`), escaped once
    more, so pressing it reads the text exactly as typing it would. A line longer than
    VALUE_MAX gets no button and says so. `typed` and `rest` are Slack's raw text (escaped,
    markup kept)."""
    hint = f"Did you mean `{name} {guess}`? " if guess else ""
    kept = f"You typed: `{name} {echo(typed, KEPT_MAX)}`. "
    if has_default:
        kept += f"To record it as it is, start it with other words than `{echo(verb)}`. "
    text = f"I don't know `{name} {echo(verb)}`. {hint}{kept}Type `{name} help` for the verbs."
    if guess is None:
        return message(text)
    # Escaped once more, so markup in it (`<!channel>`) never sits live in a payload; the
    # button's handler unescapes it back to Slack's text.
    line = escape(f"{name} {guess} {rest}".strip())
    if len(line) > VALUE_MAX:
        note = (
            f"That is too long for a button ({len(line)} characters; Slack allows {VALUE_MAX}): "
            f"copy your text above and type it again with `{name} {guess}`."
        )
        return message(f"{text} {note}", [section(text), section(note)])
    run = button(f"Run {name} {guess}", ActionId.RUN_SUGGESTED, line, style="primary")
    return message(text, [section(text), actions(run)])

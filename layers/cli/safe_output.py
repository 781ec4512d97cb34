"""Text from user files, printed safely on a terminal.

Names, ids, layer and column names come from files anyone may have written: an escape
sequence in a name (`\\x1b]0;…` retitles the terminal, `\\x1b[2J` clears it) must not reach
the terminal, and a name such as `[/x]` must not be read as rich markup (rich raises
MarkupError on it).  Every CLI line that carries user data goes through `clean` (plain
print) or `cell` (a rich Text, never parsed as markup or emoji).
"""
from __future__ import annotations

import re
import sys

from geodata.core.message import MessageError

# Whole escape sequences first (CSI "ESC [ … final", OSC "ESC ] … BEL/ST", two-byte "ESC x"),
# so no "[31m" debris is left; then every other control character.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]")
# C0 and C1 controls (less tab/newline, handled below), DEL, and the bidi/zero-width format
# characters that can make a name print as something else (U+202E reverses what follows).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\x85]+")


class UsageError(MessageError, ValueError):
    """Bad command-line input: the message on stderr, exit code 2, nothing written."""


def clean(value, *, one_line: bool = False) -> str:
    """`value` as text without escape sequences or control characters (tabs become spaces;
    line breaks too when `one_line`, e.g. a table cell or a one-line error)."""
    text = _ESCAPES.sub("", str(value))
    text = _CONTROLS.sub("", text)
    if one_line:
        return _LINE_BREAKS.sub(" ", text)
    return text.replace("\t", " ").replace("\r", "")


def cell(value):
    """A rich `Text` for a table cell or a console line: user text shown as typed, never as markup."""
    from rich.text import Text

    return Text(clean(value, one_line=True))


def echo(value, file=None) -> None:
    """print() for lines that carry user data."""
    print(clean(value), file=file if file is not None else sys.stdout)


def usage_error(zh: str, en: str, **values):
    """Bad command-line input (exit 2): a `UsageError` whose Message has `values` filled in."""
    from geodata.core.message import Message

    return UsageError(Message(zh, en).format(**values) if values else Message(zh, en))


def as_usage(exc: ValueError):
    """Any refusal of a value (ours carry a Message, a library's a text) as a `UsageError`."""
    from geodata.core.message import MessageError, plain

    return UsageError(exc.message if isinstance(exc, MessageError) else plain(str(exc)))


def message_language(args) -> str | None:
    """The language of messages and errors: the one `--lang` chose, both (None) when it was not given.
    `args.lang` itself becomes the map's language (Chinese unless chosen)."""
    chosen = getattr(args, "lang", None)
    args.lang = chosen or "zh"
    return chosen


def say(value, language: str | None = None) -> str:
    """A `Message` (or a `MessageError`'s) in `language`; both languages, Chinese first, when the
    user chose none (no --lang); anything else as it reads."""
    from geodata.core.message import Message, MessageError, bilingual

    if isinstance(value, MessageError):
        value = value.message
    if isinstance(value, Message):
        return bilingual(value) if language is None else value.text(language)
    return str(value)


def fail(message, code: int = 2, language: str | None = None) -> int:
    """One line on stderr ("错误 / error: …", or one language with --lang), the exit status of bad input."""
    from geodata.core.message import Message

    print(f"{say(Message('错误', 'error'), language)}: {clean(say(message, language), one_line=True)}", file=sys.stderr)
    return code


def console():
    """A rich Console that neither highlights numbers nor turns :names: into emoji."""
    from rich.console import Console

    return Console(highlight=False, emoji=False)

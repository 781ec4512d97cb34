"""The one bilingual text type: every user-facing sentence exists in Chinese and English.

A `Message` is a frozen (zh, en) pair with `str.format` placeholders.  Code builds messages;
the edge that shows them (a widget, the CLI, a report file, an exported page) picks the
language with `.text(language)`.  Placeholder values may themselves be Messages (rendered in the
same language) or numbers; `count()` words a number with its noun ("1 feature", "3 features",
"3 个要素").  `str(message)` is the Chinese text: Chinese first, everywhere.

`MessageError` is the base of every error said to a person: it carries its Message
(`.message`), and `str(error)` reads both languages ("中文 / English", `bilingual`), which is
what an edge that has no language of its own (a log, the CLI without `--lang`) shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

LANGUAGES = ("zh", "en")


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


@dataclass(frozen=True)
class Message:
    zh: str
    en: str
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def text(self, language: str = "zh") -> str:
        template = self.en if language == "en" else self.zh
        if not self.values:
            return template
        rendered = {k: (v.text(language) if isinstance(v, Message) else v) for k, v in self.values.items()}
        return template.format(**rendered)

    def format(self, **values: Any) -> "Message":
        """The same message with placeholders filled (merged with any filled before)."""
        return Message(self.zh, self.en, {**self.values, **values})

    def __str__(self) -> str:
        return self.text("zh")

    def __add__(self, other: "Message | str") -> "Message":
        """Join two messages (or a message and language-neutral text) into one."""
        if isinstance(other, Message):
            return Message("{_a}{_b}", "{_a}{_b}", {"_a": self, "_b": other})
        return Message("{_a}{_b}", "{_a}{_b}", {"_a": self, "_b": str(other)})


def plain(text: str) -> Message:
    """Language-neutral text (a file name, a number, a code) as a Message."""
    return Message("{_t}", "{_t}", {"_t": str(text)})


def count(n: int, zh_noun: str, en_singular: str, en_plural: str | None = None) -> Message:
    """'3 个要素' / '1 feature' / '3 features' (thousands separated)."""
    en_noun = en_singular if n == 1 else (en_plural or en_singular + "s")
    return Message(f"{n:,} {zh_noun}", f"{n:,} {en_noun}")


def join(messages: list[Message], zh_sep: str = "、", en_sep: str = ", ") -> Message:
    """Messages joined with the separator each language uses for lists."""
    keys = {f"_{i}": m for i, m in enumerate(messages)}
    zh = zh_sep.join("{" + k + "}" for k in keys)
    en = en_sep.join("{" + k + "}" for k in keys)
    return Message(zh, en, keys)


def bilingual(message: Message) -> str:
    """Both languages on one line, Chinese first ("文件为空 / the file is empty"); one when they agree."""
    zh, en = message.text("zh"), message.text("en")
    return zh if zh == en else f"{zh} / {en}"


class MessageError(Exception):
    """An error whose `.message` is a bilingual Message; str() reads "中文 / English"."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(bilingual(message))

    def text(self, language: str | None = None) -> str:
        """The message in `language`, or both languages when None."""
        return bilingual(self.message) if language is None else self.message.text(language)

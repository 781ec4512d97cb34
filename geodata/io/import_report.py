"""One sentence of an import/save report, in Chinese and English.

`Note` is a `str` (the English text: logs, CLI, tests) that also carries `.zh`, which the
window shows first; `text(note, language)` picks one for any report line.
"""
from __future__ import annotations


class Note(str):
    zh: str

    def __new__(cls, zh: str, en: str) -> "Note":
        note = super().__new__(cls, en)
        note.zh = zh
        return note


def text(line: str, language: str = "zh") -> str:
    """The line in `language` ('zh' or 'en'); plain strings are returned as they are."""
    return getattr(line, "zh", line) if language == "zh" else str(line)


def feature_count(n: int, language: str = "zh") -> str:
    """'1 个要素' / '1 feature', '3 features': the count line of an import report."""
    if language == "zh":
        return f"{n} 个要素"
    return f"{n} feature" if n == 1 else f"{n} features"

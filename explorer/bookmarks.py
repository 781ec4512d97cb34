"""Named views kept in QSettings as JSON (name + centre + resolution)."""
from __future__ import annotations

import json

from PySide6.QtCore import QSettings

KEY = "bookmarks"


def load(settings: QSettings) -> list[dict]:
    raw = settings.value(KEY, "", type=str)
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []  # a damaged entry must not stop the app; it is replaced on the next save
    return [b for b in items if isinstance(b, dict) and {"name", "cx", "cy", "resolution"} <= set(b)]


def save(settings: QSettings, items: list[dict]) -> None:
    settings.setValue(KEY, json.dumps(items, ensure_ascii=False))

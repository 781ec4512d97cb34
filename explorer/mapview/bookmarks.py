"""Named views kept in QSettings as JSON (name + centre + resolution)."""
from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from explorer.mapview.view_state import ViewState

KEY = "bookmarks"


def load(settings: QSettings) -> list[dict]:
    raw = settings.value(KEY, "", type=str)
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []  # a damaged entry must not stop the app; it is replaced on the next save
    return [b for b in items if usable(b)] if isinstance(items, list) else []


def usable(item) -> bool:
    """A bookmark the menu can show and the canvas can go to: a named, finite, sane view."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        return False
    try:
        ViewState.from_dict(item, 1, 1)
    except (KeyError, TypeError, ValueError):
        return False
    return True


def save(settings: QSettings, items: list[dict]) -> None:
    settings.setValue(KEY, json.dumps(items, ensure_ascii=False))

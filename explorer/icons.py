"""The toolbar's icons: small SVG drawings in resources/icons (one file an action)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from resources import resources_path

ICON_DIR = resources_path("icons")


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


def icon(name: str) -> QIcon:
    """The icon `name` (an empty QIcon when the file is missing: the action keeps its text)."""
    path = icon_path(name)
    return QIcon(str(path)) if path.exists() else QIcon()

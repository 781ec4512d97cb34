"""The bundled Noto Sans CJK SC font: the machine has no CJK system fonts.

Qt needs a QGuiApplication before fonts can be registered; the CLI is headless,
so `ensure_gui_app()` creates one on the offscreen platform when none exists.
"""
from __future__ import annotations

import os
from functools import lru_cache

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from resources import resources_path

FONT_DIR = resources_path("fonts")
REGULAR = FONT_DIR / "NotoSansCJKsc-Regular.otf"
BOLD = FONT_DIR / "NotoSansCJKsc-Bold.otf"

_family: str | None = None
_app = None  # keep a reference: a QGuiApplication we created must outlive callers


def ensure_gui_app():
    """The running Qt application, or a new offscreen QGuiApplication if there is none."""
    global _app
    app = QGuiApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = app = QGuiApplication([])
    warm_qt_enums()
    return app


_enums_warmed = False


def warm_qt_enums() -> None:
    """Create every Qt enum type the map code may touch, once, on the first caller's thread.

    PySide6 makes an enum type (Qt.PenStyle, QPainter.RenderHint, ...) on its first use; two
    threads doing that at the same moment (the map lane painting while the GUI thread paints
    the canvas) crashed the process now and then.  Widgets' enums (QtWidgets) are only used on
    the GUI thread and are left alone.  The canvas and the renderer call this from
    the GUI thread before any worker paints (~5 ms for the ~130 types)."""
    global _enums_warmed
    if _enums_warmed:
        return
    import enum

    from PySide6.QtCore import QDataStream, QIODevice, Qt
    from PySide6.QtGui import (QColor, QImage, QPageLayout, QPageSize, QPaintEngine, QPainter, QPainterPath, QPen,
                               QTextOption)

    for owner in (Qt, QIODevice, QDataStream, QPainter, QImage, QFont, QFontDatabase, QPainterPath, QPageSize,
                  QPageLayout, QColor, QPen, QTextOption, QPaintEngine):  # tests/layers/render/test_fonts.py checks the list
        for name in dir(owner):
            if name[:1].isupper():
                value = getattr(owner, name, None)
                if isinstance(value, type) and issubclass(value, enum.Enum):
                    next(iter(value), None)  # and one member: the type is complete
    _enums_warmed = True


def cjk_family() -> str:
    """Register the bundled fonts once and return their family name."""
    global _family
    if _family is not None:
        return _family
    ensure_gui_app()
    families: list[str] = []
    for path in (REGULAR, BOLD):
        if not path.exists():
            raise FileNotFoundError(f"bundled font missing: {path}")
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"Qt could not load the bundled font {path}")
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    _family = families[0]
    return _family


def map_font(size_pt: float, dpi: float = 96.0, *, bold: bool = False) -> QFont:
    """A CJK font whose size is given in points at `dpi` (pixel size, so any device agrees)."""
    return QFont(_map_font(max(1, round(size_pt * dpi / 72.0)), bold))


@lru_cache(maxsize=256)
def _map_font(pixel_size: int, bold: bool) -> QFont:
    font = QFont(cjk_family())
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font

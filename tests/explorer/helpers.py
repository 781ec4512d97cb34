"""Small helpers for driving the canvas in tests."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect


def display_xy(document, layer: str, feature_id: str) -> tuple[float, float]:
    cache = document.layer(layer).cache
    i = cache.ids.index(feature_id)
    return tuple(cache.point_xy[i])


def pixel_of(canvas, layer: str, feature_id: str) -> QPoint:
    x, y = canvas.view.to_pixel(*display_xy(canvas.document, layer, feature_id))
    return QPoint(round(x), round(y))


def patch(image, centre: QPoint, radius: int = 7) -> bytes:
    """The raw pixels of a square around `centre` (equal bytes = identical drawing)."""
    rect = QRect(centre.x() - radius, centre.y() - radius, 2 * radius + 1, 2 * radius + 1)
    part = image.copy(rect).convertToFormat(image.Format.Format_ARGB32)
    return bytes(part.constBits())


def rerender(canvas) -> None:
    canvas.schedule_render(immediate=True)
    assert canvas.wait_idle()

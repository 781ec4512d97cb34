"""The selection highlight: a ring round each selected point symbol (where it was drawn,
after displacement), a bold outline and a light tint over selected lines and polygons."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush

from layers.render.draw_paths import begin_world, feature_paths
from layers.render.paths import layer_paths
from layers.render.symbols import make_pen, qcolor

SELECTION_COLOR = "#00b4ff"


def draw_selection(painter, cache, chosen, lod, world, raster, ppt, shown=None):
    """Highlight features `chosen` (row indices) of one layer; points at their drawn positions `shown`."""
    color = SELECTION_COLOR
    if cache.kind == "point":
        painter.resetTransform()
        px, py = shown[0][chosen], shown[1][chosen]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(make_pen(color, 2.0 * ppt, cosmetic=False))
        for x, y in zip(px.tolist(), py.tolist()):
            painter.drawEllipse(QPointF(x, y), 7 * ppt, 7 * ppt)
        return
    begin_world(painter, world, raster)
    painter.setBrush(QBrush(qcolor(color, 0.18)) if cache.kind == "polygon" else Qt.BrushStyle.NoBrush)
    painter.setPen(make_pen(color, 3.0 * ppt, cosmetic=raster))
    for path in feature_paths(layer_paths(cache), np.asarray(chosen), lod, world, raster):
        painter.drawPath(path)
    painter.resetTransform()

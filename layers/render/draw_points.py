"""Point symbols: cached sprites (raster) or symbol paths (vector), with coincident points
spread for display (`layers.render.displacement`), their leaders and centre markers.

Every symbol drawn is also a label obstacle: `draw_points` returns its box with a weight
just above its own labels' priority, so a label never covers a symbol of its own class.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from layers.render.displacement import displace
from layers.render.labels import label_priority
from layers.render.symbols import brush, is_raster, make_pen, qcolor, symbol_path, symbol_sprite

LEADER_COLOR = "#555555"  # displacement leaders and centre markers


def displaced_positions(cache, idx, classes, view, ppt, spread=True) -> tuple[np.ndarray, np.ndarray, list, float]:
    """Pixel positions of the layer's points as drawn: (x, y) arrays over all features (NaN
    where not drawn), the displacement clusters (centre, spots) and the symbol size (px).
    Points closer than half a symbol are spread on a ring/spiral (layers.render.displacement);
    the data is never moved."""
    xy = cache.point_xy[idx]
    px, py = view.to_pixel(xy[:, 0], xy[:, 1])
    size = max((c.style.symbol_size_pt + c.style.width_pt for c in classes), default=5.0) * ppt
    dx, dy, clusters = displace(px, py, tolerance=size * 0.5 if spread else 0.0, spacing=size * 1.3)
    full_x = np.full(cache.n, np.nan)
    full_y = np.full(cache.n, np.nan)
    full_x[idx], full_y[idx] = dx, dy
    return full_x, full_y, [(c.centre, [(float(dx[k]), float(dy[k])) for k in c.members]) for c in clusters], size


def _draw_clusters(painter, clusters, size_px, ppt, weight: float) -> list[tuple[tuple, float]]:
    """Leaders from each cluster's true position to its displaced symbols, and a centre marker."""
    boxes = []
    if not clusters:
        return boxes
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(make_pen(LEADER_COLOR, 0.6 * ppt, cosmetic=False))
    for (cx, cy), spots in clusters:
        for x, y in spots:
            painter.drawLine(QPointF(cx, cy), QPointF(x, y))
    r = 1.6 * ppt
    half = size_px / 2
    for _centre, spots in clusters:  # spread symbols block all labels but the most important
        boxes.extend(((x - half, y - half, x + half, y + half), weight) for x, y in spots)
    painter.setPen(make_pen("#ffffff", 0.6 * ppt, cosmetic=False))
    painter.setBrush(qcolor(LEADER_COLOR))
    for (cx, cy), _spots in clusters:
        painter.drawEllipse(QPointF(cx, cy), r, r)
        boxes.append(((cx - r, cy - r, cx + r, cy + r), weight))
    painter.restore()
    return boxes


def draw_points(painter, groups, classes, ppt, base_priority: float, shown) -> list[tuple[tuple, float]]:
    """Draw point symbols at their displayed positions `shown` (see displaced_positions),
    leaders and centre markers first; return their boxes as label obstacles with a weight
    just above their own labels' priority (labels of the same class never cover these symbols)."""
    painter.resetTransform()
    raster = is_raster(painter)
    # a label of higher priority than the layer's own + 50 (a city name over projects) may still
    # cover a spread symbol; district seat names may not
    boxes = _draw_clusters(painter, shown[2], shown[3], ppt, base_priority + 50.0 + max(
        (label_priority(0.0, c.style) for c in classes.values()), default=0.0) + 0.5)
    for key, indices in groups.items():
        st = classes[key].style
        px, py = shown[0][indices], shown[1][indices]
        if raster:  # a cached sprite per style: ~4x cheaper than filling and stroking a path
            sprite, off = symbol_sprite(st, ppt)
            half = st.symbol_size_pt * ppt / 2
            weight = label_priority(base_priority, st) + 0.5
            painter.save()
            painter.setOpacity(painter.opacity() * st.opacity)
            for x, y in zip(px.tolist(), py.tolist()):
                if x != x or y != y:
                    continue
                painter.drawImage(QPointF(round(x) - off, round(y) - off), sprite)
                boxes.append(((x - half, y - half, x + half, y + half), weight))
            painter.restore()
            continue
        sym = symbol_path(st.symbol or "circle", st.symbol_size_pt * ppt)
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        painter.setBrush(brush(st))
        painter.setPen(make_pen(st.stroke, st.width_pt * ppt, st.dash, cosmetic=False) if st.stroke
                       else Qt.PenStyle.NoPen)
        half = st.symbol_size_pt * ppt / 2
        weight = label_priority(base_priority, st) + 0.5
        for x, y in zip(px.tolist(), py.tolist()):
            if x != x or y != y:  # empty geometry
                continue
            painter.drawPath(sym.translated(x, y))
            boxes.append(((x - half, y - half, x + half, y + half), weight))
        painter.restore()
    return boxes

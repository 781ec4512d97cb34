"""Which features lie under a click: topmost visible layer first, filter respected.

Uses each layer's display-CRS geometry and STRtree from the engine's LayerCache,
so what can be clicked is exactly what the renderer drew.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True)
class Hit:
    layer: str
    row: int  # position in the layer's GeoDataFrame
    feature_id: str
    distance: float  # display metres from the click (0 inside polygons)


def features_at(document, x: float, y: float, tolerance: float, layers: list[str] | None = None,
                positions=None) -> list[Hit]:
    """Hits at display point (x, y) within `tolerance` display metres.

    Order: layers from top of the drawing order down; inside a layer, nearest
    first.  Points and lines beat polygons, so a click on a project inside a
    district finds the project.  `positions` ({(layer, row): (x, y)} in display
    metres, `RenderResult.point_map_positions()` of the frame shown): where point
    symbols were drawn after the renderer spread coincident points; a point layer
    with entries there is tested at those positions.
    """
    probe = shapely.Point(x, y)
    area = shapely.box(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
    hits: list[Hit] = []
    for layer in reversed(document.layers):
        if not layer.visible or layer.data is None or not len(layer.data):
            continue
        if layers is not None and layer.name not in layers:
            continue
        cache = layer.cache
        drawn = _drawn_points(positions, layer.name) if cache.kind == "point" else None
        if drawn:
            keep = document.filter.mask(layer)  # the filter may have changed since that frame
            found = [Hit(layer.name, row, cache.ids[row], d) for row, (px, py) in drawn.items()
                     if keep[row] and (d := float(np.hypot(px - x, py - y))) <= tolerance]
            hits.extend(sorted(found, key=lambda h: h.distance))
            continue
        idx = np.sort(cache.tree.query(area))
        if not len(idx):
            continue
        keep = document.filter.mask(layer)
        idx = idx[keep[idx]]
        found = []
        outline_only = cache.kind == "polygon" and not _filled(layer.style)
        for i in idx.tolist():
            geom = cache.geoms[i]
            if outline_only:  # an unfilled area (the circle) is picked on its line, as drawn
                d = float(geom.boundary.distance(probe))
            elif cache.kind == "polygon":
                if not geom.contains(probe):
                    continue
                d = 0.0
            else:
                d = float(geom.distance(probe))
            if d <= tolerance:
                found.append(Hit(layer.name, int(i), cache.ids[i], d))
        hits.extend(sorted(found, key=lambda h: h.distance))
    rank = {"point": 0, "line": 1, "polygon": 2}
    kinds = {l.name: l.cache.kind for l in document.layers if l.name in {h.layer for h in hits}}
    return sorted(hits, key=lambda h: rank.get(kinds[h.layer], 3))  # stable: keeps layer order within a kind


def _filled(layer_style) -> bool:
    return bool(layer_style.base.fill) or any(c.style.fill for c in layer_style.classes.values())


def _drawn_points(positions, layer: str) -> dict[int, tuple[float, float]] | None:
    if not positions:
        return None
    return {row: xy for (name, row), xy in positions.items() if name == layer} or None

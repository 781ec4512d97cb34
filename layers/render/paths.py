"""Qt drawing objects of a layer's geometry, cached beside (never inside) the map model.

A frame draws each feature as a QPainterPath in display metres under a world transform,
or, for wide opaque lines on raster devices, as separate segments (an (m, 4) numpy array, the
raster engine's fast path, see `draw_paths.stroke`).  Both are built once per feature per
level of detail and kept per `LayerCache` in a WeakKeyDictionary: the loader's bundle
layers share one LayerCache across every document, so they share these paths too, and
the paths go when the cache goes.  The model (`layers.model.layer_cache`) knows nothing
of them and loads no Qt.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

from layers.model.layer_cache import LOD_TOLERANCES, LayerCache


def _ring_polygon(coords: np.ndarray) -> QPolygonF:
    # PySide6 has no zero-copy numpy -> QPolygonF; built once per feature per LOD and cached.
    return QPolygonF([QPointF(x, y) for x, y in coords[:, :2].tolist()])


def geometry_path(geom) -> QPainterPath:
    """A shapely geometry (display CRS) as a QPainterPath in the same units."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    if geom is None or geom.is_empty:
        return path
    for part in getattr(geom, "geoms", [geom]):
        t = part.geom_type
        if t == "Polygon":
            path.addPolygon(_ring_polygon(np.asarray(part.exterior.coords)))
            path.closeSubpath()
            for hole in part.interiors:
                path.addPolygon(_ring_polygon(np.asarray(hole.coords)))
                path.closeSubpath()
        elif t in ("LineString", "LinearRing"):
            coords = np.asarray(part.coords)
            if len(coords) >= 2:
                path.addPolygon(_ring_polygon(coords))
        elif t == "Point":
            path.addEllipse(QPointF(part.x, part.y), 1, 1)
        else:  # nested collections
            path.addPath(geometry_path(part))
    return path


def geometry_segment_array(geom) -> np.ndarray:
    """Every edge of a line or polygon geometry as rows (x0, y0, x1, y1), rings and parts in order
    (one numpy array: a frame keeps the edges that meet it and hands them to drawLines at once)."""
    import shapely

    if geom is None or geom.is_empty:
        return np.zeros((0, 4))
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.boundary(geom)
    elif geom.geom_type == "GeometryCollection":
        return np.vstack([geometry_segment_array(g) for g in geom.geoms] or [np.zeros((0, 4))])
    parts = shapely.get_parts(geom)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    if len(xy) < 2:
        return np.zeros((0, 4))
    same = part[1:] == part[:-1]  # an edge joins two vertices of one ring or line
    return np.ascontiguousarray(np.hstack([xy[:-1][same], xy[1:][same]]))


class LayerPaths:
    """Per-LOD QPainterPaths and segment arrays of one LayerCache's features (built lazily, kept)."""

    def __init__(self, cache: LayerCache) -> None:
        # a weak reference: the WeakKeyDictionary's value must not keep its key alive
        self._cache = weakref.ref(cache)
        self._paths: dict[int, list[QPainterPath | None]] = {}
        self._arrays: dict[int, list[np.ndarray | None]] = {}
        self.warmed = False

    def path(self, index: int, lod: int) -> QPainterPath:
        cache = self._cache()
        lod = cache.effective_lod(lod)
        paths = self._paths.get(lod)
        if paths is None:
            paths = self._paths[lod] = [None] * cache.n
        p = paths[index]
        if p is None:
            p = paths[index] = geometry_path(cache.lod_geoms(lod)[index])
        return p

    def segment_array(self, index: int, lod: int) -> np.ndarray:
        """The feature's edges as an (m, 4) array in map units, cached per LOD: the raster engine
        strokes separate segments with a wide antialiased pen ~6x faster than a path."""
        cache = self._cache()
        lod = cache.effective_lod(lod)
        per_lod = self._arrays.get(lod)
        if per_lod is None:
            per_lod = self._arrays[lod] = [None] * cache.n
        segs = per_lod[index]
        if segs is None:
            segs = per_lod[index] = geometry_segment_array(cache.lod_geoms(lod)[index])
        return segs

    def warm(self) -> None:
        """Build every level's paths now, so the first zoom or pan to a level does not stall."""
        cache = self._cache()
        if self.warmed or cache.kind == "point":
            return
        # segment lists (wide lines) too, for lines and small polygon layers (the circle);
        # the districts' hairline outlines never use them
        segments = cache.kind == "line" or cache.n <= 64
        for lod in range(len(LOD_TOLERANCES)):
            eff = cache.effective_lod(lod)
            for i in range(cache.n):
                self.path(i, eff)
                if segments:
                    self.segment_array(i, eff)
        self.warmed = True


_PATHS: "weakref.WeakKeyDictionary[LayerCache, LayerPaths]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def layer_paths(cache: LayerCache) -> LayerPaths:
    """The (shared) path store of `cache`; the canvas's worker and exports may ask at once."""
    found = _PATHS.get(cache)
    if found is None:
        with _LOCK:
            found = _PATHS.get(cache)
            if found is None:
                found = _PATHS[cache] = LayerPaths(cache)
    return found


def warm_bundle_paths(document) -> None:
    """Build the paths of the document's bundled layers (shared by every document) before
    the first frame, on the calling thread: the explorer's canvas calls this when it is given
    a document, the benchmark before it times frames.  User layers stay lazy, as before.
    The bundled names' glyph outlines and district spots too (`layers.render.label_warm`)."""
    from layers.render.label_warm import warm_bundle_labels

    for layer in document.layers:
        if layer.data is not None and (layer.data_ref or {}).get("kind") == "bundle":
            layer_paths(layer.cache).warm()
    warm_bundle_labels(document)

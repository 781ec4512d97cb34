"""Per-layer precomputed data so a frame costs what is visible, not what is loaded.

Built once when a layer's data is set: geometries projected to the display CRS,
an STRtree over them, level-of-detail simplified copies (a few tolerances, picked
by map units per pixel), QPainterPaths per feature per LOD (built lazily, then
reused with a painter world transform), label anchors, and the per-feature values
the filter needs (themes, status, year, search keys, district adcodes).
"""
from __future__ import annotations

import math
import threading
import weakref
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

from geodata.core.themes import split_themes
from geodata.coords.projection import project_geometries
from layers.model.style import field_value

# Simplification tolerances in display metres; a frame uses the largest that is
# below ~0.9 pixel, so simplification does not show.
LOD_TOLERANCES = (0.0, 30.0, 120.0, 250.0, 500.0, 1000.0, 2000.0)


def pick_lod(map_units_per_pixel: float) -> int:
    best = 0
    for i, tol in enumerate(LOD_TOLERANCES):
        if tol <= 0.9 * map_units_per_pixel:
            best = i
    return best


def geometry_kind(geoms: np.ndarray) -> str:
    """'point', 'line' or 'polygon' from the first non-empty geometry."""
    for g in geoms:
        if g is None or g.is_empty:
            continue
        t = g.geom_type
        if "Point" in t:
            return "point"
        if "Line" in t:
            return "line"
        if "Polygon" in t:
            return "polygon"
    return "polygon"


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


def geometry_segments(geom) -> list[QLineF]:
    """Every edge of a line or polygon geometry (rings and parts in order) as a QLineF."""
    if geom is None or geom.is_empty:
        return []
    out: list[QLineF] = []
    for part in getattr(geom, "geoms", [geom]):
        t = part.geom_type
        rings = ([part.exterior, *part.interiors] if t == "Polygon" else [part] if t in ("LineString", "LinearRing")
                 else [])
        for ring in rings:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) >= 2:
                out.extend(QLineF(a, b, c, d) for a, b, c, d in np.hstack([xy[:-1], xy[1:]]).tolist())
        if t not in ("Polygon", "LineString", "LinearRing") and hasattr(part, "geoms"):
            out.extend(geometry_segments(part))
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


class LayerCache:
    """Everything a frame and a filter need about one layer's features."""

    SEARCH_FIELDS = ("name_zh", "name_en", "id", "a_name", "b_name", "seat_zh")

    def __init__(self, gdf, districts=None):
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        self.gdf = gdf
        self.n = len(gdf)
        self._districts = districts
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        self.geoms_wgs84 = geoms
        self.geoms = project_geometries(geoms) if self.n else geoms
        self.kind = geometry_kind(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.bounds = shapely.bounds(self.geoms) if self.n else np.zeros((0, 4))
        self._lod_geoms: dict[int, np.ndarray] = {0: self.geoms}
        self._effective: dict[int, int] = {}
        self._paths: dict[int, list[QPainterPath | None]] = {}
        self._segments: dict[int, list[list[QLineF] | None]] = {}
        self._class_keys: dict[tuple[str, ...], np.ndarray] = {}
        self._label_texts: dict[tuple[str, str | None], list[str]] = {}
        self.mask_memo: tuple[Any, np.ndarray] | None = None

    # ---- geometry ------------------------------------------------------------
    @cached_property
    def total_bounds(self) -> tuple[float, float, float, float] | None:
        if not self.n:
            return None
        b = self.bounds
        ok = ~np.isnan(b).any(axis=1)
        if not ok.any():
            return None
        b = b[ok]
        return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())

    def visible(self, extent: tuple[float, float, float, float]) -> np.ndarray:
        """Sorted indices of features that meet `extent` (geometry, not just bounding box:
        the legend must not list a class whose only feature merely has its box in view)."""
        if not self.n:
            return np.zeros(0, dtype=np.int64)
        return np.sort(self.tree.query(shapely.box(*extent), predicate="intersects"))

    def lod_geoms(self, lod: int) -> np.ndarray:
        return self._lod_geoms[self.effective_lod(lod)]

    def effective_lod(self, lod: int) -> int:
        """The level whose geometry serves `lod`: a level that would drop under 10 % of the
        vertices of the finer one is not kept (already-coarse data needs no second copy)."""
        known = self._effective.get(lod)
        if known is not None:
            return known
        if lod == 0 or self.kind == "point":
            self._effective[lod] = 0
            return 0
        finer = self.effective_lod(lod - 1)
        simplified = shapely.simplify(self.geoms, LOD_TOLERANCES[lod], preserve_topology=self.kind == "polygon")
        before = int(shapely.get_num_coordinates(self._lod_geoms[finer]).sum())
        after = int(shapely.get_num_coordinates(simplified).sum())
        if after > 0.9 * before:
            self._effective[lod] = finer
        else:
            self._lod_geoms[lod] = simplified
            self._effective[lod] = lod
        return self._effective[lod]

    def path(self, index: int, lod: int) -> QPainterPath:
        lod = self.effective_lod(lod)
        paths = self._paths.get(lod)
        if paths is None:
            paths = self._paths[lod] = [None] * self.n
        p = paths[index]
        if p is None:
            p = paths[index] = geometry_path(self._lod_geoms[lod][index])
        return p

    def segments(self, index: int, lod: int) -> list[QLineF]:
        """The feature's lines and rings as separate segments (map units), cached per LOD: the
        raster engine strokes a segment list with a wide antialiased pen ~6x faster than a path."""
        lod = self.effective_lod(lod)
        per_lod = self._segments.get(lod)
        if per_lod is None:
            per_lod = self._segments[lod] = [None] * self.n
        segs = per_lod[index]
        if segs is None:
            segs = per_lod[index] = geometry_segments(self._lod_geoms[lod][index])
        return segs

    def warm(self) -> None:
        """Build every level's paths now (at load), so the first zoom or pan to a level does not stall."""
        if self.kind == "point":
            return
        # segment lists (wide lines, see render._stroke) too, for lines and small polygon layers
        # (the circle); the districts' hairline outlines never use them
        segments = self.kind == "line" or self.n <= 64
        for lod in range(len(LOD_TOLERANCES)):
            eff = self.effective_lod(lod)
            for i in range(self.n):
                self.path(i, eff)
                if segments:
                    self.segments(i, eff)

    @cached_property
    def point_xy(self) -> np.ndarray:
        """Display x/y of each feature: the point itself, or a point inside it."""
        if not self.n:
            return np.zeros((0, 2))
        pts = shapely.centroid(self.geoms) if self.kind == "point" else shapely.point_on_surface(self.geoms)
        xy = np.full((self.n, 2), np.nan)
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        if ok.any():
            xy[ok] = shapely.get_coordinates(pts[ok])
        return xy

    LINE_LABEL_FRACTIONS = (0.5, 0.3, 0.7)  # where along a line its name may go, best first

    @cached_property
    def label_anchor(self) -> np.ndarray:
        """Where a label goes: points at the point, lines at mid-length, polygons inside."""
        if self.kind == "line":
            return self.line_label_slots[:, 0, :2]
        return self.point_xy

    @cached_property
    def label_angle(self) -> np.ndarray:
        """Direction (degrees, counter-clockwise in map units) of each line at its label anchor; 0 otherwise."""
        if self.kind == "line":
            return self.line_label_slots[:, 0, 2]
        return np.zeros(self.n)

    @cached_property
    def line_label_slots(self) -> np.ndarray:
        """(n, len(LINE_LABEL_FRACTIONS), 3): x, y and direction (degrees) at each label slot."""
        slots = np.full((self.n, len(self.LINE_LABEL_FRACTIONS), 3), np.nan)
        for i, g in enumerate(self.geoms):
            if g is None or g.is_empty:
                continue
            if g.geom_type == "MultiLineString":
                merged = shapely.line_merge(g)
                parts = list(getattr(merged, "geoms", [merged]))
                g = max(parts, key=lambda q: q.length)  # the longest part carries the name
            if g.geom_type != "LineString" or g.length == 0:
                continue
            step = 0.02 * g.length
            for k, f in enumerate(self.LINE_LABEL_FRACTIONS):
                at = f * g.length
                mid, a, b = g.interpolate(at), g.interpolate(max(0.0, at - step)), g.interpolate(min(g.length, at + step))
                slots[i, k] = (mid.x, mid.y, float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x))))
        return slots

    @cached_property
    def area(self) -> np.ndarray:
        return shapely.area(self.geoms) if self.n else np.zeros(0)

    # ---- attributes ----------------------------------------------------------
    def column(self, name: str) -> pd.Series | None:
        return self.gdf[name] if name in self.gdf.columns else None

    @cached_property
    def ids(self) -> list[str]:
        """Stable feature ids: `id`, else `adcode`, else the row position."""
        for col in ("id", "adcode"):
            if col in self.gdf.columns:
                return [_text(v) for v in self.gdf[col].tolist()]
        return [str(i) for i in range(self.n)]

    def class_keys(self, columns: tuple[str, ...]) -> np.ndarray:
        keys = self._class_keys.get(columns)
        if keys is None:
            if not columns:
                keys = np.array([""] * self.n, dtype=object)
            else:
                per_col = []
                for col in columns:
                    values = self.gdf[col].tolist() if col in self.gdf.columns else [None] * self.n
                    per_col.append([field_value(col, v) for v in values])
                keys = np.array(["|".join(parts) for parts in zip(*per_col)], dtype=object)
            self._class_keys[columns] = keys
        return keys

    def label_texts(self, column: str, fallback: str | None = None) -> list[str]:
        """Per feature: the stripped text of `column`, else of `fallback`, else "" (memoised)."""
        key = (column, fallback)
        texts = self._label_texts.get(key)
        if texts is None:
            values = self.gdf[column].tolist()
            spare = self.gdf[fallback].tolist() if fallback else [None] * self.n
            texts = [_text(v).strip() or _text(f).strip() for v, f in zip(values, spare)]
            self._label_texts[key] = texts
        return texts

    @cached_property
    def themes(self) -> list[tuple[str, ...]] | None:
        col = self.column("themes")
        return None if col is None else [tuple(split_themes(v)) for v in col.tolist()]

    @cached_property
    def statuses(self) -> np.ndarray | None:
        col = self.column("status")
        return None if col is None else np.array([_text(v) for v in col.tolist()], dtype=object)

    @cached_property
    def years(self) -> np.ndarray | None:
        col = self.column("year")
        return None if col is None else pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)

    @cached_property
    def search_keys(self) -> list[str] | None:
        """Per feature: names, English lower-case, pinyin and pinyin initials, joined."""
        cols = [c for c in self.SEARCH_FIELDS if c in self.gdf.columns]
        if not cols:
            return None
        from layers.model.filter import search_key

        rows = zip(*[self.gdf[c].tolist() for c in cols])
        return [search_key([_text(v) for v in row]) for row in rows]

    @cached_property
    def adcodes(self) -> list[frozenset[str]]:
        """District adcodes each feature lies in / intersects (computed once per layer)."""
        return feature_adcodes(self.gdf, self.geoms_wgs84, self._districts)


def feature_adcodes(gdf, geoms_wgs84: np.ndarray, districts) -> list[frozenset[str]]:
    n = len(geoms_wgs84)
    found: list[set[str]] = [set() for _ in range(n)]
    if districts is not None and len(districts) and "adcode" in districts.columns:
        d_adcodes = [str(v) for v in districts["adcode"].tolist()]
        d_set = set(d_adcodes)
        city_to_d: dict[str, set[str]] = {}
        if "city_adcode" in districts.columns:
            for a, c in zip(d_adcodes, districts["city_adcode"].astype(str).tolist()):
                city_to_d.setdefault(c, set()).add(a)
        own = gdf["adcode"].astype(str).tolist() if "adcode" in gdf.columns else None
        todo = []
        for i in range(n):
            if own is not None and own[i] in d_set:  # a district is in itself, not in its neighbours
                found[i].add(own[i])
            elif own is not None and own[i] in city_to_d:  # a city covers its districts
                found[i].update(city_to_d[own[i]])
            else:
                todo.append(i)
        if todo:
            d_geoms = np.asarray(districts.to_crs(4326).geometry.values if districts.crs and districts.crs.to_epsg() != 4326 else districts.geometry.values, dtype=object)
            tree = shapely.STRtree(d_geoms)
            q = geoms_wgs84[todo]
            valid = np.array([g is not None and not g.is_empty for g in q], dtype=bool)
            if valid.any():
                idx = np.asarray(todo)[valid]
                pairs = tree.query(q[valid], predicate="intersects")
                for feat, dist in zip(pairs[0].tolist(), pairs[1].tolist()):
                    found[int(idx[feat])].add(d_adcodes[dist])
    if "district_adcode" in gdf.columns:  # the attribute agrees with or adds to the spatial test
        for i, v in enumerate(gdf["district_adcode"].tolist()):
            t = _text(v)
            if t:
                found[i].add(t.split(".")[0])
    return [frozenset(s) for s in found]


_SHARED: dict[tuple[int, int], tuple[Any, Any, LayerCache]] = {}
_SHARED_LOCK = threading.Lock()


def shared_cache(gdf, districts=None) -> LayerCache:
    """One LayerCache per (GeoDataFrame object, districts object): documents built from the
    loader's cached bundle layers share projection, index and paths instead of rebuilding.
    Frames are identified by object, so callers must not mutate a frame in place after
    showing it (the loader's frames are read-only by contract; edits make new frames)."""
    key = (id(gdf), id(districts))
    with _SHARED_LOCK:
        hit = _SHARED.get(key)
        if hit is not None and hit[0]() is gdf and (hit[1]() if hit[1] is not None else None) is districts:
            return hit[2]
        cache = LayerCache(gdf, districts)
        try:
            _SHARED[key] = (weakref.ref(gdf), weakref.ref(districts) if districts is not None else None, cache)
        except TypeError:  # not weak-referenceable: do not share
            return cache
        for k in [k for k, v in _SHARED.items() if v[0]() is None]:
            del _SHARED[k]  # frames that no longer exist
        return cache

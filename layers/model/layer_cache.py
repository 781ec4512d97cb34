"""Per-layer precomputed data so a frame costs what is visible, not what is loaded.

Built once when a layer's data is set: geometries projected to the display CRS,
an STRtree over them, level-of-detail simplified copies (a few tolerances, picked
by map units per pixel), label anchors, and the per-feature values the filter needs
(themes, status, year, search keys, district adcodes).  numpy and shapely only: the
renderer keeps its Qt paths of these geometries itself (layers.render.paths).
"""
from __future__ import annotations

import threading
import weakref
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geodata.core.themes import split_themes
from geodata.core.values import raw_text
from geodata.coords.projection import project_geometries

# Simplification tolerances in display metres; a frame uses the largest that is
# below ~0.9 pixel, so simplification does not show.
LOD_TOLERANCES = (0.0, 30.0, 120.0, 250.0, 500.0, 1000.0, 2000.0)
# A layer of more features than this is drawn in bulk (layers/render/bulk_paths.py, bulk_points.py):
# flat vertex arrays with grid-snapped levels of detail, points thinned to one symbol a cell.
# The bundle's layers (at most a few hundred features) keep their per-feature paths.
BULK_FEATURES = 5000


def pick_lod(map_units_per_pixel: float) -> int:
    best = 0
    for i, tol in enumerate(LOD_TOLERANCES):
        if tol <= 0.9 * map_units_per_pixel:
            best = i
    return best


BULK_BASE_TOLERANCE = 16.0  # metres: level k of a bulk layer snaps to 16 * 2**k m
# Douglas-Peucker after the grid, as a fraction of the grid (a level's grid is 0.5-1 px where it
# is drawn, so 0.75 is 0.4-0.75 px): every vertex dropped costs both the fill and the outline,
# and below a pixel the change does not show (half the grid kept ~40 % more vertices).
BULK_SIMPLIFY = 0.75


def _at_level(rings, level: int):
    """`rings` decimated on the level's grid, then Douglas-Peucker'd at `BULK_SIMPLIFY` of it;
    `rings` itself when that would keep over 90 % of the vertices."""
    from layers.model import ring_arrays

    tolerance = bulk_tolerance(level)
    found = ring_arrays.simplify(ring_arrays.decimate(rings, tolerance), tolerance * BULK_SIMPLIFY)
    return rings if len(found.xy) > 0.9 * len(rings.xy) else found


def bulk_tolerance(level: int) -> float:
    return BULK_BASE_TOLERANCE * 2.0 ** level


def bulk_level(map_units_per_pixel: float) -> int:
    """The coarsest bulk level whose grid is at most one pixel (-1: every vertex)."""
    if map_units_per_pixel < BULK_BASE_TOLERANCE:
        return -1
    return int(np.floor(np.log2(map_units_per_pixel / BULK_BASE_TOLERANCE)))


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


def class_value(column: str, value: Any) -> str:
    """A classification field's value as part of a class key: its text, the primary theme for 'themes'."""
    if column == "themes":
        keys = split_themes(value)
        return keys[0] if keys else ""
    return raw_text(value)


def column_keys(series: pd.Series, column: str) -> np.ndarray:
    """`class_value` of every value of a column: worded once per distinct value (pandas factorize),
    spread to the rows by numpy indexing.  Columns mixing booleans with numbers (True == 1 to a
    hash) are worded value by value."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind not in ("string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean"):
        return np.array([class_value(column, v) for v in series.tolist()], dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    words = np.array([class_value(column, v) for v in uniques.tolist()] + [""], dtype=object)
    return words[codes]  # code -1 (a blank) picks the trailing ""


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
        self._rings: dict[int, Any] = {}
        self._effective: dict[int, int] = {}
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

    @property
    def bulk(self) -> bool:
        """Drawn from flat arrays (ring_arrays, thinned points) rather than per-feature paths."""
        return self.n > BULK_FEATURES

    def visible(self, extent: tuple[float, float, float, float]) -> np.ndarray:
        """Sorted indices of features that meet `extent` (geometry, not just bounding box:
        the legend must not list a class whose only feature merely has its box in view).
        Features whose box lies inside the extent meet it: only the others are tested exactly."""
        if not self.n:
            return np.zeros(0, dtype=np.int64)
        x0, y0, x1, y1 = extent
        if self.plain_points:  # a box test is exact for points (not for a MultiPoint's box)
            b = self.bounds
            with np.errstate(invalid="ignore"):
                return np.flatnonzero((b[:, 0] >= x0) & (b[:, 0] <= x1) & (b[:, 1] >= y0) & (b[:, 1] <= y1))
        found = self.tree.query(shapely.box(*extent))
        b = self.bounds[found]
        inside = (b[:, 0] >= x0) & (b[:, 2] <= x1) & (b[:, 1] >= y0) & (b[:, 3] <= y1)
        edge = found[~inside]
        if len(edge):
            edge = edge[shapely.intersects(self.geoms[edge], shapely.box(*extent))]
        return np.sort(np.concatenate([found[inside], edge]))

    @cached_property
    def plain_points(self) -> bool:
        """Every feature a single Point (or empty): boxes are positions."""
        return self.kind == "point" and bool((shapely.get_type_id(self.geoms) <= 0).all())

    def rings(self, level: int = -1):
        """The layer's vertices as flat arrays (layers.model.ring_arrays): all of them (level -1)
        or decimated on a grid of `bulk_tolerance(level)` metres (see `bulk_level`), then simplified
        (Douglas-Peucker, `BULK_SIMPLIFY` of that; layers.model.ring_arrays); a level that
        would keep over 90 % of the vertices is the full set."""
        from layers.model import ring_arrays

        found = self._rings.get(level)
        if found is not None:
            return found
        found = ring_arrays.build(self.geoms, self.n, self.kind) if level < 0 else _at_level(self.rings(-1), level)
        self._rings[level] = found
        return found

    def rings_of(self, level: int, rows: np.ndarray):
        """The rings of `rows` (features) at a level, as `rings(level).subset(rows)` would give
        (decimation and Douglas-Peucker are ring by ring), but built for these features only
        when the whole level is not: a zoom to a new scale simplifies what is in view, not the
        layer's million vertices."""
        every = self.rings(-1)
        built = self._rings.get(level)
        if level < 0 or built is not None:
            return (every if built is None else built).subset(rows)
        return _at_level(every.subset(rows), level)

    def lod_geoms(self, lod: int) -> np.ndarray:
        return self._lod_geoms[self.effective_lod(lod)]

    def effective_lod(self, lod: int) -> int:
        """The level whose geometry serves `lod`: a level that would drop under 10 % of the
        vertices of the finer one is not kept (already-coarse data needs no second copy)."""
        known = self._effective.get(lod)
        if known is not None:
            return known
        if lod == 0 or self.kind == "point" or self.bulk:  # bulk layers' levels: rings(lod)
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

    def simplify_all(self) -> None:
        """Simplify every level now (at load), so the first zoom to a level does not stall;
        the renderer's paths of each level are built from these (layers.render.paths)."""
        for lod in range(len(LOD_TOLERANCES)):
            self.effective_lod(lod)

    @cached_property
    def point_xy(self) -> np.ndarray:
        """Display x/y of each feature: the point itself, or a point inside it."""
        if not self.n:
            return np.zeros((0, 2))
        if self.kind == "point":
            types = shapely.get_type_id(self.geoms)
            if (types == 0).all():  # plain points (no empties): their coordinates, no centroids to make
                xy = shapely.get_coordinates(self.geoms)
                if len(xy) == self.n:
                    return xy
        pts = shapely.centroid(self.geoms) if self.kind == "point" else shapely.point_on_surface(self.geoms)
        xy = np.full((self.n, 2), np.nan)
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        if ok.any():
            xy[ok] = shapely.get_coordinates(pts[ok])
        return xy

    @cached_property
    def coincident(self) -> np.ndarray:
        """Per feature: a group number shared with the other points at the very same position
        (to the millimetre), or -1 when no other point is there (bulk layers' displacement)."""
        xy = self.point_xy
        ok = ~np.isnan(xy).any(axis=1)
        out = np.full(self.n, -1, dtype=np.int64)
        if not ok.any():
            return out
        q = np.round(xy[ok] * 1000.0).astype(np.int64)
        order = np.lexsort((q[:, 1], q[:, 0]))  # equal positions side by side
        sq = q[order]
        new = np.r_[True, (sq[1:] != sq[:-1]).any(axis=1)]
        run = np.cumsum(new) - 1  # group number along the sorted order
        size = np.bincount(run)
        group = np.empty(len(q), dtype=np.int64)
        group[order] = np.where(size[run] > 1, run, -1)
        out[np.flatnonzero(ok)] = group
        return out

    LINE_LABEL_FRACTIONS = (0.5, 0.3, 0.7)  # where along a line its name may go, best first

    @cached_property
    def label_anchor(self) -> np.ndarray:
        """Where a label goes: points at the point, lines at mid-length, polygons inside."""
        if self.kind == "line":
            return self.line_label_slots[:, 0, :2]
        return self.point_xy

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
                return [raw_text(v) for v in self.gdf[col].tolist()]
        return [str(i) for i in range(self.n)]

    @cached_property
    def id_array(self) -> np.ndarray:
        """`ids` as a numpy array (selection tests over many rows at once)."""
        return np.array(self.ids, dtype=object)

    def class_keys(self, columns: tuple[str, ...]) -> np.ndarray:
        keys = self._class_keys.get(columns)
        if keys is None:
            if not columns:
                keys = np.array([""] * self.n, dtype=object)
            else:
                per_col = []
                for col in columns:
                    per_col.append(column_keys(self.gdf[col], col) if col in self.gdf.columns
                                   else np.full(self.n, "", dtype=object))
                keys = per_col[0]
                for more in per_col[1:]:  # "kind|status": joined column by column, not row by row
                    keys = keys + "|" + more
            self._class_keys[columns] = keys
        return keys

    def memo(self, key: tuple, compute):
        """Per-feature keys of another classification (graduated breaks), computed once per key."""
        found = self._class_keys.get(key)
        if found is None:
            found = self._class_keys[key] = compute()
        return found

    def label_texts(self, column: str, fallback: str | None = None) -> list[str]:
        """Per feature: the stripped text of `column`, else of `fallback`, else "" (memoised)."""
        key = (column, fallback)
        texts = self._label_texts.get(key)
        if texts is None:
            values = self.gdf[column].tolist()
            spare = self.gdf[fallback].tolist() if fallback else [None] * self.n
            texts = [raw_text(v).strip() or raw_text(f).strip() for v, f in zip(values, spare)]
            self._label_texts[key] = texts
        return texts

    @cached_property
    def themes(self) -> list[tuple[str, ...]] | None:
        col = self.column("themes")
        return None if col is None else [tuple(split_themes(v)) for v in col.tolist()]

    @cached_property
    def statuses(self) -> np.ndarray | None:
        col = self.column("status")
        return None if col is None else np.array([raw_text(v) for v in col.tolist()], dtype=object)

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
        return [search_key([raw_text(v) for v in row]) for row in rows]

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
            t = raw_text(v)
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


def prepare(gdf, districts=None) -> LayerCache:
    """Build a new layer's cache ahead of its first frame (an import's worker calls this, so the
    window's thread never projects or indexes a big file); the layer added later shares it."""
    cache = shared_cache(gdf, districts)
    if cache.bulk and cache.kind == "point":
        cache.coincident  # noqa: B018 - built now, kept
    elif cache.bulk:
        cache.rings(-1)
    return cache

"""The one renderer: the window, every export and the benchmark call this.

`MapRequest` is a plain value (what to draw, where, at which size and dpi);
`render(request, painter)` paints it onto any QPainter (QImage, QSvgGenerator,
QPdfWriter) and returns what it drew: per-layer feature counts and the legend
classes actually shown.  Sizes are points scaled by dpi, so a 300-dpi export
looks like the screen.

Speed: geometry is projected, indexed and simplified once per layer (see
`feature_cache.py`); a frame queries the STRtree for the visible features, picks
a level of detail from map units per pixel, and draws cached QPainterPaths under
a painter world transform with cosmetic pens (raster devices); wide lines are
segment lists (the raster engine's fast path), point symbols and labels cached sprites.  Vector devices get
the paths mapped to page units and real pens instead, so SVG/PDF stay exact.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPaintEngine, QPen,
                           QPolygonF, QTransform)

from layers.model.document import MapDocument
from layers.model.layer_cache import pick_lod
from layers.model.filter import Filter
from layers.render.fonts import ensure_gui_app, map_font
from layers.render.displacement import displace
from layers.render.labels import LabelCandidate, place_labels
from layers.model.style import DASHES, Style, StyleClass

DEFAULT_BACKGROUND = "#dfe9f0"  # pale blue-grey: outside the districts reads as "beyond the map"
SELECTION_COLOR = "#00b4ff"
LEADER_COLOR = "#555555"  # displacement leaders and centre markers
_HAIRLINE_MAX = 1.25  # raster lines up to this width (px) are drawn one pixel wide


# ---- view transform ---------------------------------------------------------------

@dataclass(frozen=True)
class ViewTransform:
    """Display CRS <-> pixels.  The requested extent is fitted and centred (aspect kept)."""

    extent: tuple[float, float, float, float]  # the effective extent: exactly what the pixels show
    width: int
    height: int
    scale: float  # pixels per map unit

    @classmethod
    def fit(cls, extent, width: int, height: int) -> "ViewTransform":
        x0, y0, x1, y1 = (float(v) for v in extent)
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"extent {extent} is empty")
        if width <= 0 or height <= 0:
            raise ValueError(f"image size {width}x{height} must be positive")
        scale = min(width / (x1 - x0), height / (y1 - y0))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hw, hh = width / scale / 2, height / scale / 2
        return cls((cx - hw, cy - hh, cx + hw, cy + hh), int(width), int(height), scale)

    @property
    def map_units_per_pixel(self) -> float:
        return 1.0 / self.scale

    def to_pixel(self, x, y):
        return (np.asarray(x) - self.extent[0]) * self.scale, (self.extent[3] - np.asarray(y)) * self.scale

    def to_map(self, px, py):
        return self.extent[0] + np.asarray(px) / self.scale, self.extent[3] - np.asarray(py) / self.scale

    def qtransform(self) -> QTransform:
        s = self.scale
        return QTransform(s, 0, 0, -s, -self.extent[0] * s, self.extent[3] * s)

    def pan(self, dx_px: float, dy_px: float) -> "ViewTransform":
        d = (-dx_px / self.scale, dy_px / self.scale)
        x0, y0, x1, y1 = self.extent
        return ViewTransform((x0 + d[0], y0 + d[1], x1 + d[0], y1 + d[1]), self.width, self.height, self.scale)

    def zoom(self, factor: float, px: float | None = None, py: float | None = None) -> "ViewTransform":
        """Zoom in by `factor` (>1) keeping the map point under pixel (px, py) fixed."""
        px = self.width / 2 if px is None else px
        py = self.height / 2 if py is None else py
        mx, my = self.to_map(px, py)
        s = self.scale * factor
        x0 = float(mx) - px / s
        y1 = float(my) + py / s
        return ViewTransform((x0, y1 - self.height / s, x0 + self.width / s, y1), self.width, self.height, s)


# ---- request and result -----------------------------------------------------------------

@dataclass(frozen=True)
class MapRequest:
    """Everything a render needs.  `document` is read, never changed (pass `doc.snapshot()`
    when the document may change during a background render).  None means "the document's"."""

    document: MapDocument
    extent: tuple[float, float, float, float] | None = None
    width: int = 800
    height: int = 600
    dpi: float = 96.0
    labels: bool = True
    selection: Mapping[str, Any] | None = None
    background: str | None = DEFAULT_BACKGROUND
    language: str | None = None
    filter: Filter | None = None
    layers: tuple[str, ...] | None = None  # only these layers (still in document order)

    def view(self) -> ViewTransform:
        extent = self.extent or self.document.extent or self.document.full_extent()
        return ViewTransform.fit(extent, self.width, self.height)

    @property
    def px_per_pt(self) -> float:
        return self.dpi / 72.0


@dataclass(frozen=True)
class LegendEntry:
    layer: str
    layer_title_zh: str
    layer_title_en: str
    key: str
    label_zh: str
    label_en: str
    style: Style
    geometry: str  # point / line / polygon
    count: int

    def label(self, language: str = "zh") -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass
class RenderResult:
    drawn: dict[str, int] = field(default_factory=dict)
    legend: list[LegendEntry] = field(default_factory=list)  # topmost layer first
    labels: list = field(default_factory=list)  # layers.render.labels.PlacedLabel
    # (layer name, feature row) -> pixel position where the point's symbol was drawn: after
    # displacement of coincident points, so hit tests find the symbol the user sees
    point_positions: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    view: ViewTransform | None = None
    cancelled: bool = False
    elapsed_ms: float = 0.0

    def point_map_positions(self) -> dict[tuple[str, int], tuple[float, float]]:
        """`point_positions` in display-CRS metres (for hit tests in map coordinates)."""
        if self.view is None or not self.point_positions:
            return {}
        keys = list(self.point_positions)
        px, py = np.array([self.point_positions[k] for k in keys], dtype=float).T
        mx, my = self.view.to_map(px, py)
        return {k: (float(a), float(b)) for k, a, b in zip(keys, mx.tolist(), my.tolist())}


# ---- drawing helpers ---------------------------------------------------------------

def qcolor(hex_color: str, alpha: float = 1.0) -> QColor:
    c = QColor(hex_color)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


def make_pen(color: str, width_px: float, dash: str = "solid", cosmetic: bool = True) -> QPen:
    pen = QPen(qcolor(color), max(width_px, 0.1))
    pen.setCosmetic(cosmetic)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pattern = DASHES.get(dash, ()) if isinstance(dash, str) else tuple(dash)
    if pattern:
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setDashPattern(list(pattern))
    else:
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


_SYMBOL_CACHE: dict[tuple[str, float], QPainterPath] = {}


def symbol_path(symbol: str, size_px: float) -> QPainterPath:
    """A point symbol of diameter `size_px` centred on (0, 0)."""
    key = (symbol, round(size_px, 2))
    path = _SYMBOL_CACHE.get(key)
    if path is not None:
        return path
    r = size_px / 2
    path = QPainterPath()

    def polygon(n: int, radius: float, start_deg: float, inner: float | None = None):
        pts = []
        steps = n * 2 if inner else n
        for k in range(steps):
            rr = radius if (inner is None or k % 2 == 0) else radius * inner
            a = math.radians(start_deg + 360.0 * k / steps)
            pts.append(QPointF(rr * math.cos(a), -rr * math.sin(a)))
        path.addPolygon(QPolygonF(pts))
        path.closeSubpath()

    if symbol == "square":
        path.addRect(QRectF(-r * 0.88, -r * 0.88, r * 1.76, r * 1.76))
    elif symbol == "triangle":
        polygon(3, r * 1.15, 90)
    elif symbol == "triangle_down":
        polygon(3, r * 1.15, -90)
    elif symbol == "diamond":
        polygon(4, r * 1.15, 90)
    elif symbol == "star":
        polygon(5, r * 1.25, 90, inner=0.45)
    elif symbol == "hexagon":
        polygon(6, r * 1.05, 0)
    elif symbol == "pentagon":
        polygon(5, r * 1.08, 90)
    elif symbol == "plus":
        t = r * 0.38
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in (
            (-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t), (t, r), (-t, r), (-t, t), (-r, t), (-r, -t), (-t, -t))]))
        path.closeSubpath()
    elif symbol == "cross":
        plus = symbol_path("plus", size_px * 1.05)
        path = QTransform().rotate(45).map(plus)
    else:  # circle
        path.addEllipse(QPointF(0, 0), r, r)
    path.setFillRule(Qt.FillRule.WindingFill)
    _SYMBOL_CACHE[key] = path
    return path


_TEXT_CACHE: dict[tuple[str, float, float, bool], tuple[QPainterPath, QRectF]] = {}


def text_path(text: str, size_pt: float, dpi: float, bold: bool) -> tuple[QPainterPath, QRectF]:
    """Glyph outlines of `text` with the baseline-left at (0, 0), and their box (cached)."""
    key = (text, size_pt, dpi, bold)
    hit = _TEXT_CACHE.get(key)
    if hit is None:
        font = map_font(size_pt, dpi, bold=bold)
        path = QPainterPath()
        path.addText(0, 0, font, text)
        fm = QFontMetricsF(font)
        box = QRectF(0, -fm.ascent(), fm.horizontalAdvance(text), fm.ascent() + fm.descent())
        if len(_TEXT_CACHE) > 5000:
            _TEXT_CACHE.clear()
        hit = _TEXT_CACHE[key] = (path, box)
    return hit


def _is_raster(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (QPaintEngine.Type.Raster, QPaintEngine.Type.OpenGL2)


def _selection_for(request: MapRequest) -> dict[str, set[str]]:
    sel = request.selection if request.selection is not None else request.document.selection
    return {k: {str(i) for i in v} for k, v in (sel or {}).items()}


# ---- the renderer ---------------------------------------------------------------------

def render(request: MapRequest, painter: QPainter, cancel: Callable[[], bool] | None = None) -> RenderResult:
    """Paint the request onto `painter` (device pixels = request width x height)."""
    t0 = time.perf_counter()
    if cancel is not None and not callable(cancel) and hasattr(cancel, "is_set"):
        cancel = cancel.is_set  # a threading.Event works too
    ensure_gui_app()
    doc = request.document
    view = request.view()
    result = RenderResult(view=view)
    language = request.language or doc.language
    flt = request.filter if request.filter is not None else doc.filter
    ppt = request.px_per_pt
    raster = _is_raster(painter)
    world = view.qtransform()
    lod = pick_lod(view.map_units_per_pixel)
    selection = _selection_for(request)
    wanted = None if request.layers is None else set(request.layers)

    painter.save()
    legend_by_layer: list[list[LegendEntry]] = []
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if request.background:
            painter.fillRect(QRectF(0, 0, view.width, view.height), qcolor(request.background))
        painter.setClipRect(QRectF(0, 0, view.width, view.height))

        label_jobs = []  # (layer, cache, indices) whose labels are placed after all geometry
        obstacles: list[QRectF] = []
        selected_draws = []

        for layer in doc.layers:
            if cancel is not None and cancel():
                result.cancelled = True
                break
            if not layer.visible or (wanted is not None and layer.name not in wanted) or layer.data is None:
                continue
            cache = layer.cache
            idx = cache.visible(view.extent)
            if len(idx):
                keep = flt.mask(layer)
                idx = idx[keep[idx]]
            result.drawn[layer.name] = int(len(idx))
            if not len(idx):
                continue
            style = layer.style
            keys = cache.class_keys(style.fields)[idx]
            # classes in the style's order (stable drawing and legend order), unknown keys after
            order = {k: i for i, k in enumerate(style.classes)}
            groups: dict[str, np.ndarray] = {}
            for key in sorted(set(keys.tolist()), key=lambda k: (order.get(k, len(order)), k)):
                groups[key] = idx[keys == key]
            classes = {key: style.style_class(key, (layer.title_zh, layer.title_en)) for key in groups}

            painter.setOpacity(max(0.0, min(1.0, layer.opacity)))
            shown = None  # point layers: displayed pixel positions (displacement applied)
            if cache.kind == "polygon":
                _draw_polygons(painter, cache, groups, classes, lod, world, raster, ppt)
            elif cache.kind == "line":
                _draw_lines(painter, cache, groups, classes, lod, world, raster, ppt)
            else:
                shown = _displaced_positions(cache, idx, classes.values(), view, ppt, style.displace_points)
                obstacles.extend(_draw_points(painter, cache, groups, classes, view, ppt, style.label_priority * 100.0, shown))
                result.point_positions.update(
                    ((layer.name, i), (x, y)) for i, x, y in zip(idx.tolist(), shown[0][idx].tolist(), shown[1][idx].tolist()))
            painter.setOpacity(1.0)

            entries = [LegendEntry(layer.name, layer.title_zh, layer.title_en, key, c.label_zh, c.label_en, c.style,
                                   cache.kind, int(len(groups[key]))) for key, c in classes.items()]
            focus = _focus_indices(layer, cache, idx, flt)
            if len(focus):
                _draw_polygons(painter, cache, {"focus": focus}, {"focus": FOCUS_CLASS}, lod, world, raster, ppt)
                entries.insert(0, LegendEntry(layer.name, layer.title_zh, layer.title_en, "focus", FOCUS_CLASS.label_zh,
                                              FOCUS_CLASS.label_en, FOCUS_CLASS.style, cache.kind, int(len(focus))))
            legend_by_layer.append(entries)
            ids = selection.get(layer.name)
            if ids:
                chosen = [i for i in idx.tolist() if cache.ids[i] in ids]
                if chosen:
                    selected_draws.append((cache, chosen, shown))
            col = layer.label_column(language)
            if request.labels and layer.show_labels and col:
                label_jobs.append((layer, cache, idx, keys, classes, col, shown))

        if not result.cancelled:
            for cache, chosen, shown in selected_draws:
                _draw_selection(painter, cache, chosen, lod, world, raster, view, ppt, shown)
            if label_jobs:
                result.labels = _draw_labels(painter, label_jobs, view, request.dpi, obstacles, cancel)
                if cancel is not None and cancel():
                    result.cancelled = True
        result.legend = [e for entries in reversed(legend_by_layer) for e in entries]
    finally:  # a failing layer must not leave the caller's painter transformed or clipped
        painter.restore()
    result.elapsed_ms = (time.perf_counter() - t0) * 1000.0
    return result


# Boundary layers are not hidden by a place filter (the map would lose its base); the
# selected districts are outlined instead.
FOCUS_CLASS = StyleClass("focus", "筛选地区", "Selected area",
                         Style(fill="#3b4cc0", fill_opacity=0.10, stroke="#2f3e9e", width_pt=1.8))


def _focus_indices(layer, cache, idx, flt: Filter) -> np.ndarray:
    """Polygons of a boundary layer that lie wholly in the filter's place selection."""
    dims = layer.filter_dims
    if cache.kind != "polygon" or "adcode" not in cache.gdf.columns or dims is None or "place" in dims:
        return np.zeros(0, dtype=np.int64)
    wanted = flt.place_adcodes(cache._districts)
    if wanted is None:
        return np.zeros(0, dtype=np.int64)
    adcodes = cache.adcodes
    return np.asarray([i for i in idx.tolist() if adcodes[i] and adcodes[i] <= wanted], dtype=np.int64)


def _brush(style: Style) -> QBrush:
    if not style.fill:
        return QBrush(Qt.BrushStyle.NoBrush)
    return QBrush(qcolor(style.fill, style.fill_opacity))


def _paths(cache, indices, lod, world, raster):
    """Yield paths ready to draw: cached map-unit paths (world transform) or mapped copies."""
    if raster:
        for i in indices.tolist():
            yield cache.path(i, lod)
    else:
        for i in indices.tolist():
            yield world.map(cache.path(i, lod))


def _begin_world(painter, world, raster):
    if raster:
        painter.setWorldTransform(world)
    else:
        painter.resetTransform()


def _stroke(painter: QPainter, paths: list[QPainterPath], color: str, width_px: float, dash, raster: bool,
            world: QTransform, segments: Callable[[], list] | None = None) -> None:
    """Stroke paths (map units under `world` on raster devices, device units otherwise).

    Qt's antialiased stroker is slow for pens wider than one pixel (it outlines the whole
    path with joins, then fills the outline: a 3.7-px railway casing costs ~3.5 ms a
    frame), while a list of separate segments takes the raster engine's per-line fast
    path (~0.6 ms).  So on raster devices opaque wide lines are drawn as their segments
    (`segments()`, cached per feature) with square caps, which cover the joins; dashes
    run on across segments.  Translucent lines keep the path (caps would overlap and darken).
    """
    if not paths or width_px <= 0:
        return
    if raster and width_px <= _HAIRLINE_MAX:
        width_px = 1.0  # the cosmetic one-pixel fast path; a fifth of a pixel less does not show
    opaque = painter.opacity() >= 0.999 and QColor(color).alpha() == 255
    if raster and width_px > 1.0 and opaque and segments is not None:
        pen = make_pen(color, width_px, dash, cosmetic=True)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap if pen.dashPattern() else Qt.PenCapStyle.SquareCap)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLines(segments())
        return
    pen = make_pen(color, width_px, dash, cosmetic=raster)
    if raster and width_px > 1.0:
        pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # round joins double the raster cost
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for path in paths:
        painter.drawPath(path)


def _segment_supplier(cache, indices, lod):
    """A callable returning the merged segment list of `indices` (built on first call only)."""
    memo: list = []

    def get():
        if not memo:
            out: list = []
            for i in indices.tolist():
                out.extend(cache.segments(i, lod))
            memo.append(out)
        return memo[0]
    return get


def _draw_polygons(painter, cache, groups, classes, lod, world, raster, ppt):
    _begin_world(painter, world, raster)
    for key, indices in groups.items():
        st = classes[key].style
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        paths = list(_paths(cache, indices, lod, world, raster))
        if st.fill:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_brush(st))
            # an antialiased outline covers the fill's edge: an aliased fill is 4x cheaper and looks the same
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, not (raster and st.stroke))
            for path in paths:
                painter.drawPath(path)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        segments = _segment_supplier(cache, indices, lod)
        if st.casing and st.casing_width_pt > 0:  # a pale halo under the outline (the circle)
            _stroke(painter, paths, st.casing, st.casing_width_pt * ppt, st.casing_dash, raster, world, segments)
        if st.stroke:
            _stroke(painter, paths, st.stroke, st.width_pt * ppt, st.dash, raster, world, segments)
        painter.restore()
    painter.resetTransform()


def _draw_lines(painter, cache, groups, classes, lod, world, raster, ppt):
    _begin_world(painter, world, raster)
    paths = {key: list(_paths(cache, indices, lod, world, raster)) for key, indices in groups.items()}
    segments = {key: _segment_supplier(cache, indices, lod) for key, indices in groups.items()}
    # all casings first, then all cores: crossings of the same kind merge like on a printed map
    for pass_ in ("casing", "core"):
        for key in groups:
            st = classes[key].style
            painter.save()
            painter.setOpacity(painter.opacity() * st.opacity)
            if pass_ == "casing" and st.casing and st.casing_width_pt > 0:
                _stroke(painter, paths[key], st.casing, st.casing_width_pt * ppt, st.casing_dash, raster, world,
                        segments[key])
            elif pass_ == "core" and st.stroke:
                _stroke(painter, paths[key], st.stroke, st.width_pt * ppt, st.dash, raster, world, segments[key])
            painter.restore()
    painter.resetTransform()


def _label_priority(base: float, st: Style) -> float:
    return base + st.label_size_pt * 2


def _displaced_positions(cache, idx, classes, view, ppt, spread=True) -> tuple[np.ndarray, np.ndarray, list, float]:
    """Pixel positions of the layer's points as drawn: (x, y) arrays over all features (NaN
    where not drawn), the displacement clusters (centre, spots) and the symbol size (px).  Points closer than half a symbol are
    spread on a ring/spiral (layers.render.displacement); the data is never moved."""
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


def _draw_points(painter, cache, groups, classes, view, ppt, base_priority: float, shown) -> list[tuple[tuple, float]]:
    """Draw point symbols at their displayed positions `shown` (see _displaced_positions),
    leaders and centre markers first; return their boxes as label obstacles with a weight
    just above their own labels' priority (labels of the same class never cover these symbols)."""
    painter.resetTransform()
    raster = _is_raster(painter)
    # a label of higher priority than the layer's own + 50 (a city name over projects) may still
    # cover a spread symbol; district seat names may not
    boxes = _draw_clusters(painter, shown[2], shown[3], ppt, base_priority + 50.0 + max(
        (_label_priority(0.0, c.style) for c in classes.values()), default=0.0) + 0.5)
    for key, indices in groups.items():
        st = classes[key].style
        px, py = shown[0][indices], shown[1][indices]
        if raster:  # a cached sprite per style: ~4x cheaper than filling and stroking a path
            sprite, off = _symbol_sprite(st, ppt)
            half = st.symbol_size_pt * ppt / 2
            weight = _label_priority(base_priority, st) + 0.5
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
        painter.setBrush(_brush(st))
        painter.setPen(make_pen(st.stroke, st.width_pt * ppt, st.dash, cosmetic=False) if st.stroke else Qt.PenStyle.NoPen)
        half = st.symbol_size_pt * ppt / 2
        weight = _label_priority(base_priority, st) + 0.5
        for x, y in zip(px.tolist(), py.tolist()):
            if x != x or y != y:  # empty geometry
                continue
            painter.drawPath(sym.translated(x, y))
            boxes.append(((x - half, y - half, x + half, y + half), weight))
        painter.restore()
    return boxes


def _draw_selection(painter, cache, chosen, lod, world, raster, view, ppt, shown=None):
    color = SELECTION_COLOR
    if cache.kind == "point":
        painter.resetTransform()
        px, py = shown[0][chosen], shown[1][chosen]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(make_pen(color, 2.0 * ppt, cosmetic=False))
        for x, y in zip(px.tolist(), py.tolist()):
            painter.drawEllipse(QPointF(x, y), 7 * ppt, 7 * ppt)
        return
    _begin_world(painter, world, raster)
    painter.setBrush(QBrush(qcolor(color, 0.18)) if cache.kind == "polygon" else Qt.BrushStyle.NoBrush)
    painter.setPen(make_pen(color, 3.0 * ppt, cosmetic=raster))
    for path in _paths(cache, np.asarray(chosen), lod, world, raster):
        painter.drawPath(path)
    painter.resetTransform()


_NO_TURNS = (0.0,) * 8  # point labels are never turned (one per candidate position)


def _draw_labels(painter, jobs, view, dpi, obstacles, cancel):
    ppt = dpi / 72.0
    candidates = []
    for layer, cache, idx, keys, classes, col, shown in jobs:
        # English map, feature without an English name: its Chinese name rather than nothing
        fallback = layer.label_column("zh") if col != layer.label_column("zh") else None
        texts = cache.label_texts(col, fallback)
        line = cache.kind == "line"
        if line:  # several slots along each line (middle first), each with the line's direction
            slots = cache.line_label_slots[idx]
            pxs, pys = view.to_pixel(slots[:, :, 0], slots[:, :, 1])
            angles = -slots[:, :, 2]  # pixel y points down
            angles = np.where(angles > 90, angles - 180, np.where(angles <= -90, angles + 180, angles))
        else:
            if shown is not None:  # point symbols where they are drawn (displaced or not)
                pxs, pys = shown[0][idx], shown[1][idx]
            else:
                anchors = cache.label_anchor[idx]
                pxs, pys = view.to_pixel(anchors[:, 0], anchors[:, 1])
            pxs, pys, angles = pxs[:, None], pys[:, None], np.zeros((len(idx), 1))
        on_screen = (pxs >= -50) & (pxs <= view.width + 50) & (pys >= -50) & (pys <= view.height + 50)
        base_priority = layer.style.label_priority * 100.0
        areas = cache.area if cache.kind == "polygon" else None
        if areas is not None:  # polygons far too small on screen for any name (2 glyphs ~ 300 px²): skip early
            on_screen &= (areas[idx] * view.scale * view.scale >= 300.0)[:, None]
        point = cache.kind == "point"
        ids = cache.ids
        rows_idx, rows_key = idx.tolist(), keys.tolist()
        per_key: dict[str, tuple] = {}
        first_x, first_y = pxs[:, 0].tolist(), pys[:, 0].tolist()
        # rows with an anchor on screen (NaN compares false: no anchor), tested in one go
        for row in np.flatnonzero(on_screen.any(axis=1)).tolist():
            i, key = rows_idx[row], rows_key[row]
            px, py = first_x[row], first_y[row]
            text = texts[i]
            if not text:
                continue
            per = per_key.get(key)
            if per is None:  # per class: style, priority and (points) the gaps round the symbol
                st = classes[key].style
                gap = st.symbol_size_pt * ppt / 2 + 2 * ppt
                per = per_key[key] = (st, _label_priority(base_priority, st), gap, gap * 0.7)
            st, priority, gap, d = per  # d: diagonal positions hug the symbol
            path, box = text_path(text, st.label_size_pt, dpi, st.label_bold)
            w, h = box.width(), box.height()
            if point:
                positions = [(px + gap, py - h / 2, px + gap + w, py + h / 2),
                             (px - gap - w, py - h / 2, px - gap, py + h / 2),
                             (px + d, py - d - h, px + d + w, py - d), (px + d, py + d, px + d + w, py + d + h),
                             (px - d - w, py - d - h, px - d, py - d), (px - d - w, py + d, px - d, py + d + h),
                             (px - w / 2, py - gap - h, px + w / 2, py - gap), (px - w / 2, py + gap, px + w / 2, py + gap + h)]
                turns = _NO_TURNS
            elif line:
                positions, turns = [], []
                for x, y, angle, ok in zip(pxs[row].tolist(), pys[row].tolist(), angles[row].tolist(),
                                           on_screen[row].tolist()):
                    if not ok:
                        continue
                    angle = 0.0 if abs(angle) < 3 else angle
                    rad = math.radians(angle)
                    bw = abs(w * math.cos(rad)) + abs(h * math.sin(rad))  # box of the turned label
                    bh = abs(w * math.sin(rad)) + abs(h * math.cos(rad))
                    positions.append((x - bw / 2, y - bh / 2, x + bw / 2, y + bh / 2))
                    turns.append(angle)
            else:
                if areas is not None:
                    pix_area = areas[i] * view.scale * view.scale
                    if pix_area < w * h * 1.2:  # the name would not fit inside the polygon
                        continue
                    priority += min(20.0, math.log10(1 + pix_area))
                positions, turns = [(px - w / 2, py - h / 2, px + w / 2, py + h / 2)], [0.0]
            candidates.append(LabelCandidate(text, priority, positions, layer.name, ids[i], st, (path, box, turns)))
    if cancel is not None and cancel():
        return []
    placed = place_labels(candidates, view.width, view.height, obstacles, cell=max(48.0, 36 * ppt))
    painter.resetTransform()
    raster = _is_raster(painter)
    for lab in placed:
        path, box, turns = lab.payload
        angle = turns[lab.position]
        st = lab.style
        halo_px = max(1.0, 2.4 * ppt * st.label_size_pt / 8.0)
        centre = lab.rect.center()
        if raster:  # a cached sprite: stroking glyph outlines costs ~0.4 ms per label per frame
            if angle:  # turned text drawn turned into its own sprite: a transformed blit costs ~0.15 ms
                sprite, off = _turned_label_sprite(lab.text, path, box, st.label_color, halo_px, angle)
                painter.drawImage(QPointF(round(centre.x() - off.x()), round(centre.y() - off.y())), sprite)
            else:
                sprite, pad = _label_sprite(lab.text, path, box, st.label_color, halo_px)
                painter.drawImage(QPointF(round(lab.rect.left() - pad), round(lab.rect.top() - pad)), sprite)
            continue
        painter.save()  # vector devices: the glyph outlines themselves
        if angle:
            painter.translate(centre)
            painter.rotate(angle)
        origin = QPointF(-box.width() / 2, -box.height() / 2) if angle else lab.rect.topLeft()
        moved = path.translated(origin.x() - box.left(), origin.y() - box.top())
        painter.strokePath(moved, _halo_pen(halo_px))
        painter.fillPath(moved, qcolor(st.label_color))
        painter.restore()
    return placed


def _halo_pen(width_px: float) -> QPen:
    halo = QPen(QColor(255, 255, 255, 235), width_px)
    halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return halo


_SPRITES: dict[tuple, tuple[QImage, int]] = {}


def _keep_sprite(key: tuple, sprite: tuple):
    if len(_SPRITES) > 4000:  # bounded: labels of a long session must not grow without end
        _SPRITES.clear()
    _SPRITES[key] = sprite
    return sprite


def _sprite_canvas(width: int, height: int) -> tuple[QImage, QPainter]:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    return image, painter


def _paint_haloed(painter: QPainter, path: QPainterPath, color: str, halo_px: float) -> None:
    painter.strokePath(path, _halo_pen(halo_px))
    painter.fillPath(path, qcolor(color))
    painter.end()


def _symbol_sprite(st: Style, ppt: float) -> tuple[QImage, int]:
    """The point symbol of a style drawn once into a small image centred on pixel (off, off)."""
    key = ("symbol", st.symbol, st.symbol_size_pt, st.fill, st.fill_opacity, st.stroke, st.width_pt, st.dash, ppt)
    hit = _SPRITES.get(key)
    if hit is None:
        size_px = st.symbol_size_pt * ppt
        off = math.ceil(size_px * 0.75 + st.width_pt * ppt) + 1
        image, p = _sprite_canvas(2 * off + 1, 2 * off + 1)
        p.setBrush(_brush(st))
        p.setPen(make_pen(st.stroke, st.width_pt * ppt, st.dash, cosmetic=False) if st.stroke else Qt.PenStyle.NoPen)
        p.drawPath(symbol_path(st.symbol or "circle", size_px).translated(off + 0.5, off + 0.5))
        p.end()
        hit = _keep_sprite(key, (image, off))
    return hit


def _label_sprite(text: str, path: QPainterPath, box: QRectF, color: str, halo_px: float) -> tuple[QImage, int]:
    key = (text, box.width(), box.height(), color, round(halo_px, 2), path.elementCount())
    hit = _SPRITES.get(key)
    if hit is None:
        pad = math.ceil(halo_px) + 1
        image, p = _sprite_canvas(math.ceil(box.width()) + 2 * pad, math.ceil(box.height()) + 2 * pad)
        _paint_haloed(p, path.translated(pad - box.left(), pad - box.top()), color, halo_px)
        hit = _keep_sprite(key, (image, pad))
    return hit


def _turned_label_sprite(text: str, path: QPainterPath, box: QRectF, color: str, halo_px: float,
                         angle: float) -> tuple[QImage, QPointF]:
    """A label turned by `angle` degrees about its centre, drawn once (glyphs, not a rotated
    bitmap, so it stays crisp); returns the image and where the label's centre is in it."""
    angle = round(angle, 1)  # a line's label keeps its angle while panning and zooming: always a hit
    key = ("turned", text, box.width(), box.height(), color, round(halo_px, 2), path.elementCount(), angle)
    hit = _SPRITES.get(key)
    if hit is None:
        turn = QTransform().rotate(angle)
        w, h = box.width(), box.height()
        outer = turn.mapRect(QRectF(-w / 2, -h / 2, w, h))
        pad = math.ceil(halo_px) + 2
        image, p = _sprite_canvas(math.ceil(outer.width()) + 2 * pad, math.ceil(outer.height()) + 2 * pad)
        centre = QPointF(image.width() / 2, image.height() / 2)
        p.translate(centre)
        p.rotate(angle)
        _paint_haloed(p, path.translated(-w / 2 - box.left(), -h / 2 - box.top()), color, halo_px)
        hit = _keep_sprite(key, (image, centre))
    return hit


def render_image(request: MapRequest, cancel: Callable[[], bool] | None = None) -> QImage:
    """Render to a new ARGB image of request.width x request.height (dpi recorded in the image)."""
    return render_with_result(request, cancel)[0]


def render_with_result(request: MapRequest, cancel: Callable[[], bool] | None = None) -> tuple[QImage, RenderResult]:
    """Like render_image, also returning the RenderResult."""
    ensure_gui_app()
    image = QImage(int(request.width), int(request.height), QImage.Format.Format_ARGB32_Premultiplied)
    if not request.background or QColor(request.background).alpha() < 255:  # else render covers every pixel
        image.fill(Qt.GlobalColor.transparent)
    dpm = round(request.dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    painter = QPainter(image)
    try:
        result = render(request, painter, cancel)
    finally:
        painter.end()
    return image, result

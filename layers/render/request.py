"""What a render is asked for and what it answers: plain values, no painting.

`MapRequest` says what to draw, where, at which size and dpi; `ViewTransform` maps the
display CRS to pixels (the requested extent fitted and centred, aspect kept);
`RenderResult` is what a frame drew — per-layer counts, the legend classes actually
shown, placed labels and where each point symbol went.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from PySide6.QtGui import QTransform

from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.model.style import Style

DEFAULT_BACKGROUND = "#dfe9f0"  # pale blue-grey: outside the districts reads as "beyond the map"


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
    basemap: Any = None  # a layers.render.basemap.tile_basemap.TileBasemap: tiles under the layers
    # pixel boxes (x, y, width, height) no label may enter: furniture drawn over the map (a scale bar)
    keep_clear: tuple[tuple[float, float, float, float], ...] = ()
    attribution: bool = True  # the basemap's credit in the bottom-right corner (a pan cache adds it to each cut)

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


class PointPositions(Mapping):
    """{(layer, row): (px, py)} of the symbols drawn; big layers hand in arrays (`add`), turned
    into entries only when someone looks (a click's hit test), not in every frame."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], tuple[float, float]] = {}
        self._pending: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, layer: str, rows: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> None:
        self._pending.append((layer, rows, xs, ys))

    def update(self, items) -> None:
        self._entries.update(items)

    def shifted(self, dx: float, dy: float) -> "PointPositions":
        """The same positions moved by (dx, dy) pixels (a cut of a larger frame: its origin moved)."""
        out = PointPositions()
        out._entries = {k: (x + dx, y + dy) for k, (x, y) in self._entries.items()}
        out._pending = [(layer, rows, np.asarray(xs) + dx, np.asarray(ys) + dy) for layer, rows, xs, ys in self._pending]
        return out

    def __setitem__(self, key, value) -> None:
        self._entries[key] = value

    def _all(self) -> dict:
        for layer, rows, xs, ys in self._pending:
            self._entries.update(((layer, r), (x, y)) for r, x, y in zip(rows.tolist(), xs.tolist(), ys.tolist()))
        self._pending = []
        return self._entries

    def __getitem__(self, key):
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._entries) + sum(len(p[1]) for p in self._pending)


@dataclass
class RenderResult:
    drawn: dict[str, int] = field(default_factory=dict)
    legend: list[LegendEntry] = field(default_factory=list)  # topmost layer first
    labels: list = field(default_factory=list)  # layers.render.labels.PlacedLabel
    # (layer name, feature row) -> pixel position where the point's symbol was drawn: after
    # displacement of coincident points, so hit tests find the symbol the user sees
    point_positions: PointPositions = field(default_factory=PointPositions)
    symbols: dict[str, int] = field(default_factory=dict)  # point symbols drawn per layer (big layers thin them)
    view: ViewTransform | None = None
    basemap: Any = None  # the basemap's BasemapReport (tiles drawn, missing, pending) when one was asked for
    cancelled: bool = False
    # how the frame was made (layers/render/pan_cache.py): "direct", "padded" or "cached" (cut from a kept frame)
    frame_source: str = "direct"
    # per layer drawn: (its LayerCache, the filter's mask or None when nothing met the view), so a cut
    # of a larger frame can count what its own view shows
    counted: dict = field(default_factory=dict, repr=False)

    def point_map_positions(self) -> dict[tuple[str, int], tuple[float, float]]:
        """`point_positions` in display-CRS metres (for hit tests in map coordinates)."""
        if self.view is None or not self.point_positions:
            return {}
        keys = list(self.point_positions)
        px, py = np.array([self.point_positions[k] for k in keys], dtype=float).T
        mx, my = self.view.to_map(px, py)
        return {k: (float(a), float(b)) for k, a, b in zip(keys, mx.tolist(), my.tolist())}

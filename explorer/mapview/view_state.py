"""The canvas's view as a plain value: centre and resolution in the display CRS.

Kept free of widgets so pan/zoom arithmetic is testable on its own.  Pixel y grows
downwards, map y upwards.  The extent handed to the renderer always has the widget's
aspect ratio, so the renderer's pixel mapping and this one agree exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

MIN_RESOLUTION = 1.0  # m per pixel: closer than street level says nothing for this data
MAX_RESOLUTION = 20_000.0  # m per pixel: the whole of China fits at this
MAX_COORD = 1e8  # m from the display origin, far beyond the globe: a saved centre past it is damaged


@dataclass(frozen=True)
class ViewState:
    cx: float
    cy: float
    resolution: float  # display-CRS units (metres) per pixel
    width: int
    height: int

    @staticmethod
    def fit(extent: tuple[float, float, float, float], width: int, height: int, margin: float = 0.04) -> "ViewState":
        """The view that shows `extent` whole, centred, with a small margin."""
        xmin, ymin, xmax, ymax = (float(v) for v in extent)  # numpy scalars would leak into Qt calls
        width, height = max(width, 1), max(height, 1)
        span_x = max(xmax - xmin, 1.0) * (1 + 2 * margin)
        span_y = max(ymax - ymin, 1.0) * (1 + 2 * margin)
        res = _clamp(max(span_x / width, span_y / height))
        return ViewState((xmin + xmax) / 2, (ymin + ymax) / 2, res, width, height)

    def extent(self) -> tuple[float, float, float, float]:
        half_w = self.width * self.resolution / 2
        half_h = self.height * self.resolution / 2
        return (self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h)

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        return (
            self.cx + (px - self.width / 2) * self.resolution,
            self.cy - (py - self.height / 2) * self.resolution,
        )

    def to_pixel(self, x: float, y: float) -> tuple[float, float]:
        return (
            (x - self.cx) / self.resolution + self.width / 2,
            (self.cy - y) / self.resolution + self.height / 2,
        )

    def panned(self, dx_px: float, dy_px: float) -> "ViewState":
        """Content moves by (dx, dy) pixels, as when dragging the map."""
        return replace(self, cx=self.cx - dx_px * self.resolution, cy=self.cy + dy_px * self.resolution)

    def zoomed(self, factor: float, px: float | None = None, py: float | None = None) -> "ViewState":
        """Zoom in by `factor` (>1 closer) keeping the map point under (px, py) fixed."""
        px = self.width / 2 if px is None else px
        py = self.height / 2 if py is None else py
        anchor = self.to_map(px, py)
        res = _clamp(self.resolution / factor)
        cx = anchor[0] - (px - self.width / 2) * res
        cy = anchor[1] + (py - self.height / 2) * res
        return replace(self, cx=cx, cy=cy, resolution=res)

    def resized(self, width: int, height: int) -> "ViewState":
        return replace(self, width=max(width, 1), height=max(height, 1))

    def to_dict(self) -> dict:
        return {"cx": self.cx, "cy": self.cy, "resolution": self.resolution}

    @staticmethod
    def from_dict(data: dict, width: int, height: int) -> "ViewState":
        """A saved view; ValueError/KeyError/TypeError for a damaged one (NaN, or so far out that the
        extent collapses in floating point and every render fails)."""
        cx, cy, res = float(data["cx"]), float(data["cy"]), float(data["resolution"])
        if not all(math.isfinite(v) for v in (cx, cy, res)) or max(abs(cx), abs(cy)) > MAX_COORD:
            raise ValueError(f"not a usable view: {cx}, {cy}, {res}")
        return ViewState(cx, cy, _clamp(res), max(width, 1), max(height, 1))


def image_transform(old: ViewState, new: ViewState) -> tuple[float, float, float]:
    """(scale, dx, dy) that places an image rendered for `old` where it belongs in `new`.

    Used while a fresh render is pending: the last image is shown shifted/scaled so
    panning and zooming respond at once.
    """
    scale = old.resolution / new.resolution
    # old pixel (0, 0) is this map point; find it in the new view
    x0, y0 = old.to_map(0, 0)
    dx, dy = new.to_pixel(x0, y0)
    return scale, dx, dy


def _clamp(resolution: float) -> float:
    return min(max(resolution, MIN_RESOLUTION), MAX_RESOLUTION)


def scale_denominator(view: ViewState, dpi: float = 96.0) -> float:
    """N of "1:N" at the view centre, from a geodesic measure across 100 screen pixels.

    The display CRS is conformal but its scale varies, so the ground length of a pixel
    row at the centre is measured on the ellipsoid rather than taken as `resolution`.
    """
    from geodata.coords.projection import display_to_lonlat, geodesic_distance_m

    half = 50 * view.resolution
    lon1, lat1 = display_to_lonlat(view.cx - half, view.cy)
    lon2, lat2 = display_to_lonlat(view.cx + half, view.cy)
    metres_per_pixel = geodesic_distance_m(lon1, lat1, lon2, lat2) / 100
    return metres_per_pixel / (0.0254 / dpi)

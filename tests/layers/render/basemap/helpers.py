"""Shared pieces of the basemap tests: marker points, a document holding them, pixel measures."""
from __future__ import annotations

import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from geodata.core.message import plain
from layers.model.document import MapDocument, MapLayer
from layers.model.style import LayerStyle, Style
from layers.render.basemap.providers import BasemapSource, TileSet

# a grid over the whole region (full-circle scale) and a finer one round 大足 (district scale)
COARSE = [(float(lon), float(lat)) for lon in np.linspace(102.3, 109.7, 9) for lat in np.linspace(28.1, 32.4, 6)]
FINE = [(float(lon), float(lat)) for lon in np.linspace(105.52, 105.98, 6) for lat in np.linspace(29.42, 29.88, 5)]
MARKERS = COARSE + FINE
DISTRICT_BBOX = (105.5, 29.4, 106.0, 29.9)


def source(url: str, datum: str = "wgs84", name: str = "test") -> BasemapSource:
    tileset = TileSet(f"{name}-{datum}", url=url, datum=datum)
    return BasemapSource("url", plain(name), (tileset,), plain("test tiles © 127.0.0.1"))


def marker_document() -> MapDocument:
    gdf = gpd.GeoDataFrame({"id": [f"m{i}" for i in range(len(MARKERS))]},
                           geometry=[Point(lon, lat) for lon, lat in MARKERS], crs=4326)
    style = LayerStyle(base=Style(fill="#0000ff", stroke=None, symbol="circle", symbol_size_pt=3),
                       displace_points=False)
    return MapDocument([MapLayer("markers", gdf, style=style, label_field=None)])


def pixels(image) -> np.ndarray:
    """H×W×4 uint8 (B, G, R, A) view of a 32-bit QImage."""
    a = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return a[:, :image.width()]


def marker_centre(image, ex: float, ey: float, r: int = 12):
    """Weighted centre (pixel coordinates, centres at +0.5) of the magenta near (ex, ey), or None."""
    a = pixels(image).astype(float)
    h, w = a.shape[:2]
    x0, x1 = max(0, int(ex) - r), min(w, int(ex) + r + 1)
    y0, y1 = max(0, int(ey) - r), min(h, int(ey) + r + 1)
    win = a[y0:y1, x0:x1]
    weight = np.clip(np.minimum(win[..., 2], win[..., 0]) - win[..., 1], 0, None)
    if weight.sum() < 255 * 10:  # not even ten full magenta pixels: no marker here
        return None
    ys, xs = np.mgrid[y0:y1, x0:x1]
    return float((weight * xs).sum() / weight.sum() + 0.5), float((weight * ys).sum() / weight.sum() + 0.5)


def background_pixels(image, rgb=(255, 0, 0)) -> int:
    """Pixels still showing (or blended with) the pure-red request background: a seam or a hole."""
    a = pixels(image).astype(int)
    return int(((a[..., 2] > 150) & (a[..., 1] < 150) & (a[..., 0] < 150)).sum())


class Forwarder:
    """An opener that records what the fetcher asked for and answers from the local server."""

    def __init__(self, server) -> None:  # a tile_server.TileServer
        self.server = server
        self.seen: list[tuple[str, dict]] = []

    def open(self, request, timeout=None):
        url = request.full_url
        self.seen.append((url, {k.lower(): v for k, v in request.header_items()}))
        parts = urlsplit(url)
        q = parse_qs(parts.query)
        if "tianditu" in parts.netloc:
            z, x, y = q["l"][0], q["x"][0], q["y"][0]
        elif "autonavi" in parts.netloc:
            z, x, y = q["z"][0], q["x"][0], q["y"][0]
        else:
            z, x, y = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", parts.path).groups()
        kind = "gcj" if "autonavi" in parts.netloc else "xyz"
        return urllib.request.urlopen(f"http://127.0.0.1:{self.server.port}/{kind}/{z}/{x}/{y}.png", timeout=timeout)

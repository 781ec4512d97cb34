"""Tile maths: which Web Mercator tiles a view needs, at which zoom, and where they land.

Tiles are 256-px squares of spherical Web Mercator (EPSG:3857; for Amap the same grid laid
over GCJ-02 positions).  The map is drawn in the Lambert conformal conic of
`geodata/coords/projection.py`, so a tile lands as a slightly turned, slightly bent quadrilateral.
`tile_grid` gives display-CRS positions of a regular grid of n×n cells over a tile; each cell
is drawn with the projective transform of its four corners, and `cells_for_zoom` picks n so that
the straight-line approximation is off by at most `MAX_WARP_ERROR_PX` tile pixels anywhere in the
region.  Every tile of one zoom uses the same n, so neighbours share their edge points exactly
(no T-junction cracks between tiles).
"""
from __future__ import annotations

import math
from functools import lru_cache

import mercantile
import numpy as np

from geodata.coords.projection import REGION_LONLAT, display_bounds_to_lonlat, display_to_lonlat, lonlat_to_display
from layers.render.basemap.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

TILE_PX = 256
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6378137.0
MAX_WARP_ERROR_PX = 0.25  # of a tile pixel: with sampling (≤ 0.5 px) well under the 1-px alignment promise
MAX_TILES = 300  # per tile set and frame (a 1920×1080 frame needs ~60); beyond it the zoom steps down
Tile = tuple[int, int, int]  # (z, x, y), XYZ numbering (rows from the north)


def device_px_per_tile_px(dpi: float) -> float:
    """How many device pixels one tile pixel covers: 1 on screen; on a 300-dpi page about 2,
    so the tiles' own lettering prints at a readable size instead of a third of it."""
    return max(1.0, dpi / 144.0)


def zoom_for(view, dpi: float, min_zoom: int = 0, max_zoom: int = 19) -> int:
    """The tile zoom whose pixels best match the view's (see `device_px_per_tile_px`)."""
    cx, cy = (view.extent[0] + view.extent[2]) / 2, (view.extent[1] + view.extent[3]) / 2
    _, lat = display_to_lonlat(cx, cy)
    ground_per_tile_px = view.map_units_per_pixel * device_px_per_tile_px(dpi)
    z = math.log2(EARTH_CIRCUMFERENCE_M * math.cos(math.radians(float(lat))) / (TILE_PX * ground_per_tile_px))
    return int(min(max_zoom, max(min_zoom, round(z))))


def mercator_to_lonlat(u, v, z: int):
    """Tile-grid coordinates (fractional x, y at zoom z) -> spherical Web Mercator lon/lat."""
    n = float(1 << z)
    lon = np.asarray(u, dtype=float) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * np.asarray(v, dtype=float) / n))))
    return lon, lat


def lonlat_to_mercator(lon, lat, z: int):
    """Lon/lat -> fractional tile-grid coordinates at zoom z."""
    n = float(1 << z)
    lat = np.clip(np.asarray(lat, dtype=float), -85.05112878, 85.05112878)
    u = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * n
    v = (1.0 - np.log(np.tan(np.radians(lat)) + 1.0 / np.cos(np.radians(lat))) / np.pi) / 2.0 * n
    return u, v


def tile_lonlat_to_display(lon, lat, datum: str):
    """A tile's own lon/lat (GCJ-02 for Amap) -> display-CRS metres: the data stay WGS84."""
    if datum == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    x, y = lonlat_to_display(lon, lat)
    return np.asarray(x), np.asarray(y)


@lru_cache(maxsize=8192)
def tile_grid(z: int, x: int, y: int, datum: str, n: int) -> np.ndarray:
    """Display-CRS positions (n+1, n+1, 2) of the corners of an n×n cell grid over tile (z, x, y);
    [j, i] is the corner i/n across and j/n down the tile.  Read-only (cached)."""
    t = np.linspace(0.0, 1.0, n + 1)
    u, v = np.meshgrid(x + t, y + t)
    lon, lat = mercator_to_lonlat(u, v, z)
    dx, dy = tile_lonlat_to_display(lon.ravel(), lat.ravel(), datum)
    grid = np.stack([dx.reshape(u.shape), dy.reshape(u.shape)], axis=-1)
    grid.setflags(write=False)
    return grid


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3×3 projective map taking four points `src` (4×2) to `dst` (4×2) (what Qt's quadToQuad does)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    h = np.linalg.solve(np.asarray(rows, dtype=float), np.asarray(rhs, dtype=float))
    return np.append(h, 1.0).reshape(3, 3)


def warp_error_px(z: int, x: int, y: int, datum: str, n: int) -> float:
    """Largest distance, in tile pixels, between where a cell's projective transform puts a point
    and where the projection puts it, over probe points inside the cells of tile (z, x, y)."""
    fine = tile_grid(z, x, y, datum, n * 4)  # 4×4 probes a cell, cell corners included
    cell_px = TILE_PX / n
    # metres per tile pixel, from the tile's top edge (for the error in tile pixels)
    per_px = float(np.hypot(*(fine[0, -1] - fine[0, 0]))) / TILE_PX
    worst = 0.0
    for j in range(n):
        for i in range(n):
            block = fine[j * 4:(j + 1) * 4 + 1, i * 4:(i + 1) * 4 + 1]
            src = np.array([[0, 0], [cell_px, 0], [cell_px, cell_px], [0, cell_px]], dtype=float)
            dst = np.array([block[0, 0], block[0, -1], block[-1, -1], block[-1, 0]])
            centre = dst.mean(axis=0)
            h = homography(src, dst - centre)
            t = np.linspace(0.0, cell_px, 5)
            su, sv = np.meshgrid(t, t)
            pts = np.stack([su.ravel(), sv.ravel(), np.ones(su.size)])
            mapped = h @ pts
            approx = (mapped[:2] / mapped[2]).T + centre
            worst = max(worst, float(np.max(np.hypot(*(approx - block.reshape(-1, 2)).T))) / per_px)
    return worst


@lru_cache(maxsize=64)
def cells_for_zoom(z: int, datum: str) -> int:
    """Cells per tile side (1, 2, 4 or 8) keeping the warp within MAX_WARP_ERROR_PX over the region."""
    lon0, lat0, lon1, lat1 = REGION_LONLAT
    probes = [(lon0, lat0), (lon0, lat1), (lon1, lat0), (lon1, lat1), ((lon0 + lon1) / 2, (lat0 + lat1) / 2),
              (106.55, 29.56), (104.07, 30.66), (105.72, 29.70)]
    if datum == "gcj02":
        glon, glat = wgs84_to_gcj02(np.array([p[0] for p in probes]), np.array([p[1] for p in probes]))
        probes = list(zip(glon.tolist(), glat.tolist()))
    tiles = {mercantile.tile(lon, lat, z) for lon, lat in probes}
    for n in (1, 2, 4):
        if all(warp_error_px(t.z, t.x, t.y, datum, n) <= MAX_WARP_ERROR_PX for t in tiles):
            return n
    return 8


@lru_cache(maxsize=16384)
def _tile_box(z: int, x: int, y: int, datum: str) -> tuple[float, float, float, float, float, float]:
    """A tile's warped corners' box and mean in display metres (plain floats: a frame asks for ~100)."""
    grid = tile_grid(z, x, y, datum, 1)
    gx, gy = grid[..., 0], grid[..., 1]
    return (float(gx.min()), float(gy.min()), float(gx.max()), float(gy.max()), float(gx.mean()), float(gy.mean()))


def tiles_for_view(view, z: int, datum: str = "wgs84") -> list[Tile]:
    """Tiles at zoom z whose warped outline meets the view's extent, nearest the centre first."""
    west, south, east, north = display_bounds_to_lonlat(view.extent)
    if datum == "gcj02":  # the tiles' own positions are GCJ-02: look them up there (a ~600 m shift)
        ring_lon = np.array([west, east, east, west, (west + east) / 2, (west + east) / 2, west, east])
        ring_lat = np.array([south, south, north, north, south, north, (south + north) / 2, (south + north) / 2])
        glon, glat = wgs84_to_gcj02(ring_lon, ring_lat)
        pad = 0.01
        west, east = float(glon.min()) - pad, float(glon.max()) + pad
        south, north = float(glat.min()) - pad, float(glat.max()) + pad
    west, east = max(west, -180.0), min(east, 180.0 - 1e-9)
    south, north = max(south, -85.0511), min(north, 85.0511)
    if not (west < east and south < north):
        return []
    x0, y0, x1, y1 = view.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    out = []
    for t in mercantile.tiles(west, south, east, north, [z]):
        bx0, by0, bx1, by1, mx, my = _tile_box(t.z, t.x, t.y, datum)
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        out.append(((t.z, t.x, t.y), (mx - cx) ** 2 + (my - cy) ** 2))
    out.sort(key=lambda item: item[1])
    return [tile for tile, _ in out]


def plan_tiles(view, dpi: float, min_zoom: int, max_zoom: int, datum: str) -> tuple[int, list[Tile]]:
    """The zoom and tiles a frame needs; the zoom steps down until the count is within MAX_TILES."""
    z = zoom_for(view, dpi, min_zoom, max_zoom)
    while True:
        tiles = tiles_for_view(view, z, datum)
        if len(tiles) <= MAX_TILES or z <= min_zoom:
            return z, tiles[:MAX_TILES]
        z -= 1


def parent(tile: Tile, levels: int = 1) -> Tile:
    z, x, y = tile
    return z - levels, x >> levels, y >> levels


def lonlat_tiles(bbox: tuple[float, float, float, float], zooms, datum: str = "wgs84") -> list[Tile]:
    """Every tile of `zooms` meeting a WGS84 lon/lat box (for downloads); GCJ-02 sets looked up shifted."""
    west, south, east, north = bbox
    if datum == "gcj02":
        glon, glat = wgs84_to_gcj02(np.array([west, east, east, west]), np.array([south, south, north, north]))
        west, east, south, north = (float(glon.min()) - 0.01, float(glon.max()) + 0.01,
                                    float(glat.min()) - 0.01, float(glat.max()) + 0.01)
    return [(t.z, t.x, t.y) for t in mercantile.tiles(west, south, east, north, list(zooms))]


def count_lonlat_tiles(bbox: tuple[float, float, float, float], zooms) -> int:
    """How many tiles `lonlat_tiles` would list, without listing them (to refuse a huge download)."""
    west, south, east, north = bbox
    total = 0
    for z in zooms:
        ul = mercantile.tile(west, north, z)
        lr = mercantile.tile(min(east, 180 - 1e-9), max(south, -85.0511), z)
        total += (lr.x - ul.x + 1) * (lr.y - ul.y + 1)
    return total

"""The display projection and geodesic measures.

Data is stored in WGS84 (EPSG:4326).  The map is drawn in a Lambert conformal
conic centred on the Chengdu–Chongqing region (standard parallels 28°N and 32°N
bracket the circle's ~28–33°N extent), so shapes and angles look right and one
map unit is one metre near the region.  Distances and areas are measured on the
WGS84 ellipsoid (pyproj.Geod), never in the display plane.
"""
from __future__ import annotations

import threading

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

# Lambert conformal conic on WGS84, centred on 105.5°E 30°N (between Chengdu and Chongqing).
DISPLAY_CRS = CRS.from_proj4(
    "+proj=lcc +lat_0=30 +lon_0=105.5 +lat_1=28 +lat_2=32 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)
WGS84 = CRS.from_epsg(4326)
GEOD = Geod(ellps="WGS84")

# Default view: the economic circle with its context counties (lon/lat box).
REGION_LONLAT = (101.8, 27.6, 110.3, 32.9)


# Transformers are PROJ pipelines built from the display CRS's own PROJ string: they need
# no proj.db lookup, which crashed PROJ when first done in a worker thread (the canvas and
# exports render in workers).  One pair per thread, because a PROJ object is per-thread.
_LCC = DISPLAY_CRS.srs.replace("+type=crs", "").strip()
_TO_DISPLAY = f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {_LCC}"
_TO_WGS84 = f"+proj=pipeline +step +inv {_LCC} +step +proj=unitconvert +xy_in=rad +xy_out=deg"
_local = threading.local()


def to_display_transformer() -> Transformer:
    t = getattr(_local, "to_display", None)
    if t is None:
        t = _local.to_display = Transformer.from_pipeline(_TO_DISPLAY)
    return t


def to_wgs84_transformer() -> Transformer:
    t = getattr(_local, "to_wgs84", None)
    if t is None:
        t = _local.to_wgs84 = Transformer.from_pipeline(_TO_WGS84)
    return t


def lonlat_to_display(lon, lat):
    """Longitude/latitude (scalars or arrays) -> display x/y in metres."""
    return to_display_transformer().transform(lon, lat)


def display_to_lonlat(x, y):
    return to_wgs84_transformer().transform(x, y)


def project_geometries(geoms) -> np.ndarray:
    """Array of WGS84 shapely geometries -> the same geometries in the display CRS."""
    transformer = to_display_transformer()

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), _xy)


def _box_ring(box: tuple[float, float, float, float], n: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """The outline of an axis-aligned box as n points an edge: the cone bends straight edges."""
    x0, y0, x1, y1 = box
    xs = np.concatenate([np.linspace(x0, x1, n), np.full(n, x1), np.linspace(x1, x0, n), np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), np.linspace(y0, y1, n), np.full(n, y1), np.linspace(y1, y0, n)])
    return xs, ys


def lonlat_bounds_to_display(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A lon/lat box -> the display-CRS box that contains it (edges densified: the cone bends them)."""
    x, y = lonlat_to_display(*_box_ring(bounds))
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def display_bounds_to_lonlat(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    lon, lat = display_to_lonlat(*_box_ring(extent))
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def region_extent() -> tuple[float, float, float, float]:
    """The default full extent in the display CRS."""
    return lonlat_bounds_to_display(REGION_LONLAT)


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the WGS84 ellipsoid in metres."""
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def geodesic_area_km2(geom) -> float:
    """Area of a WGS84 polygon geometry on the ellipsoid, in km² (orientation ignored)."""
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(float(area)) / 1e6

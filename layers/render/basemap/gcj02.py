"""WGS84 <-> GCJ-02 over numpy arrays, for warping Amap/Gaode tiles onto WGS84 data.

The formulas are prcoords' (`geodata/coords/datums.py` uses prcoords for single positions);
they are written again here over arrays because a warp converts every grid point of every
tile it draws (a few thousand a frame, ~40 µs each through prcoords' scalar calls: a 1920×1080
frame of fresh tiles would spend ~0.1 s in conversions alone).  `tests/layers/render/basemap/
test_gcj02.py` checks both agree to 1e-9°.  As in prcoords, positions outside China pass unchanged.
"""
from __future__ import annotations

import numpy as np

_A = 6378245.0  # Krasovsky 1940, the ellipsoid of the obfuscation
_EE = 0.00669342162296594323


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lat >= 0.8293) & (lat <= 55.8271) & (lon >= 72.004) & (lon <= 137.8347)


def _offset_deg(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at WGS84 (lon, lat), in degrees (prcoords.wgs_gcj)."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    d_lat = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + (2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(y * pi) + 4 * np.sin(y / 3 * pi)
                + 16 * np.sin(y / 12 * pi) + 32 * np.sin(y / 30 * pi)) * 20 / 3)
    d_lon = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + (2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(x * pi) + 4 * np.sin(x / 3 * pi)
                + 15 * np.sin(x / 12 * pi) + 30 * np.sin(x / 30 * pi)) * 20 / 3)
    rad = np.radians(lat)
    magic = 1 - _EE * np.sin(rad) ** 2
    lat_len = np.radians(_A * (1 - _EE) / magic ** 1.5)
    lon_len = np.radians(_A * np.cos(rad) / np.sqrt(magic))
    inside = _in_china(lon, lat)
    return np.where(inside, d_lon / lon_len, 0.0), np.where(inside, d_lat / lat_len, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _offset_deg(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon, lat, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The fixed-point inverse (prcoords' `gcj_wgs_bored`): sub-millimetre after a few steps."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon - (f_lon - g_lon)
        w_lat = w_lat - (f_lat - g_lat)
    return w_lon, w_lat

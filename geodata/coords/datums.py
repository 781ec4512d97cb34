"""Datums: positions in the systems people bring, to WGS84 and back.

Everything the project stores is WGS84 (EPSG:4326).  Users bring positions in
other systems; this module converts them explicitly (reading typed text is `parse.py`):

- ``wgs84``    — GPS receivers, OpenStreetMap, Tianditu.
- ``cgcs2000`` — China's geodetic datum (EPSG:4490).  It differs from WGS84 by a
  few centimetres, far below what this explorer resolves, so it is treated as
  WGS84 and the conversion says so in its note.
- ``gcj02``    — the obfuscated "Mars" datum of Amap/Gaode, Tencent, Google China.
- ``bd09``     — Baidu's extra offset on top of GCJ-02.
  PROJ has no CRS for GCJ-02/BD-09 (they are deliberate distortions, not datums),
  so both go through ``prcoords`` (public-domain reference implementation).
- ``gk3`` / ``gk6`` — CGCS2000 Gauss–Krüger projected metres in 3° / 6° zones
  (EPSG:4513–4533 and 4491–4501 carry the zone number in front of the easting;
  4534–4554 and 4502–4512 do not), via pyproj.
"""
from __future__ import annotations

import math
import re
import warnings
from functools import lru_cache

import prcoords

from geodata.core.message import Message, MessageError


class CoordinateError(MessageError, ValueError):
    """A position, datum or zone that cannot be read or converted; the `Message` says why."""


# key -> label; the order is the order of the datum choosers.
DATUMS: dict[str, Message] = {
    "wgs84": Message("WGS84（GPS、天地图）", "WGS84 (GPS, Tianditu)"),
    "gcj02": Message("GCJ-02（高德、腾讯）", "GCJ-02 (Amap/Gaode, Tencent)"),
    "bd09": Message("BD-09（百度）", "BD-09 (Baidu)"),
    "cgcs2000": Message("CGCS2000 经纬度", "CGCS2000 lon/lat"),
    "gk3": Message("CGCS2000 高斯-克吕格 3° 带（米）", "CGCS2000 Gauss–Krüger 3° zone (m)"),
    "gk6": Message("CGCS2000 高斯-克吕格 6° 带（米）", "CGCS2000 Gauss–Krüger 6° zone (m)"),
}
GEOGRAPHIC_DATUMS = ("wgs84", "gcj02", "bd09", "cgcs2000")
CGCS2000_NOTE = Message("CGCS2000 与 WGS84 相差厘米级，此处视为相同", "CGCS2000 ≈ WGS84 (cm-level) at this accuracy")


def datum_key(text: str) -> str:
    """Normalise a datum name typed by a user ('GCJ-02', 'bd-09', 'WGS 84' ...)."""
    key = re.sub(r"[\s_\-]", "", str(text)).lower()
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "gcj02": "gcj02", "gcj": "gcj02", "mars": "gcj02",
               "amap": "gcj02", "gaode": "gcj02", "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
               "cgcs2000": "cgcs2000", "epsg4490": "cgcs2000", "gk3": "gk3", "gk6": "gk6"}
    if key not in aliases:
        raise CoordinateError(Message(f"未知坐标系 {text!r}，可选：{'、'.join(DATUMS)}",
                                      f"unknown datum {text!r}; choose one of: {', '.join(DATUMS)}"))
    return aliases[key]


# --- GCJ-02 / BD-09 (explicit conversions via prcoords) -------------------------------------------

def _quiet(func, lon: float, lat: float) -> tuple[float, float]:
    # prcoords warns and returns the input unchanged outside China: that is the defined behaviour.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = func(prcoords.Coords(lat, lon))
    return float(out.lon), float(out.lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _quiet(prcoords.wgs_gcj, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Iterative inverse (sub-millimetre), not the metre-level one-step approximation."""
    return _quiet(prcoords.gcj_wgs_bored, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _quiet(prcoords.gcj_bd, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _quiet(prcoords.bd_gcj_bored, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _quiet(prcoords.wgs_bd, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _quiet(prcoords.bd_wgs_bored, lon, lat)


# --- Gauss–Krüger (pyproj) ------------------------------------------------------------------------

def gk_zone(lon: float, width: int = 3) -> int:
    """Zone number of a longitude: 3° zones are centred on multiples of 3°, 6° zones on 3°+6°k."""
    if width == 3:
        return int(math.floor((lon + 1.5) / 3))
    if width == 6:
        return int(math.floor(lon / 6)) + 1
    raise ValueError("Gauss–Krüger zone width is 3 or 6")


def gk_epsg(zone: int, width: int = 3, prefixed: bool = True) -> int:
    """EPSG code of a CGCS2000 Gauss–Krüger zone (prefixed = zone number in front of the easting)."""
    if width == 3:
        if not 25 <= zone <= 45:
            raise CoordinateError(Message(f"CGCS2000 3° 带号须在 25–45，不是 {zone}", f"3° zone must be 25–45, got {zone}"))
        return 4513 + zone - 25 if prefixed else 4534 + zone - 25
    if width == 6:
        if not 13 <= zone <= 23:
            raise CoordinateError(Message(f"CGCS2000 6° 带号须在 13–23，不是 {zone}", f"6° zone must be 13–23, got {zone}"))
        return 4491 + zone - 13 if prefixed else 4502 + zone - 13
    raise ValueError("Gauss–Krüger zone width is 3 or 6")


@lru_cache(maxsize=64)
def _gk_transformer(epsg: int, inverse: bool):
    from pyproj import Transformer

    if inverse:
        return Transformer.from_crs(epsg, 4326, always_xy=True)
    return Transformer.from_crs(4326, epsg, always_xy=True)


def wgs84_to_gk(lon: float, lat: float, width: int = 3, zone: int | None = None) -> tuple[float, float, int]:
    """(easting with zone prefix, northing, zone) in metres; zone defaults to the one holding lon."""
    zone = gk_zone(lon, width) if zone is None else zone
    easting, northing = _gk_transformer(gk_epsg(zone, width, True), False).transform(lon, lat)
    return float(easting), float(northing), zone


def gk_to_wgs84(easting: float, northing: float, width: int = 3, zone: int | None = None) -> tuple[float, float]:
    """Easting with its zone prefix (e.g. 35 512 345.6) or without it plus `zone`."""
    if easting >= 1e7:
        prefix = int(easting // 1e6)
        if zone is not None and zone != prefix:
            raise CoordinateError(Message(f"东坐标带号 {prefix} 与指定带号 {zone} 不符", f"easting zone {prefix} ≠ zone {zone}"))
        epsg = gk_epsg(prefix, width, True)
    else:
        if zone is None:
            raise CoordinateError(Message("东坐标无带号，请指定带号", "easting has no zone prefix: give the zone"))
        epsg = gk_epsg(zone, width, False)
    lon, lat = _gk_transformer(epsg, True).transform(easting, northing)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError(Message("高斯坐标超出范围", "Gauss–Krüger coordinates out of range"))
    return float(lon), float(lat)


# --- one entry point for every datum ---------------------------------------------------------------

def to_wgs84(x: float, y: float, datum: str = "wgs84", zone: int | None = None) -> tuple[float, float]:
    """(lon, lat) WGS84 from (lon, lat) — or (easting, northing) for gk3/gk6 — in `datum`."""
    datum = datum_key(datum)
    if datum in ("wgs84", "cgcs2000"):
        return float(x), float(y)
    if datum == "gcj02":
        return gcj02_to_wgs84(x, y)
    if datum == "bd09":
        return bd09_to_wgs84(x, y)
    return gk_to_wgs84(x, y, 3 if datum == "gk3" else 6, zone)


def from_wgs84(lon: float, lat: float, datum: str = "wgs84", zone: int | None = None) -> tuple[float, float]:
    """The inverse of `to_wgs84`; for gk3/gk6 the easting carries the zone prefix."""
    datum = datum_key(datum)
    if datum in ("wgs84", "cgcs2000"):
        return float(lon), float(lat)
    if datum == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if datum == "bd09":
        return wgs84_to_bd09(lon, lat)
    easting, northing, _ = wgs84_to_gk(lon, lat, 3 if datum == "gk3" else 6, zone)
    return easting, northing

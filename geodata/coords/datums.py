"""Coordinates typed by people: parsing (decimal, DMS, 度分秒) and datums.

Everything the project stores is WGS84 (EPSG:4326).  Users bring positions in
other systems; this module turns them into WGS84 and back, explicitly:

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
from dataclasses import dataclass
from functools import lru_cache

import prcoords

# key -> (Chinese label, English label); the order is the order of the datum choosers.
DATUMS: dict[str, tuple[str, str]] = {
    "wgs84": ("WGS84（GPS、天地图）", "WGS84 (GPS, Tianditu)"),
    "gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap/Gaode, Tencent)"),
    "bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "cgcs2000": ("CGCS2000 经纬度", "CGCS2000 lon/lat"),
    "gk3": ("CGCS2000 高斯-克吕格 3° 带（米）", "CGCS2000 Gauss–Krüger 3° zone (m)"),
    "gk6": ("CGCS2000 高斯-克吕格 6° 带（米）", "CGCS2000 Gauss–Krüger 6° zone (m)"),
}
GEOGRAPHIC_DATUMS = ("wgs84", "gcj02", "bd09", "cgcs2000")
CGCS2000_NOTE = "CGCS2000 与 WGS84 相差厘米级，此处视为相同 / CGCS2000 ≈ WGS84 (cm-level) at this accuracy"


def datum_key(text: str) -> str:
    """Normalise a datum name typed by a user ('GCJ-02', 'bd-09', 'WGS 84' ...)."""
    key = re.sub(r"[\s_\-]", "", str(text)).lower()
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "gcj02": "gcj02", "gcj": "gcj02", "mars": "gcj02",
               "amap": "gcj02", "gaode": "gcj02", "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
               "cgcs2000": "cgcs2000", "epsg4490": "cgcs2000", "gk3": "gk3", "gk6": "gk6"}
    if key not in aliases:
        raise ValueError(f"未知坐标系 / unknown datum {text!r}; choose one of: {', '.join(DATUMS)}")
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


def gk_central_meridian(zone: int, width: int = 3) -> float:
    return zone * 3.0 if width == 3 else zone * 6.0 - 3.0


def gk_epsg(zone: int, width: int = 3, prefixed: bool = True) -> int:
    """EPSG code of a CGCS2000 Gauss–Krüger zone (prefixed = zone number in front of the easting)."""
    if width == 3:
        if not 25 <= zone <= 45:
            raise ValueError(f"CGCS2000 3° 带号须在 25–45 / 3° zone must be 25–45, got {zone}")
        return 4513 + zone - 25 if prefixed else 4534 + zone - 25
    if width == 6:
        if not 13 <= zone <= 23:
            raise ValueError(f"CGCS2000 6° 带号须在 13–23 / 6° zone must be 13–23, got {zone}")
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
            raise ValueError(f"东坐标带号 {prefix} 与指定带号 {zone} 不符 / easting zone {prefix} ≠ zone {zone}")
        epsg = gk_epsg(prefix, width, True)
    else:
        if zone is None:
            raise ValueError("东坐标无带号，请指定带号 / easting has no zone prefix: give the zone")
        epsg = gk_epsg(zone, width, False)
    lon, lat = _gk_transformer(epsg, True).transform(easting, northing)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("高斯坐标超出范围 / Gauss–Krüger coordinates out of range")
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


# --- parsing what people type ----------------------------------------------------------------------

# Unicode variants people paste from documents and map apps -> ASCII marks.
_NORMALISE = str.maketrans({
    "，": ",", "；": ";", "、": ",", "　": " ", "º": "°", "˚": "°", "度": "°", "′": "'", "’": "'", "‘": "'",
    "´": "'", "分": "'", "″": '"', "”": '"', "“": '"', "秒": '"', "－": "-", "−": "-", "．": ".",
})
_HEMISPHERES = {"东经": "E", "西经": "W", "北纬": "N", "南纬": "S", "东": "E", "西": "W", "北": "N", "南": "S"}
_NUM = r"\d+(?:\.\d*)?|\.\d+"
_BODY = (rf"(?P<sign{{i}}>[-+])?\s*(?P<deg{{i}}>{_NUM})\s*°?\s*"
         rf"(?:(?P<min{{i}}>{_NUM})\s*'\s*)?"
         rf"(?:(?P<sec{{i}}>{_NUM})\s*\"\s*)?")
# A hemisphere letter belongs before the number or after it, never both (so "N29.6 E105.7" splits right).
_COORD = re.compile(rf"(?P<pre>[NSEW])\s*{_BODY.format(i=1)}|{_BODY.format(i=2)}(?P<post>[NSEW])?")
_SEPARATORS = re.compile(r"^[\s,;/]*$")


@dataclass(frozen=True)
class ParsedCoordinate:
    """What was typed, read as (x, y) in the stated datum, and the WGS84 position it means."""

    x: float  # lon (geographic datums) or easting (gk3/gk6)
    y: float  # lat or northing
    datum: str
    lon: float  # WGS84
    lat: float  # WGS84
    note: str = ""

    def format(self) -> str:
        return f"{self.lon:.6f}, {self.lat:.6f} (WGS84)"


def _value(match: re.Match, i: int) -> float:
    deg = float(match[f"deg{i}"])
    minutes = float(match[f"min{i}"] or 0)
    seconds = float(match[f"sec{i}"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"分、秒须小于 60 / minutes and seconds must be below 60: {match.group(0).strip()!r}")
    if (match[f"min{i}"] or match[f"sec{i}"]) and "." in match[f"deg{i}"]:
        raise ValueError(f"度带小数时不能再有分秒 / decimal degrees cannot have minutes: {match.group(0).strip()!r}")
    value = deg + minutes / 60 + seconds / 3600
    return -value if match[f"sign{i}"] == "-" else value


def _normalise(text: str) -> str:
    text = text.translate(_NORMALISE)
    for word, letter in _HEMISPHERES.items():
        text = text.replace(word, f" {letter}")
    text = text.replace("''", '"')
    return text.upper()


def split_numbers(text: str) -> tuple[float, float]:
    """Two plain numbers (metres of a projected system), separated by comma, semicolon or space."""
    parts = [p for p in re.split(r"[\s,;/]+", _normalise(text).strip()) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 2:
        raise ValueError(f"须为两个数（米）/ expected two numbers in metres: {text!r}")
    return values[0], values[1]


class LonLat(tuple):
    """(lon, lat) that unpacks like a plain pair and says, in `note`, when the order typed was
    not the order read (no N/E letters, the first value within ±90 and the second beyond it)."""

    note: str
    swapped: bool

    def __new__(cls, lon: float, lat: float, note: str = ""):
        pair = super().__new__(cls, (lon, lat))
        pair.note, pair.swapped = note, bool(note)
        return pair


def parse_lonlat(text: str) -> LonLat:
    """(lon, lat) in degrees from decimal or DMS text, in whatever datum it was typed in.

    Hemisphere letters (N/S/E/W, 北纬/东经) decide which value is which; without them the
    order is lon, lat — except that a pair whose second value is beyond ±90 can only be
    lat, lon: it is read so, and the returned `note` says the values were swapped.
    """
    if not text or not text.strip():
        raise ValueError("请输入坐标 / enter a coordinate")
    norm = _normalise(text)
    matches = list(_COORD.finditer(norm))
    matches = [m for m in matches if m.group(0).strip()]
    leftover = _COORD.sub(" ", norm)
    if len(matches) != 2 or not _SEPARATORS.match(leftover):
        raise ValueError(
            f"无法识别坐标 / cannot read coordinate {text!r}: expected two values such as "
            "'105.7, 29.69', '29°41′30″N 105°42′E' or '东经105°42′ 北纬29°41′'")
    values, axes = [], []
    for m in matches:
        i = 1 if m["pre"] else 2
        hemi = m["pre"] or m["post"]
        value = _value(m, i)
        if hemi in ("S", "W"):
            value = -abs(value)
        values.append(value)
        axes.append({"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(hemi or ""))
    if axes[0] and axes[0] == axes[1]:
        raise ValueError(f"两个值都是{'纬度' if axes[0] == 'lat' else '经度'} / both values are {axes[0]}: {text!r}")
    if axes[0] or axes[1]:
        first = axes[0] or ("lon" if axes[1] == "lat" else "lat")
    elif abs(values[1]) > 90 >= abs(values[0]):
        first = "lat"
    else:
        first = "lon"
    lon, lat = (values[0], values[1]) if first == "lon" else (values[1], values[0])
    note = ""
    if first == "lat" and not (axes[0] or axes[1]):
        note = (f"无 N/E 标记且第二个值超出 ±90°，按“纬度, 经度”读取 / no N/E letters and {values[1]:g} is beyond "
                f"±90°: read as lat, lon → lon {lon:g}, lat {lat:g}")
    if not -90 <= lat <= 90:
        raise ValueError(f"纬度超出 ±90° / latitude out of range: {lat}")
    if not -180 <= lon <= 180:
        raise ValueError(f"经度超出 ±180° / longitude out of range: {lon}")
    return LonLat(lon, lat, note)


def parse_coordinate(text: str, datum: str = "wgs84", zone: int | None = None) -> ParsedCoordinate:
    """Read a typed position in `datum` and convert it to WGS84.

    For gk3/gk6 the text is two numbers in metres in either order (Chinese surveys write
    X = northing first); the one of ~3 000 000 m at these latitudes is the northing.
    """
    datum = datum_key(datum)
    note = CGCS2000_NOTE if datum in ("cgcs2000", "gk3", "gk6") else ""
    if datum in ("gk3", "gk6"):
        a, b = split_numbers(text)
        if a >= 1e7 or b >= 1e7:  # the zone-prefixed easting is the only 8-digit value
            easting, northing = (a, b) if a >= 1e7 else (b, a)
        else:  # without prefix an easting is 500 000 ± ~400 000 m; a northing here is millions
            easting, northing = (a, b) if abs(a) < abs(b) else (b, a)
        lon, lat = gk_to_wgs84(easting, northing, 3 if datum == "gk3" else 6, zone)
        return ParsedCoordinate(easting, northing, datum, lon, lat, note)
    pair = parse_lonlat(text)
    x, y = pair
    lon, lat = to_wgs84(x, y, datum)
    if datum in ("gcj02", "bd09"):
        note = f"{DATUMS[datum][0]} → WGS84 (prcoords)"
    note = "\n".join(n for n in (pair.note, note) if n)  # a swapped order is said first
    return ParsedCoordinate(x, y, datum, lon, lat, note)


def format_dms(lon: float, lat: float) -> str:
    """'29°41′30.0″N 105°42′00.0″E' — latitude first, as Chinese maps print it."""

    def part(value: float, pos: str, neg: str) -> str:
        hemi = pos if value >= 0 else neg
        total = round(abs(value) * 36000)  # tenths of a second, rounded once so 59.99″ never prints
        d, rest = divmod(total, 36000)
        m, s = divmod(rest, 600)
        return f"{d}°{m:02d}′{s / 10:04.1f}″{hemi}"

    return f"{part(lat, 'N', 'S')} {part(lon, 'E', 'W')}"

"""Name the CRS a file declares, or guess it when it declares none and the guess is safe.

Declared CRSs (.prj, GeoPackage metadata) are trusted and described in words
(CGCS2000, its Gauss–Krüger zones, Xi'an 1980, Beijing 1954, UTM ...).  An undeclared
CRS is guessed only where the numbers leave one reading: degrees within China, or
Gauss–Krüger eastings carrying their zone number in front (35xxxxxx = 3° zone 35).
"""
from __future__ import annotations

from dataclasses import dataclass

from pyproj import CRS
from pyproj.transformer import TransformerGroup

from geodata.core.message import Message

WGS84 = CRS.from_epsg(4326)
# Generous envelope of China (and its neighbours' border areas), lon/lat degrees.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


@dataclass(frozen=True)
class CrsDecision:
    crs: CRS | None
    note: Message


def describe(crs: CRS) -> str:
    """'CGCS2000 / 3-degree Gauss-Kruger zone 35 (EPSG:4523)' — name plus code when known."""
    code = crs.to_epsg(min_confidence=70)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def _in(lo_hi: tuple[float, float], a: float, b: float) -> bool:
    return lo_hi[0] <= a and b <= lo_hi[1]


def looks_china_lonlat(bounds) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return _in(CHINA_LON, xmin, xmax) and _in(CHINA_LAT, ymin, ymax)


def looks_swapped_lonlat(bounds) -> bool:
    """True when x/y hold lat/lon: swapped, they fall in China; as they are, they do not."""
    xmin, ymin, xmax, ymax = bounds
    return not looks_china_lonlat(bounds) and looks_china_lonlat((ymin, xmin, ymax, xmax))


def gauss_kruger_from_prefix(bounds) -> CRS | None:
    """CGCS2000 GK CRS whose false easting carries the zone number, if the x range says so.

    6° zones 13–23 (EPSG:4491–4501) and 3° zones 25–45 (EPSG:4513–4533) cover China and
    their prefixes do not overlap, so the prefix names one zone.  All x must share it."""
    xmin, ymin, xmax, ymax = bounds
    if not (0 <= ymin and ymax <= 6_500_000):  # northings of China: ~0.3–6 million m
        return None
    zone_lo, zone_hi = int(xmin // 1_000_000), int(xmax // 1_000_000)
    if zone_lo != zone_hi:
        return None
    inner_lo, inner_hi = xmin - zone_lo * 1_000_000, xmax - zone_hi * 1_000_000
    if not (100_000 <= inner_lo and inner_hi <= 900_000):  # within a zone's width of 500 000
        return None
    if 13 <= zone_lo <= 23:
        return CRS.from_epsg(4491 + zone_lo - 13)
    if 25 <= zone_lo <= 45:
        return CRS.from_epsg(4513 + zone_lo - 25)
    return None


def all_degrees_in_china(xy) -> bool:
    """Every (x, y) pair is a lon/lat in China, some perhaps written lat/lon."""
    if xy is None or len(xy) == 0:
        return False
    x, y = xy[:, 0], xy[:, 1]
    straight = (x >= CHINA_LON[0]) & (x <= CHINA_LON[1]) & (y >= CHINA_LAT[0]) & (y <= CHINA_LAT[1])
    swapped = (y >= CHINA_LON[0]) & (y <= CHINA_LON[1]) & (x >= CHINA_LAT[0]) & (x <= CHINA_LAT[1])
    return bool((straight | swapped).all())


def decide(declared: CRS | None, bounds, xy=None) -> CrsDecision:
    """The CRS to read the data in, with a sentence for the report (`xy`: all coordinates, optional)."""
    if declared is not None:
        return CrsDecision(declared, Message(f"文件声明的坐标参考系：{describe(declared)}", f"CRS {describe(declared)} declared by the file"))
    if any(v != v for v in bounds):  # NaN bounds: no geometry at all
        return CrsDecision(None, Message("未声明坐标参考系，也没有可推断的坐标", "no CRS declared and no coordinates to guess from"))
    if looks_china_lonlat(bounds):
        return CrsDecision(WGS84, Message("未声明坐标参考系；坐标为中国境内的经纬度，按 WGS84（EPSG:4326）读取",
                                          "no CRS declared; coordinates are degrees within China, assumed WGS84 (EPSG:4326)"))
    if looks_swapped_lonlat(bounds) or all_degrees_in_china(xy):
        return CrsDecision(WGS84, Message("未声明坐标参考系；坐标为中国境内的经纬度（部分为纬度在前），按 WGS84（EPSG:4326）读取",
                                          "no CRS declared; coordinates are degrees within China (some in latitude/longitude order), "
                                          "assumed WGS84 (EPSG:4326)"))
    gk = gauss_kruger_from_prefix(bounds)
    if gk is not None:
        zone = int(bounds[0] // 1_000_000)
        return CrsDecision(gk, Message(
            f"未声明坐标参考系；东坐标带号为 {zone}，按 {describe(gk)} 读取"
            "（若为西安 80 或北京 54 坐标，位置可能相差约 100 米：请补充 .prj）",
            f"no CRS declared; eastings carry zone prefix {zone}, read as {describe(gk)} "
            "(if the data are Xi'an 1980 or Beijing 1954, positions may differ by up to ~100 m: add a .prj)"))
    return CrsDecision(None, Message("未声明坐标参考系，且坐标无法唯一推断", "no CRS declared and the coordinates fit no unambiguous guess"))


def wgs84_like(crs: CRS) -> bool:
    """Geographic on WGS84 or CGCS2000 (centimetres apart): lon/lat that may really be GCJ-02/BD-09
    digitised off a Chinese web map, which no CRS declaration can tell."""
    if not crs.is_geographic:
        return False
    ellipsoid = crs.ellipsoid
    return ellipsoid is not None and abs(ellipsoid.semi_major_metre - 6378137.0) < 0.5 and \
        abs(ellipsoid.inverse_flattening - 298.257) < 0.01


# CRSs that surveys of the Chengdu–Chongqing region use, offered when a file declares none.
REGION_CHOICES = (4543, 4544, 4545, 4507, 4508, 2379, 2380, 2381, 2431, 2432, 2433, 32648, 32649, 4490)
REGION_LONLAT = (101.0, 26.0, 111.0, 34.0)  # generous box around the economic circle


def region_choices(bounds) -> list[tuple[int, str, bool]]:
    """(EPSG code, name, puts the data in the region) for each regional CRS, fitting ones first."""
    from pyproj import Transformer

    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    out = []
    for code in REGION_CHOICES:
        crs = CRS.from_epsg(code)
        try:
            lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(cx, cy)
        except Exception:  # out of the projection's domain: simply not a fit
            lon = lat = float("nan")
        x0, y0, x1, y1 = REGION_LONLAT
        out.append((code, crs.name, bool(x0 <= lon <= x1 and y0 <= lat <= y1)))
    return sorted(out, key=lambda c: not c[2])


def accuracy_note(crs: CRS) -> Message | None:
    """A warning when the only transformation to WGS84 is a 'ballpark' one (datum shift ignored)."""
    try:
        group = TransformerGroup(crs, WGS84, always_xy=True)
    except Exception:  # pyproj raises plain ProjError subclasses for odd CRSs
        return None
    if not group.transformers:
        return None
    best = group.transformers[0]
    geod = crs.geodetic_crs
    datum = geod.name if geod is not None else crs.name
    if "Ballpark" in best.description:
        if datum.startswith("China Geodetic") or "CGCS2000" in datum:
            return Message("CGCS2000 → WGS84 视为相同（相差厘米级）", "CGCS2000 → WGS84 taken as identical (they differ by centimetres)")
        return Message(f"{datum} → WGS84 在 PROJ 中没有公布的转换参数：位置可能偏差约 100 米",
                       f"{datum} → WGS84 has no published shift in PROJ: positions may be off by up to ~100 m")
    return None

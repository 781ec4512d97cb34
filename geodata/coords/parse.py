"""Coordinates typed by people: decimal, DMS and 度分秒, in any datum, read as WGS84.

`parse_lonlat` reads a lon/lat pair (hemisphere letters or 东经/北纬 decide which is which;
a pair that only fits as lat, lon is read so and says so); `parse_degrees` reads one value of a
table cell (`106°43'30"E`, `北纬29°41′`); `parse_coordinate` adds the datum (converted by
`datums.py`) and Gauss–Krüger metres; `format_dms` prints a position back.  Whatever the text,
the result is finite and in range or a `CoordinateError` (a ValueError carrying a bilingual
`Message`): nothing unreadable becomes 0, 0.  A reading worth telling the user about (the order
swapped, a datum converted) comes back as a `note` Message, None when there is nothing to say.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geodata.coords.datums import CGCS2000_NOTE, DATUMS, CoordinateError, datum_key, gk_to_wgs84, to_wgs84
from geodata.core.message import Message, join

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
MAX_TEXT = 200  # longer than any coordinate anyone types; bounds the regex work on pasted junk
_AXIS_OF = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}
_RANGE = {"lon": 180.0, "lat": 90.0}


@dataclass(frozen=True)
class ParsedCoordinate:
    """What was typed, read as (x, y) in the stated datum, and the WGS84 position it means."""

    x: float  # lon (geographic datums) or easting (gk3/gk6)
    y: float  # lat or northing
    datum: str
    lon: float  # WGS84
    lat: float  # WGS84
    note: Message | None = None

    def format(self) -> str:
        return f"{self.lon:.6f}, {self.lat:.6f} (WGS84)"


def _value(match: re.Match, i: int) -> float:
    deg = float(match[f"deg{i}"])
    minutes = float(match[f"min{i}"] or 0)
    seconds = float(match[f"sec{i}"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError(Message(f"分、秒须小于 60：{match.group(0).strip()!r}",
                                      f"minutes and seconds must be below 60: {match.group(0).strip()!r}"))
    if (match[f"min{i}"] or match[f"sec{i}"]) and "." in match[f"deg{i}"]:
        raise CoordinateError(Message(f"度带小数时不能再有分秒：{match.group(0).strip()!r}",
                                      f"decimal degrees cannot have minutes: {match.group(0).strip()!r}"))
    value = deg + minutes / 60 + seconds / 3600
    return -value if match[f"sign{i}"] == "-" else value


def _normalise(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise CoordinateError(Message(f"坐标文本过长（{len(text)} 个字符）",
                                      f"too long to be a coordinate ({len(text)} characters)"))
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
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        raise CoordinateError(Message(f"须为两个数（米）：{text!r}", f"expected two numbers in metres: {text!r}"))
    return values[0], values[1]


class LonLat(tuple):
    """(lon, lat) that unpacks like a plain pair and says, in `note`, when the order typed was
    not the order read (no N/E letters, the first value within ±90 and the second beyond it)."""

    note: Message | None
    swapped: bool

    def __new__(cls, lon: float, lat: float, note: Message | None = None):
        pair = super().__new__(cls, (lon, lat))
        pair.note, pair.swapped = note, note is not None
        return pair


def parse_lonlat(text: str) -> LonLat:
    """(lon, lat) in degrees from decimal or DMS text, in whatever datum it was typed in.

    Hemisphere letters (N/S/E/W, 北纬/东经) decide which value is which; without them the
    order is lon, lat — except that a pair whose second value is beyond ±90 can only be
    lat, lon: it is read so, and the returned `note` says the values were swapped.
    """
    if not text or not text.strip():
        raise CoordinateError(Message("请输入坐标", "enter a coordinate"))
    norm = _normalise(text)
    matches = list(_COORD.finditer(norm))
    matches = [m for m in matches if m.group(0).strip()]
    leftover = _COORD.sub(" ", norm)
    if len(matches) != 2 or not _SEPARATORS.match(leftover):
        raise CoordinateError(Message(
            f"无法识别坐标 {text!r}：应为两个值，如 '105.7, 29.69'、'29°41′30″N 105°42′E' 或 '东经105°42′ 北纬29°41′'",
            f"cannot read coordinate {text!r}: expected two values such as "
            "'105.7, 29.69', '29°41′30″N 105°42′E' or '东经105°42′ 北纬29°41′'"))
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
        raise CoordinateError(Message(f"两个值都是{'纬度' if axes[0] == 'lat' else '经度'}：{text!r}",
                                      f"both values are {axes[0]}: {text!r}"))
    if axes[0] or axes[1]:
        first = axes[0] or ("lon" if axes[1] == "lat" else "lat")
    elif abs(values[1]) > 90 >= abs(values[0]):
        first = "lat"
    else:
        first = "lon"
    lon, lat = (values[0], values[1]) if first == "lon" else (values[1], values[0])
    note = None
    if first == "lat" and not (axes[0] or axes[1]):
        note = Message(f"无 N/E 标记且第二个值 {values[1]:g} 超出 ±90°，按“纬度, 经度”读取 → 经度 {lon:g}，纬度 {lat:g}",
                       f"no N/E letters and {values[1]:g} is beyond ±90°: read as lat, lon → lon {lon:g}, lat {lat:g}")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise CoordinateError(Message(f"纬度超出 ±90°：{lat}", f"latitude out of range: {lat}"))
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise CoordinateError(Message(f"经度超出 ±180°：{lon}", f"longitude out of range: {lon}"))
    return LonLat(lon, lat, note)


def parse_degrees(text: str, axis: str | None = None) -> float:
    """One value in degrees from a table cell: decimal or DMS, with or without its hemisphere
    (`106°43'30"E`, `北纬29°41′`, `-70.5`).  `axis` ("lon"/"lat", from the column) must agree
    with a hemisphere letter and bounds the value (±180 / ±90)."""
    if text is None or not str(text).strip():
        raise CoordinateError(Message("空值", "empty value"))
    norm = _normalise(str(text)).strip()
    match = _COORD.fullmatch(norm)
    if match is None or not match.group(0).strip():
        raise CoordinateError(Message(f"无法识别度数：{text!r}", f"cannot read {text!r} as degrees"))
    i = 1 if match["pre"] else 2
    hemi = match["pre"] or match["post"]
    value = _value(match, i)
    if hemi in ("S", "W"):
        value = -abs(value)
    found = _AXIS_OF.get(hemi or "")
    if axis and found and found != axis:
        words = {"lat": ("纬度", "latitude"), "lon": ("经度", "longitude")}
        raise CoordinateError(Message(f"{text!r} 是{words[found][0]}，此列应为{words[axis][0]}",
                                      f"{text!r} is a {words[found][1]}, this column holds {words[axis][1]}s"))
    limit = _RANGE.get(axis or found or "lon", 180.0)
    if not (math.isfinite(value) and -limit <= value <= limit):
        raise CoordinateError(Message(f"超出 ±{limit:g}°：{text!r}", f"out of range (±{limit:g}°): {text!r}"))
    return value


def parse_coordinate(text: str, datum: str = "wgs84", zone: int | None = None) -> ParsedCoordinate:
    """Read a typed position in `datum` and convert it to WGS84.

    For gk3/gk6 the text is two numbers in metres in either order (Chinese surveys write
    X = northing first); the one of ~3 000 000 m at these latitudes is the northing.
    """
    datum = datum_key(datum)
    note = CGCS2000_NOTE if datum in ("cgcs2000", "gk3", "gk6") else None
    if datum in ("gk3", "gk6"):
        a, b = split_numbers(text)
        if a >= 1e7 or b >= 1e7:  # the zone-prefixed easting is the only 8-digit value
            easting, northing = (a, b) if a >= 1e7 else (b, a)
        else:  # without prefix an easting is 500 000 ± ~400 000 m; a northing here is millions
            easting, northing = (a, b) if abs(a) < abs(b) else (b, a)
        lon, lat = gk_to_wgs84(easting, northing, 3 if datum == "gk3" else 6, zone)
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            raise CoordinateError(Message(f"不是有效的高斯-克吕格坐标：{text!r}", f"not a Gauss–Krüger position: {text!r}"))
        return ParsedCoordinate(easting, northing, datum, lon, lat, note)
    pair = parse_lonlat(text)
    x, y = pair
    lon, lat = to_wgs84(x, y, datum)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError(Message(f"无法从 {datum} 换算：{text!r}", f"cannot convert {text!r} from {datum}"))
    if datum in ("gcj02", "bd09"):
        note = Message(f"{DATUMS[datum].zh} → WGS84（prcoords）", f"{DATUMS[datum].en} → WGS84 (prcoords)")
    notes = [n for n in (pair.note, note) if n is not None]  # a swapped order is said first
    note = join(notes, "\n", "\n") if notes else None
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

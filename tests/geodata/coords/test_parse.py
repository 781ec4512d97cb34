"""Typed coordinates: decimal, DMS and 度分秒, lat/lon order, datums and Gauss–Krüger metres."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geodata.coords import datums as coords
from geodata.coords import parse

GEOD = Geod(ellps="WGS84")

# Bounding box of the 成渝 economic circle with a margin (lon 101.9–110.2, lat 27.7–32.5).
LONS = st.floats(min_value=101.5, max_value=110.5, allow_nan=False)
LATS = st.floats(min_value=27.5, max_value=32.8, allow_nan=False)


def metres(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_parse_gauss_kruger_accepts_northing_first_and_unprefixed_easting_with_zone():
    easting, northing, _ = coords.wgs84_to_gk(105.7, 29.69, 3)
    p = parse.parse_coordinate(f"{northing:.3f}, {easting:.3f}", "gk3")
    assert (p.lon, p.lat) == pytest.approx((105.7, 29.69), abs=1e-6)
    p = parse.parse_coordinate(f"{easting - 35e6:.3f} {northing:.3f}", "gk3", zone=35)
    assert (p.lon, p.lat) == pytest.approx((105.7, 29.69), abs=1e-6)
    assert p.note.en == "CGCS2000 ≈ WGS84 (cm-level) at this accuracy" and "厘米级" in p.note.zh
    with pytest.raises(ValueError, match="zone"):
        parse.parse_coordinate(f"{easting - 35e6:.3f} {northing:.3f}", "gk3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("105.7, 29.69", (105.7, 29.69)),
        ("105.7 29.69", (105.7, 29.69)),
        ("29.69, 105.7", (105.7, 29.69)),  # a value beyond 90 is the longitude
        ("29.69N 105.7E", (105.7, 29.69)),
        ("N29.69 E105.7", (105.7, 29.69)),
        ("E105.7，N29.69", (105.7, 29.69)),  # full-width comma
        ("29°41'30\"N 105°42'E", (105.7, 29 + 41 / 60 + 30 / 3600)),
        ("29°41′30″N, 105°42′00″E", (105.7, 29 + 41 / 60 + 30 / 3600)),
        ("东经105°42′ 北纬29°41′", (105.7, 29 + 41 / 60)),
        ("北纬29度41分30秒 东经105度42分", (105.7, 29 + 41 / 60 + 30 / 3600)),
        ("33.9S 151.2E", (151.2, -33.9)),
        ("-70.5, 45.25", (-70.5, 45.25)),
    ],
)
def test_parse_lonlat_reads_decimal_dms_and_chinese(text, expected):
    assert parse.parse_lonlat(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "enter a coordinate"),
        ("chengdu", "cannot read"),
        ("105.7", "cannot read"),
        ("1, 2, 3", "cannot read"),
        ("29.6N 30.1N", "both values are lat"),
        ("29°75'N 105E", "below 60"),
        ("200, 95", "out of range"),
    ],
)
def test_parse_lonlat_rejects_bad_input_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse.parse_lonlat(text)


def test_parse_coordinate_converts_gcj02_input_to_wgs84():
    wgs = (104.0657, 30.6595)  # 天府广场, Chengdu
    gcj = coords.wgs84_to_gcj02(*wgs)
    p = parse.parse_coordinate(f"{gcj[0]:.8f}, {gcj[1]:.8f}", "GCJ-02")
    assert (p.x, p.y) == pytest.approx(gcj, abs=1e-8)
    assert metres(p.lon, p.lat, *wgs) < 0.1


def test_unknown_datum_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown datum"):
        parse.parse_coordinate("105, 30", "mercator")


def test_format_dms_never_prints_sixty_seconds():
    assert parse.format_dms(105.7, 29.69) == "29°41′24.0″N 105°42′00.0″E"
    assert parse.format_dms(105.0, 29.99999999) == "30°00′00.0″N 105°00′00.0″E"


@settings(max_examples=200, deadline=None)
@given(LONS, LATS)
def test_printed_dms_parses_back_to_the_same_place(lon, lat):
    back = parse.parse_lonlat(parse.format_dms(lon, lat))
    # Printing rounds each axis to 0.1″, i.e. up to 0.05″ off: ≤ 1.55 m north-south and
    # ≤ 1.39 m east-west in the circle's latitudes, so ≤ 2.08 m along the diagonal.
    assert metres(lon, lat, *back) < 2.1


def test_lat_lon_order_without_letters_is_read_but_reported():
    plain = parse.parse_lonlat("105.7, 29.69")
    assert plain == (105.7, 29.69) and plain.note is None and not plain.swapped
    swapped = parse.parse_lonlat("29.69, 105.7")
    assert swapped == pytest.approx((105.7, 29.69)) and swapped.swapped
    assert swapped.note.text("en") == "no N/E letters and 105.7 is beyond ±90°: read as lat, lon → lon 105.7, lat 29.69"
    assert "按“纬度, 经度”读取" in swapped.note.text("zh") and "read as" not in swapped.note.text("zh")
    lettered = parse.parse_lonlat("29.69N 105.7E")  # the letters say the order: nothing to report
    assert lettered == pytest.approx((105.7, 29.69)) and lettered.note is None


def test_swap_note_reaches_the_parsed_coordinate_before_the_datum_note():
    p = parse.parse_coordinate("29.69, 105.7", "gcj02")
    first, second = p.note.text("en").split("\n")
    assert "read as lat, lon" in first and second == "GCJ-02 (Amap/Gaode, Tencent) → WGS84 (prcoords)"
    assert p.note.text("zh").split("\n")[1] == "GCJ-02（高德、腾讯） → WGS84（prcoords）"
    assert parse.parse_coordinate("105.7, 29.69").note is None


def test_here_prints_the_swap_note(capsys):
    import main

    assert main.main(["here", "29.69, 105.7", "--lang", "en"]) == 0
    assert "read as lat, lon" in capsys.readouterr().out

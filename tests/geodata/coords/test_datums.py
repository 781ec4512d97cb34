"""Datum conversions (GCJ-02, BD-09, Gauss–Krüger) against published reference pairs and round trips."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geodata.coords import datums as coords

GEOD = Geod(ellps="WGS84")

# Bounding box of the 成渝 economic circle with a margin (lon 101.9–110.2, lat 27.7–32.5).
LONS = st.floats(min_value=101.5, max_value=110.5, allow_nan=False)
LATS = st.floats(min_value=27.5, max_value=32.8, allow_nan=False)


def metres(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# Published WGS84 -> GCJ-02 pairs (lat, lon): the PHP port of eviltransform,
# larryli/eviltransform tests/EvilTransformTest.php, setUp(): "shanghai", "shenzhen", "beijing".
EVILTRANSFORM_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_wgs84_to_gcj02_matches_eviltransform_reference(wgs, gcj):
    lon, lat = coords.wgs84_to_gcj02(wgs[1], wgs[0])
    assert lon == pytest.approx(gcj[1], abs=1e-9)
    assert lat == pytest.approx(gcj[0], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_gcj02_to_wgs84_recovers_eviltransform_reference_within_a_metre(wgs, gcj):
    lon, lat = coords.gcj02_to_wgs84(gcj[1], gcj[0])
    assert metres(lon, lat, wgs[1], wgs[0]) < 1.0


# wandergis/coordtransform test/app.js, "//result" block, input (116.404, 39.915) as (lon, lat).
def test_bd09_and_gcj02_match_coordtransform_reference():
    assert coords.bd09_to_gcj02(116.404, 39.915) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-6)
    assert coords.gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)
    assert coords.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-9)


def test_gcj02_offset_in_chongqing_is_hundreds_of_metres():
    lon, lat = coords.wgs84_to_gcj02(106.55, 29.56)
    assert 200 < metres(106.55, 29.56, lon, lat) < 800


@settings(max_examples=200, deadline=None)
@given(LONS, LATS)
def test_gcj02_round_trip_within_one_metre_across_the_circle(lon, lat):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back) < 1.0


@settings(max_examples=200, deadline=None)
@given(LONS, LATS)
def test_bd09_round_trip_within_one_metre_across_the_circle(lon, lat):
    bd = coords.from_wgs84(lon, lat, "bd09")
    assert metres(lon, lat, *bd) > 100  # really shifted
    assert metres(lon, lat, *coords.to_wgs84(*bd, "bd-09")) < 1.0


@settings(max_examples=100, deadline=None)
@given(LONS, LATS, st.sampled_from(["gk3", "gk6"]))
def test_gauss_kruger_round_trip_within_one_metre_across_the_circle(lon, lat, datum):
    easting, northing = coords.from_wgs84(lon, lat, datum)
    assert easting > 1e7  # zone number in front of the easting
    assert metres(lon, lat, *coords.to_wgs84(easting, northing, datum)) < 1.0


def test_gauss_kruger_central_meridian_has_false_easting_500km_and_zone_prefix():
    # 3° zone 35 is centred on 105°E (EPSG:4523), 6° zone 18 also on 105°E (EPSG:4496).
    assert coords.gk_zone(105.7, 3) == 35 and coords.gk_epsg(35, 3) == 4523
    assert coords.gk_zone(105.7, 6) == 18 and coords.gk_epsg(18, 6) == 4496
    easting, northing, zone = coords.wgs84_to_gk(105.0, 30.0, 3)
    assert zone == 35 and easting == pytest.approx(35_500_000.0, abs=0.01)
    assert 3_300_000 < northing < 3_330_000  # 30° of meridian arc ≈ 3 320 km

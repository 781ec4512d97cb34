import math
import threading

import pytest
from hypothesis import given, strategies as st
from shapely.geometry import box

from geodata.coords.projection import (DISPLAY_CRS, display_to_lonlat, geodesic_area_km2, geodesic_distance_m,
                               lonlat_bounds_to_display, lonlat_to_display, region_extent)

CHENGDU = (104.0665, 30.5723)  # 天府广场
CHONGQING = (106.5516, 29.5630)  # 解放碑


def test_display_crs_is_conformal_conic_on_wgs84():
    assert "+proj=lcc" in DISPLAY_CRS.srs
    assert DISPLAY_CRS.datum.name.startswith("World Geodetic System 1984")


def test_chengdu_chongqing_geodesic_distance():
    d = geodesic_distance_m(*CHENGDU, *CHONGQING)
    # independent check: haversine on the mean-radius sphere agrees within 0.5 %
    lon1, lat1, lon2, lat2 = map(math.radians, (*CHENGDU, *CHONGQING))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    haversine = 2 * 6_371_008.8 * math.asin(math.sqrt(a))
    assert d == pytest.approx(haversine, rel=0.005)
    assert 262_000 < d < 267_000


def test_display_distance_near_the_centre_is_close_to_true_distance():
    x1, y1 = lonlat_to_display(*CHENGDU)
    x2, y2 = lonlat_to_display(*CHONGQING)
    planar = math.hypot(x2 - x1, y2 - y1)
    assert planar == pytest.approx(geodesic_distance_m(*CHENGDU, *CHONGQING), rel=0.002)


def test_one_degree_square_area_at_30n():
    area = geodesic_area_km2(box(104, 29.5, 105, 30.5))
    assert 10_600 < area < 10_800  # 111.3 km x 96.5 km


@given(st.floats(101.0, 111.0), st.floats(27.0, 34.0))
def test_round_trip(lon, lat):
    x, y = lonlat_to_display(lon, lat)
    lon2, lat2 = display_to_lonlat(x, y)
    assert lon2 == pytest.approx(lon, abs=1e-9) and lat2 == pytest.approx(lat, abs=1e-9)


def test_region_extent_contains_both_cities():
    x0, y0, x1, y1 = region_extent()
    for lon, lat in (CHENGDU, CHONGQING):
        x, y = lonlat_to_display(lon, lat)
        assert x0 < x < x1 and y0 < y < y1


def test_transforms_work_in_a_worker_thread():
    out = []
    worker = threading.Thread(target=lambda: out.append(lonlat_bounds_to_display((104, 29, 105, 30))))
    worker.start()
    worker.join()
    assert out == [lonlat_bounds_to_display((104, 29, 105, 30))]

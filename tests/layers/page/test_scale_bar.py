"""Scale bar: round lengths, and the drawn pixels span that length on the ellipsoid."""
from __future__ import annotations

import pytest
from pyproj import CRS, Geod, Transformer

from layers.page.scale_bar import nice_length, scale_bar

LCC = CRS.from_proj4("+proj=lcc +lat_1=28 +lat_2=32 +lat_0=30 +lon_0=105 +datum=WGS84 +units=m")


@pytest.mark.parametrize(
    "max_m, expected",
    [(73_000, 50_000), (19_999, 10_000), (20_000, 20_000), (4_900, 2_000), (999, 500), (1, 1)],
)
def test_nice_length_is_largest_1_2_5_step_not_above_maximum(max_m, expected):
    assert nice_length(max_m) == expected


def test_nice_length_rejects_zero():
    with pytest.raises(ValueError):
        nice_length(0)


def test_bar_pixels_span_its_length_geodesically_far_from_the_projection_centre():
    # a 1000-px frame showing 400 km of LCC near the edge of the region (31.5°N, 108°E)
    to_ll = Transformer.from_crs(LCC, "EPSG:4326", always_xy=True)
    x0, y0 = Transformer.from_crs("EPSG:4326", LCC, always_xy=True).transform(108.0, 31.5)
    per_px = 400.0  # metres of projected plane per pixel

    def pixel_to_lonlat(px, py):
        return to_ll.transform(x0 + px * per_px, y0 - py * per_px)

    bar = scale_bar(pixel_to_lonlat, 40, 900, 250)
    assert bar.pixels <= 250
    assert bar.length_m == 100_000  # 250 px × 400 m ≈ 100 km of ground
    lon1, lat1 = pixel_to_lonlat(40, 900)
    lon2, lat2 = pixel_to_lonlat(40 + bar.pixels, 900)
    ground = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]
    assert ground == pytest.approx(bar.length_m, rel=0.001)
    assert bar.label("zh") == "100 公里" and bar.label("en") == "100 km"


def test_labels_name_metres_below_a_kilometre_and_keep_fractions():
    from layers.page.scale_bar import ScaleBar

    assert ScaleBar(500, 80.0, 4).label("zh") == "500 米" and ScaleBar(500, 80.0, 4).label("en") == "500 m"
    assert ScaleBar(2500, 80.0, 4).label("en") == "2.5 km" and ScaleBar(2500, 80.0, 4).label("zh") == "2.5 公里"

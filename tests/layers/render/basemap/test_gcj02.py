"""The array GCJ-02 conversion agrees with prcoords (the project's scalar reference)."""
from __future__ import annotations

import numpy as np

from geodata.coords.datums import gcj02_to_wgs84 as scalar_inverse, wgs84_to_gcj02 as scalar_forward
from layers.render.basemap.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02


def _points():
    rng = np.random.default_rng(11)
    return rng.uniform(101.8, 110.3, 200), rng.uniform(27.6, 32.9, 200)


def test_forward_matches_prcoords_everywhere_in_the_region():
    lon, lat = _points()
    glon, glat = wgs84_to_gcj02(lon, lat)
    ref = np.array([scalar_forward(a, b) for a, b in zip(lon, lat)])
    assert np.max(np.abs(glon - ref[:, 0])) < 1e-9 and np.max(np.abs(glat - ref[:, 1])) < 1e-9
    # the offset is real (hundreds of metres), so agreeing means something
    assert np.min(np.hypot(glon - lon, glat - lat)) > 0.002


def test_inverse_round_trips_to_a_millimetre_and_matches_prcoords():
    lon, lat = _points()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-8 and np.max(np.abs(back_lat - lat)) < 1e-8
    g = wgs84_to_gcj02(lon[:20], lat[:20])
    ref = np.array([scalar_inverse(a, b) for a, b in zip(*g)])
    assert np.max(np.abs(gcj02_to_wgs84(*g)[0] - ref[:, 0])) < 1e-6  # prcoords stops at ~1e-5° steps


def test_outside_china_positions_pass_unchanged():
    lon, lat = wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])

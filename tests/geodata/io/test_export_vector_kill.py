"""kill -9 during a layer save in every format: the old file (or, for a shapefile, the old set of
.shp/.shx/.dbf/.prj/.cpg) or the new one, never a mix of parts (tests/kill_harness.py)."""
from __future__ import annotations

import os

import pytest

from tests.kill_harness import assert_old_or_new

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="the rig forks")]


@pytest.mark.parametrize("job", ["gpkg", "shp", "geojson", "kml", "csv"])
def test_a_killed_layer_save_leaves_the_old_files_or_the_new(job, tmp_path, monkeypatch):
    assert assert_old_or_new(job, tmp_path, monkeypatch)["other"] == 0

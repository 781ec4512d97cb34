"""Shared fixtures of the window's action tests."""
from __future__ import annotations

import pytest

from tests.layers.render.basemap.helpers import MARKERS
from tests.layers.render.basemap.tile_server import TileServer


@pytest.fixture(scope="module")
def server():
    """A tile server on 127.0.0.1 drawing markers at known coordinates (tests/layers/render/basemap)."""
    srv = TileServer(MARKERS)
    yield srv
    srv.close()

"""MBTiles: "download this area for offline use" writes a file that reopens (TMS rows, metadata,
composed layers) atomically; bad files are refused with a reason; a package draws offline."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from PySide6.QtGui import QImage

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import plain
from layers.render.basemap.mbtiles import MBTilesReader, download_area, mbtiles_source
from layers.render.basemap.providers import BasemapError, BasemapSource, TileSet, resolve_basemap
from layers.render.basemap.tile_basemap import TileBasemap
from layers.render.basemap.tile_cache import TileCache
from layers.render.basemap.tile_math import lonlat_tiles
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, MARKERS, marker_document, source
from tests.layers.render.basemap.tile_server import TileServer, tile_png
from geodata.coords.projection import lonlat_bounds_to_display

SMALL = (105.6, 29.6, 105.8, 29.8)


@pytest.fixture
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


def test_download_writes_every_tile_with_tms_rows_and_metadata(server, tmp_path):
    out = tmp_path / "area.mbtiles"
    result = download_area(source(server.url()), SMALL, range(8, 12), out, cache=TileCache(tmp_path / "c"))
    wanted = lonlat_tiles(SMALL, range(8, 12))
    assert result.tiles == len(wanted) and result.missing == 0 and result.path == out
    with sqlite3.connect(out) as conn:
        meta = dict(conn.execute("SELECT name, value FROM metadata"))
        z, x, y = wanted[-1]
        stored = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                              (z, x, (1 << z) - 1 - y)).fetchone()[0]
    assert bytes(stored) == tile_png(z, x, y, MARKERS)  # the row counted from the south
    assert meta["format"] == "png" and meta["minzoom"] == "8" and meta["maxzoom"] == "11"
    assert meta["bounds"] == "105.6,29.6,105.8,29.8" and "127.0.0.1" in meta["attribution"]
    reader = MBTilesReader(out)
    assert reader.get(z, x, y) == bytes(stored) and reader.tile_count == len(wanted)
    reader.close()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".area.")]  # no temporary left


def test_several_tile_sets_are_composed_into_one_tile(server, tmp_path):
    two = BasemapSource("url", plain("two"), (TileSet("a", url=server.url("xyz")), TileSet("b", url=server.url("gcj"))),
                        plain("two layers"))
    out = tmp_path / "two.mbtiles"
    download_area(two, SMALL, [11], out, cache=TileCache(tmp_path / "c"))
    z, x, y = lonlat_tiles(SMALL, [11])[0]
    reader = MBTilesReader(out)
    data = reader.get(z, x, y)
    reader.close()
    assert data not in (tile_png(z, x, y, MARKERS), None) and not QImage.fromData(data).isNull()


def test_amap_packages_remember_gcj02(server, tmp_path, monkeypatch):
    amap = resolve_basemap("amap")
    local = BasemapSource("amap", amap.name, (TileSet("amap-normal", url=server.url("gcj"), datum="gcj02"),),
                          amap.attribution)
    out = tmp_path / "amap.mbtiles"
    download_area(local, SMALL, [10], out, cache=TileCache(tmp_path / "c"))
    assert mbtiles_source(out).tilesets[0].datum == "gcj02"


def test_a_package_draws_with_the_network_gone(server, tmp_path):
    out = tmp_path / "dazu.mbtiles"
    download_area(source(server.url()), DISTRICT_BBOX, range(9, 12), out, cache=TileCache(tmp_path / "c"))
    server.close()
    basemap = TileBasemap(resolve_basemap(str(out)), cache=TileCache(tmp_path / "other"), blocking=True)
    _, result = render_with_result(MapRequest(document=marker_document(), extent=lonlat_bounds_to_display(SMALL),
                                              width=960, height=540, layers=(), basemap=basemap))
    basemap.close()
    assert result.basemap.drawn == result.basemap.tiles > 0 and not basemap.failures


def test_cancelled_download_leaves_the_old_file_and_no_temporary(server, tmp_path):
    out = tmp_path / "area.mbtiles"
    out.write_bytes(b"the old package")
    server.delay = 0.05
    feedback = Feedback()
    threading.Timer(0.3, feedback.cancel).start()
    with pytest.raises(Cancelled):
        download_area(source(server.url()), DISTRICT_BBOX, range(9, 13), out, feedback, cache=TileCache(tmp_path / "c"))
    assert out.read_bytes() == b"the old package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["area.mbtiles", "c"]


def test_a_failing_server_writes_nothing_and_says_why(server, tmp_path):
    server.fail = 500
    out = tmp_path / "area.mbtiles"
    with pytest.raises(BasemapError) as caught:
        download_area(source(server.url()), SMALL, [10], out, cache=TileCache(tmp_path / "c"))
    assert "HTTP 500" in caught.value.message.text("en") and "nothing written" in caught.value.message.text("en")
    assert not out.exists()


def test_a_huge_area_is_refused_before_any_request(server, tmp_path):
    with pytest.raises(BasemapError) as caught:
        download_area(source(server.url()), (101.8, 27.6, 110.3, 32.9), range(6, 15), tmp_path / "x.mbtiles")
    assert "more than the limit of 20,000" in caught.value.message.text("en")
    assert server.requests == [] and not (tmp_path / "x.mbtiles").exists()


def test_bad_mbtiles_files_are_refused_with_the_reason(tmp_path):
    text = tmp_path / "text.mbtiles"
    text.write_text("not a database at all " * 100)
    empty = tmp_path / "empty.mbtiles"
    with sqlite3.connect(empty) as conn:
        conn.execute("CREATE TABLE tiles (zoom_level, tile_column, tile_row, tile_data)")
    other = tmp_path / "other.mbtiles"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (a)")
    for path, words in ((text, "file is not a database"), (empty, "it holds no tiles"), (other, "it has no tiles table")):
        with pytest.raises(BasemapError) as caught:
            resolve_basemap(str(path))
        message = caught.value.message.text("en")
        assert "is not a usable MBTiles file" in message and words in message and path.name in message

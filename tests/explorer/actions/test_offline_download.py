"""View → 底图 → 下载此区域供离线使用 (explorer/actions/offline_download.py): an MBTiles file of the
view's tiles that reopens with every tile, Cancel leaves no file, then the window switches to it."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from explorer import i18n
from geodata.coords.projection import lonlat_bounds_to_display
from explorer.actions.offline_download import DownloadDialog, documents_folder, view_lonlat_bbox
from layers.render.basemap.mbtiles import MBTilesReader
from layers.render.basemap.tile_math import count_lonlat_tiles
from tests.layers.render.basemap import tile_server
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, MARKERS
from tests.layers.render.basemap.tile_server import TileServer

ZOOMS = range(9, 12)


@pytest.fixture
def online(window, server, tmp_path):
    """The window drawing the test server's tiles (its own tile cache)."""
    basemaps = window.basemap
    basemaps.cache_root = str(tmp_path / "tiles")
    basemaps.show_error = basemaps.errors.append
    assert basemaps.choose(server.url())
    download = basemaps.download
    download.show_error = download.errors.append
    return basemaps, download


def test_the_download_writes_an_mbtiles_that_reopens_with_every_tile_then_switches_to_it(window, online, tmp_path):
    basemaps, download = online
    out = tmp_path / "out" / "dazu.mbtiles"
    out.parent.mkdir()
    window.canvas.zoom_to_extent(lonlat_bounds_to_display(DISTRICT_BBOX), margin=0.0)
    asked, offered = [], []
    online_source = basemaps.source
    download.ask = lambda source, bbox, zoom: asked.append((source, bbox, zoom)) or (ZOOMS, str(out))
    download.ask_switch = lambda result: offered.append(result) or True
    job = download.open_dialog()
    assert download.wait_idle()
    assert job.outcome == "done" and not download.errors
    source, bbox, zoom = asked[0]
    assert source is online_source and bbox == pytest.approx(view_lonlat_bbox(window.canvas))
    assert bbox == pytest.approx(DISTRICT_BBOX, abs=0.2)  # the view: the district, widened to the canvas's shape
    assert bbox[0] <= DISTRICT_BBOX[0] and bbox[2] >= DISTRICT_BBOX[2]
    reader = MBTilesReader(out)
    try:
        assert reader.tile_count == count_lonlat_tiles(bbox, ZOOMS) > 10
        assert (reader.min_zoom, reader.max_zoom) == (9, 11)
        assert reader.metadata["chengyu:attribution_en"] == "tiles from 127.0.0.1"
    finally:
        reader.close()
    assert sorted(os.listdir(out.parent)) == ["dazu.mbtiles"]  # no temporary file beside it
    assert offered and offered[0].tiles == count_lonlat_tiles(bbox, ZOOMS)
    # the window now draws the file, offline
    assert basemaps.spec == str(out) and basemaps.source.offline and basemaps.actions["mbtiles"].isChecked()
    assert str(out) in window.statusBar().currentMessage()
    assert window.canvas.wait_tiles()


def test_cancel_leaves_no_file(window, online, tmp_path, monkeypatch, qtbot):
    basemaps, download = online
    gate = threading.Event()

    class Held:  # the tile server's `time`: requests wait until the test lets them go
        @staticmethod
        def sleep(_s):
            gate.wait(30)

    slow = TileServer(MARKERS)
    monkeypatch.setattr(tile_server, "time", Held)
    slow.delay = 1
    try:
        basemaps.cache_root = str(tmp_path / "fresh-tiles")  # nothing of the area cached yet
        assert basemaps.choose(slow.url())
        out = tmp_path / "out" / "cancelled.mbtiles"
        out.parent.mkdir()
        download.ask_switch = lambda result: pytest.fail("a cancelled download offers nothing")
        job = download.start(DISTRICT_BBOX, ZOOMS, out)
        qtbot.waitUntil(lambda: len(slow.requests) > 0, timeout=20000)  # under way
        job.cancel()
        gate.set()
        assert download.wait_idle()
        assert job.outcome == "cancelled"
        assert not out.exists() and os.listdir(out.parent) == []
        assert "未写入" in window.statusBar().currentMessage()
        assert basemaps.spec == slow.url()
    finally:
        gate.set()
        slow.close()


def test_without_an_online_basemap_the_action_says_so_in_one_line(window):
    download = window.basemap.download
    download.show_error = download.errors.append
    assert download.open_dialog() is None
    assert len(download.errors) == 1 and "\n" not in download.errors[0]
    assert "底图" in download.errors[0]


def test_a_server_that_fails_is_one_line_and_nothing_is_written(window, online, tmp_path):
    basemaps, download = online
    failing = TileServer([])
    failing.fail = 500
    try:
        assert basemaps.choose(failing.url())
        out = tmp_path / "failed.mbtiles"
        job = download.start(DISTRICT_BBOX, range(9, 10), out)
        assert download.wait_idle()
        assert job.outcome == "failed"
        assert len(download.errors) == 1 and "HTTP 500" in download.errors[0] and "\n" not in download.errors[0]
        assert not out.exists()
    finally:
        failing.close()


def test_the_dialog_asks_zooms_and_a_file_in_the_documents_folder_and_counts_the_tiles(window, online):
    basemaps, _download = online
    bbox = view_lonlat_bbox(window.canvas)
    dialog = DownloadDialog(basemaps.source, DISTRICT_BBOX, 9, window)
    assert Path(dialog.path()).parent == Path(documents_folder())
    assert Path(documents_folder()) != Path.cwd()
    assert list(dialog.zooms()) == [9, 10, 11, 12]
    n = count_lonlat_tiles(DISTRICT_BBOX, range(9, 13))
    assert dialog.count.text() == f"共 {n:,} 块瓦片"
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.z1.setValue(18)  # far too many tiles: said, and OK refused
    assert "超过上限" in dialog.count.text() and not ok.isEnabled()
    dialog.file.setText("/tmp/area")
    assert dialog.path() == "/tmp/area.mbtiles"
    # the view's box is the canvas's, in WGS84
    w, s, e, n_ = bbox
    assert 100 < w < e < 112 and 26 < s < n_ < 34
    i18n.set_language("en")
    english = DownloadDialog(basemaps.source, DISTRICT_BBOX, 9, window)
    assert english.windowTitle() == "Download an offline basemap"
    assert english.count.text() == f"{n:,} tiles"

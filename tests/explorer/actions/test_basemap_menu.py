"""View → 底图 / Basemap in the real main window (explorer/actions/basemap_menu.py) over a tile
server on 127.0.0.1 (tests/layers/render/basemap/tile_server.py): tiles fill the canvas, the GUI
thread never waits for them, errors are one line said once, the choice and the key live in the
settings only."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from explorer import i18n
from geodata.coords.projection import lonlat_to_display
from layers.render.basemap import fetcher
from tests.layers.render.basemap import tile_server
from tests.layers.render.basemap.helpers import MARKERS, Forwarder, pixels
from tests.layers.render.basemap.tile_server import MARKER_RGB, TILE_RGB, TileServer

TDT_KEY = "0123456789abcdef0123456789abcdef"
# (lon, lat) of a marker in the start-up view, and a spot on the plain tile colour far from any marker
MARKER = MARKERS[2 * 6 + 2]  # lon 104.15, lat 29.82
PLAIN = (103.6, 31.0)


@pytest.fixture
def basemaps(window, tmp_path):
    """The window's basemap actions over a tile cache of this test; layers hidden, so the
    canvas shows the tiles' own colours."""
    actions = window.basemap
    actions.cache_root = str(tmp_path / "tiles")
    for name in window.document.layer_names():
        window.document.set_visible(name, False)
    return actions


class Gate:
    """Stands in for the tile server's `time`: each request waits (server.delay) until opened."""

    def __init__(self) -> None:
        self.open = threading.Event()

    def sleep(self, _seconds) -> None:
        self.open.wait(30)


def rgb_at(canvas, lon, lat):
    image = canvas.current_image()
    px, py = canvas.last_result.view.to_pixel(*lonlat_to_display(lon, lat))
    b, g, r, _a = pixels(image)[int(py), int(px)]
    return int(r), int(g), int(b)


def close_to(rgb, expected, tol=6) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb, expected))


def choose_url(basemaps, url: str) -> bool:
    """Pick View → Basemap → Custom XYZ tile URL… and answer the question with `url`."""
    basemaps.ask_url = lambda: url
    basemaps.actions["url"].trigger()
    return basemaps.spec == url


def test_the_view_menu_has_the_basemap_submenu_in_both_languages(window):
    view = window.menu("view")
    menu = window.basemap.menu
    assert menu.menuAction() in view.actions()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["无", "OpenStreetMap", "天地图 矢量", "天地图 影像", "高德地图（GCJ-02 已校正）",
                     "自定义 XYZ 瓦片地址…", "MBTiles 文件…", "天地图密钥…", "下载此区域供离线使用…"]
    assert window.basemap.actions["none"].isChecked()
    i18n.set_language("en")
    assert menu.title() == "Basemap"
    assert window.basemap.download.action.text() == "Download this area for offline use…"


def test_choosing_a_tile_server_fills_the_canvas_with_its_tiles_and_credits_it(window, basemaps, server):
    canvas = window.canvas
    canvas.schedule_render(immediate=True)
    assert canvas.wait_idle()
    assert not close_to(rgb_at(canvas, *PLAIN), TILE_RGB)  # the plain background before
    assert choose_url(basemaps, server.url())
    assert basemaps.actions["url"].isChecked()
    assert canvas.wait_tiles()
    assert close_to(rgb_at(canvas, *PLAIN), TILE_RGB, 2)
    assert close_to(rgb_at(canvas, *MARKER), MARKER_RGB, 40)  # the marker drawn where it lies
    report = canvas.last_result.basemap
    assert report.drawn == report.tiles > 0 and report.pending == 0
    # the credit: in the status bar, and drawn on the map's bottom-right corner (dark lettering on the tiles)
    assert "127.0.0.1" in basemaps.label.text()
    a = pixels(canvas.current_image()).astype(int)
    corner = a[-14:, -90:, :3].sum(axis=2)
    assert (corner < 300).sum() > 20
    # None takes them away again
    basemaps.actions["none"].trigger()
    assert canvas.wait_idle()
    assert not close_to(rgb_at(canvas, *PLAIN), TILE_RGB)
    assert basemaps.label.text() == ""


def test_the_window_answers_and_paints_while_the_tiles_are_still_on_their_way(window, basemaps, monkeypatch):
    gate = Gate()
    slow = TileServer(MARKERS)
    monkeypatch.setattr(tile_server, "time", gate)
    slow.delay = 1  # every request waits on the gate
    try:
        canvas = window.canvas
        assert choose_url(basemaps, slow.url())
        assert canvas.wait_idle()  # a whole frame, done with no tile answered
        report = canvas.last_result.basemap
        assert report.drawn == 0 and report.pending > 0
        assert not close_to(rgb_at(canvas, *PLAIN), TILE_RGB)
        canvas.pan_by(40, 0)  # the window still pans and renders
        assert canvas.wait_idle()
        assert canvas.last_result.basemap.pending > 0
        assert not canvas.grab().isNull()  # and paints
        assert "正在载入" in basemaps.label.text()
        gate.open.set()
        assert canvas.wait_tiles()
        assert close_to(rgb_at(canvas, *PLAIN), TILE_RGB, 2)
        assert "正在载入" not in basemaps.label.text()
    finally:
        gate.open.set()
        slow.close()


def test_an_unreachable_server_is_one_line_in_the_status_bar_once_and_the_map_still_draws(window, basemaps, qtbot):
    window.document.set_visible("districts", True)
    dead = TileServer([])
    url = dead.url()
    dead.close()  # nothing listens on that port any more
    canvas = window.canvas
    assert choose_url(basemaps, url)  # the choice itself is fine: the server is asked only for tiles
    assert canvas.wait_tiles()
    qtbot.waitUntil(lambda: bool(basemaps.errors), timeout=10000)  # said by the status poll, no frame needed
    message = window.statusBar().currentMessage()
    assert "无法连接瓦片服务器 127.0.0.1" in message and "\n" not in message
    assert canvas.last_result.drawn["districts"] > 0
    qtbot.waitUntil(lambda: "块瓦片不可用" in basemaps.label.text(), timeout=10000)  # once nothing is in flight
    assert "Connection refused" in basemaps.label.toolTip()
    said = list(basemaps.errors)
    assert len(said) == 1
    for step in (60, -60):  # more frames missing the same tiles say nothing new
        canvas.pan_by(step, 0)
        assert canvas.wait_tiles()
        qtbot.wait(300)  # a poll of the status
    assert basemaps.errors == said


def test_a_bad_mbtiles_file_is_one_clear_line_and_the_basemap_stays(window, basemaps, server, tmp_path):
    assert choose_url(basemaps, server.url())
    bad = tmp_path / "broken.mbtiles"
    bad.write_bytes(b"this is not sqlite" * 100)
    basemaps.show_error = basemaps.errors.append  # no modal box in a test
    basemaps.ask_mbtiles = lambda: str(bad)
    basemaps.actions["mbtiles"].trigger()
    assert len(basemaps.errors) == 1
    assert "broken.mbtiles" in basemaps.errors[0] and "\n" not in basemaps.errors[0]
    assert "Traceback" not in basemaps.errors[0]
    assert basemaps.spec == server.url() and basemaps.actions["url"].isChecked()
    assert window.canvas.wait_tiles()
    assert close_to(rgb_at(window.canvas, *PLAIN), TILE_RGB, 2)


def test_tianditu_asks_for_the_key_once_keeps_it_in_the_settings_only(window, basemaps, server, settings, monkeypatch,
                                                                        tmp_path):
    monkeypatch.setattr(fetcher, "default_opener", lambda: Forwarder(server))  # Tianditu's URLs, served locally
    asked = []
    basemaps.show_error = basemaps.errors.append
    basemaps.ask_key = lambda: asked.append(1) or None  # cancelled: nothing changes
    basemaps.actions["tianditu"].trigger()
    assert basemaps.spec == "none" and basemaps.actions["none"].isChecked() and not basemaps.errors
    basemaps.ask_key = lambda: asked.append(1) or "abc"  # not a key: one line
    basemaps.actions["tianditu"].trigger()
    assert len(basemaps.errors) == 1 and "32" in basemaps.errors[0] and basemaps.spec == "none"
    basemaps.ask_key = lambda: asked.append(1) or TDT_KEY
    basemaps.actions["tianditu"].trigger()
    assert basemaps.spec == "tianditu" and len(asked) == 3
    basemaps.actions["tianditu-img"].trigger()  # the key is not asked again
    assert basemaps.spec == "tianditu-img" and len(asked) == 3
    assert window.canvas.wait_tiles()
    assert close_to(rgb_at(window.canvas, *PLAIN), TILE_RGB, 2)
    assert "审图号" in basemaps.label.text()
    assert settings.value("basemap/tianditu_key") == TDT_KEY
    assert settings.value("basemap/spec") == "tianditu-img"
    project = window.data_actions.save_project(tmp_path / "p.cyproj")
    assert TDT_KEY not in project.read_text(encoding="utf-8")


def test_the_basemap_comes_back_at_the_next_start(qtbot, document, settings, server, tmp_path):
    from explorer.main_window import MainWindow

    settings.setValue("basemap/spec", server.url())
    settings.setValue("basemap/tile_cache", str(tmp_path / "tiles"))
    settings.setValue("version", 1)
    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    try:
        assert win.basemap.spec == server.url() and win.basemap.actions["url"].isChecked()
        assert win.canvas.basemap is win.basemap.tile_basemap is not None
    finally:
        win.canvas.shutdown()
        win.basemap.shutdown()


def test_a_saved_mbtiles_file_that_went_away_is_said_in_the_status_bar_and_the_map_opens_without_tiles(
        qtbot, document, settings, tmp_path):
    from explorer.main_window import MainWindow

    settings.setValue("basemap/spec", str(tmp_path / "gone.mbtiles"))
    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    try:
        assert win.basemap.spec == "none" and win.canvas.basemap is None
        assert "gone.mbtiles" in win.statusBar().currentMessage()
    finally:
        win.canvas.shutdown()
        win.basemap.shutdown()


def test_tile_pixels_match_a_second_fetch_from_the_disk_cache_with_the_server_gone(window, basemaps, tmp_path):
    local = TileServer(MARKERS)
    url = local.url()
    assert choose_url(basemaps, url)
    assert window.canvas.wait_tiles()
    first = pixels(window.canvas.current_image()).copy()
    local.close()
    basemaps.choose("none")
    basemaps._cache = None  # a new session's memory: only the disk cache has the tiles
    assert basemaps.choose(url)
    assert window.canvas.wait_tiles()
    assert np.array_equal(pixels(window.canvas.current_image()), first)

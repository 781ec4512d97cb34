"""The export dialog and the window's basemap (explorer/actions/export_basemap.py): over a tile server
on 127.0.0.1 that paints a known colour (tests/layers/render/basemap/tile_server.py), the exported
page has the tiles and their credit when "包括底图" is ticked, none when not; a basemap that cannot
be had is one line and no file; the preview shows the tiles at hand and never waits for the rest."""
from __future__ import annotations

import subprocess
import threading

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.conftest import require_tool
from tests.layers.render.basemap import tile_server
from tests.layers.render.basemap.helpers import MARKERS, pixels
from tests.layers.render.basemap.tile_server import TILE_RGB, TileServer


@pytest.fixture
def basemaps(window, tmp_path):
    """The window's basemap actions over a tile cache of this test (layers stay visible)."""
    actions = window.basemap
    actions.cache_root = str(tmp_path / "tiles")
    return actions


def choose_url(window, url: str) -> None:
    window.basemap.ask_url = lambda: url
    window.basemap.actions["url"].trigger()
    assert window.basemap.spec == url


def tile_share(image: QImage, frame=None) -> float:
    """Share of the pixels (inside `frame`, left/top/width/height px) that are the tiles' flat colour."""
    a = pixels(image.convertToFormat(QImage.Format.Format_RGB32)).astype(int)
    if frame is not None:
        left, top, w, h = (round(v) for v in frame)
        a = a[top:top + h, left:left + w]
    near = (np.abs(a[..., 2] - TILE_RGB[0]) <= 3) & (np.abs(a[..., 1] - TILE_RGB[1]) <= 3) & \
           (np.abs(a[..., 0] - TILE_RGB[2]) <= 3)
    return float(near.mean())


def export(qtbot, dialog, out, *, ok=True):
    signal = dialog.exported if ok else dialog.failed
    with qtbot.waitSignal(signal, timeout=120000) as blocker:
        job = dialog.start_export(str(out))
        assert job is not None
    return blocker.args


def open_dialog(qtbot, window, dpi=72):
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    dialog.dpi.setValue(dpi)
    return dialog


def test_no_basemap_on_screen_no_checkbox(qtbot, window, basemaps, tmp_path):
    dialog = open_dialog(qtbot, window)
    assert dialog.basemap is None and not dialog.with_basemap()
    assert not dialog.include_basemap.isVisibleTo(dialog)
    export(qtbot, dialog, tmp_path / "plain.png")
    assert tile_share(QImage(str(tmp_path / "plain.png"))) == 0.0
    dialog.reject()


def test_the_exported_page_has_the_windows_tiles_and_their_credit(qtbot, window, basemaps, server, tmp_path):
    choose_url(window, server.url())
    assert window.canvas.wait_tiles()
    dialog = open_dialog(qtbot, window)
    box = dialog.include_basemap
    assert box.isVisibleTo(dialog) and box.isChecked()  # ticked by default: the page is what the window shows
    assert box.text() == "包括底图（127.0.0.1）"
    out = tmp_path / "with.png"
    export(qtbot, dialog, out)
    frame = dialog.last_result.layout.map_frame
    image = QImage(str(out))  # the file as written, reopened
    with_tiles = tile_share(image, frame)
    assert with_tiles > 0.10, with_tiles  # the tile colour wherever no layer covers the map frame
    # the credit's pale backing and dark lettering in the map frame's bottom-right corner
    left, top, w, h = (round(v) for v in frame)
    corner = pixels(image.convertToFormat(QImage.Format.Format_RGB32))[top + h - 12:top + h - 1,
                                                                       left + w - 60:left + w - 1, :3].astype(int)
    assert (corner.sum(axis=2) < 300).sum() > 10
    # and in the sources line of the page, as the CLI export writes it (read back from a PDF)
    pdf = tmp_path / "with.pdf"
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    export(qtbot, dialog, pdf)
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    assert "底图 瓦片来自 127.0.0.1" in text

    # unticked: the page as it was before basemaps (no tile colour, no credit)
    box.setChecked(False)
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    bare = tmp_path / "without.png"
    export(qtbot, dialog, bare)
    assert tile_share(QImage(str(bare)), dialog.last_result.layout.map_frame) == 0.0
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    export(qtbot, dialog, tmp_path / "without.pdf")
    text = subprocess.run([require_tool("pdftotext"), str(tmp_path / "without.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "127.0.0.1" not in text
    dialog.reject()


@pytest.fixture
def own_server():
    """A server of the test's own: every request it records is for this test's tile cache."""
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


def test_an_export_fetches_no_tile_the_window_already_has(qtbot, window, basemaps, own_server, tmp_path):
    server = own_server
    choose_url(window, server.url())
    dialog = open_dialog(qtbot, window)
    export(qtbot, dialog, tmp_path / "first.png")
    before = len(server.tile_paths())
    seen = set(server.tile_paths())  # the canvas's, the preview's and the first export's tiles
    export(qtbot, dialog, tmp_path / "second.png")  # a new strict TileBasemap, the same tile cache
    again = [p for p in server.tile_paths()[before:] if p in seen]
    assert not again, again  # (the preview may still ask for tiles round its view: new ones only)
    assert QImage(str(tmp_path / "first.png")) == QImage(str(tmp_path / "second.png"))
    dialog.reject()


def test_an_unreachable_tile_server_is_one_line_and_no_file(qtbot, window, basemaps, tmp_path):
    gone = TileServer(MARKERS)
    url = gone.url()
    gone.close()  # nobody answers there, and nothing of it is cached
    choose_url(window, url)
    dialog = open_dialog(qtbot, window)
    assert dialog.with_basemap()
    out = tmp_path / "out" / "map.png"
    out.parent.mkdir()
    export(qtbot, dialog, out, ok=False)
    line = dialog.message.text()
    assert line.startswith("底图不可用，未写入任何文件：") and "\n" not in line, line
    assert "127.0.0.1" in line  # says which server
    assert not list(out.parent.iterdir())  # neither the PNG nor its world file, nor a temporary
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and not dialog.cancel_button.isVisible())
    # unticked, the same dialog writes the map without tiles
    dialog.include_basemap.setChecked(False)
    export(qtbot, dialog, out)
    assert out.exists() and tile_share(QImage(str(out))) == 0.0
    dialog.reject()


class Gate:
    """Stands in for the tile server's `time`: each request waits (server.delay) until opened."""

    def __init__(self) -> None:
        self.open = threading.Event()

    def sleep(self, _seconds) -> None:
        self.open.wait(30)


@pytest.fixture
def slow(monkeypatch):
    gate = Gate()
    srv = TileServer(MARKERS)
    monkeypatch.setattr(tile_server, "time", gate)
    srv.delay = 1  # every request waits on the gate
    yield srv, gate
    gate.open.set()
    srv.close()


def test_the_export_reports_tile_fetching_and_can_be_cancelled(qtbot, window, basemaps, slow, tmp_path):
    srv, _gate = slow
    choose_url(window, srv.url())
    dialog = open_dialog(qtbot, window)
    seen = []
    out = tmp_path / "map.png"
    with qtbot.waitSignal(dialog.failed, timeout=60000) as blocker:
        job = dialog.start_export(str(out))
        job.progress.connect(lambda fraction, message: seen.append(message.text("zh")))
        qtbot.waitUntil(lambda: any(s.startswith("下载底图瓦片") for s in seen), timeout=30000)
        assert dialog.cancel_button.isVisible() and dialog.progress.isVisible()
        dialog.cancel_export()
    assert blocker.args == ["cancelled"]
    assert not list(tmp_path.glob("map*"))
    dialog.reject()


def test_the_preview_shows_the_tiles_at_hand_and_never_waits_for_the_rest(qtbot, window, basemaps, slow):
    srv, gate = slow
    choose_url(window, srv.url())
    dialog = open_dialog(qtbot, window)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        pass  # painted while every tile request hangs on the gate
    assert tile_share(dialog.preview_image) == 0.0
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        gate.open.set()  # the tiles arrive: the preview is painted again with them
    qtbot.waitUntil(lambda: tile_share(dialog.preview_image) > 0.08, timeout=30000)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        dialog.include_basemap.setChecked(False)
    assert tile_share(dialog.preview_image) == 0.0
    dialog.reject()
    assert dialog.basemap.closed  # the preview's fetcher threads stop with the dialog

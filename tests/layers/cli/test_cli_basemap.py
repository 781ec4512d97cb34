"""`export --basemap` for every format and `tiles download`: tiles from a local server (or the
real providers' URLs answered by it through an intercepted opener), clear errors with exit 2 and
nothing written, `--basemap-optional`, offline packages, Ctrl-C leaving nothing half-written."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtGui import QImage

from tests.layers.cli_run import run_main as _run
from layers.render.basemap import fetcher
from layers.render.basemap.tile_math import count_lonlat_tiles
from tests.layers.render.basemap.helpers import MARKERS, Forwarder
from tests.layers.render.basemap.tile_server import TileServer

REPO = Path(__file__).resolve().parents[3]
KEY = "0123456789abcdef0123456789abcdef"
BBOX = "105.6,29.6,105.8,29.8"


@pytest.fixture
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def no_user_key(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)


def _page_image(path: Path) -> QImage:
    """The exported page as pixels, whatever its format (PDF through poppler, SVG through QtSvg)."""
    if path.suffix == ".pdf":
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(path), str(path.with_suffix(""))], check=True)
        return QImage(str(path.with_suffix(".png")))
    if path.suffix == ".svg":
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgRenderer

        renderer = QSvgRenderer(str(path))
        size = renderer.defaultSize()
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        return image
    return QImage(str(path))


def _tile_green_share(path: Path) -> float:
    image = _page_image(path).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull(), path
    hits = total = 0
    for y in range(0, image.height(), 17):
        for x in range(0, image.width(), 17):
            c = image.pixelColor(x, y)
            total += 1
            # tile green, or thinned district fills over it (greener than the map's own colours)
            hits += c.green() > c.red() + 8 and c.green() > c.blue() + 20
    return hits / total


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_an_xyz_basemap_goes_under_every_page_format(suffix, server, tmp_path, capsys):
    out = tmp_path / f"m{suffix}"
    code, stdout, err = _run(["export", str(out), "--basemap", server.url(), "--bbox", BBOX, "--dpi", "60",
                              "--tile-cache", str(tmp_path / "cache")], capsys)
    assert code == 0 and str(out) in stdout and err == ""
    assert server.requests and any((tmp_path / "cache").rglob("*.tile"))  # the tiles were cached where asked
    assert _tile_green_share(out) > 0.2  # the page, reopened, shows the server's green tiles under the map
    plain = tmp_path / f"plain{suffix}"
    assert _run(["export", str(plain), "--bbox", BBOX, "--dpi", "60"], capsys)[0] == 0
    assert _tile_green_share(plain) < 0.05  # and the same page without a basemap does not


def test_osm_and_tianditu_exports_ask_the_providers_urls(server, tmp_path, capsys, monkeypatch):
    forwarder = Forwarder(server)
    monkeypatch.setattr(fetcher, "default_opener", lambda: forwarder)
    monkeypatch.setenv("TIANDITU_KEY", KEY)  # the key from the environment
    for spec in ("osm", "tianditu"):
        code, _, err = _run(["export", str(tmp_path / f"{spec}.png"), "--basemap", spec, "--bbox", BBOX, "--dpi", "40",
                             "--tile-cache", str(tmp_path / "cache")], capsys)
        assert code == 0, err
    hosts = {urlsplit(url).netloc for url, _ in forwarder.seen}
    assert "tile.openstreetmap.org" in hosts and any(h.endswith(".tianditu.gov.cn") for h in hosts)
    keys = {parse_qs(urlsplit(url).query).get("tk", [None])[0] for url, _ in forwarder.seen if "tianditu" in url}
    assert keys == {KEY}


def test_a_missing_key_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, capsys):
    code, out, err = _run(["export", str(tmp_path / "m.png"), "--basemap", "tianditu", "--lang", "en"], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "needs your own Tianditu key" in err
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_exits_2_unless_the_basemap_is_optional(tmp_path, capsys):
    dead = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    out = tmp_path / "m.png"
    code, _, err = _run(["export", str(out), "--basemap", dead, "--bbox", BBOX, "--dpi", "40", "--lang", "en",
                         "--tile-cache", str(tmp_path / "c")], capsys)
    assert code == 2 and "cannot reach the tile server 127.0.0.1" in err and not out.exists()
    plain = tmp_path / "plain.png"
    assert _run(["export", str(plain), "--bbox", BBOX, "--dpi", "40", "--lang", "en"], capsys)[0] == 0
    code, stdout, err = _run(["export", str(out), "--basemap", dead, "--bbox", BBOX, "--dpi", "40",
                              "--basemap-optional", "--lang", "en", "--tile-cache", str(tmp_path / "c")], capsys)
    assert code == 0 and str(out) in stdout
    assert err.startswith("warning: ") and "the map is written without a basemap" in err
    assert QImage(str(out)) == QImage(str(plain))  # exactly the map without tiles


def test_a_bad_mbtiles_file_exits_2_and_an_optional_one_warns(tmp_path, capsys):
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"\x00" * 4096)
    code, _, err = _run(["export", str(tmp_path / "m.pdf"), "--basemap", str(bad), "--lang", "en"], capsys)
    assert code == 2 and "is not a usable MBTiles file" in err and not (tmp_path / "m.pdf").exists()
    code, _, err = _run(["export", str(tmp_path / "m.pdf"), "--basemap", str(bad), "--basemap-optional"], capsys)
    assert code == 0 and err.startswith("警告：") and _tile_green_share(tmp_path / "m.pdf") < 0.05  # the map, no tiles


def test_download_then_export_offline_from_the_package(server, tmp_path, capsys):
    pkg = tmp_path / "dazu.mbtiles"
    code, out, err = _run(["tiles", "download", "--basemap", server.url(), "--bbox", BBOX, "--zoom", "9-11",
                           "--out", str(pkg), "--tile-cache", str(tmp_path / "c"), "--lang", "en"], capsys)
    assert code == 0 and out.strip() == str(pkg) and "tiles" in err
    with sqlite3.connect(pkg) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert stored == count_lonlat_tiles((105.6, 29.6, 105.8, 29.8), range(9, 12))  # every tile of the area, once
    server.close()  # offline from here
    png = tmp_path / "offline.png"
    code, _, err = _run(["export", str(png), "--basemap", str(pkg), "--bbox", BBOX, "--dpi", "40"], capsys)
    assert code == 0, err
    assert _tile_green_share(png) > 0.2


@pytest.mark.parametrize("argv, words", [
    (["--zoom", "12-6"], "levels run from 0 to 20, low to high"),
    (["--zoom", "a"], "expected a level or a range"),
    (["--zoom", "6-16", "--bbox", "101.8,27.6,110.3,32.9"], "more than the limit"),
])
def test_bad_downloads_exit_2_and_write_nothing(argv, words, server, tmp_path, capsys):
    base = ["tiles", "download", "--basemap", server.url(), "--out", str(tmp_path / "x.mbtiles"), "--lang", "en"]
    if "--bbox" not in argv:
        argv = argv + ["--bbox", BBOX]
    code, _, err = _run(base + argv, capsys)
    assert code == 2 and words in err and not (tmp_path / "x.mbtiles").exists()
    assert server.requests == []


def test_ctrl_c_stops_a_download_and_leaves_nothing_behind(server, tmp_path):
    server.delay = 0.05
    out = tmp_path / "area.mbtiles"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "main.py", "tiles", "download", "--basemap", server.url(),
                             "--bbox", "105.3,29.3,106.2,30.0", "--zoom", "8-14", "--out", str(out), "--lang", "en",
                             "--tile-cache", str(tmp_path / "c")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(server.requests) < 20 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the download ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "cancelled: nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # no package, no temporary file


def test_an_xyz_template_serves_a_web_map_and_an_mbtiles_file_is_refused(tmp_path, capsys):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    code, _, _ = _run(["export", str(tmp_path / "m.html"), "--basemap", url, "--basemap-optional"], capsys)
    assert code == 0 and url in (tmp_path / "m.html").read_text(encoding="utf-8")
    code, _, err = _run(["export", str(tmp_path / "p.html"), "--basemap", str(tmp_path / "a.mbtiles"), "--lang", "en"],
                        capsys)
    assert code == 2 and "cannot use an MBTiles file" in err and not (tmp_path / "p.html").exists()

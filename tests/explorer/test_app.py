"""The real application starts on an X display (Xvfb) and shows a drawn map."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    for n in range(91, 160):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :91 and :159")


@pytest.fixture
def xvfb():
    exe = require_tool("Xvfb")
    n = _free_display()
    proc = subprocess.Popen([exe, f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{n}")
    for _ in range(100):
        if socket.exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    if not socket.exists():
        proc.kill()
        pytest.fail(f"Xvfb did not start on :{n}")
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


@pytest.mark.xvfb
@pytest.mark.slow
def test_real_app_opens_a_window_with_a_drawn_map(xvfb, tmp_path):
    from PySide6.QtGui import QImage

    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=xvfb, XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "main.py", "gui", "--screenshot", str(shot), "--lang", "zh"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1504, 920)  # 94 % × 92 % of the 1600×1000 screen
    _assert_the_economic_circle_is_drawn(image)


def _assert_the_economic_circle_is_drawn(image) -> None:
    """The circle's red outline frames the map as its geometry does, and the districts inside and
    outside it are filled in their two colours where they lie (labels and symbols cover a few)."""
    import numpy as np
    from PySide6.QtGui import QColor

    from geodata.coords.projection import lonlat_to_display
    from layers.model.document import MapDocument
    from layers.model.style import default_layer_style

    def name(x, y):
        return QColor(image.pixel(x, y)).name()

    outline = default_layer_style("circle").base.stroke
    classes = default_layer_style("districts").classes  # keys in_circle|partial
    inside, outside = {classes["1|0"].style.fill, classes["1|1"].style.fill}, {classes["0|0"].style.fill}
    red = np.array([(x, y) for x in range(0, image.width()) for y in range(0, image.height()) if name(x, y) == outline])
    assert len(red) > 2000, "no outline of the economic circle"
    (px0, py0), (px1, py1) = red.min(axis=0), red.max(axis=0)
    doc = MapDocument.from_bundle(names=["districts", "circle"])
    x0, y0, x1, y1 = doc.layer("circle").cache.total_bounds
    assert (px1 - px0) / (py1 - py0) == pytest.approx((x1 - x0) / (y1 - y0), rel=0.02)  # same shape, not stretched
    found = {True: [], False: []}
    for row in doc.layer("districts").data.itertuples():
        point = row.geometry.representative_point()
        x, y = lonlat_to_display(point.x, point.y)
        px, py = round(px0 + (x - x0) / (x1 - x0) * (px1 - px0)), round(py0 + (y1 - y) / (y1 - y0) * (py1 - py0))
        if px0 <= px <= px1 and py0 <= py <= py1:  # inside the outline's box: surely on the map
            near = {name(px + i, py + j) for i in range(-3, 4) for j in range(-3, 4)}
            found[bool(row.in_circle)].append(bool(near & (inside if row.in_circle else outside)))
    for in_circle, hits in found.items():
        assert len(hits) > 30 and sum(hits) / len(hits) > 0.85, (in_circle, sum(hits), len(hits))


def test_the_window_start_cleans_what_a_killed_run_left(tmp_path):
    """explorer.app.run_app (not only main.py) finishes or removes a dead run's writes before it opens."""
    import json

    systmp = tmp_path / "systmp"
    out = tmp_path / "out"
    systmp.mkdir()
    out.mkdir()
    (out / "map.png").write_text("old")
    stem = out / ".map.png.1111abcd.part-999999"  # a kill mid-export: the new image never renamed
    Path(f"{stem}.png").write_text("half")
    dead = systmp / "chengyu-999999-deadbeef"  # the dead process's scratch folder, its lock free
    dead.mkdir()
    (dead / "lock").write_bytes(b"")
    (dead / "pending").write_text(json.dumps(str(stem)) + "\n")
    (dead / "import-scratch.bin").write_bytes(b"\0" * 4096)
    shot = tmp_path / "window.png"
    code = ("import sys; from explorer.app import run_app; "
            f"sys.exit(run_app(['explorer'], screenshot={str(shot)!r}, language='zh'))")
    env = dict(os.environ, TMPDIR=str(systmp), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists()
    assert not dead.exists()
    assert sorted(p.name for p in out.iterdir()) == ["map.png"] and (out / "map.png").read_text() == "old"

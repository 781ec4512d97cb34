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
    assert not image.isNull() and image.width() >= 800 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    assert len(colours) > 200
    # the map area (centre of the window) is drawn, not one flat colour
    cx, cy = image.width() // 2, image.height() // 2
    centre = {image.pixel(x, y) for x in range(cx - 150, cx + 150, 3) for y in range(cy - 100, cy + 100, 3)}
    assert len(centre) > 20

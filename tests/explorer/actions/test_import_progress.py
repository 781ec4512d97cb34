"""The import of a big file shows features read in its progress dialog, and the dialog's Cancel stops
the read between chunks: no layer is added, no error is shown (geodata/io/read_chunks.py)."""
from __future__ import annotations

import threading

import pyogrio
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from geodata.io import read_chunks
from tests.explorer.actions.test_data_actions import make_window


def test_cancel_in_the_progress_dialog_stops_a_million_vertex_read_after_its_chunk(qtbot, tmp_path, monkeypatch):
    from layers.cli.bench_user import synthetic_gpkg

    gpkg = synthetic_gpkg(tmp_path, polygons=20_000, vertices=50, points=10)  # 1,020,000 vertices
    window, actions = make_window(qtbot)
    reads: list[dict] = []
    real_read, real_next = pyogrio.read_dataframe, read_chunks.next_chunk
    cancelled = threading.Event()

    def counting(path, **kwargs):
        reads.append(kwargs)
        return real_read(path, **kwargs)

    def held(size, elapsed_s):
        # After the first chunk and its progress, the read waits for the user: a chunk takes
        # ~0.1 s here, too short to click reliably while it runs.
        cancelled.wait(30)
        return real_next(size, elapsed_s)

    monkeypatch.setattr(pyogrio, "read_dataframe", counting)
    monkeypatch.setattr(read_chunks, "next_chunk", held)
    job = actions.import_path(gpkg, layer="parcels")
    job.feedback.on_cancel(cancelled.set)

    def shown():
        return [d for d in window.findChildren(QProgressDialog) if d.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1 and "/ 20,000 个要素" in shown()[0].labelText(), timeout=20000)
    (dialog,) = shown()
    assert dialog.labelText().startswith("读取 synthetic.gpkg：")
    assert dialog.maximum() == 1000 and 0 < dialog.value() < 800  # the read's share is 0..0.8 of the bar
    (button,) = dialog.findChildren(QPushButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert actions.wait_idle(30000)
    assert job.outcome == "cancelled" and len(reads) == 1  # the second chunk was never read
    assert window.document.layer_names() == [] and actions.errors == [] and shown() == []

"""File → Export web map… in the real main window (explorer/actions/web_export.py)."""
from __future__ import annotations

import json
import re

import pytest

from explorer import i18n
from tests.layers.web.test_export_web import drawn, legend_and_title


def _install(window):
    """The window's File → Export web map… (main_window installs it)."""
    return window.web_export, window.menu("file").actions()


def test_the_file_menu_gets_the_action_after_the_page_export_and_it_follows_the_language(window):
    item, actions = _install(window)
    texts = [a.text() for a in actions]
    assert "导出网页地图…" in texts
    assert actions.index(item.action) == actions.index(window._actions["act.export"]) + 1
    i18n.set_language("en")
    assert item.action.text() == "Export web map…"


def test_export_writes_the_visible_filtered_layers_framed_on_the_view(window, qtbot, tmp_path):
    from layers.model.filter import Filter

    item, _ = _install(window)
    window.document.set_filter(Filter(themes=("transport",)))
    dialog = item.open_dialog()
    dialog.basemap.setCurrentIndex(dialog.basemap.findData("none"))
    dialog.offline.setChecked(True)
    out = tmp_path / "web.html"
    with qtbot.waitSignal(dialog.exported, timeout=60000) as signal:
        assert dialog.start_export(str(out))
    assert signal.args == [str(out)]
    text = out.read_text(encoding="utf-8")
    assert "<script src=" not in text  # offline: Leaflet inlined
    names = sorted(f["properties"]["name"] for f in drawn(text, "projects"))
    assert names == ["测试公路项目", "测试铁路项目"]  # the two transport test projects
    assert drawn(text, "seats") == []  # seats are hidden in the window
    assert str(out) in dialog.message.text()
    assert str(out) in window.statusBar().currentMessage()
    # the page opens on the canvas view
    from geodata.coords.projection import display_bounds_to_lonlat

    west, south, east, north = display_bounds_to_lonlat(window.canvas.view.extent())
    bounds = json.loads(re.search(r"map_[0-9a-f]+\.fitBounds\(\s*(\[\[.*?\]\])", text, flags=re.DOTALL).group(1))
    assert bounds[0] == pytest.approx([south, west], abs=1e-4)
    assert bounds[1] == pytest.approx([north, east], abs=1e-4)


def test_tianditu_without_a_key_is_refused_in_the_dialog_and_nothing_is_written(window, tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    item, _ = _install(window)
    dialog = item.open_dialog()
    dialog.basemap.setCurrentIndex(dialog.basemap.findData("tianditu"))
    dialog.key.setText("")
    assert dialog.key.isEnabled()
    assert not dialog.start_export(str(tmp_path / "t.html"))
    assert "密钥" in dialog.message.text()
    assert list(tmp_path.glob("*.html")) == []


def test_amap_basemap_warns_about_gcj02_before_and_in_the_page(window, qtbot, tmp_path):
    item, _ = _install(window)
    dialog = item.open_dialog()
    dialog.basemap.setCurrentIndex(dialog.basemap.findData("amap"))
    assert dialog.note.isVisibleTo(dialog) and "GCJ-02" in dialog.note.text()
    assert not dialog.key.isEnabled()
    out = tmp_path / "amap.html"
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.start_export(str(out))
    text = out.read_text(encoding="utf-8")
    assert "GCJ-02" in legend_and_title(text)[0]
    from geodata.coords.datums import wgs84_to_gcj02

    data = window.document.layer("projects").data.set_index("name_zh")
    projects = drawn(text, "projects")
    assert sorted(f["properties"]["name"] for f in projects) == sorted(data.index)
    for feature in projects:  # every point moved onto the Amap tiles' datum
        point = data.loc[feature["properties"]["name"]].geometry
        assert feature["geometry"]["coordinates"] == pytest.approx(list(wgs84_to_gcj02(point.x, point.y)), abs=1e-5)

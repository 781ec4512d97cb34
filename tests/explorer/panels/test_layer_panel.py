"""Layer panel: visibility, order, opacity, colour and width reach the document and the map."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


def test_layer_panel_hides_reorders_and_fades_layers(window):
    panel = window.layer_panel
    items = {panel.list.item(i).data(Qt.ItemDataRole.UserRole): panel.list.item(i) for i in range(panel.list.count())}
    items["projects"].setCheckState(Qt.CheckState.Unchecked)
    assert not window.document.layer("projects").visible
    assert window.canvas.is_render_pending()
    assert window.canvas.wait_idle()
    assert "projects" not in window.canvas.last_result.drawn

    panel.apply_order(["districts", "projects", "circle", "seats"])  # top first
    assert window.document.layer_names() == ["seats", "circle", "projects", "districts"]

    panel.list.setCurrentRow(0)  # districts, now on top
    panel.opacity.setValue(40)
    assert window.document.layer("districts").opacity == pytest.approx(0.4)
    panel.set_colour("#112233")
    assert window.document.layer("districts").style.base.fill == "#112233"
    panel.width.setValue(2.5)
    assert window.document.layer("districts").style.base.width_pt == pytest.approx(2.5)


def test_layer_info_names_source_count_and_quality(window):
    panel = window.layer_panel
    row = next(i for i in range(panel.list.count()) if panel.list.item(i).data(Qt.ItemDataRole.UserRole) == "projects")
    panel.list.setCurrentRow(row)
    text = panel._info_text(window.document.layer("projects"))
    assert text == "图层：重点项目\n来源：tests/explorer/conftest.py\n要素数：4（筛选后 4）\n几何质量：示意（按控制点手工放置）"
    window.filter_panel.theme_checks["transport"].click()  # two of the four projects are transport
    window.set_language("en")
    assert panel._info_text(window.document.layer("projects")) == (
        "Layer: Projects\nSource: tests/explorer/conftest.py\nFeatures: 4 (2 after filter)\n"
        "Geometry quality: schematic (placed by hand through control points)")
    from PySide6.QtGui import QTextDocument

    tip = QTextDocument()
    tip.setHtml(panel.list.item(row).toolTip())  # the info, escaped: a layer's name is never markup
    assert tip.toPlainText().startswith("Layer: Projects\u2029Source:") or tip.toPlainText().startswith("Layer: Projects\nSource:")

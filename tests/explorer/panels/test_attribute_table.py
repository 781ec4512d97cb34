"""Attribute table: filtered rows, sorting, selection both ways, TSV copy."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tests.explorer.helpers import pixel_of


def test_selecting_a_table_row_highlights_it_on_the_map(window, qtbot):
    from tests.explorer.helpers import patch, rerender

    window.canvas.labels = False
    rerender(window.canvas)
    pos = pixel_of(window.canvas, "projects", "t-park")
    before = window.canvas.current_image().copy()
    window.table.set_layer("projects")
    row = next(r for r in range(window.table.row_count()) if window.table.model.feature_id(r) == "t-park")
    window.table.view.selectRow(window.table.proxy.mapFromSource(window.table.model.index(row, 0)).row())
    assert window.document.selection == {"projects": ("t-park",)}
    rerender(window.canvas)
    assert patch(window.canvas.current_image(), pos, 10) != patch(before, pos, 10)
    window.document.set_selection({})
    rerender(window.canvas)
    assert patch(window.canvas.current_image(), pos, 10) == patch(before, pos, 10)


def test_copy_gives_tab_separated_rows_with_a_header(window, qtbot):
    from PySide6.QtGui import QGuiApplication

    window.table.set_layer("projects")
    window.table.view.selectRow(0)
    window.table.copy_selection()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["id", "name_zh"]
    assert len(lines) == 2 and lines[1].split("\t")[0] == window.table.selected_ids()[0]


def test_sorting_by_year_is_numeric_and_keeps_ids_right(window):
    table = window.table
    table.set_layer("projects")
    column = table.model.columns.index("year")
    table.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    years = [int(table.proxy.index(r, column).data()) for r in range(table.row_count())]
    assert years == [2027, 2025, 2023, 2021]
    table.view.selectRow(0)
    assert table.selected_ids() == ["t-road"]


def test_double_click_zooms_to_the_feature(window, qtbot):
    table = window.table
    table.set_layer("districts")
    row = next(r for r in range(table.row_count()) if table.model.feature_id(r) == "500111")
    index = table.proxy.mapFromSource(table.model.index(row, 0))
    before = window.canvas.view.resolution
    table.view.doubleClicked.emit(index)
    assert window.canvas.view.resolution < before / 4
    assert window.identify.shown_value("adcode") == "500111"


def test_missing_values_show_as_empty_cells_not_na_text(window):
    import numpy as np
    import pandas as pd

    data = window.document.layer("projects").data.copy()
    data["year"] = pd.array([2023, None, 2025, None], dtype="Int64")  # as the loader returns years
    data["note"] = pd.Series([None, np.nan, 2023.0, " "], dtype=object)
    data["share"] = [0.25, np.nan, 2023.0, 1.5]
    window.table.set_layer("projects")
    window.document.set_layer_data("projects", data)  # the table shows the new frame
    model = window.table.model

    def column(name):
        c = model.columns.index(name)
        return [model.data(model.index(r, c)) for r in range(model.rowCount())]

    assert column("year") == ["2023", "", "2025", ""]
    assert column("note") == ["", "", "2023", ""]
    assert column("share") == ["0.25", "", "2023", "1.5"]
    assert column("themes")[1] == "industry,innovation"  # raw values: the table shows what is stored


def test_headers_are_readable_names_in_the_ui_language_with_the_stored_name_as_tooltip(window):
    from explorer import i18n

    table = window.table
    table.set_layer("projects")
    model = table.model
    header = {model.columns[i]: model.headerData(i, Qt.Orientation.Horizontal) for i in range(len(model.columns))}
    assert header["status"] == "状态" and header["year"] == "年份" and header["name_zh"] == "名称"
    assert header["source_sentence"] == "原文"
    status = model.columns.index("status")
    from PySide6.QtGui import QTextDocument

    tip = QTextDocument()
    tip.setHtml(model.headerData(status, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole))
    assert tip.toPlainText() == "status"  # escaped for the tooltip, reads as the stored name
    # what the header view paints (not only the model) follows the language switch
    shown = table.view.model().headerData(status, Qt.Orientation.Horizontal)
    assert shown == "状态"
    i18n.set_language("en")
    assert table.view.model().headerData(status, Qt.Orientation.Horizontal) == "Status"
    assert model.headerData(model.columns.index("source_date"), Qt.Orientation.Horizontal) == "Source date"


def test_the_new_project_fields_have_names_in_both_languages():
    from geodata.bundle import loader
    from geodata.core.field_labels import FIELD_LABELS

    for layer in ("projects", "project_lines", "railways", "stations", "partnerships", "districts"):
        for column in loader.load_layer(layer).columns:
            if column != "geometry":
                label = FIELD_LABELS.get(column)
                assert label is not None and label.zh and label.en and label.zh != column, (layer, column)

"""Save and open dialogs speak the UI language and start in the folder last used (else Documents, else
home), never in the program's folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from explorer import file_dialogs, i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(file_dialogs, "_last_folder", None)


def _label(dialog, which):
    return dialog.labelText(which)


def test_a_bare_suggested_name_starts_in_documents_or_home_in_chinese(qtbot, monkeypatch):
    monkeypatch.chdir(ROOT)  # the program folder is the working directory, as when started from it
    dialog = file_dialogs.file_dialog(None, "导出地图", "chengyu-map.png", "PNG (*.png)", save=True)
    qtbot.addWidget(dialog)
    folder = Path(dialog.directory().absolutePath())
    assert folder == file_dialogs.default_folder() and folder != ROOT
    assert folder in {Path.home(), Path.home() / "Documents", Path(os.environ.get("XDG_DOCUMENTS_DIR", "/nonexistent"))}
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    assert [_label(dialog, w) for w in (QFileDialog.DialogLabel.LookIn, QFileDialog.DialogLabel.FileType,
                                        QFileDialog.DialogLabel.FileName, QFileDialog.DialogLabel.Accept)] == \
        ["查找范围：", "文件类型：", "文件名：", "保存"]
    assert dialog.locale().language().name == "Chinese"
    assert dialog.iconProvider().type(__import__("PySide6.QtCore", fromlist=["QFileInfo"]).QFileInfo(str(ROOT))) == "文件夹"


def test_the_next_dialog_starts_where_the_last_file_was_chosen_and_speaks_english(qtbot, tmp_path):
    file_dialogs.remember(tmp_path / "mine.gpkg")
    i18n.set_language("en")
    dialog = file_dialogs.file_dialog(None, "Save layer", "roads.gpkg", "GeoPackage (*.gpkg);;CSV (*.csv)", save=True)
    qtbot.addWidget(dialog)
    assert Path(dialog.directory().absolutePath()) == tmp_path
    assert _label(dialog, QFileDialog.DialogLabel.LookIn) == "Look in:" and dialog.nameFilters() == [
        "GeoPackage (*.gpkg)", "CSV (*.csv)"]
    assert dialog.locale().language().name == "English"


def test_the_export_dialog_asks_through_it_and_remembers_the_folder(qtbot, tmp_path, monkeypatch, document):
    from explorer.actions.export_dialog import ExportDialog

    seen = []

    def accept(dialog):
        seen.append(Path(dialog.directory().absolutePath()))
        dialog.selectFile(str(tmp_path / "out.png"))
        return 0  # cancelled after looking: nothing is exported

    monkeypatch.setattr(QFileDialog, "exec", accept)
    export = ExportDialog(document)
    qtbot.addWidget(export)
    export.choose_and_export()
    assert seen == [file_dialogs.default_folder()]
    file_dialogs.remember(tmp_path / "earlier.png")
    export.choose_and_export()
    assert seen[-1] == tmp_path

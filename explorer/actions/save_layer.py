"""File → Save layer as…: a layer of the map to a file (`geodata.io.export_vector.save_layer`),
on the data lane.  GeoJSON/CSV can be written in GCJ-02 or BD-09 for Chinese web maps; a layer's
own source file is never overwritten.  Part of `DataActions` (`actions/data_actions.py`)."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from explorer import file_dialogs, i18n
from explorer.jobs import Job, error_text
from geodata.core.message import Message

SAVE_LAYER = Message("图层另存为…", "Save layer as…")
SAVING = Message("正在保存 {name}…", "Saving {name}…")
SAVE_FAILED = Message("保存失败", "Save failed")
SAVED = Message("已保存 {name}", "Saved {name}")
NO_LAYER = Message("没有可保存的图层", "There is no layer to save")
WHICH_LAYER = Message("保存哪个图层？", "Which layer to save?")
# Extra entries of the save dialog's type list: the datum they write.
DATUM_FILTERS: tuple[tuple[Message, str], ...] = (
    (Message("GeoJSON，GCJ-02 坐标（高德、腾讯）(*.geojson)", "GeoJSON in GCJ-02 (Amap, Tencent) (*.geojson)"), "gcj02"),
    (Message("GeoJSON，BD-09 坐标（百度）(*.geojson)", "GeoJSON in BD-09 (Baidu) (*.geojson)"), "bd09"),
)


class SaveLayerActions:
    """The save-layer part of `DataActions` (uses its `window`, `run`, `show_error`)."""

    def current_layer_name(self) -> str | None:
        """The layer panel's current layer; else the only layer; else the user picks one."""
        name = self.window.layer_panel.current_name()
        if name:
            return name
        names = self.window.document.layer_names()
        if len(names) <= 1:
            return names[0] if names else None
        name, ok = QInputDialog.getItem(self.window, i18n.ui(SAVE_LAYER), i18n.ui(WHICH_LAYER), list(reversed(names)),
                                        0, False)
        return name if ok else None

    def save_layer_dialog(self) -> None:
        from geodata.io.export_vector import FILE_FILTER

        name = self.current_layer_name()
        if name is None:
            self.show_error(i18n.ui(SAVE_FAILED), i18n.ui(NO_LAYER))
            return
        chosen = self.ask_layer_save_path(f"{name}.gpkg", FILE_FILTER)
        if chosen:
            self.save_layer(name, chosen[0], datum=chosen[1])

    def ask_layer_save_path(self, suggested: str, file_filter: str) -> tuple[str, str] | None:
        """(path, datum): the extra filter entries save GeoJSON/CSV in GCJ-02 or BD-09 for web maps."""
        extra = {i18n.ui(label): datum for label, datum in DATUM_FILTERS}
        path, selected = file_dialogs.get_save_file_name(self.window, i18n.ui(SAVE_LAYER), suggested,
                                                     ";;".join([file_filter, *extra]))
        if not path:
            return None
        if not Path(path).suffix and "(*." in selected:  # the dialog may leave the suffix to us
            path += "." + selected.split("(*.", 1)[1].split(")")[0].split()[0]
        return path, extra.get(selected, "wgs84")

    def save_layer(self, name: str, path: str | os.PathLike, datum: str | None = None) -> Job:
        from geodata.io.export_vector import save_layer

        layer = self.window.document.layer(name)
        data = layer.data
        ref = layer.data_ref or {}
        source = ref.get("path") if ref.get("kind") == "file" else None
        path = Path(path)
        label = SAVING.format(name=path.name)

        def work(feedback):
            feedback.set_progress(0.1, label)
            return save_layer(data, path, source_path=source, layer_name=name, datum=datum)

        return self.run(label, work, done=lambda result: self._saved(path, result),
                        failed=lambda exc: self.show_error(i18n.ui(SAVE_FAILED), error_text(exc)))

    def _saved(self, path: Path, result) -> None:
        self.last_report = list(result.report)
        self.window.statusBar().showMessage(i18n.ui(SAVED, name=path.name), 10000)

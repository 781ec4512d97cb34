"""Correct a project's position from a field observation, and undo it: a thin view over
`geodata.fieldcheck.edits.EditStore` (the user's own GeoPackage; the bundle is never changed).
The corrected registry is shown as a layer pointing at that file, so a project file refers to it.
Part of the field-check panel (`panel.py`)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from explorer import file_dialogs, i18n
from explorer.plain_text import rich
from geodata.core.message import Message

CORRECTED_LAYER = "projects_corrected"
CORRECT = Message("修正位置…", "Correct location…")
UNDO = Message("撤销修正", "Undo correction")
REASON = Message("修正原因：", "Reason for the correction:")
EDITS_FILE = Message("修正保存到（您自己的 GeoPackage）", "Keep corrections in (your own GeoPackage)")
PICK_ROW = Message("请先在表中选择一个已匹配的观测。", "Select a matched observation in the table first.")
CORRECTED = Message("重点项目（已修正）", "Projects (corrected)")


class CorrectionActions:
    """Corrections of `FieldCheckPanel` (uses its `window`, `summary`, `selected_row`, `_error`)."""

    edit_store = None  # the EditStore, once the user has named their file
    edits_path: Path | None = None

    def _registry(self):
        """The registered projects as bundled (the document's copy when it has one)."""
        doc = self.window.document
        if "projects" in doc:
            return doc.layer("projects").data
        from geodata.bundle import loader

        return loader.load_layer("projects")

    def _projects(self):
        """The registry to check against: the (corrected) project points and the project lines."""
        from geodata.fieldcheck.check import with_project_lines

        doc = self.window.document
        points = doc.layer(CORRECTED_LAYER).data if CORRECTED_LAYER in doc else self._registry()
        # the lines the document shows (a document without them checks points only)
        return with_project_lines(points, doc.layer("project_lines").data) if "project_lines" in doc else points

    def _store(self, edits_path: str | None):
        from geodata.fieldcheck.edits import EditStore

        if edits_path is not None:
            self.edits_path = Path(edits_path)
            self.edit_store = None
        if self.edits_path is None:
            doc = self.window.document
            ref = doc.layer(CORRECTED_LAYER).data_ref if CORRECTED_LAYER in doc else None
            if ref and ref.get("path"):
                self.edits_path = Path(ref["path"])
            else:
                chosen, _ = file_dialogs.get_save_file_name(self, i18n.ui(EDITS_FILE), "my_corrections.gpkg",
                                                        "GeoPackage (*.gpkg)")
                if not chosen:
                    return None
                self.edits_path = Path(chosen)
        if self.edit_store is None:
            self.edit_store = EditStore(self.edits_path, self._registry())
        return self.edit_store

    def correct_selected(self, reason: str | None = None, edits_path: str | None = None):
        """Move the selected row's project to the observed position, with a reason (asked if None)."""
        from geodata.fieldcheck.edits import EditsError

        rec = self.selected_row()
        if rec is None:
            self._error(i18n.ui(PICK_ROW))
            return None
        if reason is None:
            reason, ok = QInputDialog.getText(self, i18n.ui(CORRECT),
                                              rich(f"{rec['project_id']} {rec['project_name_zh']}\n{i18n.ui(REASON)}"))
            if not ok:
                return None
        try:
            store = self._store(edits_path)
            if store is None:
                return None
            edit = store.move(rec["project_id"], float(rec["obs_lon"]), float(rec["obs_lat"]), reason)
        except (EditsError, OSError, RuntimeError) as exc:  # bad file, missing registry: say so, keep going
            self._error(str(exc))
            return None
        self._show_corrected()
        self._update_buttons()
        return edit

    def undo_correction(self):
        from geodata.fieldcheck.edits import EditsError

        if self.edit_store is None:
            return None
        try:
            edit = self.edit_store.undo()
        except EditsError as exc:
            self._error(str(exc))
            return None
        self._show_corrected()
        self._update_buttons()
        return edit

    def _show_corrected(self) -> None:
        """The corrected registry as a layer pointing at the user's file (so project files point there)."""
        from layers.model.document import MapLayer
        from layers.model.style import default_layer_style

        doc, store = self.window.document, self.edit_store
        data = store.corrected()
        ref = {"kind": "file", "path": str(store.path), "layer": CORRECTED_LAYER}
        if CORRECTED_LAYER in doc:
            doc.remove_layer(CORRECTED_LAYER)
        doc.add_layer(MapLayer(name=CORRECTED_LAYER, data=data, title_zh=CORRECTED.zh, title_en=CORRECTED.en,
                               label_field="name_zh", style=default_layer_style("projects", "Point"), data_ref=ref,
                               source=f"{store.path.name} (corrections of the bundled projects)"))
        if "projects" in doc:
            doc.set_visible("projects", False)  # the corrected copy replaces it on the map
        last = store.edits[-1] if store.edits else None
        if last is not None:
            self.summary.setText(f"#{last.edit_id} {last.action} {last.project_id}: ({last.old_lon:.6f}, {last.old_lat:.6f}) → "
                                 f"({last.new_lon:.6f}, {last.new_lat:.6f}) — {last.who}, {last.when}, {last.reason}")

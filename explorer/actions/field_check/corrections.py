"""Correct a project's position from a field observation, and undo it: a thin view over
`geodata.fieldcheck.edits.EditLog` — the user's own GeoPackage (`EditStore`) or a PostGIS table a
team shares (`PostgisEditStore`); the bundle is never changed.  Part of the field-check panel (`panel.py`).

Every store call (open, refresh, move, undo) runs as a job on the data lane: a server that is slow
or down never freezes the window.  A correction names the edit this window last saw as its base,
so a project someone else corrected since is refused (`EditConflict`: who changed it, when), the
store is re-read and their correction shown; a read-only role gets a clear refusal, nothing written.
Refresh (and opening a store) re-reads it, so the team's corrections appear on the map and in the list.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QMessageBox,
                               QPushButton, QTreeWidget, QTreeWidgetItem)

from explorer import i18n
from explorer.plain_text import rich
from explorer.jobs import Job, error_text
from geodata.core.message import Message

CORRECTED_LAYER = "projects_corrected"
CORRECT = Message("修正位置…", "Correct location…")
UNDO = Message("撤销修正", "Undo correction")
REFRESH = Message("刷新修正", "Refresh corrections")
CHOOSE_STORE = Message("修正存储…", "Corrections store…")
REASON = Message("修正原因：", "Reason for the correction:")
PICK_ROW = Message("请先在表中选择一个已匹配的观测。", "Select a matched observation in the table first.")
NO_REASON = Message("请说明修正原因 / give a reason for the correction", "give a reason for the correction")
CORRECTED = Message("重点项目（已修正）", "Projects (corrected)")
NO_STORE = Message("修正存储：未选择", "Corrections store: none chosen")
STORE_IS = Message("修正存储：{target}（{n} 条修正）", "Corrections store: {target} ({n} corrections)")
OPENING = Message("正在打开修正存储…", "Opening the corrections store…")
REFRESHING = Message("正在读取修正…", "Reading the corrections…")
WRITING = Message("正在写入修正…", "Writing the correction…")
CANCELLED = Message("已取消。", "Cancelled.")
REFRESHED = Message("已刷新：{n} 条修正", "Refreshed: {n} corrections")
CONFLICT_TITLE = Message("修正冲突", "Correction conflict")
CONFLICT = Message("{project} 已于 {when} 被 {who} 修改（修正 #{edit}），您的修正未写入。现已显示其修正；如仍需修正请再做一次。",
                   "{project} was changed by {who} at {when} (edit #{edit}) after you loaded it; your correction was "
                   "not written. Their correction is shown now: correct again if it is still needed.")
READ_ONLY_TITLE = Message("只读", "Read-only")
STORE_FAILED = Message("修正存储错误", "Corrections store error")
EDIT_COLUMNS = (Message("编号", "#"), Message("项目", "Project"), Message("修正人", "By"), Message("时间 (UTC)", "When (UTC)"),
                Message("原因", "Reason"))


class CorrectionActions:
    """Corrections of `FieldCheckPanel` (uses its `window`, `jobs`, `summary`, `selected_row`, `_error`)."""

    edit_store = None  # the EditLog, once the user has chosen where corrections go
    edits_path: Path | None = None  # the GeoPackage's path when the store is one
    editor = ""  # who the corrections are made by ("" : the login name)
    last_edit = None
    store_errors: list[str]

    # --- widgets ---------------------------------------------------------------------------------
    def _build_store_widgets(self):
        """The store row (what it is, Choose…, Refresh) and the list of its corrections, newest first."""
        self.store_errors = []
        self.store_label = QLabel()
        self.store_label.setWordWrap(True)
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.store_button = QPushButton()
        self.store_button.clicked.connect(lambda: self.choose_store())
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(lambda: self.refresh_store())
        row = QHBoxLayout()
        row.addWidget(self.store_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        self.edits_list = QTreeWidget()
        self.edits_list.setColumnCount(len(EDIT_COLUMNS))
        self.edits_list.setRootIsDecorated(False)
        self.edits_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.edits_list.setMaximumHeight(120)
        self.edits_list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        return self.store_label, row, self.edits_list

    def _retranslate_store(self) -> None:
        self.store_button.setText(i18n.ui(CHOOSE_STORE))
        self.refresh_button.setText(i18n.ui(REFRESH))
        self.edits_list.setHeaderLabels([i18n.ui(c) for c in EDIT_COLUMNS])
        self._show_store()

    def _show_store(self) -> None:
        store = self.edit_store
        self.store_label.setText(i18n.ui(NO_STORE) if store is None else
                                 i18n.ui(STORE_IS, target=store.target, n=len(store.edits)))
        self.edits_list.clear()
        for e in reversed(store.edits if store is not None else []):
            what = e.project_id if e.action == "move" else f"{e.project_id} ({e.reason})"
            self.edits_list.addTopLevelItem(QTreeWidgetItem([str(e.edit_id), what, e.who, e.when, e.reason]))

    # --- the registry ----------------------------------------------------------------------------
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

    # --- the store -------------------------------------------------------------------------------
    def choose_store(self, then=None) -> Job | None:
        """Ask GeoPackage or PostGIS (and who corrects), then open it; `then(store)` runs after, in the job."""
        from explorer.actions.field_check.store_dialog import EditsStoreDialog
        from geodata.io.errors import MessageError

        current = self.edit_store.target if self.edit_store is not None else ""
        dialog = EditsStoreDialog(self, self.window.settings, current)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            choice = dialog.choice()
        except MessageError as exc:
            self._store_failed(exc)
            return None
        finally:
            dialog.deleteLater()
        if choice is None:
            return None
        return self.open_store(choice.target, who=choice.who, then=then)

    def open_store(self, target, password: str = "", who: str | None = None, then=None) -> Job:
        """Open `target` (a .gpkg path, a PostGIS address or PostgisSource) in a job and show its corrections."""
        registry = self._registry()
        if who is not None:
            self.editor = who.strip()

        def work(_feedback):
            store = _open(target, password, registry)
            try:
                return store, (then(store) if then is not None else None), None
            except Exception as exc:  # the store opened; only the correction was refused: keep the store
                return store, None, exc

        return self._store_job(work, lambda value: self._opened(*value), OPENING)

    def open_project_store(self) -> Job | None:
        """A project opened with a corrected layer: open the store it points to (a PostGIS one with libpq's
        password: PGPASSWORD, ~/.pgpass), so the team's corrections are read and new ones go there."""
        doc = self.window.document
        ref = (doc.layer(CORRECTED_LAYER).data_ref or {}) if CORRECTED_LAYER in doc else {}
        target = ref.get("path") if ref.get("kind") == "file" else ref.get("url") if ref.get("kind") == "edits" else None
        if not isinstance(target, str) or (self.edit_store is not None and self.edit_store.target == target):
            return None
        return self.open_store(target)

    def _opened(self, store, edit, refused: BaseException | None = None) -> None:
        from explorer.actions.field_check.store_dialog import remember

        self.edit_store = store
        self.edits_path = getattr(store, "path", None)
        remember(self.window.settings, store, self.editor)
        if edit is not None:
            self.last_edit = edit
        if store.edits or CORRECTED_LAYER in self.window.document:
            self._show_corrected()
        self._show_store()
        if edit is not None:
            self._describe(edit)
        if refused is not None:
            self._store_failed(refused)

    def refresh_store(self, quiet: bool = False) -> Job | None:
        """Re-read the store: corrections others made since appear on the map and in the list
        (`quiet`: the dock was shown; the summary line is left as it is)."""
        store = self.edit_store
        if store is None:
            return None if quiet else self.choose_store()

        def work(_feedback):
            return store.refresh()

        def done(edits) -> None:
            if store is not self.edit_store:
                return
            if edits or CORRECTED_LAYER in self.window.document:
                self._show_corrected()
            self._show_store()
            if not quiet:
                self.summary.setText(i18n.ui(REFRESHED, n=len(edits)))

        return self._store_job(work, done, None if quiet else REFRESHING)

    # --- correcting ------------------------------------------------------------------------------
    def correct_selected(self, reason: str | None = None, edits_path: str | None = None) -> Job | None:
        """Move the selected row's project to the observed position, with a reason (asked if None);
        the correction is made on the edit this window last saw (its base)."""
        rec = self.selected_row()
        if rec is None:
            self._error(i18n.ui(PICK_ROW))
            return None
        if reason is None:
            reason, ok = QInputDialog.getText(self, i18n.ui(CORRECT),
                                              rich(f"{rec['project_id']} {rec['project_name_zh']}\n{i18n.ui(REASON)}"))
            if not ok:
                return None
        if not reason.strip():
            self._error(i18n.ui(NO_REASON))
            return None
        pid, lon, lat = str(rec["project_id"]), float(rec["obs_lon"]), float(rec["obs_lat"])
        who = self.editor or None

        def move(store, base=None):
            return store.move(pid, lon, lat, reason, who=who, base=base)

        if edits_path is not None and (self.edits_path is None or Path(edits_path) != self.edits_path):
            return self.open_store(edits_path, then=move)
        if self.edit_store is None:
            ref = self.window.document.layer(CORRECTED_LAYER).data_ref if CORRECTED_LAYER in self.window.document else None
            if ref and ref.get("kind") == "file" and ref.get("path"):
                return self.open_store(ref["path"], then=move)
            return self.choose_store(then=move)
        store = self.edit_store
        base = store.head(pid)  # what this window shows: someone else's newer edit makes it a conflict
        return self._store_job(lambda _fb: move(store, base), self._changed, WRITING)

    def undo_correction(self) -> Job | None:
        store = self.edit_store
        if store is None:
            return None
        target = next((e for e in reversed(store.edits) if e.action == "move" and e.edit_id not in store.undone_ids()),
                      None)
        if target is None:
            return None
        base, who = store.head(target.project_id), self.editor or None
        return self._store_job(lambda _fb: store.undo(target.project_id, who=who, base=base), self._changed, WRITING)

    def _changed(self, edit) -> None:
        self.last_edit = edit
        self._show_corrected()
        self._show_store()
        self._describe(edit)

    def _describe(self, e) -> None:
        self.summary.setText(f"#{e.edit_id} {e.action} {e.project_id}: ({e.old_lon:.6f}, {e.old_lat:.6f}) → "
                             f"({e.new_lon:.6f}, {e.new_lat:.6f}) — {e.who}, {e.when}, {e.reason}")

    # --- jobs and failures -----------------------------------------------------------------------
    def _store_job(self, fn, done, message: Message | None) -> Job:
        job = self.jobs.run(fn, "data", done=done, failed=self._store_failed,
                            cancelled=lambda: self._error(i18n.ui(CANCELLED)))
        job.ended.connect(self._update_buttons)
        from explorer.progress import follow_with_bar

        follow_with_bar(job, self.progress)
        if message is not None:
            self.summary.setText(i18n.ui(message))
        self._update_buttons()
        return job

    def _store_failed(self, exc: BaseException) -> None:
        """A conflict names who won and shows their correction; read-only and connection errors are one line."""
        from geodata.fieldcheck.edits import EditConflict, EditsReadOnly
        from geodata.io.errors import MessageError

        title = STORE_FAILED
        if isinstance(exc, EditConflict) and exc.winner is not None:
            w = exc.winner
            text = i18n.ui(CONFLICT, project=exc.project_id, who=w.who, when=w.when, edit=w.edit_id)
            title = CONFLICT_TITLE
        else:
            text = str(exc) if isinstance(exc, (MessageError, ValueError)) else error_text(exc)
            title = READ_ONLY_TITLE if isinstance(exc, EditsReadOnly) else title
        self.store_errors.append(text)
        self._error(text)
        box = QMessageBox(QMessageBox.Icon.Warning, i18n.ui(title), text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the window keeps running
        if isinstance(exc, EditConflict) and self.edit_store is not None:
            job = self.refresh_store()  # show the winner's correction on the map and in the list
            if job is not None:
                job.done.connect(lambda _edits: self._error(text))  # the refusal stays the last word

    def _show_corrected(self) -> None:
        """The corrected registry as a layer pointing at its store, so a project file refers to it: the
        user's GeoPackage, or a PostGIS store's address (re-read when the project opens)."""
        from layers.model.document import MapLayer
        from layers.model.style import default_layer_style

        doc, store = self.window.document, self.edit_store
        data = store.corrected()
        path = getattr(store, "path", None)
        ref = ({"kind": "file", "path": str(path), "layer": CORRECTED_LAYER} if path is not None
               else {"kind": "edits", "url": store.target})  # no password: the address is public
        if CORRECTED_LAYER in doc:
            doc.remove_layer(CORRECTED_LAYER)
        doc.add_layer(MapLayer(name=CORRECTED_LAYER, data=data, title_zh=CORRECTED.zh, title_en=CORRECTED.en,
                               label_field="name_zh", style=default_layer_style("projects", "Point"), data_ref=ref,
                               source=f"{path.name if path is not None else store.target} "
                                      f"(corrections of the bundled projects)"))
        if "projects" in doc:
            doc.set_visible("projects", False)  # the corrected copy replaces it on the map


def _open(target, password: str, registry):
    """The EditLog `target` names (runs in the job: a PostGIS store connects)."""
    from explorer.actions.postgis_connection import source_for
    from geodata.fieldcheck.edits import EditStore
    from geodata.fieldcheck.edits_postgis import PostgisEditStore
    from geodata.io.postgis_source import PostgisSource, is_postgis_source

    if isinstance(target, PostgisSource):
        return PostgisEditStore(target, registry)
    if is_postgis_source(str(target)):
        return PostgisEditStore(source_for(str(target), password), registry)
    return EditStore(Path(target), registry)

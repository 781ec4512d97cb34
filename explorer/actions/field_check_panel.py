"""Field-check tools in the window: go to coordinate, what's here, check observations, corrections.

`install(window)` adds a dock and Tools-menu actions.  The panel is a thin view over
`geodata.coords.datums`, `geodata.fieldcheck.whats_here`, `geodata.fieldcheck.check`, `geodata.fieldcheck.edits` and
`layers.page.field_check_report`; reading, checking and the PDF run in a worker thread with a
progress bar and a Cancel button, so the window never freezes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QDockWidget, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from explorer import i18n, workers
from geodata.core.feedback import Cancelled, Feedback

DISCREPANCY_LAYER = "field_check"
GOTO_LAYER = "goto_marker"
CORRECTED_LAYER = "projects_corrected"

# key -> (中文, English); kept here, beside the only widgets that use them.
TEXT: dict[str, tuple[str, str]] = {
    "dock": ("实地核查", "Field check"),
    "act.goto": ("转到坐标…", "Go to coordinate…"),
    "act.here": ("这里有什么（点击地图）", "What's here (click the map)"),
    "act.check": ("核查观测…", "Check observations…"),
    "act.correct": ("修正位置…", "Correct location…"),
    "act.undo": ("撤销修正", "Undo correction"),
    "file": ("观测文件", "Observations"),
    "browse": ("浏览…", "Browse…"),
    "datum": ("坐标系", "Datum"),
    "zone": ("带号（东坐标无带号时）", "Zone (easting without prefix)"),
    "tolerance": ("容差 (m)", "Tolerance (m)"),
    "radius": ("最近匹配半径 (m)", "Nearest-match radius (m)"),
    "run": ("核查", "Check"),
    "cancel": ("取消", "Cancel"),
    "export_csv": ("导出 CSV…", "Export CSV…"),
    "export_pdf": ("导出 PDF 报告…", "Export PDF report…"),
    "coordinate": ("坐标", "Coordinate"),
    "reason": ("修正原因：", "Reason for the correction:"),
    "edits_file": ("修正保存到（您自己的 GeoPackage）", "Keep corrections in (your own GeoPackage)"),
    "pick_row": ("请先在表中选择一个已匹配的观测。", "Select a matched observation in the table first."),
    # What a planner reads first leads (a narrow dock scrolls the rest): see COL_* below.
    "columns": ("状态|距离 m|观测名称|项目|匹配|观测编号", "Status|Distance m|Observed name|Project|Match|Obs id"),
    "running": ("正在核查…", "Checking…"),
    "writing_pdf": ("正在生成报告…", "Writing the report…"),
    "cancelled": ("已取消。", "Cancelled."),
    "discrepancies": ("核查偏差", "Field-check discrepancies"),
    "goto_marker": ("定位点", "Go-to point"),
    "corrected": ("重点项目（已修正）", "Projects (corrected)"),
    "saved": ("已保存：", "Saved: "),
}
COL_STATUS, COL_DISTANCE, COL_OBS_NAME, COL_PROJECT, COL_MATCH, COL_OBS_ID = range(6)
STATUS_TEXT = {"ok": ("符合", "ok"), "flagged": ("超差", "flagged"), "unmatched": ("未匹配", "unmatched")}
STATUS_COLORS = {"ok": "#1a9641", "flagged": "#d7191c", "unmatched": "#b8860b"}


t = i18n.translator(TEXT)


# --- a worker that reports back on the GUI thread --------------------------------------------------

class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)


class _Task(workers.Job):
    """Runs fn(feedback) on the explorer's one worker thread (`explorer.workers`: PROJ
    crashed in pooled Qt threads); results come back through queued signals."""

    def __init__(self, fn: Callable[[Feedback], Any]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.feedback = Feedback(lambda f, _m: self.signals.progress.emit(round(f * 1000), 1000))

    def cancel(self) -> None:
        self.feedback.cancel()

    def work(self) -> None:
        try:
            value = self.fn(self.feedback)
        except Cancelled:
            self.signals.failed.emit(t("cancelled"))
        except Exception as exc:  # shown to the user; the worker must not die silently
            self.signals.failed.emit(str(exc))
        else:
            self.signals.done.emit(value)


def _datum_combo(geographic_only: bool = False) -> QComboBox:
    from geodata.coords.datums import DATUMS, GEOGRAPHIC_DATUMS

    combo = QComboBox()
    for key, label in DATUMS.items():
        if geographic_only and key not in GEOGRAPHIC_DATUMS:
            continue
        combo.addItem(label.text(i18n.language()), key)
    return combo


class GoToDialog(QDialog):
    """A coordinate and its datum; accepted only when it parses."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(t("act.goto").rstrip("…"))
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("105.7, 29.69   29°41′30″N 105°42′E   东经105°42′ 北纬29°41′")
        self.datum = _datum_combo()
        self.zone = QSpinBox()
        self.zone.setRange(0, 45)
        self.zone.setSpecialValueText("—")
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(t("coordinate"), self.edit)
        form.addRow(t("datum"), self.datum)
        form.addRow(t("zone"), self.zone)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.parsed = None

    def _try_accept(self) -> None:
        from geodata.coords.parse import parse_coordinate

        try:
            self.parsed = parse_coordinate(self.edit.text(), self.datum.currentData(), self.zone.value() or None)
        except ValueError as exc:
            self.message.setText(f"<span style='color:#c00'>{exc}</span>")
            return
        self.accept()


class FieldCheckPanel(QWidget):
    """The dock's content: observation check, results table, exports, corrections, what's here."""

    result_ready = Signal(object)  # CheckResult
    here_ready = Signal(object)  # HereReport

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.result = None
        self.edit_store = None
        self.edits_path: Path | None = None
        self._task: _Task | None = None
        self._tasks: list[_Task] = []  # recent tasks stay referenced: their signals may still be queued

        self.path_edit = QLineEdit()
        browse = self.browse_button = QPushButton(t("browse"))
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.datum = _datum_combo(geographic_only=True)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(1, 100_000)
        self.tolerance.setValue(200)
        self.tolerance.setDecimals(0)
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0, 100_000)
        self.radius.setValue(1000)
        self.radius.setDecimals(0)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # labels above fields in a narrow dock
        self._labels = {key: QLabel(t(key)) for key in ("file", "datum", "tolerance", "radius")}
        form.addRow(self._labels["file"], row)
        form.addRow(self._labels["datum"], self.datum)
        form.addRow(self._labels["tolerance"], self.tolerance)
        form.addRow(self._labels["radius"], self.radius)

        self.run_button = QPushButton(t("run"))
        self.run_button.clicked.connect(lambda: self.run_check())
        self.cancel_button = QPushButton(t("cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(t("columns").split("|"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)  # the last column (obs id) scrolls in, never squeezes the first
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.zoom_to_row(r))

        self.csv_button = QPushButton(t("export_csv"))
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button = QPushButton(t("export_pdf"))
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.correct_button = QPushButton(t("act.correct"))
        self.correct_button.clicked.connect(lambda: self.correct_selected())
        self.undo_button = QPushButton(t("act.undo"))
        self.undo_button.clicked.connect(lambda: self.undo_correction())
        actions = QGridLayout()  # two by two: a row of four would force the dock wide
        for i, b in enumerate((self.csv_button, self.pdf_button, self.correct_button, self.undo_button)):
            actions.addWidget(b, i // 2, i % 2)

        self.info = QTextBrowser()
        self.info.setMaximumHeight(160)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.info)
        self._update_buttons()

    def retranslate(self, _lang: str = "") -> None:
        """Texts in the current language (called when the UI language changes)."""
        for key, label in self._labels.items():
            label.setText(t(key))
        for button, key in ((self.browse_button, "browse"), (self.run_button, "run"), (self.cancel_button, "cancel"),
                            (self.csv_button, "export_csv"), (self.pdf_button, "export_pdf"),
                            (self.correct_button, "act.correct"), (self.undo_button, "act.undo")):
            button.setText(t(key))
        self.table.setHorizontalHeaderLabels(t("columns").split("|"))
        if self.result is not None:
            self._fill_table(self.result)

    # --- helpers ---------------------------------------------------------------------------------
    @property
    def document(self):
        return getattr(self.window, "document", None)

    @property
    def canvas(self):
        return getattr(self.window, "canvas", None)

    def _error(self, message: str) -> None:
        self.summary.setText(f"<span style='color:#c00'>{message}</span>")

    def _update_buttons(self) -> None:
        has = self.result is not None
        busy = self._task is not None
        self.csv_button.setEnabled(has and not busy)
        self.pdf_button.setEnabled(has and not busy and len(self.result.rows) > 0 if has else False)
        self.correct_button.setEnabled(has and not busy and self.selected_row() is not None)
        self.undo_button.setEnabled(self.edit_store is not None and self.edit_store.can_undo())
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _start(self, fn, on_done, message: str) -> _Task:
        """Run `fn(feedback)` in the worker."""
        task = _Task(fn)
        task.signals.progress.connect(self._on_progress)
        task.signals.done.connect(lambda value: self._finish(on_done, value))
        task.signals.failed.connect(lambda msg: self._finish(None, msg))
        self._task = task
        self._tasks = [*self._tasks[-8:], task]
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.summary.setText(message)
        self._update_buttons()
        workers.start(task, lane="data")
        return task

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finish(self, on_done, value) -> None:
        self._task = None
        self.progress.setVisible(False)
        if on_done is None:
            self._error(str(value))
        else:
            on_done(value)
        self._update_buttons()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def is_busy(self) -> bool:
        return self._task is not None

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Cancel and wait (window close): a PDF half written when the app exits would stay as a .part file."""
        for task in self._tasks:
            task.cancel()
        workers.withdraw(self._tasks, timeout_s)

    def _registry(self):
        """The registered projects as bundled (the document's copy when it has one)."""
        doc = self.document
        if doc is not None and "projects" in doc:
            return doc.layer("projects").data
        from geodata.bundle import loader

        return loader.load_layer("projects")

    def _projects(self):
        """The registry to check against: the corrected layer when there is one."""
        doc = self.document
        if doc is not None and CORRECTED_LAYER in doc:
            return doc.layer(CORRECTED_LAYER).data
        return self._registry()

    # --- check observations ------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("act.check"), "", "CSV / GPX (*.csv *.txt *.gpx)")
        if path:
            self.path_edit.setText(path)

    def run_check(self, path: str | None = None, datum: str | None = None, tolerance: float | None = None) -> _Task | None:
        """Read and check in a worker; the table and the map layer update when it is done."""
        from geodata.fieldcheck.check import check_file

        if path is not None:
            self.path_edit.setText(str(path))
        if datum is not None:
            self.datum.setCurrentIndex(max(0, self.datum.findData(datum)))
        if tolerance is not None:
            self.tolerance.setValue(tolerance)
        path = self.path_edit.text().strip()
        if not path:
            self.browse()
            path = self.path_edit.text().strip()
            if not path:
                return None
        try:
            projects = self._projects()
        except Exception as exc:  # the bundle has no projects layer yet
            self._error(str(exc))
            return None
        datum, tol, radius = self.datum.currentData(), self.tolerance.value(), self.radius.value()

        def work(feedback):
            return check_file(path, projects, datum=datum, tolerance_m=tol, radius_m=radius, feedback=feedback)

        return self._start(work, self.show_result, t("running"))

    def show_result(self, result) -> None:
        self.result = result
        self._fill_table(result)
        self._show_discrepancies(result)
        self.result_ready.emit(result)
        self._update_buttons()

    def _fill_table(self, result) -> None:
        from geodata.fieldcheck.check import note_text
        self.summary.setText(result.summary(i18n.language()))
        self.table.setRowCount(len(result.rows))
        lang = 1 if i18n.language() == "en" else 0
        for r, rec in enumerate(result.rows.itertuples(index=False)):
            dist = "" if rec.distance_m != rec.distance_m else f"{rec.distance_m:.1f}"
            note = getattr(rec, "match_note", "") or ""
            # A name tie is flagged in the match cell; the note (which projects tied) is its tooltip.
            cells = {COL_STATUS: STATUS_TEXT[rec.status][lang], COL_DISTANCE: dist, COL_OBS_NAME: rec.obs_name,
                     COL_PROJECT: f"{rec.project_id} {rec.project_name_zh}".strip(),
                     COL_MATCH: f"{rec.match_method} ⚠" if note else rec.match_method, COL_OBS_ID: rec.obs_id}
            for c, value in cells.items():
                item = QTableWidgetItem(str(value))
                if note and c in (COL_PROJECT, COL_MATCH):
                    item.setToolTip(note_text(note, i18n.language()))
                if c == COL_DISTANCE:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == COL_STATUS:
                    item.setForeground(QColor(STATUS_COLORS[rec.status]))
                self.table.setItem(r, c, item)

    def _show_discrepancies(self, result) -> None:
        doc = self.document
        if doc is None:
            return
        from layers.model.document import MapLayer

        if DISCREPANCY_LAYER in doc:
            doc.remove_layer(DISCREPANCY_LAYER)
        if len(result.lines):
            zh, en = TEXT["discrepancies"]
            doc.add_layer(MapLayer(name=DISCREPANCY_LAYER, data=result.lines, title_zh=zh, title_en=en,
                                   label_field="project_name_zh", show_labels=False,
                                   source=f"field check of {Path(result.source).name}"))
            canvas = self.canvas
            if canvas is not None and hasattr(canvas, "zoom_to_extent"):
                from geodata.coords.projection import lonlat_bounds_to_display

                x0, y0, x1, y1 = result.lines.total_bounds
                pad = 0.01
                canvas.zoom_to_extent(lonlat_bounds_to_display((x0 - pad, y0 - pad, x1 + pad, y1 + pad)))

    def selected_row(self):
        if self.result is None:
            return None
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        rec = self.result.rows.iloc[rows[0].row()]
        return rec if rec["status"] != "unmatched" else None

    def zoom_to_row(self, r: int) -> None:
        if self.result is None or self.canvas is None:
            return
        rec = self.result.rows.iloc[r]
        from geodata.coords.projection import lonlat_to_display

        x, y = lonlat_to_display(rec["obs_lon"], rec["obs_lat"])
        if hasattr(self.canvas, "center_on"):
            self.canvas.center_on(float(x), float(y), resolution=5.0)

    # --- exports -------------------------------------------------------------------------------
    def export_csv(self, out: str | None = None) -> Path | None:
        from geodata.fieldcheck.check import write_csv

        if self.result is None:
            return None
        if out is None:
            out, _ = QFileDialog.getSaveFileName(self, t("export_csv"), "field_check.csv", "CSV (*.csv)")
            if not out:
                return None
        path = write_csv(self.result, out)
        self.summary.setText(t("saved") + str(path))
        return path

    def export_pdf(self, out: str | None = None) -> _Task | None:
        """The PDF is written in a worker (it renders one map per flagged project)."""
        from layers.page.field_check_report import write_report

        if self.result is None:
            return None
        if out is None:
            out, _ = QFileDialog.getSaveFileName(self, t("export_pdf"), "field_check.pdf", "PDF (*.pdf)")
            if not out:
                return None
        result, lang = self.result, i18n.language()
        document = self.document.snapshot() if self.document is not None else None

        def work(feedback):
            return write_report(result, out, document=document, lang=lang, feedback=feedback)

        return self._start(work, lambda path: self.summary.setText(t("saved") + str(path)), t("writing_pdf"))

    # --- corrections ---------------------------------------------------------------------------
    def _store(self, edits_path: str | None):
        from geodata.fieldcheck.edits import EditStore

        if edits_path is not None:
            self.edits_path = Path(edits_path)
            self.edit_store = None
        if self.edits_path is None:
            doc = self.document
            ref = doc.layer(CORRECTED_LAYER).data_ref if doc is not None and CORRECTED_LAYER in doc else None
            if ref and ref.get("path"):
                self.edits_path = Path(ref["path"])
            else:
                chosen, _ = QFileDialog.getSaveFileName(self, t("edits_file"), "my_corrections.gpkg", "GeoPackage (*.gpkg)")
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
            self._error(t("pick_row"))
            return None
        if reason is None:
            reason, ok = QInputDialog.getText(self, t("act.correct"), f"{rec['project_id']} {rec['project_name_zh']}\n{t('reason')}")
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
        doc = self.document
        store = self.edit_store
        if doc is None or store is None:
            return
        from layers.model.document import MapLayer
        from layers.model.style import default_layer_style

        data = store.corrected()
        ref = {"kind": "file", "path": str(store.path), "layer": CORRECTED_LAYER}
        if CORRECTED_LAYER in doc:
            doc.remove_layer(CORRECTED_LAYER)
        zh, en = TEXT["corrected"]
        doc.add_layer(MapLayer(name=CORRECTED_LAYER, data=data, title_zh=zh, title_en=en, label_field="name_zh",
                               style=default_layer_style("projects", "Point"), data_ref=ref,
                               source=f"{store.path.name} (corrections of the bundled projects)"))
        if "projects" in doc:
            doc.set_visible("projects", False)  # the corrected copy replaces it on the map
        last = store.edits[-1] if store.edits else None
        if last is not None:
            self.summary.setText(f"#{last.edit_id} {last.action} {last.project_id}: ({last.old_lon:.6f}, {last.old_lat:.6f}) → "
                                 f"({last.new_lon:.6f}, {last.new_lat:.6f}) — {last.who}, {last.when}, {last.reason}")

    # --- go to / what's here -------------------------------------------------------------------
    def go_to(self, text: str | None = None, datum: str = "wgs84", zone: int | None = None):
        """Centre the map on a typed coordinate and mark it; returns the parsed coordinate."""
        from geodata.coords.parse import format_dms, parse_coordinate

        if text is None:
            dialog = GoToDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            parsed = dialog.parsed
        else:
            parsed = parse_coordinate(text, datum, zone)
        self._mark(parsed.lon, parsed.lat)
        canvas = self.canvas
        if canvas is not None and hasattr(canvas, "center_on"):
            from geodata.coords.projection import lonlat_to_display

            x, y = lonlat_to_display(parsed.lon, parsed.lat)
            canvas.center_on(float(x), float(y), resolution=20.0)
        lines = [parsed.format(), format_dms(parsed.lon, parsed.lat)]
        if parsed.note:
            lines.append(parsed.note)
        self.info.setPlainText("\n".join(lines))
        return parsed

    def _mark(self, lon: float, lat: float) -> None:
        doc = self.document
        if doc is None:
            return
        import geopandas as gpd
        from shapely.geometry import Point

        from layers.model.document import MapLayer

        if GOTO_LAYER in doc:
            doc.remove_layer(GOTO_LAYER)
        zh, en = TEXT["goto_marker"]
        gdf = gpd.GeoDataFrame({"name_zh": [f"{lon:.5f}, {lat:.5f}"]}, geometry=[Point(lon, lat)], crs="EPSG:4326")
        doc.add_layer(MapLayer(name=GOTO_LAYER, data=gdf, title_zh=zh, title_en=en, label_field="name_zh"))

    def whats_here_at(self, lon: float, lat: float) -> _Task:
        """Ask in a worker (the first call builds the spatial index); the answer goes to the text box."""
        from geodata.fieldcheck.whats_here import whats_here

        def work(_feedback):
            return whats_here(lon, lat)

        def shown(report) -> None:
            self.info.setPlainText("\n".join(report.text_lines(i18n.language())))
            self.summary.setText("")
            self.here_ready.emit(report)

        return self._start(work, shown, "…")

    def on_canvas_click(self, x: float, y: float) -> None:
        from geodata.coords.projection import display_to_lonlat

        lon, lat = display_to_lonlat(x, y)
        self._mark(float(lon), float(lat))
        self.whats_here_at(float(lon), float(lat))


def install(window) -> FieldCheckPanel:
    """Add the field-check dock and its Tools-menu actions to the main window."""
    panel = FieldCheckPanel(window)
    if hasattr(window, "add_dock"):
        dock = window.add_dock(panel, t("dock"), Qt.DockWidgetArea.RightDockWidgetArea, name="field_check")
    else:
        dock = QDockWidget(t("dock"), window)
        dock.setObjectName("field_check_dock")
        dock.setWidget(panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    menu = window.menu("tools") if hasattr(window, "menu") else window.menuBar().addMenu(i18n.tr("menu.tools"))

    def show_dock() -> None:
        if isinstance(dock, QDockWidget):
            dock.show()
            dock.raise_()

    actions: dict[str, QAction] = {}
    for key in ("act.goto", "act.here", "act.check", "act.correct", "act.undo"):
        action = QAction(t(key), window)
        action.setObjectName(f"field_check.{key.split('.')[1]}")
        menu.addAction(action)
        actions[key] = action
    actions["act.goto"].triggered.connect(lambda: (show_dock(), panel.go_to()))
    here = actions["act.here"]
    here.setCheckable(True)
    canvas = getattr(window, "canvas", None)
    if canvas is not None and hasattr(canvas, "clicked"):
        canvas.clicked.connect(lambda x, y: panel.on_canvas_click(x, y) if here.isChecked() else None)
    here.toggled.connect(lambda on: show_dock() if on else None)
    actions["act.check"].triggered.connect(lambda: (show_dock(), panel.browse(), panel.run_check() if panel.path_edit.text() else None))
    actions["act.correct"].triggered.connect(lambda: (show_dock(), panel.correct_selected()))
    actions["act.undo"].triggered.connect(lambda: panel.undo_correction())

    def retranslate(_lang: str) -> None:
        for key, action in actions.items():
            action.setText(t(key))
        if isinstance(dock, QDockWidget):
            dock.setWindowTitle(t("dock"))
        panel.retranslate()

    i18n.on_language_changed(retranslate)
    panel.actions_by_key = actions
    panel.dock = dock
    window.field_check_panel = panel
    return panel

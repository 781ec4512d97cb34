"""The field-check dock's content: check observations against the registered projects, the
results table, CSV/PDF exports; corrections (`corrections.py`) and go to / what's here
(`locate.py`) are part of it.

A thin view over `geodata.fieldcheck.check` and `layers.page.field_check_report`; reading,
checking and the PDF run on the data lane (`explorer/jobs.py`) with a progress bar and a Cancel
button, so the window never freezes.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from explorer import file_dialogs, i18n
from explorer.plain_text import escaped, rich, shown
from explorer.actions.field_check.corrections import CORRECT, UNDO, CorrectionActions
from explorer.actions.field_check.locate import LocateActions, datum_combo
from explorer.jobs import Job, JobGroup, error_text
from explorer.progress import follow_with_bar
from geodata.core.message import Message

DISCREPANCY_LAYER = "field_check"
CHECK = Message("核查观测…", "Check observations…")
FILE = Message("观测文件", "Observations")
BROWSE = Message("浏览…", "Browse…")
DATUM = Message("坐标系", "Datum")
TOLERANCE = Message("容差 (m)", "Tolerance (m)")
RADIUS = Message("最近匹配半径 (m)", "Nearest-match radius (m)")
RUN = Message("核查", "Check")
CANCEL = Message("取消", "Cancel")
EXPORT_CSV = Message("导出 CSV…", "Export CSV…")
EXPORT_PDF = Message("导出 PDF 报告…", "Export PDF report…")
RUNNING = Message("正在核查…", "Checking…")
WRITING_PDF = Message("正在生成报告…", "Writing the report…")
CANCELLED = Message("已取消。", "Cancelled.")
DISCREPANCIES = Message("核查偏差", "Field-check discrepancies")
SAVED = Message("已保存：{path}", "Saved: {path}")
# What a planner reads first leads (a narrow dock scrolls the rest).
COL_STATUS, COL_DISTANCE, COL_OBS_NAME, COL_PROJECT, COL_MATCH, COL_OBS_ID = range(6)
COLUMNS = (Message("状态", "Status"), Message("距离 m", "Distance m"), Message("观测名称", "Observed name"),
           Message("项目", "Project"), Message("匹配", "Match"), Message("观测编号", "Obs id"))
STATUS_TEXT: dict[str, Message] = {"ok": Message("符合", "ok"), "flagged": Message("超差", "flagged"),
                                   "unmatched": Message("未匹配", "unmatched")}
STATUS_COLORS = {"ok": "#1a9641", "flagged": "#d7191c", "unmatched": "#b8860b"}


class FieldCheckPanel(CorrectionActions, LocateActions, QWidget):
    """The dock's content: observation check, results table, exports, corrections, what's here."""

    result_ready = Signal(object)  # CheckResult
    here_ready = Signal(object)  # HereReport

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.result = None
        self.jobs = JobGroup()  # one at a time: the buttons wait for it

        self.path_edit = QLineEdit()
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.datum = datum_combo(geographic_only=True)
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
        self._labels = [(QLabel(), text) for text in (FILE, DATUM, TOLERANCE, RADIUS)]
        for (label, _text), field in zip(self._labels, (row, self.datum, self.tolerance, self.radius)):
            form.addRow(label, field)

        self.run_button = QPushButton()
        self.run_button.clicked.connect(lambda: self.run_check())
        self.cancel_button = QPushButton()
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
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)  # the last column (obs id) scrolls in, never squeezes the first
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.zoom_to_row(r))

        self.csv_button = QPushButton()
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button = QPushButton()
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.correct_button = QPushButton()
        self.correct_button.clicked.connect(lambda: self.correct_selected())
        self.undo_button = QPushButton()
        self.undo_button.clicked.connect(lambda: self.undo_correction())
        actions = QGridLayout()  # two by two: a row of four would force the dock wide
        for i, b in enumerate((self.csv_button, self.pdf_button, self.correct_button, self.undo_button)):
            actions.addWidget(b, i // 2, i % 2)
        self._buttons = ((self.browse_button, BROWSE), (self.run_button, RUN), (self.cancel_button, CANCEL),
                         (self.csv_button, EXPORT_CSV), (self.pdf_button, EXPORT_PDF),
                         (self.correct_button, CORRECT), (self.undo_button, UNDO))

        self.info = QTextBrowser()
        self.info.setMaximumHeight(160)
        store_label, store_row, edits_list = self._build_store_widgets()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(store_label)
        layout.addLayout(store_row)
        layout.addWidget(edits_list)
        layout.addWidget(self.info)
        self.retranslate()
        self._update_buttons()

    def retranslate(self, _lang: str = "") -> None:
        """Texts in the current language (called when the UI language changes)."""
        for label, text in self._labels:
            label.setText(i18n.ui(text))
        for button, text in self._buttons:
            button.setText(i18n.ui(text))
        self.table.setHorizontalHeaderLabels([i18n.ui(c) for c in COLUMNS])
        self._retranslate_store()
        if self.result is not None:
            self._fill_table(self.result)

    # --- jobs ------------------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        self.summary.setText(f"<span style='color:#c00'>{escaped(message, one_line=False)}</span>")

    def _update_buttons(self) -> None:
        has = self.result is not None
        busy = self.is_busy()
        self.csv_button.setEnabled(has and not busy)
        self.pdf_button.setEnabled(has and not busy and len(self.result.rows) > 0 if has else False)
        self.correct_button.setEnabled(has and not busy and self.selected_row() is not None)
        self.undo_button.setEnabled(self.edit_store is not None and self.edit_store.can_undo() and not busy)
        self.refresh_button.setEnabled(not busy)
        self.store_button.setEnabled(not busy)
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _start(self, fn, on_done, message: Message) -> Job:
        """Run `fn(feedback)` on the data lane; `on_done(value)` when it returns, else the error in red."""
        job = self.jobs.run(fn, "data", done=on_done, failed=lambda exc: self._error(error_text(exc)),
                            cancelled=lambda: self._error(i18n.ui(CANCELLED)))
        job.ended.connect(self._update_buttons)
        follow_with_bar(job, self.progress)
        self.summary.setText(i18n.ui(message))
        self._update_buttons()
        return job

    def cancel(self) -> None:
        self.jobs.cancel()

    def is_busy(self) -> bool:
        return self.jobs.busy()

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Withdraw (window close): a PDF half written when the app exits would stay as a .part file."""
        self.jobs.withdraw(timeout_s)

    # --- check observations ------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, i18n.ui(CHECK), "", "CSV / GPX (*.csv *.txt *.gpx)")
        if path:
            self.path_edit.setText(path)

    def run_check(self, path: str | None = None, datum: str | None = None, tolerance: float | None = None) -> Job | None:
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

        return self._start(work, self.show_result, RUNNING)

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
        for r, rec in enumerate(result.rows.itertuples(index=False)):
            dist = "" if rec.distance_m != rec.distance_m else f"{rec.distance_m:.1f}"
            note = rec.match_note or ""
            # A name tie is flagged in the match cell; the note (which projects tied) is its tooltip.
            cells = {COL_STATUS: i18n.ui(STATUS_TEXT[rec.status]), COL_DISTANCE: dist, COL_OBS_NAME: rec.obs_name,
                     COL_PROJECT: f"{rec.project_id} {rec.project_name_zh}".strip(),
                     COL_MATCH: f"{rec.match_method} ⚠" if note else rec.match_method, COL_OBS_ID: rec.obs_id}
            for c, value in cells.items():
                item = QTableWidgetItem(shown(str(value)))
                if note and c in (COL_PROJECT, COL_MATCH):
                    item.setToolTip(rich(note_text(note, i18n.language())))
                if c == COL_DISTANCE:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == COL_STATUS:
                    item.setForeground(QColor(STATUS_COLORS[rec.status]))
                self.table.setItem(r, c, item)

    def _show_discrepancies(self, result) -> None:
        from geodata.coords.projection import lonlat_bounds_to_display
        from layers.model.document import MapLayer

        doc = self.window.document
        if DISCREPANCY_LAYER in doc:
            doc.remove_layer(DISCREPANCY_LAYER)
        if len(result.lines):
            doc.add_layer(MapLayer(name=DISCREPANCY_LAYER, data=result.lines, title_zh=DISCREPANCIES.zh,
                                   title_en=DISCREPANCIES.en, label_field="project_name_zh", show_labels=False,
                                   source=f"field check of {Path(result.source).name}"))
            x0, y0, x1, y1 = result.lines.total_bounds
            pad = 0.01
            self.window.canvas.zoom_to_extent(lonlat_bounds_to_display((x0 - pad, y0 - pad, x1 + pad, y1 + pad)))

    def selected_row(self):
        if self.result is None:
            return None
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        rec = self.result.rows.iloc[rows[0].row()]
        return rec if rec["status"] != "unmatched" else None

    def zoom_to_row(self, r: int) -> None:
        from geodata.coords.projection import lonlat_to_display

        if self.result is None:
            return
        rec = self.result.rows.iloc[r]
        x, y = lonlat_to_display(rec["obs_lon"], rec["obs_lat"])
        self.window.canvas.center_on(float(x), float(y), resolution=5.0)

    # --- exports -------------------------------------------------------------------------------
    def export_csv(self, out: str | None = None) -> Path | None:
        from geodata.fieldcheck.check import write_csv

        if self.result is None:
            return None
        if out is None:
            out, _ = file_dialogs.get_save_file_name(self, i18n.ui(EXPORT_CSV), "field_check.csv", "CSV (*.csv)")
            if not out:
                return None
        path = write_csv(self.result, out)
        self.summary.setText(i18n.ui(SAVED, path=path))
        return path

    def export_pdf(self, out: str | None = None) -> Job | None:
        """The PDF is written in a worker (it renders one map per flagged project)."""
        from layers.page.field_check_report import write_report

        if self.result is None:
            return None
        if out is None:
            out, _ = file_dialogs.get_save_file_name(self, i18n.ui(EXPORT_PDF), "field_check.pdf", "PDF (*.pdf)")
            if not out:
                return None
        result, lang, document = self.result, i18n.language(), self.window.document.snapshot()

        def work(feedback):
            return write_report(result, out, document=document, lang=lang, feedback=feedback)

        return self._start(work, lambda path: self.summary.setText(i18n.ui(SAVED, path=path)), WRITING_PDF)

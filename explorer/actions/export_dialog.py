"""Export dialog: layout preset, format, dpi, title, with a live preview of the page.

The preview is the export engine's own `paint_page` at screen resolution, so it
shows exactly the layout the file gets; both run in a worker thread.  HTML is
offered here too but handed to the web-map dialog (`web_export_action`), which
asks for the basemap a web page needs.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from explorer import i18n, workers
from explorer.i18n import tr
from explorer.workers import Job
from geodata.core.feedback import Cancelled, Feedback
from layers.page.layout_geometry import PRESETS

PREVIEW_WIDTH = 560  # pixels of the preview page's longer side


def formats() -> list[str]:
    return ["png", "svg", "pdf", "html"]


class _Signals(QObject):
    preview = Signal(int, object)  # generation, QImage
    preview_failed = Signal(int, str)
    progress = Signal(float, str)
    done = Signal(object, str)  # result or None, error text


class _PreviewJob(Job):
    def __init__(self, generation, document, preset, title, extent, language, signals, feedback: Feedback):
        super().__init__()
        self.args = (generation, document, preset, title, extent, language)
        self.signals = signals
        self.feedback = feedback

    def work(self) -> None:
        # plan_page with the export's own defaults (filter caption, automatic inset, legible legend
        # panel), only at screen DPI: the preview is the page the file will hold.
        from layers.page.page_plan import paint_page, plan_page
        from layers.page.layout_geometry import preset as get_preset

        generation, document, preset_name, title, extent, language = self.args
        try:
            p = get_preset(preset_name)
            dpi = PREVIEW_WIDTH / (max(p.width_mm, p.height_mm) / 25.4)
            plan = plan_page(document, preset=preset_name, dpi=dpi, title=title, extent=extent, language=language)
            layout = plan.layout
            image = QImage(layout.width_px, layout.height_px, QImage.Format.Format_ARGB32_Premultiplied)
            painter = QPainter(image)
            try:
                paint_page(painter, layout, document, plan.extent, title=plan.title, subtitle=plan.subtitle,
                           language=language, inset=plan.inset, feedback=self.feedback)
            finally:
                painter.end()
            if not self.feedback.is_cancelled():
                self.signals.preview.emit(generation, image)
        except Cancelled:  # a newer preview replaced this one
            pass
        except Exception as exc:  # the old preview stays; the message says why
            if not self.feedback.is_cancelled():
                self.signals.preview_failed.emit(generation, f"{type(exc).__name__}: {exc}")


class _ExportJob(Job):
    def __init__(self, document, path, fmt, preset, dpi, title, extent, language, signals, feedback: Feedback):
        super().__init__()
        self.args = (document, path, fmt, preset, dpi, title, extent, language)
        self.signals = signals
        self.feedback = feedback

    def work(self) -> None:
        from layers.page.export_map import export_map

        document, path, fmt, preset, dpi, title, extent, language = self.args
        try:
            result = export_map(document, path, preset=preset, dpi=dpi, title=title, extent=extent,
                                language=language, feedback=self.feedback)
            self.signals.done.emit(result, "")
        except Cancelled:
            self.signals.done.emit(None, "")
        except Exception as exc:
            self.signals.done.emit(None, f"{type(exc).__name__}: {exc}")


class ExportDialog(QDialog):
    exported = Signal(str)  # path
    failed = Signal(str)
    preview_ready = Signal()

    def __init__(self, document, extent=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from layers.render.fonts import cjk_family

        cjk_family()  # fonts registered in the GUI thread before the preview worker paints text
        self.document = document
        self.extent = extent
        self.setWindowTitle(tr("export.title"))
        self._signals = _Signals()
        self._signals.preview.connect(self._on_preview)
        self._signals.preview_failed.connect(
            lambda gen, msg: gen == self._generation and self.message.setText(tr("export.failed", error=msg)))
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._generation = 0
        self._preview_feedback = Feedback()
        self._export_feedback: Feedback | None = None
        self.preview_image: QImage | None = None
        self._jobs: list[Job] = []  # alive until the worker is done with them
        self.web_dialog = None  # the web-map dialog HTML was handed to

        self.preset = QComboBox()
        for name in PRESETS:
            self.preset.addItem(tr(f"preset.{name}") if f"preset.{name}" in i18n.STRINGS else name, name)
        self.preset.setCurrentIndex(max(self.preset.findData("a4-landscape"), 0))
        self.format = QComboBox()
        for fmt in formats():
            self.format.addItem(fmt.upper(), fmt)
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 600)
        self.dpi.setValue(300)
        self.title = QLineEdit("成渝地区双城经济圈" if i18n.language() == "zh" else "Chengdu–Chongqing Economic Circle")
        form = QFormLayout()
        form.addRow(tr("export.preset"), self.preset)
        form.addRow(tr("export.format"), self.format)
        form.addRow(tr("export.dpi"), self.dpi)
        form.addRow(tr("export.map_title"), self.title)
        self.preview = QLabel(tr("export.preview"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_WIDTH, round(PREVIEW_WIDTH * 0.72))
        self.preview.setObjectName("exportPreview")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton(tr("export.save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.choose_and_export)
        self.cancel_button = QPushButton(tr("export.cancel"))
        self.cancel_button.clicked.connect(self.cancel_export)
        self.cancel_button.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.save_button)
        bottom.addWidget(buttons)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)
        main = QHBoxLayout()
        main.addLayout(side)
        main.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(main, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_preview)
        self.preset.currentIndexChanged.connect(lambda *_: self._timer.start())
        self.title.textChanged.connect(lambda *_: self._timer.start())
        self.format.currentIndexChanged.connect(self._on_format)
        self._timer.start(0)

    def _on_format(self, *_):
        is_page = self.format.currentData() != "html"
        self.preset.setEnabled(is_page)
        self.dpi.setEnabled(self.format.currentData() == "png")
        self.save_button.setText(tr("export.save") if is_page else tr("export.web_next"))
        self.message.setText("" if is_page else tr("export.web_hint"))

    def _snapshot(self):
        """The document as it is now, framed on the window's view (export engine takes the
        document's extent, in the display CRS, when no bbox is given)."""
        snap = self.document.snapshot()
        if self.extent is not None:
            snap.set_extent(self.extent)
        return snap

    def update_preview(self) -> None:
        self._preview_feedback.cancel()
        self._preview_feedback = Feedback()
        self._generation += 1
        job = _PreviewJob(self._generation, self._snapshot(), self.preset.currentData(), self.title.text(),
                          None, i18n.language(), self._signals, self._preview_feedback)
        self._keep(job)

    def _on_preview(self, generation: int, image: QImage) -> None:
        if generation != self._generation:
            return
        self.preview_image = image
        pix = QPixmap.fromImage(image).scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pix)
        self.preview_ready.emit()

    def open_web_dialog(self):
        """The web-map dialog for the same view and title (the window's own when it has one)."""
        from explorer.actions.web_export import WebExportDialog

        parent = self.parentWidget()
        action = getattr(parent, "web_export", None)
        if action is not None and callable(getattr(action, "open_dialog", None)):
            dialog = action.open_dialog()
        else:
            dialog = WebExportDialog(self.document, extent=self.extent, parent=parent,
                                     settings=getattr(parent, "settings", None))
            dialog.show()
        if self.title.text().strip():
            dialog.title.setText(self.title.text())
        self.web_dialog = dialog
        return dialog

    def choose_and_export(self) -> None:
        fmt = self.format.currentData()
        if fmt == "html":  # the web map needs a basemap choice: its own dialog asks for it
            self.open_web_dialog()
            self.reject()
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("export.title"), f"chengyu-map.{fmt}", f"{fmt.upper()} (*.{fmt})")
        if path:
            if not path.lower().endswith("." + fmt):
                path += "." + fmt
            self.start_export(path)

    def start_export(self, path: str) -> None:
        if self.format.currentData() == "html":
            web = self.open_web_dialog()
            web.exported.connect(self.exported)
            web.failed.connect(self.failed)
            web.start_export(path)
            return
        language = i18n.language()
        self._export_feedback = Feedback(lambda f, m: self._signals.progress.emit(f, m.text(language)))
        self._export_path = path
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.save_button.setEnabled(False)
        job = _ExportJob(self._snapshot(), path, self.format.currentData(), self.preset.currentData(),
                         self.dpi.value(), self.title.text() or None, None, language,
                         self._signals, self._export_feedback)
        self._keep(job)

    def _keep(self, job: Job) -> None:
        self._jobs = [j for j in self._jobs if not j.finished.is_set()] + [job]
        workers.start(job)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))

    def cancel_export(self) -> None:
        if self._export_feedback is not None:
            self._export_feedback.cancel()

    def _on_done(self, result, error: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.save_button.setEnabled(True)
        if self._export_feedback is not None and self._export_feedback.is_cancelled():
            self.message.setText(tr("export.cancelled"))
            self.failed.emit("cancelled")
        elif error:
            self.message.setText(tr("export.failed", error=error))
            self.failed.emit(error)
        else:
            self.message.setText(tr("export.done", path=self._export_path))
            self.exported.emit(self._export_path)

    def reject(self) -> None:
        if self._export_feedback is not None:
            self._export_feedback.cancel()
        self._preview_feedback.cancel()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        self._preview_feedback.cancel()
        workers.withdraw(self._jobs)
        super().done(result)

"""Export dialog: layout preset, format, dpi, title, with a live preview of the page.

The preview is the export engine's own `paint_page` at screen resolution, so it
shows exactly the layout the file gets; both run on the map lane (`explorer/jobs.py`).  HTML
is offered here too but handed to the web-map dialog (`actions/web_export.py`), which asks
for the basemap a web page needs.
"""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from explorer import file_dialogs, i18n
from explorer.jobs import JobGroup, error_text
from explorer.progress import follow_with_bar
from geodata.core.message import Message
from layers.page.layout_geometry import PRESETS

PREVIEW_WIDTH = 560  # pixels of the preview page's longer side

TITLE = Message("导出地图", "Export map")
PRESET = Message("版式", "Layout")
FORMAT = Message("格式", "Format")
DPI = Message("分辨率 (dpi)", "Resolution (dpi)")
MAP_TITLE = Message("标题", "Title")
DEFAULT_MAP_TITLE = Message("成渝地区双城经济圈", "Chengdu–Chongqing Economic Circle")
PREVIEW = Message("预览", "Preview")
SAVE = Message("导出…", "Export…")
WEB_NEXT = Message("网页地图选项…", "Web map options…")
WEB_HINT = Message("网页地图在专门的对话框中导出：可选择底图（OpenStreetMap、天地图、高德）。",
                   "Web maps are exported from their own dialog, where you choose the basemap "
                   "(OpenStreetMap, Tianditu, Amap).")
CANCEL = Message("取消导出", "Cancel export")
EXPORTED = Message("已导出：{path}", "Exported: {path}")
FAILED = Message("导出失败：{error}", "Export failed: {error}")
CANCELLED = Message("已取消，未写入任何文件", "Cancelled; nothing was written")
PRESET_NAMES: dict[str, Message] = {
    "a4-portrait": Message("A4 纵向", "A4 portrait"),
    "a4-landscape": Message("A4 横向", "A4 landscape"),
    "a3-portrait": Message("A3 纵向", "A3 portrait"),
    "a3-landscape": Message("A3 横向", "A3 landscape"),
    "slide-16x9": Message("16:9 幻灯片（1920×1080）", "16:9 slide (1920×1080)"),
}


def formats() -> list[str]:
    return ["png", "svg", "pdf", "html"]


def paint_preview(document, preset_name: str, title: str, language: str, feedback) -> QImage:
    """The page at screen DPI (on the map lane): plan_page with the export's own defaults (filter
    caption, automatic inset, legible legend panel), so the preview is the page the file will hold."""
    from layers.page.layout_geometry import preset as get_preset
    from layers.page.page_plan import paint_page, plan_page

    p = get_preset(preset_name)
    dpi = PREVIEW_WIDTH / (max(p.width_mm, p.height_mm) / 25.4)
    plan = plan_page(document, preset=preset_name, dpi=dpi, title=title, extent=None, language=language)
    layout = plan.layout
    image = QImage(layout.width_px, layout.height_px, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        paint_page(painter, layout, document, plan.extent, title=plan.title, subtitle=plan.subtitle,
                   language=language, inset=plan.inset, feedback=feedback)
    finally:
        painter.end()
    feedback.check()  # a newer preview replaced this one: its half-painted page is not shown
    return image


class ExportDialog(QDialog):
    exported = Signal(str)  # path
    failed = Signal(str)
    preview_ready = Signal()

    def __init__(self, document, extent=None, parent: QWidget | None = None, open_web_dialog=None) -> None:
        """`open_web_dialog()` returns the web-map dialog HTML is handed to (the window passes its
        File → Export web map…); without it, a dialog of its own for the same document and view."""
        super().__init__(parent)
        from layers.render.fonts import cjk_family

        cjk_family()  # fonts registered in the GUI thread before the preview worker paints text
        self.document = document
        self.extent = extent
        self._open_web_dialog = open_web_dialog or self._own_web_dialog
        self.setWindowTitle(i18n.ui(TITLE))
        self._previews = JobGroup()  # a newer preview replaces the one being painted
        self._exports = JobGroup()
        self.preview_image: QImage | None = None
        self.web_dialog = None  # the web-map dialog HTML was handed to
        self._export_path: str | None = None

        self.preset = QComboBox()
        for name in PRESETS:
            label = PRESET_NAMES.get(name)  # a preset added to the engine shows its key until named here
            self.preset.addItem(i18n.ui(label) if label is not None else name, name)
        self.preset.setCurrentIndex(max(self.preset.findData("a4-landscape"), 0))
        self.format = QComboBox()
        for fmt in formats():
            self.format.addItem(fmt.upper(), fmt)
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 600)
        self.dpi.setValue(300)
        self.title = QLineEdit(i18n.ui(DEFAULT_MAP_TITLE))
        form = QFormLayout()
        form.addRow(i18n.ui(PRESET), self.preset)
        form.addRow(i18n.ui(FORMAT), self.format)
        form.addRow(i18n.ui(DPI), self.dpi)
        form.addRow(i18n.ui(MAP_TITLE), self.title)
        self.preview = QLabel(i18n.ui(PREVIEW))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_WIDTH, round(PREVIEW_WIDTH * 0.72))
        self.preview.setObjectName("exportPreview")
        self.progress = QProgressBar()
        self.progress.hide()
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths and errors quote user text
        self.message.setWordWrap(True)
        self.save_button = QPushButton(i18n.ui(SAVE))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.choose_and_export)
        self.cancel_button = QPushButton(i18n.ui(CANCEL))
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
        self.save_button.setText(i18n.ui(SAVE if is_page else WEB_NEXT))
        self.message.setText("" if is_page else i18n.ui(WEB_HINT))

    def _snapshot(self):
        """The document as it is now, framed on the window's view (export engine takes the
        document's extent, in the display CRS, when no bbox is given)."""
        snap = self.document.snapshot()
        if self.extent is not None:
            snap.set_extent(self.extent)
        return snap

    def update_preview(self) -> None:
        work = partial(paint_preview, self._snapshot(), self.preset.currentData(), self.title.text(), i18n.language())
        self._previews.run(work, "map", replace=True, done=self._on_preview,
                           failed=lambda exc: self.message.setText(i18n.ui(FAILED, error=error_text(exc))))

    def _on_preview(self, image: QImage) -> None:
        self.preview_image = image
        pix = QPixmap.fromImage(image).scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pix)
        self.preview_ready.emit()

    def _own_web_dialog(self):
        from explorer.actions.web_export import WebExportDialog

        dialog = WebExportDialog(self.document, extent=self.extent, parent=self.parentWidget())
        dialog.show()
        return dialog

    def open_web_dialog(self):
        """The web-map dialog for the same view and title."""
        dialog = self._open_web_dialog()
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
        path, _ = file_dialogs.get_save_file_name(self, i18n.ui(TITLE), f"chengyu-map.{fmt}", f"{fmt.upper()} (*.{fmt})")
        if path:
            if not path.lower().endswith("." + fmt):
                path += "." + fmt
            self.start_export(path)

    def start_export(self, path: str):
        """Export to `path` on the map lane; the Job (None when HTML went to the web-map dialog)."""
        if self.format.currentData() == "html":
            web = self.open_web_dialog()
            web.exported.connect(self.exported)
            web.failed.connect(self.failed)
            web.start_export(path)
            return None
        from layers.page.export_map import export_map

        document, preset, dpi = self._snapshot(), self.preset.currentData(), self.dpi.value()
        title, language = self.title.text() or None, i18n.language()
        self._export_path = path
        self.cancel_button.show()
        self.save_button.setEnabled(False)
        job = self._exports.run(
            lambda feedback: export_map(document, path, preset=preset, dpi=dpi, title=title, extent=None,
                                        language=language, feedback=feedback),
            "map", done=self._on_exported, failed=self._on_failed, cancelled=self._on_cancelled)
        job.ended.connect(self._on_ended)
        follow_with_bar(job, self.progress)
        return job

    def cancel_export(self) -> None:
        self._exports.cancel()

    def _on_ended(self) -> None:
        self.cancel_button.hide()
        self.save_button.setEnabled(True)

    def _on_exported(self, _result) -> None:
        self.message.setText(i18n.ui(EXPORTED, path=self._export_path))
        self.exported.emit(self._export_path)

    def _on_failed(self, exc: BaseException) -> None:
        error = error_text(exc)
        self.message.setText(i18n.ui(FAILED, error=error))
        self.failed.emit(error)

    def _on_cancelled(self) -> None:
        self.message.setText(i18n.ui(CANCELLED))
        self.failed.emit("cancelled")

    def reject(self) -> None:
        self._exports.cancel()
        self._previews.cancel()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        # closing never leaves a file half written: the export in progress is cancelled and waited for
        self._previews.withdraw()
        self._exports.withdraw(30.0)
        super().done(result)

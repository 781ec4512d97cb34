"""Export dialog: the print layout (preset, format, dpi, title, subtitle, legend entries, inset,
extent) with a live preview of the page.

What the dialog edits is a `layers.page.layout_spec.LayoutSpec` (`layout_spec()`,
`set_layout_spec()`; saved and opened as JSON, kept in the project by the window).  The preview
is the export engine's own `plan_page` + `paint_page` for that spec at screen resolution, so it
shows exactly the page the file gets; both run on the map lane (`explorer/jobs.py`).  HTML is
offered here too but handed to the web-map dialog (`actions/web_export.py`), which asks for the
basemap a web page needs.  When the window shows a basemap, "包括底图" (ticked by default) puts it
under the page and in the preview (`export_basemap.py`).
"""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from explorer import file_dialogs, i18n
from explorer.actions.export_basemap import ExportBasemap, export_job, failure_text
from explorer.actions.layout_controls import ExtentChooser, LegendEditor
from explorer.jobs import JobGroup, error_text
from explorer.progress import follow_with_bar
from geodata.core.message import Message
from layers.page.layout_geometry import PRESETS
from layers.page.layout_spec import LayoutError, LayoutSpec

PREVIEW_WIDTH = 560  # pixels of the preview page's longer side

TITLE = Message("导出地图", "Export map")
PRESET = Message("版式", "Layout")
FORMAT = Message("格式", "Format")
DPI = Message("分辨率 (dpi)", "Resolution (dpi)")
MAP_TITLE = Message("标题", "Title")
SUBTITLE = Message("副标题", "Subtitle")
SUBTITLE_HINT = Message("留空则不印副标题", "Leave empty for no subtitle")
INSET = Message("位置示意图", "Overview inset")
INSET_CHOICES = (("auto", Message("自动（放大时显示）", "Automatic (when zoomed in)")), (True, Message("显示", "Show")),
                 (False, Message("不显示", "Hide")))
EXTENT = Message("范围", "Extent")
LEGEND = Message("图例条目", "Legend entries")
OPEN_LAYOUT = Message("打开版式…", "Open layout…")
SAVE_LAYOUT = Message("保存版式…", "Save layout…")
LAYOUT_FILTER = Message("版式文件 (*.json)", "Layout files (*.json)")
LAYOUT_SAVED = Message("版式已保存：{path}", "Layout saved: {path}")
LAYOUT_BAD = Message("无法使用该版式：{error}", "This layout cannot be used: {error}")
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


def preview_dpi(preset_name: str) -> float:
    from layers.page.layout_geometry import preset as get_preset

    p = get_preset(preset_name)
    return PREVIEW_WIDTH / (max(p.width_mm, p.height_mm) / 25.4)


def paint_preview(document, spec: LayoutSpec, language: str, feedback, basemap=None) -> tuple[QImage, list]:
    """The page of `spec` at screen DPI (on the map lane): plan_page with the export's own defaults
    (filter caption, automatic inset, legible legend panel), so the preview is the page the file
    will hold.  `basemap`: a non-blocking TileBasemap (the tiles at hand; never waits).  Returns
    the image and the legend as drawn (folded, before the spec's choices)."""
    from layers.page.page_plan import paint_page, plan_page
    from layers.render.legend import fold_legend

    options = dict(spec.export_options(), dpi=preview_dpi(spec.preset))
    plan = plan_page(document, language=language, **options)
    layout = plan.layout
    image = QImage(layout.width_px, layout.height_px, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        result, _, _ = paint_page(painter, layout, document, plan.extent, title=plan.title, subtitle=plan.subtitle,
                                  language=language, inset=plan.inset, feedback=feedback, legend=plan.legend,
                                  basemap=basemap)
    finally:
        painter.end()
    feedback.check()  # a newer preview replaced this one: its half-painted page is not shown
    return image, fold_legend(list(result.legend or []), document)


class ExportDialog(QDialog):
    exported = Signal(str)  # path
    failed = Signal(str)
    preview_ready = Signal()
    layout_changed = Signal(object)  # the LayoutSpec now shown (the window keeps it for the project)
    _tiles_arrived = Signal()  # from a fetcher thread: the preview's basemap has more tiles

    def __init__(self, document, extent=None, parent: QWidget | None = None, open_web_dialog=None,
                 layout: LayoutSpec | None = None, basemap=None) -> None:
        """`open_web_dialog()` returns the web-map dialog HTML is handed to (the window passes its
        File → Export web map…); without it, a dialog of its own for the same document and view.
        `extent`: the window's view (display CRS); `layout`: a spec to start from; `basemap`: the
        window's basemap (`.source`, `.cache()`: View → 底图), offered for the page when it shows one."""
        super().__init__(parent)
        from layers.page.extent import filter_caption
        from layers.page.page_plan import default_title
        from layers.render.fonts import cjk_family

        cjk_family()  # fonts registered in the GUI thread before the preview worker paints text
        self.document = document
        self.extent = extent
        self._open_web_dialog = open_web_dialog or self._own_web_dialog
        self.setWindowTitle(i18n.ui(TITLE))
        self._previews = JobGroup()  # a newer preview replaces the one being painted
        self._exports = JobGroup()
        self.preview_image: QImage | None = None
        self.preview_legend: list = []  # the legend the last preview drew (before the spec's choices)
        self.web_dialog = None  # the web-map dialog HTML was handed to
        self._export_path: str | None = None
        self.last_result = None
        self.basemap = ExportBasemap.of(basemap)  # None: no basemap on screen, no checkbox

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
        self.title = QLineEdit(i18n.ui(default_title(document)))
        caption = filter_caption(document)
        self.subtitle = QLineEdit(i18n.ui(caption) if caption is not None else "")
        self.subtitle.setPlaceholderText(i18n.ui(SUBTITLE_HINT))
        self.inset = QComboBox()
        for value, text in INSET_CHOICES:
            self.inset.addItem(i18n.ui(text), value)
        self.extent_chooser = ExtentChooser(document)
        self.legend = LegendEditor()
        self.include_basemap = QCheckBox(self.basemap.label() if self.basemap is not None else "")
        self.include_basemap.setChecked(self.basemap is not None)  # what the planner sees is what the file gets
        self.include_basemap.setVisible(self.basemap is not None)
        open_button = QPushButton(i18n.ui(OPEN_LAYOUT))
        open_button.clicked.connect(self.open_layout_dialog)
        save_button = QPushButton(i18n.ui(SAVE_LAYOUT))
        save_button.clicked.connect(self.save_layout_dialog)
        files = QHBoxLayout()
        files.addWidget(open_button)
        files.addWidget(save_button)
        files.addStretch(1)
        form = QFormLayout()
        form.addRow(i18n.ui(PRESET), self.preset)
        form.addRow(i18n.ui(FORMAT), self.format)
        form.addRow(i18n.ui(DPI), self.dpi)
        form.addRow(i18n.ui(MAP_TITLE), self.title)
        form.addRow(i18n.ui(SUBTITLE), self.subtitle)
        form.addRow(i18n.ui(EXTENT), self.extent_chooser)
        form.addRow(i18n.ui(INSET), self.inset)
        if self.basemap is not None:
            form.addRow(self.include_basemap)
        form.addRow(QLabel(i18n.ui(LEGEND)))
        form.addRow(self.legend)
        form.addRow(files)
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
        side = QWidget()
        side.setLayout(form)
        side.setMaximumWidth(470)  # the page preview gets the rest
        main = QHBoxLayout()
        main.addWidget(side)
        main.addWidget(self.preview, 1)
        box = QVBoxLayout(self)
        box.addLayout(main, 1)
        box.addWidget(self.message)
        box.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_preview)
        if layout is not None:
            self.set_layout_spec(layout)
        later = lambda *_: self._timer.start()  # noqa: E731 - one slot for every control
        self.preset.currentIndexChanged.connect(later)
        self.title.textChanged.connect(later)
        self.subtitle.textChanged.connect(later)
        self.inset.currentIndexChanged.connect(later)
        self.dpi.valueChanged.connect(lambda *_: self.layout_changed.emit(self.layout_spec()))
        self.extent_chooser.changed.connect(later)
        self.legend.changed.connect(later)
        self.include_basemap.toggled.connect(later)
        # queued: the fetcher thread only posts; the preview is repainted (debounced) in the GUI thread
        self._tiles_arrived.connect(self._on_tiles, Qt.ConnectionType.QueuedConnection)
        self.format.currentIndexChanged.connect(self._on_format)
        self._timer.start(0)

    # ---- the layout ----------------------------------------------------------------------
    def layout_spec(self) -> LayoutSpec:
        """What the dialog shows, as a print layout (export and preview print this)."""
        return LayoutSpec(title=self.title.text().strip() or None, subtitle=self.subtitle.text().strip(),
                          preset=self.preset.currentData(), dpi=float(self.dpi.value()),
                          inset=self.inset.currentData(), extent=self.extent_chooser.extent(),
                          legend=self.legend.items())

    def set_layout_spec(self, spec: LayoutSpec) -> None:
        """Show `spec` in the controls (the preview follows)."""
        from layers.page.extent import filter_caption

        if spec.title is not None:
            self.title.setText(spec.title)
        if spec.subtitle is not None:
            self.subtitle.setText(spec.subtitle)
        else:
            caption = filter_caption(self.document)
            self.subtitle.setText(i18n.ui(caption) if caption is not None else "")
        self.preset.setCurrentIndex(max(self.preset.findData(spec.preset), 0))
        if spec.dpi is not None:
            self.dpi.setValue(round(spec.dpi))
        self.inset.setCurrentIndex(max(0, [v for v, _ in INSET_CHOICES].index(spec.inset)))
        self.extent_chooser.set_extent(spec.extent)
        self.legend.set_items(spec.legend)
        self._timer.start()

    def open_layout_dialog(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, i18n.ui(OPEN_LAYOUT), "", i18n.ui(LAYOUT_FILTER))
        if path:
            self.open_layout(path)

    def open_layout(self, path: str) -> bool:
        from layers.page.layout_spec import load_layout

        try:
            self.set_layout_spec(load_layout(path))
        except LayoutError as exc:
            self.message.setText(i18n.ui(LAYOUT_BAD, error=str(exc)))
            return False
        return True

    def save_layout_dialog(self) -> None:
        path, _ = file_dialogs.get_save_file_name(self, i18n.ui(SAVE_LAYOUT), "chengyu-layout.json", i18n.ui(LAYOUT_FILTER))
        if path:
            self.save_layout(path if path.lower().endswith(".json") else path + ".json")

    def save_layout(self, path: str) -> None:
        from layers.page.layout_spec import save_layout

        try:
            save_layout(self.layout_spec(), path)
        except (OSError, LayoutError) as exc:
            QMessageBox.warning(self, i18n.ui(SAVE_LAYOUT), str(exc))
            return
        self.message.setText(i18n.ui(LAYOUT_SAVED, path=path))

    def _on_format(self, *_):
        is_page = self.format.currentData() != "html"
        self.preset.setEnabled(is_page)
        self.dpi.setEnabled(self.format.currentData() == "png")
        self.include_basemap.setEnabled(is_page)  # the web-map dialog asks for its own basemap
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
        try:
            spec = self.layout_spec()
        except LayoutError as exc:
            self.message.setText(i18n.ui(LAYOUT_BAD, error=str(exc)))
            return
        self.layout_changed.emit(spec)
        tiles = self.basemap.for_preview(self._tiles_arrived.emit) if self.with_basemap() else None
        work = partial(paint_preview, self._snapshot(), spec, i18n.language(), basemap=tiles)
        self._previews.run(work, "map", replace=True, done=self._on_preview,
                           failed=lambda exc: self.message.setText(i18n.ui(FAILED, error=error_text(exc))))

    def with_basemap(self) -> bool:
        """The window's basemap goes on the page (shown and ticked)."""
        return self.basemap is not None and self.include_basemap.isChecked()

    def _on_tiles(self) -> None:
        if self.basemap is not None and not self.basemap.closed:  # not once the dialog has closed
            self._timer.start()

    def _on_preview(self, value) -> None:
        image, legend = value
        self.preview_image = image
        self.preview_legend = legend
        self.legend.show_entries(legend, i18n.language())
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

        document, spec, language = self._snapshot(), self.layout_spec(), i18n.language()
        self.layout_changed.emit(spec)
        self._export_path = path
        self.cancel_button.show()
        self.save_button.setEnabled(False)
        # a blocking, strict TileBasemap of its own (closed after the job): every tile or nothing written
        work = export_job(lambda feedback, tiles: export_map(document, path, layout=spec, language=language,
                                                            feedback=feedback, basemap=tiles),
                          self.basemap if self.with_basemap() else None)
        job = self._exports.run(work, "map", done=self._on_exported, failed=self._on_failed,
                                cancelled=self._on_cancelled)
        job.ended.connect(self._on_ended)
        follow_with_bar(job, self.progress)
        return job

    def cancel_export(self) -> None:
        self._exports.cancel()

    def _on_ended(self) -> None:
        self.cancel_button.hide()
        self.save_button.setEnabled(True)

    def _on_exported(self, result) -> None:
        self.last_result = result  # the engine's ExportResult: extent, layout, printed legend
        self.message.setText(i18n.ui(EXPORTED, path=self._export_path))
        self.exported.emit(self._export_path)

    def _on_failed(self, exc: BaseException) -> None:
        error = error_text(exc)
        self.message.setText(failure_text(exc) or i18n.ui(FAILED, error=error))
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
        if self.basemap is not None:
            self.basemap.close()  # the preview's fetcher threads stop
        super().done(result)

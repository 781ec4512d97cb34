"""File → Export web map…: the interactive HTML map of what the window shows.

A thin view over `layers.web.export_html.export_html`: the dialog picks the basemap
(OpenStreetMap, Tianditu with the user's key, Amap with the GCJ-02 conversion
explained, or none), the title and the file; the export runs on a worker thread on a
snapshot of the document (visible layers, current filter and styles) framed on the
canvas view, with progress and cancel.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from explorer import file_dialogs, i18n
from explorer.icons import icon
from explorer.jobs import JobGroup, error_text
from explorer.progress import follow_with_bar
from geodata.core.message import Message

ACTION = Message("导出网页地图…", "Export web map…")
TIP = Message("导出可在浏览器中打开的交互网页地图（可选底图）", "Export an interactive web map for the browser (basemap of your choice)")
TITLE = Message("导出网页地图", "Export web map")
BASEMAP = Message("底图", "Basemap")
BASEMAPS: dict[str, Message] = {
    "osm": Message("OpenStreetMap", "OpenStreetMap"),
    "tianditu": Message("天地图（需您自己的密钥）", "Tianditu (needs your own key)"),
    "amap": Message("高德地图（要素转换为 GCJ-02）", "Amap/Gaode (features converted to GCJ-02)"),
    "none": Message("无底图（不加载瓦片）", "None (no tiles)"),
}
KEY = Message("天地图密钥", "Tianditu key")
MAP_TITLE = Message("标题", "Title")
DEFAULT_MAP_TITLE = Message("成渝地区双城经济圈", "Chengdu–Chongqing Economic Circle")
OFFLINE = Message("离线网页（内嵌 Leaflet 脚本，约 +200 KB）", "Offline page (Leaflet scripts inlined, about +200 KB)")
SAVE = Message("保存…", "Save…")
ABOUT = Message("导出当前可见图层、当前筛选与样式；打开网页需联网加载 Leaflet 脚本（离线网页除外）及底图瓦片。",
                "Exports the visible layers with the current filter and styles; opening the page loads "
                "Leaflet from the internet (unless offline) and the basemap tiles.")
EXPORTING = Message("正在导出…", "Exporting…")
DONE = Message("网页地图已保存：{path}", "Web map saved: {path}")
FAILED = Message("导出失败：{error}", "Export failed: {error}")
CANCELLED = Message("已取消，未写入文件", "Cancelled; nothing was written")


class WebExportDialog(QDialog):
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, document, extent=None, parent: QWidget | None = None, settings=None) -> None:
        super().__init__(parent)
        self.document = document
        self.extent = extent  # the view (display CRS xmin, ymin, xmax, ymax) the page opens on, or None
        self.settings = settings
        self.setWindowTitle(i18n.ui(TITLE))
        self.setMinimumWidth(480)
        self._exports = JobGroup()

        self.basemap = QComboBox()
        for key, label in BASEMAPS.items():
            self.basemap.addItem(i18n.ui(label), key)
        saved = settings.value("web_export/basemap", "osm") if settings is not None else "osm"
        self.basemap.setCurrentIndex(max(self.basemap.findData(saved), 0))
        self.key = QLineEdit(os.environ.get("TIANDITU_KEY", ""))
        self.key.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.key.setPlaceholderText("tk (32 hex)")
        self.title = QLineEdit(i18n.ui(DEFAULT_MAP_TITLE))
        form = QFormLayout()
        form.addRow(i18n.ui(BASEMAP), self.basemap)
        form.addRow(i18n.ui(KEY), self.key)
        form.addRow(i18n.ui(MAP_TITLE), self.title)
        self.offline = QCheckBox(i18n.ui(OFFLINE))
        form.addRow("", self.offline)
        self.about = QLabel(i18n.ui(ABOUT))
        self.about.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a52a1e")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths and errors quote user text
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.hide()
        self.save_button = QPushButton(i18n.ui(SAVE))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.choose_and_export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.about)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self.basemap.currentIndexChanged.connect(self._on_basemap)
        self._on_basemap()

    def _on_basemap(self, *_):
        from layers.web.basemaps import basemap_note

        key = self.basemap.currentData()
        self.key.setEnabled(key == "tianditu")
        note = basemap_note(key)
        self.note.setText(i18n.ui(note) if note is not None else "")
        self.note.setVisible(bool(note))

    def options(self) -> dict:
        return {"basemap": self.basemap.currentData(), "tianditu_key": self.key.text().strip() or None,
                "title": self.title.text().strip() or None, "language": i18n.language(),
                "offline": self.offline.isChecked()}

    def choose_and_export(self) -> None:
        path, _ = file_dialogs.get_save_file_name(self, i18n.ui(TITLE), "chengyu-web-map.html", "HTML (*.html)")
        if path:
            if not path.lower().endswith((".html", ".htm")):
                path += ".html"
            self.start_export(path)

    def start_export(self, path: str) -> bool:
        """Check the options, then export on the map lane; False (and a message) when refused."""
        from layers.web.basemaps import check_basemap
        from layers.web.export_html import export_html

        options = self.options()
        try:
            check_basemap(options["basemap"], options["tianditu_key"], options["language"])
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        if self.settings is not None:
            self.settings.setValue("web_export/basemap", options["basemap"])
        self.message.setText(i18n.ui(EXPORTING))
        self.save_button.setEnabled(False)
        snapshot = self.document.snapshot()
        if self.extent is not None:
            snapshot.set_extent(self.extent)  # the export frames the document's extent: the canvas view
        path = str(path)
        job = self._exports.run(lambda feedback: export_html(snapshot, path, feedback=feedback, **options), "map",
                                done=lambda _result: self._on_done(path),
                                failed=lambda exc: self._show_error(error_text(exc)),
                                cancelled=lambda: self._show_error(i18n.ui(CANCELLED)))
        job.ended.connect(lambda: self.save_button.setEnabled(True))
        follow_with_bar(job, self.progress)
        return True

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Process events until this dialog's exports have ended."""
        return self._exports.wait_idle(timeout_ms)

    def _show_error(self, text: str) -> None:
        self.message.setText(i18n.ui(FAILED, error=text))
        self.failed.emit(text)

    def _on_done(self, path: str) -> None:
        self.message.setText(i18n.ui(DONE, path=path))
        self.exported.emit(path)

    def reject(self) -> None:
        self._exports.cancel()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        self._exports.withdraw(30.0)  # a page half written when the app exits would stay behind
        super().done(result)


class WebExportAction(QObject):
    """File → Export web map…: one dialog at a time, framed on the window's canvas view."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialog: WebExportDialog | None = None
        self.action = QAction(icon("web_export"), i18n.ui(ACTION), window)
        self.action.setObjectName("web_export")
        self.action.triggered.connect(self.open_dialog)
        self.retranslate()
        i18n.on_language_changed(self.retranslate)

    def retranslate(self, _lang: str = "") -> None:
        self.action.setText(i18n.ui(ACTION))
        self.action.setToolTip(i18n.ui(TIP))

    def open_dialog(self) -> WebExportDialog:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        w = self.window
        extent = tuple(float(v) for v in w.canvas.view.extent())  # the view the page opens on
        self.dialog = WebExportDialog(w.document, extent=extent, parent=w, settings=w.settings)
        self.dialog.exported.connect(lambda path: w.statusBar().showMessage(i18n.ui(DONE, path=path), 15000))
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.dialog.show()
        return self.dialog


def install(window, after: QAction) -> WebExportAction:
    """Add File → Export web map… to the window's File menu and toolbar, right after `after`."""
    item = WebExportAction(window)
    for host in (window.menu("file"), window.toolbar):
        actions = host.actions()
        following = actions[actions.index(after) + 1:]
        if following:
            host.insertAction(following[0], item.action)
        else:
            host.addAction(item.action)
    return item

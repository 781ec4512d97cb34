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
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from explorer import i18n, workers
from geodata.core.feedback import Cancelled, Feedback

TEXT: dict[str, tuple[str, str]] = {
    "action": ("导出网页地图…", "Export web map…"),
    "tip": ("导出可在浏览器中打开的交互网页地图（可选底图）", "Export an interactive web map for the browser (basemap of your choice)"),
    "title": ("导出网页地图", "Export web map"),
    "basemap": ("底图", "Basemap"),
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "tianditu": ("天地图（需您自己的密钥）", "Tianditu (needs your own key)"),
    "amap": ("高德地图（要素转换为 GCJ-02）", "Amap/Gaode (features converted to GCJ-02)"),
    "none": ("无底图（不加载瓦片）", "None (no tiles)"),
    "key": ("天地图密钥", "Tianditu key"),
    "map_title": ("标题", "Title"),
    "offline": ("离线网页（内嵌 Leaflet 脚本，约 +200 KB）", "Offline page (Leaflet scripts inlined, about +200 KB)"),
    "save": ("保存…", "Save…"),
    "about": ("导出当前可见图层、当前筛选与样式；打开网页需联网加载 Leaflet 脚本（离线网页除外）及底图瓦片。",
              "Exports the visible layers with the current filter and styles; opening the page loads "
              "Leaflet from the internet (unless offline) and the basemap tiles."),
    "exporting": ("正在导出…", "Exporting…"),
    "done": ("网页地图已保存：{path}", "Web map saved: {path}"),
    "failed": ("导出失败：{error}", "Export failed: {error}"),
    "cancelled": ("已取消，未写入文件", "Cancelled; nothing was written"),
}
BASEMAP_KEYS = ("osm", "tianditu", "amap", "none")


t = i18n.translator(TEXT)


class _Signals(QObject):
    progress = Signal(float, str)
    done = Signal(str, str)  # path or "", error or ""


class _Job(workers.Job):
    """On the explorer's one worker thread (not a QThreadPool: PROJ crashed in pooled threads)."""

    def __init__(self, document, path: str, options: dict, signals: _Signals, feedback: Feedback):
        super().__init__()
        self.document, self.path, self.options = document, path, options
        self.signals, self.feedback = signals, feedback

    def work(self) -> None:
        from layers.web.export_html import export_html

        try:
            export_html(self.document, self.path, feedback=self.feedback, **self.options)
        except Cancelled:
            self.signals.done.emit("", t("cancelled"))
        except Exception as exc:  # shown in the dialog: a bad key, an unwritable folder ...
            self.signals.done.emit("", f"{exc}")
        else:
            self.signals.done.emit(self.path, "")


class WebExportDialog(QDialog):
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, document, extent=None, parent: QWidget | None = None, settings=None) -> None:
        super().__init__(parent)
        self.document = document
        self.extent = extent  # the view (display CRS xmin, ymin, xmax, ymax) the page opens on, or None
        self.settings = settings
        self.setWindowTitle(t("title"))
        self.setMinimumWidth(480)
        self._jobs: list[_Job] = []  # alive until the worker is done with them
        self._signals = _Signals()
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._feedback: Feedback | None = None
        self.last_path: str | None = None

        self.basemap = QComboBox()
        for key in BASEMAP_KEYS:
            self.basemap.addItem(t(key), key)
        saved = settings.value("web_export/basemap", "osm") if settings is not None else "osm"
        self.basemap.setCurrentIndex(max(self.basemap.findData(saved), 0))
        self.key = QLineEdit(os.environ.get("TIANDITU_KEY", ""))
        self.key.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.key.setPlaceholderText("tk (32 hex)")
        self.title = QLineEdit("成渝地区双城经济圈" if i18n.language() == "zh" else "Chengdu–Chongqing Economic Circle")
        form = QFormLayout()
        form.addRow(t("basemap"), self.basemap)
        form.addRow(t("key"), self.key)
        form.addRow(t("map_title"), self.title)
        self.offline = QCheckBox(t("offline"))
        form.addRow("", self.offline)
        self.about = QLabel(t("about"))
        self.about.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a52a1e")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.save_button = QPushButton(t("save"))
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
        self.note.setText(note.text(i18n.language()) if note is not None else "")
        self.note.setVisible(bool(note))

    def options(self) -> dict:
        return {"basemap": self.basemap.currentData(), "tianditu_key": self.key.text().strip() or None,
                "title": self.title.text().strip() or None, "language": i18n.language(),
                "offline": self.offline.isChecked()}

    def choose_and_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, t("title"), "chengyu-web-map.html", "HTML (*.html)")
        if path:
            if not path.lower().endswith((".html", ".htm")):
                path += ".html"
            self.start_export(path)

    def start_export(self, path: str) -> bool:
        """Check the options, then export on the worker thread; False (and a message) when refused."""
        from layers.web.basemaps import check_basemap

        options = self.options()
        try:
            check_basemap(options["basemap"], options["tianditu_key"], options["language"])
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        if self.settings is not None:
            self.settings.setValue("web_export/basemap", options["basemap"])
        language = options["language"]
        self._feedback = Feedback(lambda f, m: self._signals.progress.emit(f, m.text(language)))
        self.message.setText(t("exporting"))
        self.progress.setValue(0)
        self.progress.show()
        self.save_button.setEnabled(False)
        snapshot = self.document.snapshot()
        if self.extent is not None:
            snapshot.set_extent(self.extent)  # the export frames the document's extent: the canvas view
        job = _Job(snapshot, str(path), options, self._signals, self._feedback)
        self._jobs = [j for j in self._jobs if not j.finished.is_set()] + [job]
        workers.start(job)
        return True

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Wait for this dialog's exports (the result signals arrive with the next event loop turn)."""
        return all(job.finished.wait(timeout_ms / 1000) for job in list(self._jobs))

    def _show_error(self, text: str) -> None:
        self.message.setText(t("failed", error=text))
        self.failed.emit(text)

    def _on_progress(self, fraction: float, _message: str) -> None:
        self.progress.setValue(round(fraction * 100))

    def _on_done(self, path: str, error: str) -> None:
        self.progress.hide()
        self.save_button.setEnabled(True)
        if error:
            self._show_error(error)
            return
        self.last_path = path
        self.message.setText(t("done", path=path))
        self.exported.emit(path)

    def reject(self) -> None:
        if self._feedback is not None:
            self._feedback.cancel()
        super().reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        if self._feedback is not None:
            self._feedback.cancel()
        workers.withdraw(self._jobs, 30.0)
        super().done(result)


def view_extent(window):
    """The canvas view (display CRS), what the page opens on; None without a canvas."""
    canvas = getattr(window, "canvas", None)
    view = getattr(canvas, "view", None)
    if view is None or not callable(getattr(view, "extent", None)):
        return None
    return tuple(float(v) for v in view.extent())


class WebExportAction(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialog: WebExportDialog | None = None
        self.action = QAction(t("action"), window)
        self.action.setObjectName("web_export")
        self.action.triggered.connect(self.open_dialog)

    def open_dialog(self) -> WebExportDialog:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        w = self.window
        self.dialog = WebExportDialog(w.document, extent=view_extent(w), parent=w,
                                      settings=getattr(w, "settings", None))
        status = getattr(w, "statusBar", None)
        if callable(status):
            self.dialog.exported.connect(lambda path: w.statusBar().showMessage(t("done", path=path), 15000))
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.dialog.show()
        return self.dialog


def install(window) -> WebExportAction:
    """Add File → Export web map… (after the page export when the menu has it)."""
    item = WebExportAction(window)
    window.web_export = item
    menu = window.menu("file")
    actions = menu.actions()
    export = getattr(window, "_actions", {}).get("act.export")
    if export is not None and export in actions:
        after = actions.index(export) + 1
        menu.insertAction(actions[after], item.action) if after < len(actions) else menu.addAction(item.action)
    else:
        menu.addAction(item.action)
    toolbar = getattr(window, "toolbar", None)
    if toolbar is not None and export is not None and export in toolbar.actions():
        from explorer.icons import icon

        item.action.setIcon(icon("web_export"))
        following = toolbar.actions()[toolbar.actions().index(export) + 1:]
        toolbar.insertAction(following[0], item.action) if following else toolbar.addAction(item.action)

    def retranslate(_lang=None):
        item.action.setText(t("action"))
        item.action.setToolTip(t("tip"))

    i18n.on_language_changed(retranslate)
    retranslate()
    return item

"""View → 底图 → 下载此区域供离线使用 / Download this area for offline use…

The area is the canvas's view (in WGS84), the tiles those of the basemap on screen; the dialog
asks the zoom levels (saying how many tiles that is) and the .mbtiles file (a save dialog starting
in the user's documents folder).  `mbtiles.download_area` runs as a `Job` on the data lane with a
progress dialog and Cancel; it writes atomically, so a cancelled or failed download leaves no file.
Done, the window offers to switch the basemap to the new file.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSpinBox, QWidget)

from explorer import file_dialogs, i18n
from explorer.jobs import Job, JobGroup, error_text
from explorer.progress import progress_dialog
from geodata.core.message import Message

ACTION = Message("下载此区域供离线使用…", "Download this area for offline use…")
TIP = Message("把当前视图范围的底图瓦片保存为 MBTiles 文件，无网络时也能显示",
              "Save the basemap tiles of the current view into an MBTiles file, to use without a network")
NEEDS_ONLINE = Message("请先在 视图 → 底图 中选择在线底图（OpenStreetMap、天地图、高德或瓦片地址）",
                       "Choose an online basemap first (View → Basemap: OpenStreetMap, Tianditu, Amap or a tile URL)")
TITLE = Message("下载离线底图", "Download an offline basemap")
AREA = Message("范围", "Area")
AREA_TEXT = Message("当前视图：经度 {w:.3f}–{e:.3f}，纬度 {s:.3f}–{n:.3f}", "this view: lon {w:.3f}–{e:.3f}, lat {s:.3f}–{n:.3f}")
SOURCE = Message("底图", "Basemap")
ZOOMS = Message("级别", "Zoom levels")
TO = Message("至", "to")
TILES = Message("共 {n} 块瓦片", "{n} tiles")
TOO_MANY = Message("共 {n} 块瓦片，超过上限 {limit}：请缩小范围或减少级别",
                   "{n} tiles, more than the limit of {limit}: zoom in or choose fewer levels")
OSM_POLICY = Message("OpenStreetMap 的瓦片政策不允许批量下载：请只下载小范围、少量级别",
                     "OpenStreetMap's tile policy forbids bulk downloads: keep the area small and the levels few")
FILE = Message("保存到", "Save to")
BROWSE = Message("浏览…", "Browse…")
SAVE_TITLE = Message("保存离线底图", "Save the offline basemap")
SAVE_FILTER = Message("MBTiles 离线底图 (*.mbtiles)", "MBTiles offline basemap (*.mbtiles)")
DOWNLOADING = Message("正在下载瓦片…", "Downloading tiles…")
FAILED = Message("离线底图下载失败", "The offline download failed")
DONE = Message("已保存 {n} 块瓦片到 {path}（{mb:.1f} MB）", "Saved {n} tiles to {path} ({mb:.1f} MB)")
SWITCH = Message("已保存 {n} 块瓦片到\n{path}\n\n现在改用这个离线底图吗？",
                 "Saved {n} tiles to\n{path}\n\nUse this offline basemap now?")
CANCELLED = Message("已取消下载，未写入文件", "Download cancelled: nothing written")
DEFAULT_NAME = "offline-basemap.mbtiles"
ZOOM_SPAN = 3  # levels offered beyond the one on screen


def documents_folder() -> str:
    """The user's documents folder (never the program's), else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return found if found and Path(found).is_dir() else str(Path.home())


def view_lonlat_bbox(canvas) -> tuple[float, float, float, float]:
    from geodata.coords.projection import display_bounds_to_lonlat

    return tuple(float(v) for v in display_bounds_to_lonlat(canvas.view.extent()))


def view_zoom(canvas, source) -> int:
    """The tile zoom the canvas draws now (the last frame's, else computed)."""
    report = getattr(canvas.last_result, "basemap", None)
    if report is not None and report.zoom:
        return int(report.zoom)
    from layers.render.basemap.tile_math import zoom_for
    from layers.render.request import ViewTransform

    view = canvas.view
    return zoom_for(ViewTransform.fit(view.extent(), view.width, view.height), 96.0, source.min_zoom, source.max_zoom)


class DownloadDialog(QDialog):
    """Zoom levels and the output file for one area; `zooms()`, `path()` once accepted."""

    def __init__(self, source, bbox, zoom: int, parent: QWidget | None = None) -> None:
        from layers.render.basemap.mbtiles import MAX_DOWNLOAD_TILES

        super().__init__(parent)
        self.setWindowTitle(i18n.ui(TITLE))
        self.bbox = bbox
        self.limit = MAX_DOWNLOAD_TILES
        form = QFormLayout(self)
        form.addRow(i18n.ui(SOURCE), QLabel(i18n.ui(source.name)))
        w, s, e, n = bbox
        form.addRow(i18n.ui(AREA), QLabel(i18n.ui(AREA_TEXT, w=w, s=s, e=e, n=n)))
        self.z0, self.z1 = QSpinBox(), QSpinBox()
        for box in (self.z0, self.z1):
            box.setRange(source.min_zoom, source.max_zoom)
        self.z0.setValue(max(source.min_zoom, min(zoom, source.max_zoom)))
        self.z1.setValue(min(source.max_zoom, self.z0.value() + ZOOM_SPAN))
        zooms = QHBoxLayout()
        zooms.addWidget(self.z0)
        zooms.addWidget(QLabel(i18n.ui(TO)))
        zooms.addWidget(self.z1)
        zooms.addStretch(1)
        form.addRow(i18n.ui(ZOOMS), zooms)
        self.count = QLabel()
        form.addRow("", self.count)
        if source.key == "osm":
            policy = QLabel(i18n.ui(OSM_POLICY))
            policy.setWordWrap(True)
            form.addRow("", policy)
        self.file = QLineEdit(str(Path(documents_folder()) / DEFAULT_NAME))
        browse = QPushButton(i18n.ui(BROWSE))
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form.addRow(i18n.ui(FILE), row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for box in (self.z0, self.z1):
            box.valueChanged.connect(self._update)
        self._update()

    def zooms(self) -> range:
        lo, hi = sorted((self.z0.value(), self.z1.value()))
        return range(lo, hi + 1)

    def path(self) -> str:
        text = self.file.text().strip()
        return text if text.lower().endswith(".mbtiles") else text + ".mbtiles"

    def tile_count(self) -> int:
        from layers.render.basemap.tile_math import count_lonlat_tiles

        return count_lonlat_tiles(self.bbox, self.zooms())

    def _update(self) -> None:
        n = self.tile_count()
        too_many = n > self.limit
        self.count.setText(i18n.ui(TOO_MANY if too_many else TILES, n=f"{n:,}", limit=f"{self.limit:,}"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not too_many and n > 0)

    def browse(self) -> None:
        path, _ = file_dialogs.get_save_file_name(self, i18n.ui(SAVE_TITLE), self.file.text() or documents_folder(),
                                                  i18n.ui(SAVE_FILTER))
        if path:
            self.file.setText(path if path.lower().endswith(".mbtiles") else path + ".mbtiles")


class OfflineDownload(QObject):
    """The download action over the window's basemap (`BasemapActions`)."""

    def __init__(self, window, basemaps) -> None:
        super().__init__(window)
        self.window = window
        self.basemaps = basemaps
        self.jobs = JobGroup()
        self.errors: list[str] = []
        self.last_result = None
        self.action = QAction(self)
        self.action.setObjectName("offline_download")
        self.action.triggered.connect(self.open_dialog)
        self.retranslate()
        i18n.on_language_changed(self.retranslate)

    def retranslate(self, _lang: str = "") -> None:
        self.action.setText(i18n.ui(ACTION))
        self.action.setToolTip(i18n.ui(TIP))

    # ---- questions (tests replace these) -----------------------------------------------
    def ask(self, source, bbox, zoom: int):
        """(zooms, path) from the dialog, or None when cancelled."""
        dialog = DownloadDialog(source, bbox, zoom, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.zooms(), dialog.path()

    def ask_switch(self, result) -> bool:
        answer = QMessageBox.question(self.window, i18n.ui(TITLE),
                                      i18n.ui(SWITCH, n=f"{result.tiles:,}", path=str(result.path)))
        return answer == QMessageBox.StandardButton.Yes

    def show_error(self, text: str) -> None:
        self.errors.append(text)
        QMessageBox.warning(self.window, i18n.ui(FAILED), text)

    # ---- the download ------------------------------------------------------------------
    def open_dialog(self) -> Job | None:
        source = self.basemaps.source
        if source is None or source.offline:
            self.show_error(i18n.ui(NEEDS_ONLINE))
            return None
        canvas = self.window.canvas
        answer = self.ask(source, view_lonlat_bbox(canvas), view_zoom(canvas, source))
        if answer is None:
            return None
        zooms, path = answer
        return self.start(view_lonlat_bbox(canvas), zooms, path)

    def start(self, bbox, zooms, path) -> Job | None:
        """Download the basemap on screen's tiles of `bbox` at `zooms` into `path` (a Job)."""
        from layers.render.basemap.mbtiles import download_area

        source = self.basemaps.source
        if source is None or source.offline:
            self.show_error(i18n.ui(NEEDS_ONLINE))
            return None
        cache = self.basemaps.cache()
        zooms = list(zooms)

        def work(feedback):
            return download_area(source, bbox, zooms, Path(path), feedback, cache=cache)

        job = self.jobs.run(work, "data", done=self._done, failed=lambda exc: self.show_error(error_text(exc)),
                            cancelled=lambda: self.window.statusBar().showMessage(i18n.ui(CANCELLED), 10000))
        progress_dialog(job, DOWNLOADING, self.window)
        return job

    def _done(self, result) -> None:
        self.last_result = result
        self.window.statusBar().showMessage(
            i18n.ui(DONE, n=f"{result.tiles:,}", path=str(result.path), mb=result.bytes / 1e6), 15000)
        if self.ask_switch(result):
            self.basemaps.choose(str(result.path))

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        return self.jobs.wait_idle(timeout_ms)

    def shutdown(self) -> None:
        i18n.remove_listener(self.retranslate)
        self.jobs.withdraw(30.0)  # a download is cancelled and waited for: no temporary file stays


def install(window, basemaps) -> OfflineDownload:
    """Add the download action at the end of the Basemap submenu."""
    download = OfflineDownload(window, basemaps)
    basemaps.menu.addAction(download.action)
    return download

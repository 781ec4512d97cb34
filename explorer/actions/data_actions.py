"""File menu actions for the user's own data: import (dialog or drag-and-drop), save a
layer as…, open/save project.  `install(window)` adds them; the work itself lives in
`geodata.io.importer`, `geodata.io.export_vector` and `layers.model.project_file`.

Imports, saves and project loads run on the explorer's one worker thread (`explorer.workers`)
behind a cancellable progress dialog; every failure becomes a message box and the app keeps running.
"""
from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QInputDialog, QLabel, QMessageBox,
                               QProgressDialog, QVBoxLayout)

from explorer import i18n, workers
from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import Message

# (zh, en) of every visible string of this module
# After an import the view fits the new layer, at least this wide: one point still shows its streets.
MIN_ZOOM_SPAN_M = 2000.0

TEXT = {
    "import": ("导入数据…", "Import data…"),
    "save_layer": ("图层另存为…", "Save layer as…"),
    "open_project": ("打开项目…", "Open project…"),
    "save_project": ("保存项目…", "Save project…"),
    "importing": ("正在导入 {name}…", "Importing {name}…"),
    "saving": ("正在保存 {name}…", "Saving {name}…"),
    "loading": ("正在打开项目 {name}…", "Opening project {name}…"),
    "cancel": ("取消", "Cancel"),
    "choose_layer": ("选择图层", "Choose a layer"),
    "layer_in": ("{name} 含多个图层：", "{name} holds several layers:"),
    "import_failed": ("导入失败", "Import failed"),
    "save_failed": ("保存失败", "Save failed"),
    "project_failed": ("项目错误", "Project error"),
    "imported": ("已导入 {name}（{n} 个要素）", "Imported {name} ({n} features)"),
    "saved": ("已保存 {name}", "Saved {name}"),
    "no_layer": ("没有可保存的图层", "There is no layer to save"),
    "which_layer": ("保存哪个图层？", "Which layer to save?"),
    "missing_title": ("找不到数据文件", "Data file not found"),
    "missing_ask": ("图层 {layer} 的文件不在原处：\n{path}\n请找到它（取消则跳过该图层）。",
                    "The file of layer {layer} has moved:\n{path}\nPlease locate it (Cancel skips the layer)."),
    "missing_list": ("以下图层的数据未能打开：", "These layers could not be opened:"),
    "report": ("导入说明", "Import notes"),
    "project_report": ("项目说明", "Project notes"),
    "opened": ("已打开项目 {name}", "Opened project {name}"),
    "open_data": ("导入数据", "Import data"),
    "gcj_filter": ("GeoJSON，GCJ-02 坐标（高德、腾讯）(*.geojson)", "GeoJSON in GCJ-02 (Amap, Tencent) (*.geojson)"),
    "bd_filter": ("GeoJSON，BD-09 坐标（百度）(*.geojson)", "GeoJSON in BD-09 (Baidu) (*.geojson)"),
    "crs_title": ("坐标参考系", "Coordinate reference system"),
    "crs_ask": ("{name} 没有说明坐标参考系。请选择（或输入 EPSG 代码）：",
                "{name} does not say its coordinate system. Choose one (or type an EPSG code):"),
    "crs_far": ("（数据会落在区域外）", " (puts the data outside the region)"),
    "datum_title": ("坐标基准", "Datum of the coordinates"),
    "datum_ask": ("{name} 的经纬度是哪种坐标？", "Which datum are the longitudes/latitudes of {name} in?"),
    "datum_why": ("在高德、腾讯地图上取的点为 GCJ-02，百度为 BD-09（偏移数百米）；GPS、天地图为 WGS84。",
                  "Points taken from Amap or Tencent maps are GCJ-02, from Baidu BD-09 (offset by hundreds of metres); "
                  "GPS and Tianditu give WGS84."),
}
# Words of the (English) report lines that mean "the data were guessed at or changed": worth a dialog.
NOTABLE = ("swapped", "repaired", "assumed", "read as", "dropped", "skipped", "converted", "mixed", "rebuilt", "outside",
           "not valid", "cleared", "found at")


t = i18n.translator(TEXT)


# --- running work off the GUI thread ---------------------------------------------------------------

class _Signals(QObject):
    """Created in the GUI thread; emitted from the worker, so the connected slots run queued in the GUI."""

    progress = Signal(float, object)  # fraction, Message
    done = Signal(object)
    failed = Signal(object)


class _Work(workers.Job):
    """fn(feedback) on the explorer's one worker thread (`explorer.workers`): a QThread per
    job, or a pooled one, tears down pyproj's per-thread PROJ state between jobs, and PROJ crashed
    doing that (see workers.py)."""

    def __init__(self, fn: Callable, feedback: Feedback, signals: _Signals) -> None:
        super().__init__()
        self._fn, self._feedback, self.signals = fn, feedback, signals

    def work(self) -> None:
        try:
            result = self._fn(self._feedback)
        except BaseException as exc:  # reported in a message box, never lost in the thread
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class _Asker(QObject):
    """Lives in the GUI thread; a worker calls `ask` (waiting) to show a dialog there.  Not a
    BlockingQueuedConnection: closing the window makes the GUI thread wait for the worker, and a
    worker blocked on the GUI thread would then hang both; `ask` gives up once `cancelled()`."""

    request = Signal(object, object)  # payload, reply (dict with an Event)

    def __init__(self, handler: Callable[[Any], Any], cancelled: Callable[[], bool] = lambda: False) -> None:
        super().__init__()
        self._handler = handler
        self._cancelled = cancelled
        self.request.connect(self._on_request, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _on_request(self, payload, reply) -> None:
        try:
            if not self._cancelled():
                reply["answer"] = self._handler(payload)
        finally:
            reply["done"].set()

    def ask(self, payload):
        reply = {"answer": None, "done": threading.Event()}
        self.request.emit(payload, reply)
        while not reply["done"].wait(0.05):
            if self._cancelled():
                return None  # the user walked away: as if they had pressed Cancel
        return reply["answer"]


class Job(QObject):
    """One background task with a progress dialog; `finished` carries (ok, value)."""

    finished = Signal(bool, object)

    def __init__(self, parent, label: str, fn: Callable, *, show_dialog: bool = True) -> None:
        super().__init__(parent)
        self.signals = _Signals(self)
        self.feedback = Feedback(lambda f, m: self.signals.progress.emit(f, m))
        self.work = _Work(fn, self.feedback, self.signals)
        self.dialog = None
        if show_dialog:
            self.dialog = QProgressDialog(label, t("cancel"), 0, 0, parent)  # busy until a fraction arrives
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(400)  # shows itself after 400 ms: quick jobs never flash a dialog
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.feedback.cancel)
        # bound slots of this GUI-thread object: queued into the GUI thread (a lambda would run in the worker)
        self.signals.progress.connect(self._on_progress)
        self.signals.done.connect(self._on_done)
        self.signals.failed.connect(self._on_failed)

    def start(self) -> None:
        workers.start(self.work, lane="data")

    def is_finished(self) -> bool:
        """The work has returned (or was withdrawn before it started)."""
        return self.work.finished.is_set()

    @Slot(float, object)
    def _on_progress(self, fraction: float, message: Message) -> None:
        if self.dialog is not None and not self.feedback.is_cancelled():
            if fraction > 0 and self.dialog.maximum() == 0:
                self.dialog.setRange(0, 1000)
            if self.dialog.maximum():
                self.dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
            if message.text(i18n.language()):
                self.dialog.setLabelText(message.text(i18n.language()))

    @Slot(object)
    def _on_done(self, value) -> None:
        self._finish(True, value)

    @Slot(object)
    def _on_failed(self, exc) -> None:
        self._finish(False, exc)

    def _finish(self, ok: bool, value) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.finished.emit(ok, value)


class DatumDialog(QDialog):
    """Which datum a file's lon/lat are in: a combo (WGS84 first and default) and why it matters."""

    def __init__(self, path: Path, parent=None) -> None:
        from geodata.coords.datums import DATUMS

        super().__init__(parent)
        self.setWindowTitle(t("datum_title"))
        self.combo = QComboBox()
        for key in ("wgs84", "gcj02", "bd09", "cgcs2000"):
            if key in DATUMS:
                self.combo.addItem(DATUMS[key].text(i18n.language()), key)
        self.combo.setCurrentIndex(0)
        why = QLabel(t("datum_why"))
        why.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(t("datum_ask", name=path.name)))
        layout.addWidget(self.combo)
        layout.addWidget(why)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons

    def datum(self) -> str:
        return str(self.combo.currentData())


# --- the actions -----------------------------------------------------------------------------------

class DataActions(QObject):
    """What the File menu's data actions do; tests drive these methods directly."""

    imported = Signal(str)  # layer name added to the document
    project_loaded = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.jobs: list[Job] = []
        self.last_report: list[Message] = []
        self.errors: list[str] = []
        self.project_path: Path | None = None

    # ---- dialogs (replaceable in tests) ----------------------------------------------------------
    def ask_open_paths(self) -> list[str]:
        from geodata.io.importer import FILE_FILTER

        paths, _ = QFileDialog.getOpenFileNames(self.window, t("open_data"), "", FILE_FILTER.text(i18n.language()))
        return paths

    def ask_layer(self, path: Path, layers: list[str]) -> str | None:
        name, ok = QInputDialog.getItem(self.window, t("choose_layer"), t("layer_in", name=path.name), layers, 0, False)
        return name if ok else None

    def ask_datum(self, path: Path) -> str | None:
        """Datum key for a file of lon/lat (WGS84 unless the user says otherwise); None = cancelled."""
        dialog = DatumDialog(path, self.window)
        try:
            return dialog.datum() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def ask_crs(self, path: Path, error) -> str | None:
        """'EPSG:nnnn' for a file without a CRS; the regional CRSs that put the data in the region come first."""
        from geodata.io.crs_detect import region_choices

        choices = region_choices(error.bounds)
        labels = [f"EPSG:{code}  {name}" + ("" if fits else t("crs_far")) for code, name, fits in choices]
        label, ok = QInputDialog.getItem(self.window, t("crs_title"), t("crs_ask", name=path.name, error=str(error)),
                                         labels, 0, True)
        if not ok or not label.strip():
            return None
        return label.split()[0]

    def ask_save_path(self, title: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, file_filter)
        return path or None

    def ask_missing(self, missing) -> str | None:
        QMessageBox.information(self.window, t("missing_title"), t("missing_ask", layer=missing.layer, path=missing.path))
        path, _ = QFileDialog.getOpenFileName(self.window, t("missing_title"), str(Path(missing.path).parent))
        return path or None

    def show_error(self, title: str, text: str) -> None:
        self.errors.append(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the app keeps running behind it

    def show_report(self, title: str, summary: str, lines: list[Message]) -> None:
        """Summary in the status bar; a box with the details only when something was guessed or changed."""
        status = getattr(self.window, "statusBar", None)
        if callable(status):
            status().showMessage(summary, 15000)
        if any(word in " ".join(line.text("en") for line in lines) for word in NOTABLE):
            box = QMessageBox(QMessageBox.Icon.Information, title, summary, QMessageBox.StandardButton.Ok, self.window)
            box.setDetailedText("\n".join(line.text(i18n.language()) for line in lines))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    # ---- helpers ---------------------------------------------------------------------------------
    def _run(self, label: str, fn: Callable, on_done: Callable[[bool, Any], None]) -> Job:
        job = Job(self.window, label, fn)
        self.jobs.append(job)

        def finished(ok, value):
            self.jobs.remove(job)
            on_done(ok, value)
            job.deleteLater()

        job.finished.connect(finished)
        job.start()
        return job

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Process events until no job runs (for tests and scripted use)."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        timer = QElapsedTimer()
        timer.start()
        while self.jobs and timer.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            QThread.msleep(5)
        return not self.jobs

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel jobs: unstarted ones are skipped, the running one is waited for (its signals must
        not reach a closed window's objects)."""
        for job in list(self.jobs):
            job.feedback.cancel()
        workers.withdraw([job.work for job in self.jobs], timeout_ms / 1000)

    # ---- import ----------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        self.import_paths(self.ask_open_paths())

    def import_paths(self, paths) -> None:
        """Import each file; files of WGS84-like lon/lat (tables, GeoJSON, KML, GPX, shapefiles in
        EPSG:4326/4490) first ask which datum they are in: Amap/Baidu points look the same."""
        from geodata.io.importer import offers_datum

        for path in map(Path, paths):
            datum = None
            if offers_datum(path):
                datum = self.ask_datum(path)
                if datum is None:
                    continue
            self.import_path(path, datum=datum)

    def import_path(self, path: str | os.PathLike, layer: str | None = None, datum: str | None = None,
                    crs: str | None = None) -> Job:
        from geodata.io.importer import import_file

        path = Path(path)

        def work(feedback):
            return import_file(path, layer=layer, datum=datum, crs=crs, feedback=feedback)

        return self._run(t("importing", name=path.name), work,
                         lambda ok, value: self._imported(path, layer, datum, ok, value))

    def _imported(self, path: Path, layer, datum, ok: bool, value) -> None:
        from geodata.io.errors import CrsUnknown, LayerChoiceRequired

        if not ok:
            if isinstance(value, LayerChoiceRequired):
                chosen = self.ask_layer(path, value.layers)
                if chosen:
                    self.import_path(path, layer=chosen, datum=datum)
                return
            if isinstance(value, CrsUnknown):
                crs = self.ask_crs(path, value)
                if crs:
                    self.import_path(path, layer=layer, datum=datum, crs=crs)
                return
            if isinstance(value, Cancelled):
                return
            self.show_error(t("import_failed"), _message(value))
            return
        try:
            name = self.add_result(value)
        except Exception as exc:  # the document refused it: tell the user, keep running
            self.show_error(t("import_failed"), _message(exc))
            return
        self.last_report = list(value.report)
        self.zoom_to_layer(name)  # as QGIS does: the user wants to see what they just added
        self.show_report(t("report"), t("imported", name=name, n=len(value.gdf)), value.report)
        self.imported.emit(name)

    def add_result(self, result) -> str:
        """Add an ImportResult to the document as a layer with the default style; returns its name."""
        from layers.model.document import MapLayer

        doc = self.window.document
        name = unique_name(result.name, doc.layer_names())
        ref = {"kind": "file", "path": str(result.source.resolve())}
        if result.layer:
            ref["layer"] = result.layer
        if result.datum and result.datum != "wgs84":
            ref["datum"] = result.datum
        if result.crs:
            ref["crs"] = result.crs
        label = next((c for c in ("name_zh", "name", "名称", "NAME", "Name", "title") if c in result.gdf.columns), None)
        layer = MapLayer(name=name, data=result.gdf, title_zh=name, title_en=name, label_field=label,
                         source=str(result.source.name), geometry_quality="user", data_ref=ref,
                         theme_tags=theme_tags(result.gdf))
        doc.add_layer(layer)
        return name

    def zoom_to_layer(self, name: str) -> bool:
        """Fit the canvas to a layer's features (at least MIN_ZOOM_SPAN_M across, so one point shows
        its surroundings); an empty layer leaves the view alone.  True when the view moved."""
        canvas = getattr(self.window, "canvas", None)
        if canvas is None or not hasattr(canvas, "zoom_to_extent") or name not in self.window.document:
            return False
        data = self.window.document.layer(name).data
        geoms = data.geometry[~(data.geometry.isna() | data.geometry.is_empty)] if data is not None else None
        if geoms is None or not len(geoms):
            return False
        bounds = geoms.total_bounds  # lon/lat: cheap, no need to build the render cache on the GUI thread
        if not all(math.isfinite(float(v)) for v in bounds):
            return False
        from geodata.coords.projection import lonlat_bounds_to_display

        x0, y0, x1, y1 = lonlat_bounds_to_display(tuple(float(v) for v in bounds))
        half = MIN_ZOOM_SPAN_M / 2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        canvas.zoom_to_extent((min(x0, cx - half), min(y0, cy - half), max(x1, cx + half), max(y1, cy + half)))
        return True

    # ---- save layer ------------------------------------------------------------------------------
    def current_layer_name(self) -> str | None:
        doc = self.window.document
        panel = getattr(self.window, "layer_panel", None)
        name = panel.current_name() if panel is not None and hasattr(panel, "current_name") else None
        if name:
            return name
        names = doc.layer_names()
        if not names:
            return None
        if len(names) == 1:
            return names[0]
        name, ok = QInputDialog.getItem(self.window, t("save_layer"), t("which_layer"), list(reversed(names)), 0, False)
        return name if ok else None

    def save_layer_dialog(self) -> None:
        from geodata.io.export_vector import FILE_FILTER

        name = self.current_layer_name()
        if name is None:
            self.show_error(t("save_failed"), t("no_layer"))
            return
        chosen = self.ask_layer_save_path(f"{name}.gpkg", FILE_FILTER)
        if chosen:
            self.save_layer(name, chosen[0], datum=chosen[1])

    def ask_layer_save_path(self, suggested: str, file_filter: str) -> tuple[str, str] | None:
        """(path, datum): the extra filter entries save GeoJSON/CSV in GCJ-02 or BD-09 for web maps."""
        extra = {t("gcj_filter"): "gcj02", t("bd_filter"): "bd09"}
        path, selected = QFileDialog.getSaveFileName(self.window, t("save_layer"), suggested,
                                                     ";;".join([file_filter, *extra]))
        if not path:
            return None
        if not Path(path).suffix and "(*." in selected:  # the dialog may leave the suffix to us
            path += "." + selected.split("(*.", 1)[1].split(")")[0].split()[0]
        return path, extra.get(selected, "wgs84")

    def save_layer(self, name: str, path: str | os.PathLike, datum: str | None = None) -> Job:
        from geodata.io.export_vector import save_layer

        layer = self.window.document.layer(name)
        data = layer.data
        ref = layer.data_ref or {}
        source = ref.get("path") if ref.get("kind") == "file" else None
        path = Path(path)

        def work(feedback):
            feedback.set_progress(0.1, Message(*TEXT["saving"]).format(name=path.name))
            return save_layer(data, path, source_path=source, layer_name=name, datum=datum)

        return self._run(t("saving", name=path.name), work, lambda ok, value: self._saved(path, ok, value))

    def _saved(self, path: Path, ok: bool, value) -> None:
        if not ok:
            self.show_error(t("save_failed"), _message(value))
            return
        self.last_report = list(value.report)
        status = getattr(self.window, "statusBar", None)
        if callable(status):
            status().showMessage(t("saved", name=path.name), 10000)

    # ---- projects --------------------------------------------------------------------------------
    def save_project_dialog(self) -> None:
        from layers.model.project_file import FILE_FILTER

        suggested = str(self.project_path) if self.project_path else "project.cyproj"
        path = self.ask_save_path(t("save_project"), suggested, FILE_FILTER)
        if path:
            self.save_project(path)

    def current_bookmarks(self) -> list[dict]:
        getter = getattr(self.window, "bookmarks", None)
        if callable(getter):
            getter = getter()
        if isinstance(getter, list):
            return getter
        store = getattr(self.window, "settings", None)
        if store is not None and not callable(store):
            from explorer.mapview import bookmarks

            return bookmarks.load(store)
        return []

    def save_project(self, path: str | os.PathLike) -> Path | None:
        from layers.model.project_file import ProjectFileError, save_project

        doc = self.window.document
        canvas = getattr(self.window, "canvas", None)
        view = getattr(canvas, "view", None)
        if view is not None and hasattr(view, "extent"):
            try:
                doc.set_extent(view.extent())  # the project opens where the user was looking
            except (ValueError, TypeError):
                pass
        try:
            saved = save_project(doc, path, bookmarks=self.current_bookmarks())
        except ProjectFileError as exc:
            self.show_error(t("project_failed"), str(exc))
            return None
        self.project_path = saved
        status = getattr(self.window, "statusBar", None)
        if callable(status):
            status().showMessage(t("saved", name=saved.name), 10000)
        return saved

    def open_project_dialog(self) -> None:
        from layers.model.project_file import FILE_FILTER

        path, _ = QFileDialog.getOpenFileName(self.window, t("open_project"), "", FILE_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str | os.PathLike) -> Job:
        from layers.model.project_file import load_project

        path = Path(path)
        started: list[Job] = []
        asker = _Asker(self.ask_missing, lambda: bool(started) and started[0].feedback.is_cancelled())
        asker.setParent(self)

        def work(feedback):
            return load_project(path, resolver=asker.ask, feedback=feedback)

        job = self._run(t("loading", name=path.name), work, lambda ok, value: self._project_loaded(path, ok, value))
        started.append(job)
        return job

    def _project_loaded(self, path: Path, ok: bool, value) -> None:
        if not ok:
            if isinstance(value, Cancelled):
                return
            self.show_error(t("project_failed"), _message(value))
            return
        apply_document(self.window.document, value.document)
        if value.bookmarks:
            setter = getattr(self.window, "set_bookmarks", None)  # MainWindow's; also rebuilds its menu
            store = getattr(self.window, "settings", None)
            if callable(setter):
                setter(value.bookmarks)
            elif store is not None and not callable(store):
                from explorer.mapview import bookmarks

                bookmarks.save(store, value.bookmarks)
        canvas = getattr(self.window, "canvas", None)
        if value.document.extent and canvas is not None and hasattr(canvas, "zoom_to_extent"):
            canvas.zoom_to_extent(value.document.extent, margin=0.0)
        self.project_path = path
        self.last_report = list(value.report)
        if value.report:  # skipped layers, cleared filter, a moved file found: say so in the user's language
            self.show_report(t("project_report"), t("opened", name=path.name), value.report)
        if value.missing:
            lines = [f"{m.layer}: {m.path} ({m.reason.text(i18n.language())})" for m in value.missing]
            self.show_error(t("project_failed"), t("missing_list") + "\n" + "\n".join(lines))
        self.project_loaded.emit(str(path))

    # ---- drag and drop ---------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        from PySide6.QtCore import QEvent

        kind = event.type()
        if kind == QEvent.Type.Close and obj is self.window:
            self.shutdown()
            return False
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if _local_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            paths = _local_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                for p in [p for p in paths if p.suffix.lower() == ".cyproj"][:1]:
                    self.open_project(p)
                self.import_paths([p for p in paths if p.suffix.lower() != ".cyproj"])
                return True
        return False


def _local_paths(mime) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def _message(exc) -> str:
    from geodata.io.errors import MessageError
    from layers.model.project_file import ProjectFileError

    if isinstance(exc, (MessageError, ProjectFileError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"  # unexpected: still a message, never a crash


def unique_name(name: str, taken: list[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def theme_tags(gdf) -> tuple[str, ...]:
    """Theme keys present in a `themes` column, so the theme filter lists and applies them."""
    if "themes" not in gdf.columns:
        return ()
    from geodata.core.themes import THEMES

    found = set()
    for value in gdf["themes"].dropna().astype(str):
        for part in value.replace("，", ",").split(","):
            if part.strip() in THEMES:
                found.add(part.strip())
    return tuple(sorted(found))


def apply_document(target, loaded) -> None:
    """Replace the window's document content with a loaded one, in place (views stay subscribed)."""
    for name in list(target.layer_names()):
        target.remove_layer(name)
    for layer in loaded.layers:
        layer._districts = None  # re-attached to the target's districts
        target.add_layer(layer)
    target.set_filter(loaded.filter)
    if loaded.extent:
        target.set_extent(loaded.extent)
    if loaded.language != target.language:
        target.language = loaded.language


def install(window) -> DataActions:
    """Add the data actions to the window's File menu and accept dropped files."""
    actions = DataActions(window)
    window.data_actions = actions
    menu = window.menu("file")
    items = []
    for key, slot, shortcut in (
        ("import", actions.import_dialog, QKeySequence("Ctrl+I")),
        ("save_layer", actions.save_layer_dialog, None),
        (None, None, None),
        ("open_project", actions.open_project_dialog, QKeySequence.StandardKey.Open),
        ("save_project", actions.save_project_dialog, QKeySequence.StandardKey.Save),
    ):
        if key is None:
            menu.addSeparator()
            continue
        action = QAction(t(key), window)
        action.setObjectName(f"data_{key}")
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        items.append((key, action))
    first = menu.actions()[0] if menu.actions() else None
    if first is not None and first is not items[0][1]:  # data actions first: they are what File is for
        for _, action in items:
            menu.removeAction(action)
        menu.insertActions(first, [a for _, a in items])
        menu.insertSeparator(first)
    actions.menu_actions = dict(items)

    def retranslate(_lang=None):
        for key, action in items:
            action.setText(t(key))

    i18n.on_language_changed(retranslate)
    window.setAcceptDrops(True)
    window.installEventFilter(actions)
    canvas = getattr(window, "canvas", None)
    if canvas is not None and hasattr(canvas, "installEventFilter"):
        canvas.setAcceptDrops(True)
        canvas.installEventFilter(actions)
    return actions

"""The map canvas: shows images made by `layers.render.renderer`, handles pan/zoom/tools.

The canvas never draws map features itself.  Every view change schedules a render
job on the explorer's map lane (`explorer/jobs.py`); a newer frame replaces the older one.
While a job is pending, the last finished image is painted shifted/scaled into the
new view so the map follows the mouse at once.  Only UI furniture (box-zoom rubber
band, measure line, scale bar) is painted here.

A basemap (`set_basemap(TileBasemap)`) goes into every frame's request; its tiles arrive on
fetcher threads, which only emit `tiles_arrived` (queued into the GUI thread), and the canvas
renders again at most every `TILE_REFRESH_MS`: the window never waits for the network.
"""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from explorer import i18n
from explorer.jobs import Job, JobGroup, error_text
from explorer.mapview.view_state import ViewState, image_transform
from geodata.core.feedback import Cancelled, Feedback
from layers.model.events import (FilterChanged, LanguageChanged, LayerAdded, LayerChanged, LayerRemoved,
                                 LayersReordered, SelectionChanged)

BACKGROUND = QColor("#dfe9f0")  # the renderer's background, shown before the first image
TILE_REFRESH_MS = 120  # tiles arriving in a burst make one new frame, not one each
# a view that rested this long gets its exact frame (if a cut was shown), then a kept margin frame
# around it (layers/render/pan_cache.py), so the pans that follow are cuts of that frame
SETTLE_MS = 300
SCALE_BAR_X, SCALE_BAR_FROM_BOTTOM = 16.0, 22.0  # where the scale bar starts (widget pixels)


def render_frame(request, dpr: float, feedback: Feedback, pan_cache=None, pad: bool | None = None):
    """One frame (on the map lane): (QImage, RenderResult); a cancelled render raises Cancelled.
    With a `pan_cache` (layers/render/pan_cache.py) a pan is cut out of the kept larger frame."""
    from layers.render.renderer import render_with_result

    if pan_cache is not None:
        image, result = pan_cache.frame(request, feedback, pad=pad)
    else:
        image, result = render_with_result(request, feedback)
    if result.cancelled:
        raise Cancelled()
    image.setDevicePixelRatio(dpr)
    return image, result


class MapCanvas(QWidget):
    view_changed = Signal(object)  # ViewState
    cursor_moved = Signal(float, float)  # display CRS x, y
    clicked = Signal(float, float)  # display CRS x, y (pan tool, no drag)
    render_started = Signal()
    render_finished = Signal(object)  # RenderResult
    render_failed = Signal(str)
    measure_changed = Signal(list, bool)  # display CRS points, is_area
    tiles_arrived = Signal()  # emitted from fetcher threads; Qt queues it into the GUI thread

    TOOLS = ("pan", "measure_distance", "measure_area")

    def __init__(self, document=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from layers.render.fonts import cjk_family

        cjk_family()  # register the bundled fonts here: QFontDatabase must not be first touched by a worker
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.document = None
        self._unsubscribe = None
        self.labels = True
        self.tool = "pan"
        self._view = ViewState(0.0, 0.0, 1000.0, max(self.width(), 1), max(self.height(), 1))
        self._home: tuple[float, float, float, float] | None = None
        self._has_view = False
        self._at_home = False
        self._image: QImage | None = None
        self._image_view: ViewState | None = None
        self._frames = JobGroup()  # the frame on its way; a newer view replaces it
        from layers.render.pan_cache import PanCache

        self._pan_cache = PanCache()  # used on the map lane only (one frame at a time)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settle_view)
        self._pending = False
        self.last_result = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(40)
        self._debounce.timeout.connect(self._start_render)
        self._drag_start: QPointF | None = None
        self._drag_view: ViewState | None = None
        self._dragged = False
        self._box_start: QPointF | None = None
        self._box_end: QPointF | None = None
        self.measure_points: list[tuple[float, float]] = []
        self._measure_hover: tuple[float, float] | None = None
        self._measure_done = False
        self.basemap = None  # a non-blocking TileBasemap, or None
        self._refresh_after_frame = False
        self._tile_timer = QTimer(self)
        self._tile_timer.setSingleShot(True)
        self._tile_timer.setInterval(TILE_REFRESH_MS)
        self._tile_timer.timeout.connect(self._refresh_for_tiles)
        self.tiles_arrived.connect(self._on_tiles_arrived, Qt.ConnectionType.QueuedConnection)
        self._segment_memo = None  # (points, segment lengths): paint does not re-measure unchanged points
        if document is not None:
            self.set_document(document)

    # Document events that change the picture; the rest (extent) do not.
    REDRAW_EVENTS = (LayerAdded, LayerRemoved, LayersReordered, LayerChanged, FilterChanged, LanguageChanged,
                     SelectionChanged)

    def set_document(self, document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        from layers.render.paths import warm_bundle_paths

        self.document = document
        self._unsubscribe = document.subscribe(self._on_document_event)
        warm_bundle_paths(document)  # the bundle's paths, before the first frame (shared: once a session)
        self.schedule_render()

    def _on_document_event(self, event) -> None:
        if isinstance(event, self.REDRAW_EVENTS):
            self.schedule_render()

    # ---- view -------------------------------------------------------------
    @property
    def view(self) -> ViewState:
        return self._view

    def set_home_extent(self, extent: tuple[float, float, float, float]) -> None:
        self._home = extent

    def set_view(self, view: ViewState) -> None:
        view = view.resized(max(self.width(), 1), max(self.height(), 1))
        if view == self._view and self._has_view:
            return
        self._view = view
        self._has_view = True
        self._at_home = False
        self.view_changed.emit(view)
        self.update()
        self.schedule_render()

    def zoom_to_extent(self, extent: tuple[float, float, float, float], margin: float = 0.04) -> None:
        self.set_view(ViewState.fit(extent, max(self.width(), 1), max(self.height(), 1), margin))

    def full_extent(self) -> None:
        if self._home:
            self.zoom_to_extent(self._home)
            self._at_home = True  # stays fitted to the home extent while the window is resized

    def zoom_by(self, factor: float, px: float | None = None, py: float | None = None) -> None:
        self.set_view(self._view.zoomed(factor, px, py))

    def pan_by(self, dx: float, dy: float) -> None:
        self.set_view(self._view.panned(dx, dy))

    def center_on(self, x: float, y: float, resolution: float | None = None) -> None:
        from dataclasses import replace

        self.set_view(replace(self._view, cx=float(x), cy=float(y), resolution=float(resolution or self._view.resolution)))

    # ---- basemap ----------------------------------------------------------
    def set_basemap(self, basemap) -> None:
        """Draw `basemap` (a non-blocking `TileBasemap`, or None) under the layers from the next frame."""
        if self.basemap is not None:
            self.basemap.on_tiles = None
        self.basemap = basemap
        if basemap is not None:
            basemap.on_tiles = self._tiles_from_worker
        self.schedule_render(immediate=True)

    def _tiles_from_worker(self, _tiles) -> None:
        # a fetcher thread: touch nothing of the widget, only emit (queued to the GUI thread)
        self.tiles_arrived.emit()

    def _on_tiles_arrived(self) -> None:
        if not self._tile_timer.isActive():
            self._tile_timer.start()

    def _refresh_for_tiles(self) -> None:
        if self._pending:  # a frame is on its way: do not cancel it, render once more after it
            self._refresh_after_frame = True
        else:
            self.schedule_render(immediate=True)

    def tiles_loading(self) -> int:
        """Tiles still being fetched for the basemap (0 without one)."""
        return self.basemap.pending() if self.basemap is not None else 0

    def wait_tiles(self, timeout_ms: int = 30000) -> bool:
        """Until the basemap has fetched what it wanted and the frame showing it is done (tests)."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            busy = self._pending or self._tile_timer.isActive() or self._refresh_after_frame or self.tiles_loading()
            if not busy:
                return True
            self.wait_idle(max(1, timeout_ms - timer.elapsed()))
            if self.tiles_loading():
                self.basemap.wait_idle(0.02)
        return False

    # ---- rendering --------------------------------------------------------
    def schedule_render(self, immediate: bool = False) -> None:
        if self.document is None:
            return
        # the view moved on: the frame on its way is no longer wanted, nor is a result it has
        # already sent (a cancelled job never delivers `done`), so it cannot end the wait
        self._frames.cancel()
        self._settle.stop()
        self._pending = True
        self._debounce.start(0 if immediate else self._debounce.interval())

    def current_image(self) -> QImage | None:
        """The last finished render (None before the first)."""
        return self._image

    def is_render_pending(self) -> bool:
        return self._pending

    def make_request(self, view: ViewState, dpr: float = 1.0):
        from layers.render.request import MapRequest

        # a snapshot: the user may toggle layers while the worker paints
        return MapRequest(
            document=self.document.snapshot(),
            extent=view.extent(),
            width=max(1, round(view.width * dpr)),
            height=max(1, round(view.height * dpr)),
            dpi=96 * dpr,
            labels=self.labels,
            basemap=self.basemap,
            keep_clear=tuple(tuple(v * dpr for v in box) for box in self.furniture_boxes(view)),
        )

    def furniture_boxes(self, view: ViewState) -> list[tuple[float, float, float, float]]:
        """Widget-pixel boxes (x, y, w, h) the overlays cover, which labels keep clear of: the scale
        bar's box at its longest (its length changes with the view, the reserve does not)."""
        if view.width < 200:
            return []
        x, y = SCALE_BAR_X, view.height - SCALE_BAR_FROM_BOTTOM
        return [(x - 6, y - 20, min(160.0, view.width * 0.3) + 70, 28)]

    def _start_render(self, pad: bool | None = None) -> None:
        if self.document is None:
            return
        dpr = self.devicePixelRatioF()
        view = self._view
        self._frames.run(partial(render_frame, self.make_request(view, dpr), dpr, pan_cache=self._pan_cache, pad=pad),
                         "map", replace=True, done=lambda value: self._on_rendered(view, *value),
                         failed=self._on_failed)
        self.render_started.emit()

    def _settle_view(self) -> None:
        """The view rested (SETTLE_MS): a cut is replaced by the exact frame (what an export draws);
        after an exact frame the margin frame around it is rendered and kept, unseen, so the pans
        that follow are cuts (layers/render/pan_cache.py)."""
        if self.document is None or self._pending or self._view != self._image_view or self.last_result is None:
            return
        if self.last_result.frame_source != "direct":
            self._start_render(pad=False)
            return
        dpr = self.devicePixelRatioF()
        self._frames.run(partial(self._pan_cache.warm, self.make_request(self._view, dpr)), "map", replace=True)

    def frame_job(self) -> Job | None:
        """The render job on its way (None when idle)."""
        return self._frames.latest()

    def _on_rendered(self, view: ViewState, image: QImage, result) -> None:
        self._image = image
        self._image_view = view
        self._pending = False
        self.last_result = result
        self.update()
        self.render_finished.emit(result)
        self._settle.start()
        if self._refresh_after_frame:
            self._refresh_after_frame = False
            self._tile_timer.start()

    def _on_failed(self, exc: BaseException) -> None:
        self._pending = False
        self.render_failed.emit(error_text(exc))

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block until the queued render has finished (tests, screenshots)."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        timer = QElapsedTimer()
        timer.start()
        while self._pending and timer.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            job = self._frames.latest()
            if job is not None:
                job.wait(0.02)
        QCoreApplication.processEvents()
        return not self._pending

    def shutdown(self) -> None:
        self._debounce.stop()
        self._tile_timer.stop()
        self._settle.stop()
        if self.basemap is not None:
            self.basemap.on_tiles = None
        self._frames.withdraw()

    # ---- painting ---------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), BACKGROUND)
            if self._image is not None and self._image_view is not None:
                scale, dx, dy = image_transform(self._image_view, self._view)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, bool(scale != 1.0))
                w = self._image_view.width * scale
                h = self._image_view.height * scale
                painter.drawImage(QRectF(float(dx), float(dy), float(w), float(h)), self._image)
            self._paint_overlays(painter)
        finally:
            painter.end()

    def _paint_overlays(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_scale_bar(painter)
        if self._box_start is not None and self._box_end is not None:
            painter.setPen(QPen(QColor("#1f5fbf"), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(31, 95, 191, 40))
            painter.drawRect(QRectF(self._box_start, self._box_end).normalized())
        points = list(self.measure_points)
        if self._measure_hover is not None and not self._measure_done:
            points.append(self._measure_hover)
        if points:
            poly = QPolygonF([QPointF(*self._view.to_pixel(x, y)) for x, y in points])
            pen = QPen(QColor("#d0312d"), 2.0)
            painter.setPen(pen)
            if self.tool == "measure_area" and len(points) >= 3:
                painter.setBrush(QColor(208, 49, 45, 50))
                painter.drawPolygon(poly)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolyline(poly)
            painter.setBrush(QColor("#ffffff"))
            for pt in poly:
                painter.drawEllipse(pt, 3.5, 3.5)
            if self.tool == "measure_distance" and len(points) >= 2:
                self._paint_segment_lengths(painter, points, poly)

    def segment_labels(self, points) -> list[tuple[str, QPointF]]:
        """(text, pixel) of each segment's geodesic length at its middle, and the total at the last point."""
        from explorer.mapview.measure import km_text, segment_lengths_km

        key = tuple(points)
        if self._segment_memo is None or self._segment_memo[0] != key:
            self._segment_memo = (key, segment_lengths_km(list(points)))
        lengths = self._segment_memo[1]
        pixels = [QPointF(*self._view.to_pixel(x, y)) for x, y in points]
        labels = [(km_text(km), (a + b) / 2) for km, a, b in zip(lengths, pixels, pixels[1:])]
        if len(lengths) > 1:
            from explorer.window_texts import MEASURE_TOTAL

            # beyond the last point, along the last segment: clear of that segment's own label
            step = pixels[-1] - pixels[-2]
            norm = max((step.x() ** 2 + step.y() ** 2) ** 0.5, 1e-9)
            labels.append((i18n.ui(MEASURE_TOTAL, length=km_text(sum(lengths))), pixels[-1] + step * (60.0 / norm)))
        return labels

    def _paint_segment_lengths(self, painter: QPainter, points, poly) -> None:
        painter.save()
        metrics = painter.fontMetrics()
        for text, at in self.segment_labels(points):
            box = QRectF(metrics.boundingRect(text)).adjusted(-4, -2, 4, 2)
            box.moveCenter(at)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 225))
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(QColor("#a3231f"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def scale_bar(self):
        """The canvas scale bar (layers.page.scale_bar maths, measured geodesically on its own row)."""
        from geodata.coords.projection import display_to_lonlat
        from layers.page.scale_bar import scale_bar

        view = self._view
        x, y = SCALE_BAR_X, self.height() - SCALE_BAR_FROM_BOTTOM

        def to_lonlat(px: float, py: float):
            return tuple(map(float, display_to_lonlat(*view.to_map(px, py))))

        return scale_bar(to_lonlat, x, y, min(160.0, self.width() * 0.3)), (x, y)

    def _paint_scale_bar(self, painter: QPainter) -> None:
        # UI furniture like the rubber band, not a map feature; exports draw their own
        if self.width() < 200 or self._image is None:
            return
        try:
            bar, (x, y) = self.scale_bar()
        except ValueError:
            return
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRoundedRect(QRectF(x - 6, y - 20, bar.pixels + 70, 28), 4, 4)
        painter.setPen(QPen(QColor("#1a1a1a"), 1.2))
        step = bar.pixels / bar.segments
        for i in range(bar.segments):
            painter.setBrush(QColor("#1a1a1a") if i % 2 == 0 else QColor("#ffffff"))
            painter.drawRect(QRectF(x + i * step, y - 4, step, 5))
        painter.setPen(QColor("#1a1a1a"))
        painter.drawText(QPointF(x + bar.pixels + 6, y + 1), bar.label(i18n.language()))
        painter.restore()

    # ---- tools ------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in self.TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self.clear_measure()
        self.setCursor(Qt.CursorShape.CrossCursor if tool != "pan" else Qt.CursorShape.OpenHandCursor)

    def clear_measure(self) -> None:
        self.measure_points = []
        self._measure_hover = None
        self._measure_done = False
        self.measure_changed.emit([], self.tool == "measure_area")
        self.update()

    def add_measure_point(self, x: float, y: float) -> None:
        if self._measure_done:
            self.measure_points = []
            self._measure_done = False
        self.measure_points.append((x, y))
        self.measure_changed.emit(list(self.measure_points), self.tool == "measure_area")
        self.update()

    # ---- events -----------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802
        size = event.size()
        if self._home and (not self._has_view or self._at_home):
            # until the user moves the map, the whole circle stays in view as the window settles
            self._view = ViewState.fit(self._home, size.width(), size.height())
            self._has_view = True
            self._at_home = True
        else:
            self._view = self._view.resized(size.width(), size.height())
        self.view_changed.emit(self._view)
        self.schedule_render(immediate=self._image is None)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        pos = event.position()
        self.zoom_by(1.25 ** steps, pos.x(), pos.y())

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._box_start = self._box_end = pos
            return
        if self.tool == "pan":
            self._drag_start = pos
            self._drag_view = self._view
            self._dragged = False
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            self.add_measure_point(*self._view.to_map(pos.x(), pos.y()))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        x, y = self._view.to_map(pos.x(), pos.y())
        self.cursor_moved.emit(x, y)
        if self._box_start is not None:
            self._box_end = pos
            self.update()
        elif self._drag_start is not None and self._drag_view is not None:
            delta = pos - self._drag_start
            if abs(delta.x()) + abs(delta.y()) > 3:
                self._dragged = True
            if self._dragged:
                self.set_view(self._drag_view.panned(delta.x(), delta.y()))
        elif self.tool != "pan" and self.measure_points and not self._measure_done:
            self._measure_hover = (x, y)
            self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        if self._box_start is not None:
            start, end = self._box_start, pos
            self._box_start = self._box_end = None
            if abs(end.x() - start.x()) > 4 and abs(end.y() - start.y()) > 4:
                x1, y1 = self._view.to_map(start.x(), start.y())
                x2, y2 = self._view.to_map(end.x(), end.y())
                self.zoom_to_extent((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), margin=0.0)
            self.update()
            return
        if self._drag_start is not None:
            was_drag = self._dragged
            self._drag_start = None
            self._drag_view = None
            self._dragged = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            if not was_drag:
                self.clicked.emit(*self._view.to_map(pos.x(), pos.y()))

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if self.tool != "pan":
            self._measure_done = True
            self._measure_hover = None
            self.measure_changed.emit(list(self.measure_points), self.tool == "measure_area")
            self.update()
        else:
            pos = event.position()
            self.zoom_by(2.0, pos.x(), pos.y())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        step = 80
        moves = {
            Qt.Key.Key_Left: (step, 0),
            Qt.Key.Key_Right: (-step, 0),
            Qt.Key.Key_Up: (0, step),
            Qt.Key.Key_Down: (0, -step),
        }
        if key in moves:
            self.pan_by(*moves[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.5)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / 1.5)
        elif key == Qt.Key.Key_Escape:
            self.clear_measure()
        elif key == Qt.Key.Key_Home:
            self.full_extent()
        else:
            super().keyPressEvent(event)

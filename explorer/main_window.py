"""The main window: map canvas in the centre, docks around it, menus, status bar.

A thin view: the document (`layers.model.document.MapDocument`) holds layers, filter and
selection; every panel subscribes to it.  The window builds its panels here; the feature
modules under `actions/` add their menus, docks and toolbar buttons through `install(window)`,
called explicitly at the end of the constructor.
"""
from __future__ import annotations

import json
import logging

from PySide6.QtCore import QByteArray, QPoint, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QDialog, QDockWidget, QInputDialog, QLabel, QMainWindow, QMenu, QMessageBox, QToolBar,
                               QToolButton, QWidget)

from explorer import i18n
from explorer import window_texts as texts
from explorer.actions import basemap_menu, data_actions, postgis_actions, web_export
from explorer.actions.field_check import dock as field_check_dock
from explorer.actions import history_actions  # Edit → undo/redo, View → previous/next view
from explorer.icons import icon
from explorer.mapview import bookmarks
from explorer.mapview.canvas import MapCanvas
from explorer.mapview.hit_test import features_at
from explorer.mapview.stacks import stack_at
from explorer.mapview.measure import km_text, polygon_area_km2, segment_lengths_km
from explorer.mapview.view_state import ViewState, scale_denominator
from explorer.panels.attribute_table import AttributeTable
from explorer.panels.filter_panel import FilterPanel
from explorer.panels.identify_panel import IdentifyPanel
from explorer.panels.layer_panel import LayerPanel
from explorer.panels import stats_panel, time_slider
from explorer.panels.search_box import SearchBox
from explorer.plain_text import shown
from geodata.core.message import count
from layers.model.events import FilterChanged

log = logging.getLogger(__name__)

# toolbar actions -> icon file (resources/icons); the zoom buttons show only their icon
ICONS = {"act.full_extent": "full_extent", "act.zoom_in": "zoom_in", "act.zoom_out": "zoom_out", "act.pan": "pan",
         "act.measure_distance": "measure_distance", "act.measure_area": "measure_area", "act.export": "export"}
ICON_ONLY = ("act.full_extent", "act.zoom_in", "act.zoom_out")
CLICK_TOLERANCE_PX = 6
FEATURE_ZOOM_RES = 40.0  # m per pixel when jumping to a point feature
SETTINGS_VERSION = 1
MEASURE_PARTS = 8  # segments listed in the status bar (the map labels every one)
# saved dock layouts of an older arrangement are not restored (Qt's restoreState refuses
# another version): 2 = narrow side docks, table under the map (the map the largest part)
LAYOUT_VERSION = 2


def _tooltip(text: str, action: QAction) -> str:
    """The tooltip: what the action does, and its shortcut when it has one."""
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    return i18n.ui(texts.WITH_SHORTCUT, text=text.rstrip("…"), keys=keys) if keys else text


def empty_document():
    from layers.model.document import MapDocument

    return MapDocument()


class MainWindow(QMainWindow):
    first_render_done = Signal()

    def __init__(self, document=None, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._menus: dict[str, QMenu] = {}
        self._actions: dict[str, QAction] = {}
        self._first_render = False
        self._docks: list[QDockWidget] = []
        self._layout_restored = False
        self._shown_once = False
        self._restoring = False
        self._last_place: tuple = ((), (), ())  # the filter's place choice the view last zoomed to
        self._bookmarks: list[dict] = []  # without settings (tests, scripts) bookmarks live here
        load_error = None
        if document is None:
            try:
                from layers.model.document import MapDocument

                document = MapDocument.from_bundle()
            except Exception as exc:  # the window still opens: user data can be added
                load_error = str(exc)
                document = empty_document()
        self.document = document
        self.document.language = i18n.language()
        self.setObjectName("mainWindow")
        self._initial_size()

        self.canvas = MapCanvas(document)
        self.canvas.set_home_extent(self.home_extent())
        self.setCentralWidget(self.canvas)
        self.layer_panel = LayerPanel(document)
        self.filter_panel = FilterPanel(document)
        self.table = AttributeTable(document)
        self.identify = IdentifyPanel(document)
        self.stack_popup = None  # the list a click on a stack of points opens (mapview/stack_popup.py)
        self.search_box = SearchBox(document)
        self.filter_dock = self.add_dock(self.filter_panel, "", Qt.DockWidgetArea.LeftDockWidgetArea, "filter")
        self.layer_dock = self.add_dock(self.layer_panel, "", Qt.DockWidgetArea.LeftDockWidgetArea, "layers")
        self.identify_dock = self.add_dock(self.identify, "", Qt.DockWidgetArea.RightDockWidgetArea, "identify")
        self.table_dock = self.add_dock(self.table, "", Qt.DockWidgetArea.BottomDockWidgetArea, "table")
        self.filter_dock.raise_()  # the theme filter is what planners open the map for
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        i18n.on_language_changed(self._on_language)
        self.retranslate()
        if load_error:
            self.statusBar().showMessage(i18n.ui(texts.NO_DATA, error=load_error), 15000)
        # the feature modules' menus, docks and buttons, before restoring: saved dock positions include theirs
        self.data_actions = data_actions.install(self)
        self.postgis_actions = postgis_actions.install(self)
        self.web_export = web_export.install(self, after=self._actions["act.export"])
        self.field_check_panel = field_check_dock.install(self)
        self.stats_panel = stats_panel.install(self)
        self.time_slider = time_slider.install(self)
        self.basemap = basemap_menu.install(self)  # View → Basemap, and the last session's basemap
        self.restore_settings()
        self.history = history_actions.install(self)  # after restoring: the saved filter and view are the start

    def _initial_size(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is None or screen.width() < 800:
            self.resize(1400, 900)
            return
        self.resize(round(screen.width() * 0.94), round(screen.height() * 0.92))
        self.move(screen.x() + (screen.width() - self.width()) // 2, screen.y() + (screen.height() - self.height()) // 2)

    # ---- docks, menus ------------------------------------------------------------------
    def add_dock(self, widget: QWidget, title: str, area=Qt.DockWidgetArea.RightDockWidgetArea,
                 name: str | None = None) -> QDockWidget:
        """Put `widget` in a dock (feature modules use this too); `name` keys its saved position."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name or type(widget).__name__}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        # a dock added later (a feature module's) shares a tab with the first dock of its side, so the
        # map keeps its room; the original dock stays in front
        host = next((d for d in self._docks if self.dockWidgetArea(d) == area), None) if self._docks else None
        if host is not None:
            self.tabifyDockWidget(host, dock)
            host.raise_()
        self._docks.append(dock)
        if "panels" in self._menus:
            self._menus["panels"].addAction(dock.toggleViewAction())
        return dock

    def menu(self, key: str) -> QMenu:
        """The top-level menu `file`, `view`, `layer`, `tools` or `help` (feature modules add actions here)."""
        return self._menus[key]

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.measure_label = QLabel()
        self.coord_label = QLabel()
        self.coord_label.setMinimumWidth(330)
        self.scale_label = QLabel()
        self.scale_label.setMinimumWidth(130)
        self.render_label = QLabel()
        for w in (self.measure_label, self.coord_label, self.scale_label, self.render_label):
            bar.addPermanentWidget(w)

    def _action(self, key: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(self)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        self._actions[key] = action
        return action

    def _build_actions(self) -> None:
        self._action("act.export", self.open_export_dialog, QKeySequence.StandardKey.Print)
        self._action("act.quit", self.close, QKeySequence.StandardKey.Quit)
        self._action("act.full_extent", self.canvas.full_extent, "Home")
        self._action("act.zoom_in", lambda: self.canvas.zoom_by(1.5), QKeySequence.StandardKey.ZoomIn)
        self._action("act.zoom_out", lambda: self.canvas.zoom_by(1 / 1.5), QKeySequence.StandardKey.ZoomOut)
        self._action("act.zoom_layer", lambda: self.zoom_to_layer(self.layer_panel.current_name()))
        self._action("act.zoom_selection", self.zoom_to_selection)
        self._action("act.add_bookmark", self.add_bookmark, "Ctrl+B")
        self._action("act.about", self.show_about)
        tools = QActionGroup(self)
        for key, tool in (("act.pan", "pan"), ("act.measure_distance", "measure_distance"), ("act.measure_area", "measure_area")):
            action = self._action(key, lambda _c=False, t=tool: self.set_tool(t), checkable=True)
            tools.addAction(action)
        self._actions["act.pan"].setChecked(True)
        langs = QActionGroup(self)
        for key, lang in (("act.chinese", "zh"), ("act.english", "en")):
            action = self._action(key, lambda _c=False, l=lang: self.set_language(l), checkable=True)
            langs.addAction(action)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        for key in ("file", "view", "layer", "tools", "help"):
            self._menus[key] = bar.addMenu("")
        a = self._actions
        self._menus["file"].addAction(a["act.export"])
        self._menus["file"].addSeparator()
        self._menus["file"].addAction(a["act.quit"])
        view = self._menus["view"]
        for key in ("act.full_extent", "act.zoom_in", "act.zoom_out", "act.zoom_layer", "act.zoom_selection"):
            view.addAction(a[key])
        view.addSeparator()
        self._menus["bookmarks"] = view.addMenu("")
        self._menus["panels"] = view.addMenu("")
        for dock in (self.layer_dock, self.filter_dock, self.identify_dock, self.table_dock):
            self._menus["panels"].addAction(dock.toggleViewAction())
        self._menus["language"] = view.addMenu("")
        self._menus["language"].addAction(a["act.chinese"])
        self._menus["language"].addAction(a["act.english"])
        for key in ("act.pan", "act.measure_distance", "act.measure_area"):
            self._menus["tools"].addAction(a[key])
        self._menus["help"].addAction(a["act.about"])

    def _build_toolbar(self) -> None:
        bar = QToolBar()
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(self.search_box)
        bar.addSeparator()
        for key, name in ICONS.items():
            self._actions[key].setIcon(icon(name))
        for key in ("act.full_extent", "act.zoom_in", "act.zoom_out"):
            bar.addAction(self._actions[key])
        bar.addSeparator()
        for key in ("act.pan", "act.measure_distance", "act.measure_area"):
            bar.addAction(self._actions[key])
        bar.addSeparator()
        bar.addAction(self._actions["act.export"])
        bar.addSeparator()
        table = self.table_dock.toggleViewAction()  # the attribute table folds away under the map
        table.setIcon(icon("table"))
        bar.addAction(table)
        for key in ICON_ONLY:
            button = bar.widgetForAction(self._actions[key])
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar = bar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _connect(self) -> None:
        c = self.canvas
        c.cursor_moved.connect(self._on_cursor)
        c.view_changed.connect(self._on_view_changed)
        c.clicked.connect(self.identify_at)
        c.render_started.connect(lambda: self.render_label.setText(i18n.ui(texts.RENDERING)))
        c.render_finished.connect(self._on_rendered)
        c.render_failed.connect(lambda msg: self.statusBar().showMessage(msg, 15000))
        c.measure_changed.connect(self._on_measure)
        self.layer_panel.zoom_to_layer.connect(self.zoom_to_layer)
        self.search_box.result_chosen.connect(self.go_to_result)
        self.table.feature_activated.connect(self.zoom_to_feature)
        self._unsubscribe = self.document.subscribe(self._on_document_event)

    # ---- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(i18n.ui(texts.TITLE))
        for key, menu in self._menus.items():
            menu.setTitle(i18n.ui(texts.MENUS[key]))
        for key, action in self._actions.items():
            text, tip = texts.ACTIONS[key]
            action.setText(i18n.ui(text))
            action.setToolTip(_tooltip(i18n.ui(tip or text), action))
        table = self.table_dock.toggleViewAction()
        table.setToolTip(i18n.ui(texts.TABLE_TIP))
        self.toolbar.setWindowTitle(i18n.ui(texts.TOOLBAR))  # else a blank line in the panels menu
        self._actions["act.chinese" if i18n.language() == "zh" else "act.english"].setChecked(True)
        for dock, key in ((self.layer_dock, "layers"), (self.filter_dock, "filter"),
                          (self.identify_dock, "identify"), (self.table_dock, "table")):
            dock.setWindowTitle(i18n.ui(texts.DOCKS[key]))
        self._rebuild_bookmarks_menu()
        self._on_view_changed(self.canvas.view)

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        if self.settings is not None:
            self.settings.setValue("language", lang)

    def _on_language(self, lang: str) -> None:
        self.document.language = lang  # map labels follow the UI
        self.retranslate()

    # ---- canvas feedback ------------------------------------------------------------------
    def _on_cursor(self, x: float, y: float) -> None:
        from geodata.coords.parse import format_dms
        from geodata.coords.projection import display_to_lonlat

        lon, lat = display_to_lonlat(x, y)
        self.coord_label.setText(f"WGS84 {lon:.5f}, {lat:.5f}   {format_dms(lon, lat)}")

    def _on_view_changed(self, view: ViewState) -> None:
        try:
            n = scale_denominator(view, self.logicalDpiX() or 96)
        except Exception:  # a view far outside the projection's domain
            self.scale_label.setText("")
            return
        self.scale_label.setText(i18n.ui(texts.SCALE, n=f"{round(n, -2 if n > 10000 else 0):,.0f}"))

    def _on_rendered(self, result) -> None:
        self.render_label.setText(i18n.ui(texts.RENDERED, count=count(sum(result.drawn.values()), "个要素", "feature")))
        self.render_label.setToolTip(i18n.ui(texts.RENDERED_TIP))
        if not self._first_render:
            self._first_render = True
            self.first_render_done.emit()

    def _on_measure(self, points: list, is_area: bool) -> None:
        if is_area and len(points) >= 3:
            self.measure_label.setText(i18n.ui(texts.MEASURE_AREA, km2=polygon_area_km2(points)))
        elif not is_area and len(points) >= 2:
            parts = segment_lengths_km(points)
            text = i18n.ui(texts.MEASURE_DISTANCE, km=sum(parts))
            if len(parts) > 1:  # each segment too, the last ones when there are many
                shown = [km_text(k) for k in parts[-MEASURE_PARTS:]]
                text += i18n.ui(texts.MEASURE_SEGMENTS, parts=("… + " if len(parts) > MEASURE_PARTS else "") + " + ".join(shown))
            self.measure_label.setText(text)
        elif self.canvas.tool != "pan":
            self.measure_label.setText(i18n.ui(texts.MEASURE_HINT))
        else:
            self.measure_label.setText("")

    def set_tool(self, tool: str) -> None:
        self.canvas.set_tool(tool)
        self._actions[{"pan": "act.pan", "measure_distance": "act.measure_distance",
                       "measure_area": "act.measure_area"}[tool]].setChecked(True)
        self._on_measure([], tool == "measure_area")

    # ---- identify, selection, navigation -----------------------------------------------
    def identify_at(self, x: float, y: float) -> list:
        # point symbols are hit where the shown frame drew them (coincident points are spread)
        shown = self.canvas.last_result
        positions = shown.point_map_positions() if shown is not None else None
        tolerance = CLICK_TOLERANCE_PX * self.canvas.view.resolution
        stack = stack_at(self.document, shown, x, y, tolerance)
        if stack is not None:  # the centre of a spread stack: list its members to pick one
            return self.open_stack(stack)
        hits = features_at(self.document, x, y, tolerance, positions=positions)
        self.identify.show_hits(hits)
        if hits:
            first = hits[0]
            self.table.set_layer(first.layer)
            self.document.set_selection({first.layer: [first.feature_id]})
        else:
            self.document.set_selection({})
        return hits

    def open_stack(self, stack) -> list:
        """Select a stack's members, show them in Identify and open the list to pick one."""
        from explorer.mapview.hit_test import Hit
        from explorer.mapview.stack_popup import StackPopup

        hits = [Hit(stack.layer, row, fid, 0.0) for row, fid in zip(stack.rows, stack.ids)]
        self.identify.show_hits(hits)
        self.table.set_layer(stack.layer)
        self.document.set_selection({stack.layer: list(stack.ids)})
        if self.stack_popup is not None:
            self.stack_popup.close()
        self.stack_popup = popup = StackPopup(self.document, stack, self)
        popup.picked.connect(self._stack_picked)
        px, py = self.canvas.view.to_pixel(*stack.centre)
        popup.show_at(self.canvas.mapToGlobal(QPoint(round(float(px)), round(float(py)))))
        return hits

    def _stack_picked(self, layer_name: str, row: int) -> None:
        self.document.set_selection({layer_name: [self.document.layer(layer_name).cache.ids[row]]})
        self.identify.show_feature(layer_name, row)

    def _feature_row(self, layer_name: str, feature_id: str) -> int | None:
        if layer_name not in self.document:  # a stale search result or table row: its layer went away
            return None
        ids = self.document.layer(layer_name).cache.ids
        try:
            return ids.index(feature_id)
        except ValueError:
            return None

    def zoom_to_feature(self, layer_name: str, feature_id: str) -> None:
        row = self._feature_row(layer_name, feature_id)
        if row is None:
            return
        cache = self.document.layer(layer_name).cache
        x0, y0, x1, y1 = cache.bounds[row]
        if cache.kind == "point" or (x1 - x0 < 1 and y1 - y0 < 1):
            self.canvas.center_on((x0 + x1) / 2, (y0 + y1) / 2, min(self.canvas.view.resolution, FEATURE_ZOOM_RES))
        else:
            self.canvas.zoom_to_extent((x0, y0, x1, y1), margin=0.15)
        self.document.set_selection({layer_name: [feature_id]})
        self.identify.show_feature(layer_name, row)

    def go_to_result(self, result):
        """Frame a search result; if the filter or a switched-off layer hides it, say so (returns that box)."""
        from explorer.panels import hidden_hit

        if result.layer not in self.document:  # found before its layer was removed
            return None
        self.table.set_layer(result.layer)
        self.zoom_to_feature(result.layer, result.feature_id)
        row = self._feature_row(result.layer, result.feature_id)
        return None if row is None else hidden_hit.offer(self, result.layer, row, result.label.split("  · ")[0])

    def zoom_to_layer(self, name: str | None) -> None:
        if not name or name not in self.document:
            return
        bounds = self.document.layer(name).cache.total_bounds
        if bounds is not None:
            self.canvas.zoom_to_extent(bounds)

    def zoom_to_selection(self) -> None:
        boxes = []
        for layer_name, ids in self.document.selection.items():
            cache = self.document.layer(layer_name).cache
            wanted = set(ids)
            boxes += [cache.bounds[i] for i, fid in enumerate(cache.ids) if fid in wanted]
        if boxes:
            x0 = min(b[0] for b in boxes); y0 = min(b[1] for b in boxes)
            x1 = max(b[2] for b in boxes); y1 = max(b[3] for b in boxes)
            pad = max(x1 - x0, y1 - y0, 20000) * 0.15
            self.canvas.zoom_to_extent((x0 - pad, y0 - pad, x1 + pad, y1 + pad), margin=0)

    def zoom_to_place(self, flt) -> None:
        """Zoom to the districts of the filter's province/city/district choice."""
        codes = flt.place_adcodes(self.document.districts_table())
        if not codes or "districts" not in self.document:
            return
        layer = self.document.layer("districts")
        rows = [i for i, code in enumerate(layer.cache.ids) if code in codes]
        if rows:
            b = layer.cache.bounds[rows]
            self.canvas.zoom_to_extent((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), margin=0.06)

    def _on_document_event(self, event) -> None:
        if isinstance(event, FilterChanged) and not self._restoring:
            flt = event.filter
            previous = self._last_place
            place = (flt.provinces, flt.cities, flt.districts)
            self._last_place = place
            if place != previous and any(place):
                self.zoom_to_place(flt)

    def home_extent(self) -> tuple[float, float, float, float]:
        """The economic circle with a margin, else the document's full extent."""
        if "circle" in self.document:
            bounds = self.document.layer("circle").cache.total_bounds
            if bounds is not None:
                x0, y0, x1, y1 = bounds
                pad = max(x1 - x0, y1 - y0) * 0.05
                return x0 - pad, y0 - pad, x1 + pad, y1 + pad
        return self.document.full_extent()

    # ---- bookmarks ----------------------------------------------------------------------
    def bookmarks(self) -> list[dict]:
        return bookmarks.load(self.settings) if self.settings is not None else self._bookmarks

    def set_bookmarks(self, items: list[dict]) -> None:
        """Replace the bookmarks (each a dict with `name` and a view) and rebuild their menu."""
        items = [dict(b) for b in items if bookmarks.usable(b)]  # a project's may be damaged
        if self.settings is not None:
            bookmarks.save(self.settings, items)
        else:
            self._bookmarks = items
        self._rebuild_bookmarks_menu()

    def add_bookmark(self, name: str | None = None) -> None:
        items = self.bookmarks()
        if not name:
            name, ok = QInputDialog.getText(self, i18n.ui(texts.ACTIONS["act.add_bookmark"][0]),
                                            i18n.ui(texts.BOOKMARK_NAME), text=i18n.ui(texts.BOOKMARK_DEFAULT, n=len(items) + 1))
            if not ok or not name.strip():
                return
        items = [b for b in items if b["name"] != name] + [{"name": name.strip(), **self.canvas.view.to_dict()}]
        self.set_bookmarks(items)

    def go_to_bookmark(self, name: str) -> None:
        for b in self.bookmarks():
            if b["name"] == name:
                self.canvas.set_view(ViewState.from_dict(b, self.canvas.width(), self.canvas.height()))

    def _rebuild_bookmarks_menu(self) -> None:
        menu = self._menus.get("bookmarks")
        if menu is None:
            return
        menu.clear()
        menu.addAction(self._actions["act.add_bookmark"])
        items = self.bookmarks()
        if items:
            menu.addSeparator()
        for b in items:
            # a project's bookmark names are text: no bidi marks, "&" not a shortcut
            menu.addAction(shown(b["name"]).replace("&", "&&"), lambda n=b["name"]: self.go_to_bookmark(n))

    # ---- export, about --------------------------------------------------------------------
    def open_export_dialog(self):
        from explorer.actions.export_dialog import EXPORTED, ExportDialog

        dialog = ExportDialog(self.document, extent=self.canvas.view.extent(), parent=self,
                              open_web_dialog=self.web_export.open_dialog, layout=getattr(self, "print_layout", None),
                              basemap=self.basemap)  # the tiles on screen are offered for the page
        dialog.layout_changed.connect(lambda spec: setattr(self, "print_layout", spec))  # saved with the project
        dialog.exported.connect(lambda path: self.statusBar().showMessage(i18n.ui(EXPORTED, path=path), 15000))
        dialog.open()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, i18n.ui(texts.TITLE), i18n.ui(texts.ABOUT))

    # ---- settings -------------------------------------------------------------------------
    def restore_settings(self) -> None:
        s = self.settings
        if s is None or s.value("version", 0, type=int) != SETTINGS_VERSION:
            return
        self._restoring = True
        try:
            geometry = s.value("geometry")
            if isinstance(geometry, QByteArray):
                self.restoreGeometry(geometry)
            state = s.value("state")
            if isinstance(state, QByteArray):
                self._layout_restored = self.restoreState(state, LAYOUT_VERSION)
            view = s.value("view", "", type=str)
            if view:
                data = json.loads(view)
                self.canvas.set_view(ViewState.from_dict(data, max(self.canvas.width(), 1), max(self.canvas.height(), 1)))
            flt = s.value("filter", "", type=str)
            if flt:
                from layers.model.filter import Filter

                self.document.set_filter(Filter.from_dict(json.loads(flt)))
        except Exception as exc:  # old or damaged settings must never stop the app
            log.warning("ignoring saved settings: %s", exc)
        finally:
            self._restoring = False

    def save_settings(self) -> None:
        s = self.settings
        if s is None:
            return
        s.setValue("version", SETTINGS_VERSION)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState(LAYOUT_VERSION))
        s.setValue("view", json.dumps(self.canvas.view.to_dict()))
        s.setValue("filter", json.dumps(self.document.filter.to_dict(), ensure_ascii=False))
        s.setValue("language", i18n.language())
        s.sync()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once and not self._layout_restored:
            self._shown_once = True
            self.apply_default_layout()

    def apply_default_layout(self) -> None:
        """The map is the largest thing: narrow side docks, a short table under the map.
        (Qt applies dock sizes only once the window has its real size, hence on show.)"""
        left = max(240, min(300, round(self.width() * 0.19)))
        right = max(240, min(300, round(self.width() * 0.18)))
        self.resizeDocks([self.filter_dock, self.identify_dock], [left, right], Qt.Orientation.Horizontal)
        self.resizeDocks([self.table_dock], [max(140, min(220, self.height() // 6))], Qt.Orientation.Vertical)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.save_settings()
        # open dialogs may be exporting on the daemon worker: their reject() cancels and waits, so the
        # app never exits mid-write (which would leave a .part file behind)
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.history.shutdown()
        self.data_actions.shutdown()  # imports, saves, project loads
        self.field_check_panel.shutdown()  # its PDF report writes on the data lane too
        self.stats_panel.shutdown()
        self.time_slider.shutdown()
        self.canvas.shutdown()
        self.basemap.shutdown()  # after the canvas: no frame draws the tiles any more
        i18n.remove_listener(self._on_language)
        super().closeEvent(event)

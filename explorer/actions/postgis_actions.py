"""Layer → Add PostGIS layer…: a PostGIS table becomes a layer through the same path as a file import.

`add_table` runs `geodata.io.importer.import_file` on the data lane behind the import's progress
dialog (Cancel also cancels the server's query), then `DataActions.add_result` adds the layer.
What a QGIS user expects is the whole layer (attribute table, zoom to layer, every feature), so
that is the default; a table of more than `LARGE_TABLE_ROWS` rows is read for the visible extent
only (the engine's bbox query), and such a layer says so in its info (layer panel tooltip) and in
the import notes.  A project keeps the address without the password, the table and that extent.
"""
from __future__ import annotations

from PySide6.QtGui import QAction

from explorer import i18n
from explorer.actions.import_actions import IMPORT_FAILED, IMPORTED, REPORT
from explorer.actions.postgis_dialog import PostgisDialog
from explorer.jobs import Job, error_text
from geodata.core.feedback import Cancelled
from geodata.core.message import Message, count

ADD_LAYER = Message("添加 PostGIS 图层…", "Add PostGIS layer…")
READING = Message("正在读取 {name}…", "Reading {name}…")
SOURCE_WHOLE = Message("PostGIS {url}", "PostGIS {url}")
SOURCE_VIEW = Message("PostGIS {url}（只含视图范围 {bbox}）", "PostGIS {url} (only the view {bbox})")


class PostgisActions:
    """What Layer → Add PostGIS layer… does; tests drive `open_dialog` and `add_table`."""

    def __init__(self, window) -> None:
        self.window = window
        self.dialog: PostgisDialog | None = None
        self.action: QAction | None = None

    def open_dialog(self) -> PostgisDialog:
        """Show the dialog (not modal: the map stays usable while a server answers)."""
        if self.dialog is not None:
            self.dialog.close()
        dialog = PostgisDialog(self.window, self.window.settings)
        dialog.add_requested.connect(lambda source, table, view: self.add_table(source, table.name, view))
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda _r, d=dialog: setattr(self, "dialog", None) if self.dialog is d else None)
        self.dialog = dialog
        dialog.show()
        return dialog

    def visible_bbox(self) -> tuple[float, float, float, float]:
        """The canvas view as lon/lat (WGS84), clipped to valid degrees."""
        from geodata.coords.projection import display_bounds_to_lonlat

        x0, y0, x1, y1 = display_bounds_to_lonlat(self.window.canvas.view.extent())
        return max(-180.0, x0), max(-90.0, y0), min(180.0, x1), min(90.0, y1)

    def add_table(self, source, table: str, visible_only: bool = False) -> Job:
        """Read `table` of `source` (a PostgisSource or address) into a new layer, whole or the view only."""
        from geodata.io.importer import import_file
        from geodata.io.postgis_source import parse_source

        source = parse_source(source).with_fragment(table)
        bbox = self.visible_bbox() if visible_only else None

        def work(feedback):
            return import_file(source, layer=table, bbox=bbox, feedback=feedback)

        data = self.window.data_actions
        return data.run(READING.format(name=table), work, done=lambda result: self._added(result, bbox),
                        failed=lambda exc: None if isinstance(exc, Cancelled) else
                        data.show_error(i18n.ui(IMPORT_FAILED), error_text(exc)))

    def _added(self, result, bbox) -> None:
        data = self.window.data_actions
        where = "" if bbox is None else ", ".join(f"{v:.4f}" for v in bbox)
        info = (SOURCE_VIEW if bbox is not None else SOURCE_WHOLE).format(url=result.source.public_url, bbox=where)
        ref = dict(result.data_ref)
        if bbox is not None:  # the project reopens the same extent
            ref["bbox"] = [round(v, 6) for v in bbox]
        try:
            zh, en = info.text("zh"), info.text("en")
            name = data.add_result(result, source=zh if zh == en else f"{zh} / {en}", data_ref=ref)
        except Exception as exc:  # the document refused it: tell the user, keep running
            data.show_error(i18n.ui(IMPORT_FAILED), error_text(exc))
            return
        data.last_report = list(result.report)
        if bbox is None:
            data.zoom_to_layer(name)  # as for a file: the user wants to see what they added
        summary = IMPORTED.format(name=name, count=count(len(result.gdf), "个要素", "feature"))
        data.show_report(i18n.ui(REPORT), i18n.ui(summary), result.report)
        data.imported.emit(name)


def install(window) -> PostgisActions:
    """Layer → Add PostGIS layer… (the window's Layer menu)."""
    actions = PostgisActions(window)
    action = QAction(i18n.ui(ADD_LAYER), window)
    action.setObjectName("postgis_add_layer")
    action.triggered.connect(actions.open_dialog)
    window.menu("layer").addAction(action)
    actions.action = action
    i18n.on_language_changed(lambda _lang: action.setText(i18n.ui(ADD_LAYER)))
    return actions

"""File → Import data… and dropped files: each file becomes a layer of the window's document.

The reading is `geodata.io.importer.import_file` on the data lane; a file of lon/lat first asks
its datum (Amap/Baidu points look like WGS84 ones), a file of several layers which one, a file
without a CRS which CRS.  Part of `DataActions` (`actions/data_actions.py`).
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from explorer import file_dialogs, i18n
from explorer.actions import data_dialogs
from explorer.jobs import Job, error_text
from geodata.core.feedback import Cancelled
from geodata.core.message import Message, count

# After an import the view fits the new layer, at least this wide: one point still shows its streets.
MIN_ZOOM_SPAN_M = 2000.0
OPEN_DATA = Message("导入数据", "Import data")
IMPORTING = Message("正在导入 {name}…", "Importing {name}…")
IMPORT_FAILED = Message("导入失败", "Import failed")
PREPARING = Message("准备绘制", "preparing to draw")
IMPORTED = Message("已导入 {name}（{count}）", "Imported {name} ({count})")
REPORT = Message("导入说明", "Import notes")
# Words of the (English) report lines that mean "the data were guessed at or changed": worth a dialog.
NOTABLE = ("swapped", "repaired", "assumed", "read as", "dropped", "skipped", "converted", "mixed", "rebuilt", "outside",
           "not valid", "cleared", "found at")
LABEL_COLUMNS = ("name_zh", "name", "名称", "NAME", "Name", "title")  # the first present labels the features


class ImportActions:
    """The import half of `DataActions` (uses its `window`, `run`, `show_error`, `show_report`)."""

    # ---- questions (replaceable in tests) --------------------------------------------------------
    def ask_open_paths(self) -> list[str]:
        from geodata.io.importer import FILE_FILTER

        paths, _ = file_dialogs.get_open_file_names(self.window, i18n.ui(OPEN_DATA), "", i18n.ui(FILE_FILTER))
        return paths

    def ask_datum(self, path: Path) -> str | None:
        return data_dialogs.ask_datum(self.window, path)

    def ask_layer(self, path: Path, layers: list[str]) -> str | None:
        return data_dialogs.ask_layer(self.window, path, layers)

    def ask_crs(self, path: Path, error) -> str | None:
        return data_dialogs.ask_crs(self.window, path, error)

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

        from layers.model.layer_cache import prepare

        path = Path(path)
        districts = self.window.document.districts_table()  # read here, in the window's thread

        def work(feedback):
            result = import_file(path, layer=layer, datum=datum, crs=crs, feedback=feedback)
            feedback.set_progress(0.97, PREPARING)
            prepare(result.gdf, districts)  # projected and indexed here, not in the window's thread
            feedback.check()
            return result

        return self.run(IMPORTING.format(name=path.name), work, done=self._imported,
                        failed=lambda exc: self._import_failed(path, layer, datum, exc))

    def _import_failed(self, path: Path, layer, datum, exc: BaseException) -> None:
        """A question the file raised (which layer, which CRS) is asked and the import retried."""
        from geodata.io.errors import CrsUnknown, LayerChoiceRequired

        if isinstance(exc, LayerChoiceRequired):
            chosen = self.ask_layer(path, exc.layers)
            if chosen:
                self.import_path(path, layer=chosen, datum=datum)
        elif isinstance(exc, CrsUnknown):
            crs = self.ask_crs(path, exc)
            if crs:
                self.import_path(path, layer=layer, datum=datum, crs=crs)
        elif not isinstance(exc, Cancelled):
            self.show_error(i18n.ui(IMPORT_FAILED), error_text(exc))

    def _imported(self, result) -> None:
        try:
            name = self.add_result(result)
        except Exception as exc:  # the document refused it: tell the user, keep running
            self.show_error(i18n.ui(IMPORT_FAILED), error_text(exc))
            return
        self.last_report = list(result.report)
        self.zoom_to_layer(name)  # as QGIS does: the user wants to see what they just added
        summary = IMPORTED.format(name=name, count=count(len(result.gdf), "个要素", "feature"))
        self.show_report(i18n.ui(REPORT), i18n.ui(summary), result.report)
        self.imported.emit(name)

    def add_result(self, result, source: str | None = None, data_ref: dict | None = None) -> str:
        """Add an ImportResult to the document as a layer with the default style; returns its name.
        `source`/`data_ref` replace what the result says (a PostGIS layer read for a view says so)."""
        from layers.model.document import MapLayer

        doc = self.window.document
        name = unique_name(result.name, doc.layer_names())
        label = next((c for c in LABEL_COLUMNS if c in result.gdf.columns), None)
        layer = MapLayer(name=name, data=result.gdf, title_zh=name, title_en=name, label_field=label,
                         source=source or str(result.source.name), geometry_quality="user",
                         data_ref=data_ref or result.data_ref,
                         theme_tags=theme_tags(result.gdf))
        doc.add_layer(layer)
        return name

    def zoom_to_layer(self, name: str) -> bool:
        """Fit the canvas to a layer's features (at least MIN_ZOOM_SPAN_M across, so one point shows
        its surroundings); an empty layer leaves the view alone.  True when the view moved."""
        if name not in self.window.document:
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
        self.window.canvas.zoom_to_extent((min(x0, cx - half), min(y0, cy - half), max(x1, cx + half), max(y1, cy + half)))
        return True


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
    from geodata.core.themes import THEMES, split_themes

    found = {key for value in gdf["themes"].dropna().astype(str)  # a full-width comma separates too
             for key in split_themes(value.replace("，", ",")) if key in THEMES}
    return tuple(sorted(found))


def is_notable(lines: list[Message]) -> bool:
    """Whether an import's notes say the data were guessed at or changed (then a box shows them)."""
    english = " ".join(line.text("en") for line in lines)
    return any(word in english for word in NOTABLE)

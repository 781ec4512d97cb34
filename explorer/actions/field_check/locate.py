"""Go to a typed coordinate (any datum the field uses) and "what's here" at a map click: a thin
view over `geodata.coords.parse` and `geodata.fieldcheck.whats_here`.  Part of the field-check
panel (`panel.py`)."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox

from explorer import i18n
from geodata.core.message import Message

GOTO_LAYER = "goto_marker"
GO_TO = Message("转到坐标…", "Go to coordinate…")
COORDINATE = Message("坐标", "Coordinate")
DATUM = Message("坐标系", "Datum")
ZONE = Message("带号（东坐标无带号时）", "Zone (easting without prefix)")
MARKER = Message("定位点", "Go-to point")
ASKING = Message("…", "…")
EXAMPLES = "105.7, 29.69   29°41′30″N 105°42′E   东经105°42′ 北纬29°41′"  # what may be typed, in any language


def datum_combo(geographic_only: bool = False) -> QComboBox:
    """The datums of `geodata.coords.datums` (only the lon/lat ones with `geographic_only`)."""
    from geodata.coords.datums import DATUMS, GEOGRAPHIC_DATUMS

    combo = QComboBox()
    for key, label in DATUMS.items():
        if geographic_only and key not in GEOGRAPHIC_DATUMS:
            continue
        combo.addItem(i18n.ui(label), key)
    return combo


class GoToDialog(QDialog):
    """A coordinate and its datum; accepted only when it parses."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(i18n.ui(GO_TO).rstrip("…"))
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(EXAMPLES)
        self.datum = datum_combo()
        self.zone = QSpinBox()
        self.zone.setRange(0, 45)
        self.zone.setSpecialValueText("—")
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(i18n.ui(COORDINATE), self.edit)
        form.addRow(i18n.ui(DATUM), self.datum)
        form.addRow(i18n.ui(ZONE), self.zone)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.parsed = None

    def _try_accept(self) -> None:
        from geodata.coords.parse import parse_coordinate

        try:
            self.parsed = parse_coordinate(self.edit.text(), self.datum.currentData(), self.zone.value() or None)
        except ValueError as exc:
            self.message.setText(f"<span style='color:#c00'>{exc}</span>")
            return
        self.accept()


class LocateActions:
    """Go to / what's here of `FieldCheckPanel` (uses its `window`, `info`, `summary`, `_start`)."""

    def go_to(self, text: str | None = None, datum: str = "wgs84", zone: int | None = None):
        """Centre the map on a typed coordinate and mark it; returns the parsed coordinate."""
        from geodata.coords.parse import format_dms, parse_coordinate
        from geodata.coords.projection import lonlat_to_display

        if text is None:
            dialog = GoToDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            parsed = dialog.parsed
        else:
            parsed = parse_coordinate(text, datum, zone)
        self._mark(parsed.lon, parsed.lat)
        x, y = lonlat_to_display(parsed.lon, parsed.lat)
        self.window.canvas.center_on(float(x), float(y), resolution=20.0)
        lines = [parsed.format(), format_dms(parsed.lon, parsed.lat)]
        if parsed.note:
            lines.append(parsed.note)
        self.info.setPlainText("\n".join(lines))
        return parsed

    def _mark(self, lon: float, lat: float) -> None:
        import geopandas as gpd
        from shapely.geometry import Point

        from layers.model.document import MapLayer

        doc = self.window.document
        if GOTO_LAYER in doc:
            doc.remove_layer(GOTO_LAYER)
        gdf = gpd.GeoDataFrame({"name_zh": [f"{lon:.5f}, {lat:.5f}"]}, geometry=[Point(lon, lat)], crs="EPSG:4326")
        doc.add_layer(MapLayer(name=GOTO_LAYER, data=gdf, title_zh=MARKER.zh, title_en=MARKER.en, label_field="name_zh"))

    def whats_here_at(self, lon: float, lat: float):
        """Ask in a worker (the first call builds the spatial index); the answer goes to the text box."""
        from geodata.fieldcheck.whats_here import whats_here

        def shown(report) -> None:
            self.info.setPlainText("\n".join(report.text_lines(i18n.language())))
            self.summary.setText("")
            self.here_ready.emit(report)

        return self._start(lambda _feedback: whats_here(lon, lat), shown, ASKING)

    def on_canvas_click(self, x: float, y: float) -> None:
        from geodata.coords.projection import display_to_lonlat

        lon, lat = display_to_lonlat(x, y)
        self._mark(float(lon), float(lat))
        self.whats_here_at(float(lon), float(lat))

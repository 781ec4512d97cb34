"""Identify: the attributes of the clicked feature, and for sourced features the
seed document, its date and the verbatim sentence the feature rests on."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from explorer import i18n
from explorer.panels.attribute_table import display_value
from explorer.i18n import tr

SOURCE_FIELDS = ("source_file", "source_title", "source_date", "source_sentence")
FIELD_ROLE = Qt.ItemDataRole.UserRole
FIELD_SHARE = 0.36  # the field-name column takes at most this share of the table

# Readable names of the bundle's fields (the raw name stays in the tooltip).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"), "name_zh": ("名称", "Name (Chinese)"), "name_en": ("英文名称", "Name"),
    "themes": ("专题", "Themes"), "status": ("状态", "Status"), "year": ("年份", "Year"),
    "kind": ("类型", "Kind"), "adcode": ("行政区划代码", "Admin code"), "district_adcode": ("所在区县代码", "District code"),
    "province_zh": ("省/市", "Province"), "city_zh": ("市", "City"), "area_km2": ("面积 (km²)", "Area (km²)"),
    "investment_yi": ("投资（亿元）", "Investment (100 M yuan)"), "in_circle": ("在经济圈内", "In the circle"),
    "partial": ("部分纳入", "Partly in"), "start_date": ("开工日期", "Start date"), "open_date": ("开通日期", "Opening date"),
    "placement_note": ("位置说明", "Placement note"), "control_points": ("控制点", "Control points"),
    "source": ("数据来源", "Source"), "geometry_quality": ("几何质量", "Geometry quality"),
    "source_file": ("来源文件", "Source file"), "source_title": ("来源标题", "Source title"),
    "source_date": ("来源日期", "Source date"), "source_sentence": ("原文", "Sentence"),
    "a_name": ("一方", "Partner A"), "b_name": ("另一方", "Partner B"), "seat_zh": ("驻地", "Seat"),
    "level": ("级别", "Level"), "railway_id": ("所属铁路", "Railway"), "cross_border": ("跨界", "Cross-border"),
}


def field_label(name: str) -> str:
    pair = FIELD_LABELS.get(name)
    return i18n.pick(*pair) if pair else name


def value_text(name: str, value) -> str:
    """Theme and status keys as their labels (交通、文化旅游); everything else as stored."""
    from geodata.core.themes import STATUSES, THEMES, split_themes

    text = display_value(value)
    if name == "themes" and text:
        labels = [i18n.pick(*THEMES[k]) if k in THEMES else k for k in split_themes(text)]
        return ("、" if i18n.language() == "zh" else ", ").join(labels)
    if name == "status" and text in STATUSES:
        return i18n.pick(*STATUSES[text])
    if name == "geometry_quality" and f"quality.{text}" in i18n.STRINGS:
        return tr(f"quality.{text}")
    return text


class IdentifyPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.hits = []
        self.current = None  # (layer name, row) shown
        self.chooser = QComboBox()
        # long project names must not widen the dock (and squeeze the map): the popup shows them whole
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(12)
        self.chooser.currentIndexChanged.connect(self._on_choose)
        self.title = QLabel()
        self.title.setObjectName("identifyTitle")
        self.title.setWordWrap(True)
        self.source = QLabel()
        self.source.setObjectName("identifySource")
        self.source.setWordWrap(True)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 2)
        self.table.verticalHeader().hide()
        # field names sized to their text but never more than FIELD_SHARE of a narrow dock (see _fit_columns)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.chooser)
        layout.addWidget(self.title)
        layout.addWidget(self.source)
        layout.addWidget(self.table, 1)
        self.chooser.hide()
        self.source.hide()
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    def retranslate(self, *_):
        self.table.setHorizontalHeaderLabels([tr("identify.field"), tr("identify.value")])
        if self.current is None:
            self.title.setText(tr("identify.none"))
        else:
            self.show_feature(*self.current)

    def show_hits(self, hits) -> None:
        """The features under a click (topmost first); the first is shown."""
        self.hits = list(hits)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for hit in self.hits:
            layer = self.document.layer(hit.layer)
            self.chooser.addItem(f"{layer.title(i18n.language())}: {self._name(layer, hit.row)}", (hit.layer, hit.row))
        self.chooser.blockSignals(False)
        self.chooser.setVisible(len(self.hits) > 1)
        if self.hits:
            self.show_feature(self.hits[0].layer, self.hits[0].row)
        else:
            self.clear()

    def clear(self) -> None:
        self.current = None
        self.title.setText(tr("identify.none"))
        self.source.clear()
        self.source.hide()
        self.table.setRowCount(0)

    def _on_choose(self, index: int) -> None:
        data = self.chooser.itemData(index)
        if data:
            self.show_feature(*data)

    @staticmethod
    def _name(layer, row: int) -> str:
        gdf = layer.data
        for col in (("name_en", "name_zh") if i18n.language() == "en" else ("name_zh", "name_en")):
            if col in gdf.columns and display_value(gdf[col].iloc[row]):
                return display_value(gdf[col].iloc[row])
        return layer.cache.ids[row]

    def show_feature(self, layer_name: str, row: int) -> None:
        layer = self.document.layer(layer_name)
        self.current = (layer_name, row)
        record = layer.data.iloc[row]
        self.title.setText(f"<b>{html.escape(self._name(layer, row))}</b> — {html.escape(layer.title(i18n.language()))}")
        fields = [c for c in layer.data.columns if c != layer.data.geometry.name]
        self.table.setRowCount(len(fields))
        for i, name in enumerate(fields):
            label = QTableWidgetItem(field_label(name))
            label.setData(FIELD_ROLE, name)
            label.setToolTip(name)
            self.table.setItem(i, 0, label)
            self.table.setItem(i, 1, QTableWidgetItem(value_text(name, record[name])))
        self._fit_columns()
        if any(f in layer.data.columns and display_value(record[f]) for f in SOURCE_FIELDS):
            sentence = html.escape(display_value(record.get("source_sentence")))
            title = html.escape(display_value(record.get("source_title")))
            colon = "：" if i18n.language() == "zh" else ": "
            self.source.setText(
                f"<b>{tr('identify.source')}{colon}</b>{html.escape(display_value(record.get('source_file')))}"
                + (f"（{title}）" if title else "")
                + f"<br><b>{tr('identify.date')}{colon}</b>{html.escape(display_value(record.get('source_date')))}"
                + f"<br><b>{tr('identify.sentence')}{colon}</b>“{sentence}”"
            )
        else:
            source = display_value(record.get("source")) if "source" in layer.data.columns else layer.source
            colon = "：" if i18n.language() == "zh" else ": "
            self.source.setText(f"<b>{tr('identify.source')}{colon}</b>{html.escape(source)}" if source else "")
        self.source.setVisible(bool(self.source.text()))

    def _fit_columns(self) -> None:
        self.table.resizeColumnToContents(0)
        cap = round(self.table.viewport().width() * FIELD_SHARE)
        if cap > 40 and self.table.columnWidth(0) > cap:
            self.table.setColumnWidth(0, cap)  # long English field names wrap instead
        self.table.resizeRowsToContents()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.table.rowCount():
            self._fit_columns()

    def shown_value(self, field: str) -> str | None:
        """The value shown for the raw field name `field` (tests and scripts)."""
        for i in range(self.table.rowCount()):
            if self.table.item(i, 0).data(FIELD_ROLE) == field:
                return self.table.item(i, 1).text()
        return None

"""Identify: the attributes of the clicked feature, and for sourced features the
seed document, its date and the verbatim sentence the feature rests on."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from explorer import i18n
from explorer.plain_text import escaped, rich, shown
from geodata.core.field_labels import FIELD_LABELS  # noqa: F401  (re-exported: the panel's table of names)
from geodata.core.field_labels import field_label as labels_in
from geodata.core.message import Message
from geodata.core.values import raw_text, value_text

SOURCE_FIELDS = ("source_file", "source_title", "source_date", "source_sentence")
FIELD_ROLE = Qt.ItemDataRole.UserRole
FIELD_SHARE = 0.36  # the field-name column takes at most this share of the table

NOTHING = Message("点击地图上的要素查看属性", "Click a feature on the map to see its attributes")
FIELD = Message("字段", "Field")
VALUE = Message("值", "Value")
# The source block: the seed document, its date and the verbatim sentence (HTML, values escaped).
SEED_SOURCE = Message("<b>来源文件：</b>{file}{title}<br><b>日期：</b>{date}<br><b>原文：</b>“{sentence}”",
                      "<b>Source document: </b>{file}{title}<br><b>Date: </b>{date}<br><b>Sentence: </b>“{sentence}”")
SEED_TITLE = Message("（{title}）", " ({title})")
SOURCE = Message("<b>来源文件：</b>{source}", "<b>Source document: </b>{source}")


def field_label(name: str) -> str:
    """A field's readable name in the UI language (`geodata.core.field_labels`); user fields keep theirs."""
    return labels_in(name, i18n.language())


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
        self.title.setTextFormat(Qt.TextFormat.RichText)  # ours; the names in it are escaped
        self.title.setWordWrap(True)
        self.source = QLabel()
        self.source.setObjectName("identifySource")
        self.source.setTextFormat(Qt.TextFormat.RichText)
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
        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    def retranslate(self, *_):
        self.table.setHorizontalHeaderLabels([i18n.ui(FIELD), i18n.ui(VALUE)])
        if self.current is None:
            self.title.setText(i18n.ui(NOTHING))
        else:
            self.show_feature(*self.current)

    def show_hits(self, hits) -> None:
        """The features under a click (topmost first); the first is shown."""
        self.hits = list(hits)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for hit in self.hits:
            layer = self.document.layer(hit.layer)
            self.chooser.addItem(shown(f"{layer.title(i18n.language())}: {self._name(layer, hit.row)}"), (hit.layer, hit.row))
        self.chooser.blockSignals(False)
        self.chooser.setVisible(len(self.hits) > 1)
        if self.hits:
            self.show_feature(self.hits[0].layer, self.hits[0].row)
        else:
            self.clear()

    def _on_document_event(self, event) -> None:
        """A layer shown or listed here went away or got new data: its rows mean nothing now."""
        from layers.model.events import LayerChanged, LayerRemoved

        if isinstance(event, LayerRemoved) or (isinstance(event, LayerChanged) and "data" in event.changes):
            listed = {h.layer for h in self.hits} | ({self.current[0]} if self.current else set())
            if event.name in listed:
                self.show_hits([])

    def _forget_hits(self) -> None:
        """The drop-down lists one click's features; a feature shown another way (search, table) ends it."""
        self.hits = []
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.blockSignals(False)
        self.chooser.hide()

    def clear(self) -> None:
        self._forget_hits()
        self.current = None
        self.title.setText(i18n.ui(NOTHING))
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

        def name(column: str) -> str:
            return raw_text(gdf[column].iloc[row]) if column in gdf.columns else ""

        return i18n.name_text(name("name_zh"), name("name_en")) or layer.cache.ids[row]

    def show_feature(self, layer_name: str, row: int) -> None:
        if not any((h.layer, h.row) == (layer_name, row) for h in self.hits):
            self._forget_hits()  # not one of the last click's features: its drop-down would mislead
        layer = self.document.layer(layer_name)
        self.current = (layer_name, row)
        record = layer.data.iloc[row]
        self.title.setText(f"<b>{escaped(self._name(layer, row))}</b> — {escaped(layer.title(i18n.language()))}")
        fields = [c for c in layer.data.columns if c != layer.data.geometry.name]
        self.table.setRowCount(len(fields))
        for i, name in enumerate(fields):
            label = QTableWidgetItem(shown(field_label(name)))
            label.setData(FIELD_ROLE, name)
            label.setToolTip(rich(name))
            self.table.setItem(i, 0, label)
            # worded like the web map's popups: 在建, 交通、生态环保
            self.table.setItem(i, 1, QTableWidgetItem(shown(value_text(record[name], i18n.language(), name), False)))
        self._fit_columns()

        def text(field: str) -> str:
            return escaped(raw_text(record.get(field)))

        if any(f in layer.data.columns and raw_text(record[f]) for f in SOURCE_FIELDS):
            title = text("source_title")
            self.source.setText(i18n.ui(SEED_SOURCE, file=text("source_file"), date=text("source_date"),
                                        sentence=text("source_sentence"),
                                        title=SEED_TITLE.format(title=title) if title else ""))
        else:
            source = raw_text(record.get("source")) if "source" in layer.data.columns else layer.source
            self.source.setText(i18n.ui(SOURCE, source=escaped(source)) if source else "")
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

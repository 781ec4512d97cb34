"""Identify: the attributes of the clicked feature, and for sourced features the
seed document, its date and the verbatim sentence the feature rests on."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from explorer import i18n
from explorer.attribute_table import display_value
from explorer.i18n import tr

SOURCE_FIELDS = ("source_file", "source_title", "source_date", "source_sentence")


class IdentifyPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.hits = []
        self.current = None  # (layer name, row) shown
        self.chooser = QComboBox()
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
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
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
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(display_value(record[name])))
        self.table.resizeRowsToContents()
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

    def shown_value(self, field: str) -> str | None:
        """The value shown for `field` (tests and scripts)."""
        for i in range(self.table.rowCount()):
            if self.table.item(i, 0).text() == field:
                return self.table.item(i, 1).text()
        return None

"""Attribute table: the filtered rows of one layer, sortable, linked to the map selection."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTableView, QToolButton,
                               QVBoxLayout, QWidget)

from explorer import i18n
from explorer.plain_text import rich, shown
from geodata.core.field_labels import field_label
from geodata.core.message import Message
from geodata.core.values import is_blank, value_text
from layers.model.events import (FilterChanged, LanguageChanged, LayerAdded, LayerChanged, LayerRemoved,
                                 LayersReordered, SelectionChanged)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COPY_ROWS = Message("复制所选行", "Copy selected rows")


class FeatureTableModel(QAbstractTableModel):
    """Rows = features of `layer` that pass the document's filter; no geometry column."""

    def __init__(self, document, layer_name: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.layer_name: str | None = None
        self.rows = np.zeros(0, dtype=np.int64)  # positions in the layer's GeoDataFrame
        self.columns: list[str] = []
        self._frame = None
        if layer_name:
            self.set_layer(layer_name)

    def set_layer(self, name: str | None) -> None:
        self.beginResetModel()
        self.layer_name = name
        self._load()
        self.endResetModel()

    def refresh(self) -> None:
        self.beginResetModel()
        self._load()
        self.endResetModel()

    def _load(self) -> None:
        if not self.layer_name or self.layer_name not in self.document:
            self.rows, self.columns, self._frame = np.zeros(0, dtype=np.int64), [], None
            return
        layer = self.document.layer(self.layer_name)
        gdf = layer.data
        geometry = gdf.geometry.name
        self.columns = [c for c in gdf.columns if c != geometry]
        self.rows = np.flatnonzero(self.document.filter.mask(layer))
        self._frame = gdf

    def feature_id(self, source_row: int) -> str:
        layer = self.document.layer(self.layer_name)
        return layer.cache.ids[int(self.rows[source_row])]

    # Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._frame is None:
            return None
        value = self._frame.iat[int(self.rows[index.row()]), self._frame.columns.get_loc(self.columns[index.column()])]
        if role == Qt.ItemDataRole.DisplayRole:
            return shown(value_text(value))  # the raw value as text: blanks empty, 2023.0 as 2023
        if role == Qt.ItemDataRole.ToolTipRole:  # tooltips guess rich text: a value reads as typed
            return rich(value_text(value))
        if role == SORT_ROLE:
            if is_blank(value):
                return ""
            return value if isinstance(value, (int, float)) else str(value)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            if section >= len(self.columns):
                return None
            name = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:  # 状态 / Status; a user's own field keeps its name
                return shown(field_label(name, i18n.language()))
            if role == Qt.ItemDataRole.ToolTipRole:  # the stored name, as files and the TSV copy have it
                return rich(name)
            return None
        return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None


class AttributeTable(QWidget):
    feature_activated = Signal(str, str)  # layer, feature id (double-click: zoom to it)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._syncing = False
        self.layer_combo = QComboBox()
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.count_label = QLabel()
        self.copy_button = QToolButton()
        self.copy_button.clicked.connect(self.copy_selection)
        self.model = FeatureTableModel(document, parent=self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # start in source order
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._on_rows_selected)
        self.view.doubleClicked.connect(self._on_double_click)
        QShortcut(QKeySequence.StandardKey.Copy, self.view, activated=self.copy_selection)

        top = QHBoxLayout()
        top.addWidget(self.layer_combo)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    def retranslate(self, *_):
        self.copy_button.setText(i18n.ui(COPY_ROWS))
        if self.model.columns:  # the headers are field names in the UI language
            self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.model.columns) - 1)
        self._fill_layers()
        self._update_count()

    def _fill_layers(self) -> None:
        current = self.layer_combo.currentData() or self._default_layer()
        self._syncing = True
        self.layer_combo.clear()
        for layer in reversed(self.document.layers):
            self.layer_combo.addItem(shown(layer.title(i18n.language())), layer.name)
        index = self.layer_combo.findData(current)
        self.layer_combo.setCurrentIndex(max(index, 0))
        self._syncing = False
        self._on_layer_chosen()

    def _default_layer(self) -> str | None:
        names = self.document.layer_names()
        for preferred in ("projects", "districts"):
            if preferred in names:
                return preferred
        return names[-1] if names else None

    def set_layer(self, name: str) -> None:
        index = self.layer_combo.findData(name)
        if index >= 0 and index != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(index)

    @property
    def layer_name(self) -> str | None:
        return self.model.layer_name

    def _on_layer_chosen(self, *_):
        if self._syncing:
            return
        name = self.layer_combo.currentData()
        if name != self.model.layer_name:
            self.model.set_layer(name)
            self.view.resizeColumnsToContents()
            self._select_from_document()
        self._update_count()

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def _update_count(self) -> None:
        total = 0
        if self.model.layer_name and self.model.layer_name in self.document:
            total = len(self.document.layer(self.model.layer_name).data)
        self.count_label.setText(f"{self.model.rowCount()} / {total}")

    def _on_document_event(self, event) -> None:
        if isinstance(event, FilterChanged) or (
                isinstance(event, LayerChanged) and event.name == self.model.layer_name and "data" in event.changes):
            self.model.refresh()
            self._select_from_document()
            self._update_count()
        elif isinstance(event, (LayerAdded, LayerRemoved, LayersReordered, LanguageChanged)):
            self._fill_layers()
        elif isinstance(event, SelectionChanged) and not self._syncing:
            self._select_from_document()

    # ---- selection both ways ------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.feature_id(r) for r in rows]

    def _on_rows_selected(self, *_):
        if self._syncing or not self.model.layer_name:
            return
        self._syncing = True
        try:
            self.document.set_selection({self.model.layer_name: self.selected_ids()})
        finally:
            self._syncing = False

    def _select_from_document(self) -> None:
        ids = set(self.document.selection.get(self.model.layer_name or "", ()))
        self._syncing = True
        try:
            sel = self.view.selectionModel()
            sel.clearSelection()
            first = None
            for row in range(self.model.rowCount()):
                if self.model.feature_id(row) in ids:
                    index = self.proxy.mapFromSource(self.model.index(row, 0))
                    sel.select(index, sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
                    first = first or index
            if first is not None:
                self.view.scrollTo(first)
        finally:
            self._syncing = False

    def _on_double_click(self, index) -> None:
        row = self.proxy.mapToSource(index).row()
        self.feature_activated.emit(self.model.layer_name, self.model.feature_id(row))

    def selection_tsv(self) -> str:
        """Selected rows (all rows when none are selected) as tab-separated text with a header
        of the stored field names (what a script or a re-import expects)."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows()) or range(self.proxy.rowCount())
        lines = ["\t".join(self.model.columns)]
        for r in rows:
            cells = [self.proxy.data(self.proxy.index(r, c)) or "" for c in range(self.proxy.columnCount())]
            lines.append("\t".join(str(c).replace("\t", " ").replace("\n", " ") for c in cells))
        return "\n".join(lines) + "\n"

    def copy_selection(self) -> None:
        QGuiApplication.clipboard().setText(self.selection_tsv())

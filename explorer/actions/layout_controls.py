"""The export dialog's layout editors: the legend's entries and the page's extent.

Both are views over a `layers.page.layout_spec.LayoutSpec`: `LegendEditor.items()` gives the
spec's legend (order, shown, custom label), `ExtentChooser.extent()` its extent ("view",
"selection" or "district:ADCODE").  They emit `changed` whenever the page would change.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QHBoxLayout, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from explorer import i18n
from geodata.core.message import Message
from layers.page.layout_spec import LegendItem

LEGEND_LAYER = Message("图层", "Layer")
LEGEND_LABEL = Message("图例文字（双击改名）", "Label (double-click to rename)")
MOVE_UP = Message("上移", "Up")
MOVE_DOWN = Message("下移", "Down")
RENAME = Message("改名", "Rename")
RESET = Message("恢复", "Reset")
LEGEND_TIP = Message("勾选的条目印在图例中；拖动或用“上移/下移”排序（同一图层的条目在图例中同组）",
                     "Checked entries are printed; drag or use Up/Down to order them (a layer's entries stay "
                     "in one group on the page)")
EXTENT_VIEW = Message("当前视图", "Current view")
EXTENT_SELECTION = Message("选中要素", "Selected features")
EXTENT_DISTRICT = Message("区县：", "District:")
DISTRICT_PLACEHOLDER = Message("输入区县名查找", "Type a district name")

ROLE_ID = Qt.ItemDataRole.UserRole  # (layer, key) of the folded legend entry
ROLE_DEFAULT = Qt.ItemDataRole.UserRole + 1  # the label the engine gives it


class LegendEditor(QWidget):
    """The legend's entries as a checkable, renamable, reorderable list."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("legendEntries")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([i18n.ui(LEGEND_LAYER), i18n.ui(LEGEND_LABEL)])
        self.tree.setRootIsDecorated(False)
        self.tree.setToolTip(i18n.ui(LEGEND_TIP))
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # the label column only, below
        self.tree.itemDoubleClicked.connect(lambda item, _col: self.tree.editItem(item, 1))
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.model().rowsMoved.connect(self._on_moved)
        self.tree.model().rowsInserted.connect(self._on_moved)  # a drop is a remove and an insert
        self.tree.setMinimumHeight(160)
        buttons = QHBoxLayout()
        for text, slot in ((MOVE_UP, lambda: self.move_current(-1)), (MOVE_DOWN, lambda: self.move_current(1)),
                           (RENAME, self.rename_current), (RESET, self.reset)):
            button = QPushButton(i18n.ui(text))
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._quiet = False
        self._reordered = False

    # ---- what the page draws -----------------------------------------------------------
    def show_entries(self, entries, language: str) -> None:
        """The drawn (folded) legend: new entries join at the end, known ones keep the user's choices."""
        known = {self.tree.topLevelItem(i).data(0, ROLE_ID) for i in range(self.tree.topLevelItemCount())}
        self._quiet = True
        try:
            for entry in entries:
                ident = (entry.layer, entry.key)
                if ident in known:
                    continue
                known.add(ident)
                title = entry.layer_title_en if language == "en" else entry.layer_title_zh
                label = entry.label(language)
                item = QTreeWidgetItem([title or entry.layer, label])
                item.setData(0, ROLE_ID, ident)
                item.setData(0, ROLE_DEFAULT, label)
                item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                              | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled)  # never a drop target
                item.setCheckState(0, Qt.CheckState.Checked)
                self.tree.addTopLevelItem(item)
            self.tree.resizeColumnToContents(0)
        finally:
            self._quiet = False

    def set_items(self, items: tuple[LegendItem, ...] | None) -> None:
        """Order, check and rename the rows as `items` say (rows not yet drawn are made)."""
        self._quiet = True
        try:
            self._reordered = items is not None
            if items is None:
                self.tree.clear()
                return
            rows = {self.tree.topLevelItem(i).data(0, ROLE_ID): i for i in range(self.tree.topLevelItemCount())}
            taken = {ident: self.tree.takeTopLevelItem(i) for ident, i in sorted(rows.items(), key=lambda r: -r[1])}
            for item in items:
                ident = (item.layer, item.key)
                row = taken.pop(ident, None)
                if row is None:
                    row = QTreeWidgetItem([item.layer, item.label or item.key])
                    row.setData(0, ROLE_ID, ident)
                    row.setData(0, ROLE_DEFAULT, item.label or item.key)
                    row.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                                 | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
                                 | Qt.ItemFlag.ItemIsDragEnabled)
                if item.label:
                    row.setText(1, item.label)
                row.setCheckState(0, Qt.CheckState.Checked if item.shown else Qt.CheckState.Unchecked)
                self.tree.addTopLevelItem(row)
            for row in taken.values():
                self.tree.addTopLevelItem(row)
        finally:
            self._quiet = False

    def items(self) -> tuple[LegendItem, ...] | None:
        """The spec's legend; None while nothing differs from the engine's own legend."""
        out, custom = [], False
        for i in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(i)
            layer, key = row.data(0, ROLE_ID)
            label = row.text(1).strip()
            renamed = label and label != row.data(0, ROLE_DEFAULT)
            shown = row.checkState(0) == Qt.CheckState.Checked
            out.append(LegendItem(layer, key, label if renamed else None, shown))
            custom = custom or renamed or not shown
        if not out or not (custom or self._reordered):
            return None  # the engine's legend as drawn: entries a new extent brings keep their place
        return tuple(out)

    def row(self, layer: str, key: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ROLE_ID) == (layer, key):
                return item
        return None

    # ---- editing -------------------------------------------------------------------------
    def move_current(self, step: int) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        index = self.tree.indexOfTopLevelItem(item)
        target = index + step
        if not 0 <= target < self.tree.topLevelItemCount():
            return
        self._quiet = True
        self.tree.takeTopLevelItem(index)
        self.tree.insertTopLevelItem(target, item)
        self.tree.setCurrentItem(item)
        self._quiet = False
        self._on_moved()

    def rename_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.tree.editItem(item, 1)

    def reset(self) -> None:
        """Back to the engine's legend: every entry, its own label, its own order (next preview)."""
        self.tree.clear()
        self._reordered = False
        self.changed.emit()

    def _on_moved(self, *_):
        if not self._quiet:
            self._reordered = True
            self.changed.emit()

    def _on_item_changed(self, item, column: int) -> None:
        if not self._quiet:
            self.changed.emit()


class ExtentChooser(QWidget):
    """Current view / selected features / one district (a combo that finds as you type)."""

    changed = Signal()

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("extentKind")
        self.kind.addItem(i18n.ui(EXTENT_VIEW), "view")
        self.kind.addItem(i18n.ui(EXTENT_SELECTION), "selection")
        self.kind.addItem(i18n.ui(EXTENT_DISTRICT), "district")
        if not any(document.selection.values()):
            self.kind.model().item(1).setEnabled(False)
        self.district = QComboBox()
        self.district.setObjectName("extentDistrict")
        self.district.setEditable(True)
        self.district.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.district.lineEdit().setPlaceholderText(i18n.ui(DISTRICT_PLACEHOLDER))
        for text, adcode in district_choices(document):
            self.district.addItem(text, adcode)
        completer = QCompleter(self.district.model(), self.district)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.district.setCompleter(completer)
        self.district.setCurrentIndex(-1)
        self.district.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind)
        row.addWidget(self.district, 1)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.district.currentIndexChanged.connect(lambda *_: self.changed.emit())

    def _on_kind(self, *_):
        self.district.setEnabled(self.kind.currentData() == "district")
        self.changed.emit()

    def choose_district(self, adcode: str) -> None:
        index = self.district.findData(str(adcode))
        if index < 0:
            raise ValueError(f"no district {adcode!r}")
        self.kind.setCurrentIndex(self.kind.findData("district"))
        self.district.setCurrentIndex(index)

    def extent(self):
        """The spec's extent: "view", "selection", or "district:ADCODE" ("view" until one is chosen)."""
        kind = self.kind.currentData()
        if kind == "district":
            adcode = self.district.currentData()
            return f"district:{adcode}" if adcode else "view"
        return kind

    def set_extent(self, extent) -> None:
        text = extent if isinstance(extent, str) else "view"
        kind, _, name = text.partition(":")
        if kind == "district" and self.district.findData(name) >= 0:
            self.choose_district(name)
        elif kind == "selection" and self.kind.model().item(1).isEnabled():
            self.kind.setCurrentIndex(1)
        else:
            self.kind.setCurrentIndex(0)


def district_choices(document) -> list[tuple[str, str]]:
    """("大足区 · 重庆市", adcode) for every district of the document, grouped by city."""
    layer = next((l for l in document.layers if l.name == "districts"), None)
    if layer is None or layer.data is None or layer.data.empty:
        return []
    gdf = layer.data
    cities = next((l.data for l in document.layers if l.name == "cities"), None)
    city_en = (dict(zip(cities["name_zh"].astype(str), cities["name_en"].astype(str)))
               if cities is not None and {"name_zh", "name_en"} <= set(cities.columns) else {})
    rows = []
    for _, r in gdf.iterrows():
        name = i18n.name_text(r.get("name_zh"), r.get("name_en"))
        city_zh = str(r.get("city_zh") or r.get("province_zh") or "")
        city = i18n.name_text(city_zh, city_en.get(city_zh)) if city_zh else ""
        rows.append((city_zh, name, f"{name} · {city}" if city else name, str(r["adcode"])))
    rows.sort(key=lambda r: (r[0], r[3]))
    return [(text, adcode) for _, _, text, adcode in rows]

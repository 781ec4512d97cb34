"""Layer panel: visibility, drawing order (drag), opacity, colour/width, style dialog, legend, zoom to, info.

Under the list, the current layer's legend: each class of its style with its symbol and
feature count, so a categorized or graduated layer shows its colours in the window too."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QDoubleSpinBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QMenu, QMessageBox, QSlider, QToolButton, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.plain_text import plain, rich, shown
from explorer.panels.style_edit import class_colour, main_colour, style_entries, with_colour, with_width
from geodata.core.message import Message
from layers.model.events import LanguageChanged, LayerAdded, LayerChanged, LayerRemoved, LayersReordered

NAME_ROLE = Qt.ItemDataRole.UserRole
OPACITY = Message("不透明度", "Opacity")
WIDTH = Message("线宽", "Width")
COLOUR = Message("颜色…", "Colour…")
ZOOM_TO_LAYER = Message("缩放到图层", "Zoom to layer")
LAYER_INFO = Message("图层信息", "Layer info")
PROPERTIES = Message("样式…", "Style…")
PROPERTIES_TIP = Message("图层属性：按字段分类或分级设色、标注设置", "Layer properties: colour by category or class, labels")
LEGEND = Message("图例", "Legend")
LEGEND_ROW = Message("{label}（{n}）", "{label} ({n})")
INFO = Message("图层：{title}\n来源：{source}\n要素数：{count}（筛选后 {shown}）\n几何质量：{quality}",
               "Layer: {title}\nSource: {source}\nFeatures: {count} ({shown} after filter)\nGeometry quality: {quality}")
# What a layer's geometry_quality says about its shapes (a layer may list several, comma-separated).
QUALITY: dict[str, Message] = {
    "surveyed": Message("实测（测绘数据集）", "surveyed (from a surveyed dataset)"),
    "derived": Message("派生（由实测数据计算）", "derived (computed from surveyed data)"),
    "schematic": Message("示意（按控制点手工放置）", "schematic (placed by hand through control points)"),
}


class LayerList(QListWidget):
    """Top of the list = top of the drawing order; a drop reports the new order."""

    order_changed = Signal(list)  # names, top first

    def dropEvent(self, event) -> None:  # noqa: N802
        super().dropEvent(event)
        order = [self.item(i).data(NAME_ROLE) for i in range(self.count())]
        # reported after the drag has fully ended: the panel rebuilds the list in response
        QTimer.singleShot(0, lambda: self.order_changed.emit(order))


class LayerPanel(QWidget):
    zoom_to_layer = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._syncing = False
        self.list = LayerList()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._show_current())
        self.list.order_changed.connect(self.apply_order)
        self.list.itemDoubleClicked.connect(lambda item: self.zoom_to_layer.emit(item.data(NAME_ROLE)))

        self.opacity_label = QLabel()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._on_opacity)
        self.width_label = QLabel()
        self.width = QDoubleSpinBox()
        self.width.setRange(0.1, 12.0)
        self.width.setSingleStep(0.25)
        self.width.setSuffix(" pt")
        self.width.valueChanged.connect(self._on_width)
        self.colour = QToolButton()
        self.colour.clicked.connect(self.choose_colour)
        self.zoom_button = QToolButton()
        self.zoom_button.clicked.connect(lambda: self.current_name() and self.zoom_to_layer.emit(self.current_name()))
        self.info_button = QToolButton()
        self.info_button.clicked.connect(self.show_info)
        self.style_button = QToolButton()
        self.style_button.setObjectName("layerStyleButton")
        self.style_button.clicked.connect(lambda: self.open_style_dialog())
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.legend_label = QLabel()
        self.legend = QListWidget()
        self.legend.setObjectName("layerLegend")
        self.legend.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.legend.setMaximumHeight(150)
        self.dialog = None

        row1 = QHBoxLayout()
        row1.addWidget(self.opacity_label)
        row1.addWidget(self.opacity, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.width_label)
        row2.addWidget(self.width)
        row2.addWidget(self.colour)
        row2.addWidget(self.style_button)
        row2.addStretch(1)
        row3 = QHBoxLayout()
        row3.addWidget(self.zoom_button)
        row3.addWidget(self.info_button)
        row3.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addLayout(row3)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.legend)

        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    # ---- model -> view ------------------------------------------------------------
    def retranslate(self, *_):
        self.opacity_label.setText(i18n.ui(OPACITY))
        self.width_label.setText(i18n.ui(WIDTH))
        self.colour.setText(i18n.ui(COLOUR))
        self.zoom_button.setText(i18n.ui(ZOOM_TO_LAYER))
        self.info_button.setText(i18n.ui(LAYER_INFO))
        self.style_button.setText(i18n.ui(PROPERTIES))
        self.style_button.setToolTip(i18n.ui(PROPERTIES_TIP))
        self.legend_label.setText(i18n.ui(LEGEND))
        self.refresh()

    def refresh(self) -> None:
        current = self.current_name()
        self._syncing = True
        self.list.clear()
        for layer in reversed(self.document.layers):
            item = QListWidgetItem(shown(layer.title(i18n.language())))
            item.setData(NAME_ROLE, layer.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
            item.setIcon(self._swatch(layer))
            item.setToolTip(rich(self._info_text(layer)))
            self.list.addItem(item)
            if layer.name == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._syncing = False
        self._show_current()

    def _swatch(self, layer) -> QIcon:
        pix = QPixmap(14, 14)
        kind = layer.cache.kind if len(layer.data) else "polygon"
        style = layer.style
        if style.by_attribute and style.classes:  # a categorized/graduated layer: its first class
            colour = class_colour(next(iter(style.classes.values())).style, kind)
        else:
            colour = main_colour(style, kind)
        pix.fill(QColor(colour))
        return QIcon(pix)

    def _on_document_event(self, event) -> None:
        if isinstance(event, (LayerAdded, LayerRemoved, LayersReordered, LanguageChanged)):
            self.refresh()
        elif isinstance(event, LayerChanged) and not self._syncing:
            self.refresh()
        elif isinstance(event, LayerChanged) and "style" in event.changes and event.name == self.current_name():
            self._show_legend(self.current_layer())  # our own width/colour edit: the list stays, the legend follows

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item is not None else None

    def current_layer(self):
        name = self.current_name()
        return self.document.layer(name) if name and name in self.document else None

    def _show_current(self) -> None:
        layer = self.current_layer()
        enabled = layer is not None
        for w in (self.opacity, self.width, self.colour, self.zoom_button, self.info_button, self.style_button):
            w.setEnabled(enabled)
        self._show_legend(layer)
        if not enabled:
            return
        was = self._syncing
        self._syncing = True
        self.opacity.setValue(round(layer.opacity * 100))
        self.width.setValue(layer.style.base.width_pt)
        self._syncing = was

    def _show_legend(self, layer) -> None:
        from explorer.panels.style_dialog import swatch_icon

        self.legend.clear()
        if layer is None or layer.data is None or not len(layer.data):
            return
        self.legend.setIconSize(QSize(30, 16))
        for key, cls, n in style_entries(layer):
            if not n:  # as the map's legend: only classes with features
                continue
            label = cls.label(i18n.language()) or layer.title(i18n.language())
            item = QListWidgetItem(swatch_icon(cls.style, layer.cache.kind), i18n.ui(LEGEND_ROW, label=label, n=n))
            item.setData(NAME_ROLE, key)
            self.legend.addItem(item)

    # ---- view -> model ------------------------------------------------------------
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._syncing:
            return
        name = item.data(NAME_ROLE)
        visible = item.checkState() == Qt.CheckState.Checked
        if self.document.layer(name).visible != visible:
            self._syncing = True
            try:
                self.document.set_visible(name, visible)
            finally:
                self._syncing = False

    def apply_order(self, names_top_first: list[str]) -> None:
        """Make the document's drawing order match the list (top first)."""
        bottom_first = list(reversed(names_top_first))
        for index, name in enumerate(bottom_first):
            if self.document.layer_names().index(name) != index:
                self.document.move_layer(name, index)

    def _on_opacity(self, value: int) -> None:
        name = self.current_name()
        if self._syncing or not name:
            return
        self._syncing = True
        try:
            self.document.set_opacity(name, value / 100.0)
        finally:
            self._syncing = False

    def _on_width(self, value: float) -> None:
        layer = self.current_layer()
        if self._syncing or layer is None:
            return
        self._syncing = True
        try:
            self.document.set_style(layer.name, with_width(layer.style, value))
        finally:
            self._syncing = False

    def set_colour(self, colour: str) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        self.document.set_style(layer.name, with_colour(layer.style, colour, layer.cache.kind))

    def choose_colour(self) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        colour = QColorDialog.getColor(QColor(main_colour(layer.style, layer.cache.kind)), self)
        if colour.isValid():
            self.set_colour(colour.name())

    def open_style_dialog(self, name: str | None = None):
        """The layer's Properties (样式) dialog, modeless: the map follows each change."""
        from explorer.panels.style_dialog import StyleDialog

        name = name or self.current_name()
        if not name or name not in self.document:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.reject()
        self.dialog = StyleDialog(self.document, name, self)
        self.dialog.show()
        return self.dialog

    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction(i18n.ui(PROPERTIES), lambda: self.open_style_dialog(item.data(NAME_ROLE)))
        menu.addAction(i18n.ui(ZOOM_TO_LAYER), lambda: self.zoom_to_layer.emit(item.data(NAME_ROLE)))
        menu.addAction(i18n.ui(LAYER_INFO), self.show_info)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def _info_text(self, layer) -> str:
        count = len(layer.data) if layer.data is not None else 0
        shown = int(self.document.filter.mask(layer).sum()) if count else 0
        quality = ", ".join(i18n.ui(QUALITY[q]) if q in QUALITY else q  # "user": an imported layer's
                            for q in (layer.geometry_quality or "").split(",") if q) or "—"
        return i18n.ui(INFO, title=layer.title(i18n.language()), source=layer.source or "—",
                       count=count, shown=shown, quality=quality)

    def show_info(self) -> None:
        layer = self.current_layer()
        if layer is not None:
            box = plain(QMessageBox(QMessageBox.Icon.Information, i18n.ui(LAYER_INFO), shown(self._info_text(layer), False),
                                    QMessageBox.StandardButton.Ok, self))
            box.exec()

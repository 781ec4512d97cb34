"""A layer's Properties (样式) dialog: how its features are styled, and its labels.

The 样式 / Style tab chooses the renderer as QGIS does — single symbol (the layer's own
symbology), categorized (a colour per value of a field) or graduated (a numeric field in
classes by equal interval, quantile or natural breaks) — and lists the classes: swatch
(double-click for a colour), value or range, label (editable), feature count.  The 标注 /
Labels tab is `label_tab.LabelTab`.  Every change goes to the document at once, so the map,
the legend and Edit → Undo follow; Close only closes.
"""
from __future__ import annotations

import re

import pandas as pd
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from explorer import i18n
from geodata.core.message import MessageError
from explorer.panels.identify_panel import FIELD_LABELS, field_label
from explorer.panels.label_tab import LabelTab
from explorer.panels.style_edit import class_colour, style_entries, with_class_colour, with_class_label
from geodata.core.message import Message
from layers.model.classify import (CATEGORY_PALETTES, MAX_CATEGORIES, RAMPS, categorized_style, graduated_style,
                                   numeric_values, with_breaks)
from layers.model.events import LanguageChanged, LayerChanged, LayerRemoved
from layers.model.style import default_layer_style

TITLE = Message("图层属性 — {layer}", "Layer properties — {layer}")
STYLE_TAB = Message("样式", "Style")
LABELS_TAB = Message("标注", "Labels")
RENDERER = Message("渲染方式", "Renderer")
RENDERERS = {"single": Message("单一符号（默认）", "Single symbol (default)"),
             "categorized": Message("分类（按字段值）", "Categorized (by value)"),
             "graduated": Message("分级（按数值）", "Graduated (by number)")}
FIELD = Message("字段", "Field")
PALETTE = Message("配色", "Colours")
CLASSES = Message("分级数", "Classes")
METHOD = Message("分级方法", "Mode")
METHODS = {"jenks": Message("自然断点（Jenks）", "Natural breaks (Jenks)"),
           "equal_interval": Message("等间距", "Equal interval"),
           "quantile": Message("分位数（等数量）", "Quantile (equal count)")}
PALETTES = {"set1": Message("鲜明", "Bright"), "dark2": Message("深色", "Dark"), "paired": Message("成对", "Paired"),
            "ylorrd": Message("黄—橙—红", "Yellow–orange–red"), "blues": Message("蓝", "Blues"),
            "greens": Message("绿", "Greens"), "purples": Message("紫", "Purples"), "viridis": Message("Viridis", "Viridis")}
HEADERS = (Message("符号", "Symbol"), Message("值 / 范围", "Value / range"), Message("标签", "Label"),
           Message("要素数", "Features"))
NO_FIELD = Message("该图层没有可用于{kind}的字段", "This layer has no field to use for {kind}")
CANNOT = Message("无法按该字段设置样式", "Cannot style by this field")
RESET = Message("恢复默认样式", "Default style")
BAD_RANGE = Message("分级范围须从小到大、互不重叠", "Class ranges must run low to high without overlapping")
HINT = Message("双击符号更换颜色，双击标签修改图例文字（分级：双击范围修改断点）；更改立即生效，可撤销（Ctrl+Z）。",
               "Double-click a symbol to change its colour, a label to reword the legend (graduated: a range to move "
               "its breaks); changes apply at once and can be undone (Ctrl+Z).")
MAX_CATEGORY_CHOICES = 60  # a field with more distinct values is an identifier, not offered
SWATCH = QSize(30, 16)


def swatch_icon(style, kind: str) -> QIcon:
    """A class's symbol drawn as the page legend draws it."""
    from types import SimpleNamespace

    from layers.page.legend_panel import draw_swatch

    pix = QPixmap(SWATCH)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    try:
        draw_swatch(painter, SimpleNamespace(style=style, geometry=kind),
                    QRectF(2, 2, SWATCH.width() - 4, SWATCH.height() - 4), 96)
    finally:
        painter.end()
    return QIcon(pix)


def field_words(name: str) -> tuple[str, str]:
    """A field's name in both languages, for the legend heading (a user's own field: its name)."""
    label = FIELD_LABELS.get(name)
    return (label.zh, label.en) if label is not None else (name, name)


def category_fields(data) -> list[str]:
    """Fields with a few distinct values (categories), in the data's order."""
    out = []
    for col in data.columns:
        if col == data.geometry.name:
            continue
        try:
            n = data[col].astype(str).nunique(dropna=True)
        except TypeError:  # lists or dicts in a cell: not a category
            continue
        if 1 <= n <= min(MAX_CATEGORY_CHOICES, MAX_CATEGORIES):
            out.append(col)
    return out


def numeric_fields(data) -> list[str]:
    """Fields holding at least two different numbers (codes such as adcodes are names, not quantities)."""
    out = []
    for col in data.columns:
        if col == data.geometry.name or col in ("adcode", "id") or col.endswith("_adcode") or not (pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(data[col])):
            continue
        values = numeric_values(data, col)
        if len(pd.unique(values[~pd.isna(values)])) >= 2:
            out.append(col)
    return out


class StyleDialog(QDialog):
    def __init__(self, document, layer_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("styleDialog")
        self.document = document
        self.name = layer_name
        self._syncing = False
        layer = document.layer(layer_name)
        self.kind = layer.cache.kind if layer.data is not None and len(layer.data) else "polygon"
        # "single" goes back to the layer's own symbology: the style it had, else the default
        self._single = layer.style if layer.style.renderer == "single" else default_layer_style(layer.name, layer.geometry_type)
        self._category_fields = category_fields(layer.data)
        self._numeric_fields = numeric_fields(layer.data)

        self.tabs = QTabWidget()
        self.renderer = QComboBox()
        self.field = QComboBox()
        self.palette = QComboBox()
        self.classes = QSpinBox()
        self.classes.setRange(2, 9)
        self.classes.setValue(5)
        self.method = QComboBox()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setIconSize(SWATCH)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(self._on_double_click)
        self.table.itemChanged.connect(self._on_item_changed)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.reset = QPushButton()
        self.reset.clicked.connect(self.reset_style)

        self.form = QFormLayout()
        self.labels_of = {}
        for key, widget in (("renderer", self.renderer), ("field", self.field), ("palette", self.palette),
                            ("classes", self.classes), ("method", self.method)):
            label = QLabel()
            self.labels_of[key] = label
            self.form.addRow(label, widget)
        style_page = QWidget()
        page = QVBoxLayout(style_page)
        page.addLayout(self.form)
        page.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.reset)
        page.addLayout(bottom)
        self.label_tab = LabelTab(document, layer_name)
        self.tabs.addTab(style_page, "")
        self.tabs.addTab(self.label_tab, "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

        self.renderer.currentIndexChanged.connect(lambda *_: self._on_renderer())
        for combo in (self.field, self.palette, self.method):
            combo.currentIndexChanged.connect(lambda *_: self.apply_choice())
        self.classes.valueChanged.connect(lambda *_: self.apply_choice())
        self._unsubscribe = document.subscribe(self._on_document_event)
        self.retranslate()
        self.resize(620, 560)

    # ---- texts and the model's state ---------------------------------------------------
    def retranslate(self, *_):
        layer = self.layer()
        if layer is None:
            return
        self.setWindowTitle(i18n.ui(TITLE, layer=layer.title(i18n.language())))
        self.tabs.setTabText(0, i18n.ui(STYLE_TAB))
        self.tabs.setTabText(1, i18n.ui(LABELS_TAB))
        for key, message in (("renderer", RENDERER), ("field", FIELD), ("palette", PALETTE), ("classes", CLASSES),
                             ("method", METHOD)):
            self.labels_of[key].setText(i18n.ui(message))
        self.table.setHorizontalHeaderLabels([i18n.ui(h) for h in HEADERS])
        self.hint.setText(i18n.ui(HINT))
        self.reset.setText(i18n.ui(RESET))
        self.label_tab.retranslate()
        self.sync()

    def layer(self):
        return self.document.layer(self.name) if self.name in self.document else None

    def _fill(self, combo: QComboBox, items: list[tuple[str, str]], current: str | None) -> None:
        combo.clear()
        for key, text in items:
            combo.addItem(text, key)
            combo.setItemData(combo.count() - 1, key, Qt.ItemDataRole.ToolTipRole)
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def sync(self) -> None:
        """Show the layer's current style (after any change, from here or elsewhere: undo)."""
        layer = self.layer()
        if layer is None:
            return
        style = layer.style
        self._syncing = True
        try:
            self._fill(self.renderer, [(k, i18n.ui(m)) for k, m in RENDERERS.items()], style.renderer)
            self._show_controls(style.renderer)
            fields = self._numeric_fields if style.renderer == "graduated" else self._category_fields
            self._fill(self.field, [(f, field_label(f)) for f in fields], style.attribute)
            palettes = RAMPS if style.renderer == "graduated" else CATEGORY_PALETTES
            self._fill(self.palette, [(p, i18n.ui(PALETTES[p])) for p in palettes], style.palette)
            self._fill(self.method, [(k, i18n.ui(m)) for k, m in METHODS.items()], style.method)
            if style.renderer == "graduated" and style.breaks:
                self.classes.setValue(max(2, len(style.breaks) - 1))
            self._fill_table(layer)
        finally:
            self._syncing = False

    def _show_controls(self, renderer: str) -> None:
        for key, shown in (("field", renderer != "single"), ("palette", renderer != "single"),
                           ("classes", renderer == "graduated"), ("method", renderer == "graduated")):
            self.form.setRowVisible(self.labels_of[key], shown)

    def _fill_table(self, layer) -> None:
        language = i18n.language()
        entries = style_entries(layer)
        self.table.setRowCount(len(entries))
        graduated = layer.style.renderer == "graduated"
        for row, (key, cls, count) in enumerate(entries):
            swatch = QTableWidgetItem(swatch_icon(cls.style, self.kind), "")
            swatch.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            swatch.setData(Qt.ItemDataRole.UserRole, key)
            swatch.setToolTip(class_colour(cls.style, self.kind))
            value = QTableWidgetItem(self._value_text(layer, key, graduated))
            value.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                           | (Qt.ItemFlag.ItemIsEditable if graduated else Qt.ItemFlag.NoItemFlags))
            label = QTableWidgetItem(cls.label(language))
            editable = key in layer.style.classes
            label.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                           | (Qt.ItemFlag.ItemIsEditable if editable else Qt.ItemFlag.NoItemFlags))
            number = QTableWidgetItem(str(count))
            number.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for col, item in enumerate((swatch, value, label, number)):
                self.table.setItem(row, col, item)

    @staticmethod
    def _value_text(layer, key: str, graduated: bool) -> str:
        style = layer.style
        if graduated and key.isdigit() and int(key) + 1 < len(style.breaks):
            i = int(key)
            return f"{style.breaks[i]:g} – {style.breaks[i + 1]:g}"
        return key.replace("|", " · ") if key else "—"

    # ---- choices -> the document ---------------------------------------------------------
    def _on_renderer(self) -> None:
        if self._syncing:
            return
        renderer = self.renderer.currentData()
        self._syncing = True
        try:  # the field and palette lists of the new kind
            fields = self._numeric_fields if renderer == "graduated" else self._category_fields
            self._fill(self.field, [(f, field_label(f)) for f in fields], self._preferred_field(renderer, fields))
            palettes = RAMPS if renderer == "graduated" else CATEGORY_PALETTES
            self._fill(self.palette, [(p, i18n.ui(PALETTES[p])) for p in palettes], None)
            self._show_controls(renderer)
        finally:
            self._syncing = False
        self.apply_choice()

    def _preferred_field(self, renderer: str, fields: list[str]) -> str | None:
        for name in (("area_km2", "year", "investment_yi") if renderer == "graduated" else ("status", "themes", "kind")):
            if name in fields:
                return name
        return fields[0] if fields else None

    def choose(self, renderer: str, attribute: str | None = None, **options) -> None:
        """Pick a renderer (and field, palette, classes, method) as the controls would (tests, scripts)."""
        self.renderer.setCurrentIndex(self.renderer.findData(renderer))
        self._syncing = True
        try:
            if attribute is not None:
                self.field.setCurrentIndex(self.field.findData(attribute))
            if "palette" in options:
                self.palette.setCurrentIndex(self.palette.findData(options["palette"]))
            if "classes" in options:
                self.classes.setValue(int(options["classes"]))
            if "method" in options:
                self.method.setCurrentIndex(self.method.findData(options["method"]))
        finally:
            self._syncing = False
        self.apply_choice()

    def apply_choice(self) -> None:
        """Build the style the controls describe and give it to the layer."""
        layer = self.layer()
        if self._syncing or layer is None:
            return
        renderer, attribute, palette = self.renderer.currentData(), self.field.currentData(), self.palette.currentData()
        try:
            if renderer == "single":
                style = self._single
            elif not attribute:
                QMessageBox.information(self, i18n.ui(CANNOT), i18n.ui(NO_FIELD, kind=i18n.ui(RENDERERS[renderer])))
                self.sync()
                return
            elif renderer == "categorized":
                style = categorized_style(self._single, layer.data, self.kind, attribute, palette or "set1",
                                          field_words(attribute))
            else:
                style = graduated_style(self._single, layer.data, self.kind, attribute, self.classes.value(),
                                        self.method.currentData() or "jenks", palette or "ylorrd", field_words(attribute))
        except ValueError as exc:  # a field without numbers, too many values: one clear line
            QMessageBox.warning(self, i18n.ui(CANNOT), i18n.ui(exc.message) if isinstance(exc, MessageError) else str(exc))
            self.sync()
            return
        self.document.set_style(self.name, style)

    def reset_style(self) -> None:
        layer = self.layer()
        if layer is not None:
            self._single = default_layer_style(layer.name, layer.geometry_type)
            self.document.set_style(self.name, self._single)

    # ---- entries ---------------------------------------------------------------------------
    def entry_key(self, row: int) -> str:
        return self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)

    def set_entry_colour(self, row: int, colour: str) -> None:
        layer = self.layer()
        if layer is not None:
            self.document.set_style(self.name, with_class_colour(layer.style, self.entry_key(row), colour, self.kind))

    def set_entry_label(self, row: int, text: str) -> None:
        layer = self.layer()
        if layer is not None and text.strip():
            self.document.set_style(self.name, with_class_label(layer.style, self.entry_key(row), text.strip(),
                                                                i18n.language()))

    def _on_double_click(self, row: int, column: int) -> None:
        if column != 0:
            return
        current = QColor(self.table.item(row, 0).toolTip())
        colour = QColorDialog.getColor(current, self)
        if colour.isValid():
            self.set_entry_colour(row, colour.name())

    def set_entry_range(self, row: int, text: str) -> bool:
        """A graduated class's range typed as "low – high": its edges move (neighbours follow)."""
        layer = self.layer()
        numbers = re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?", text.replace(",", ""))  # "10-20" is two numbers
        key = self.entry_key(row)
        if layer is None or len(numbers) != 2 or not key.isdigit():
            self.sync()
            return False
        breaks = list(layer.style.breaks)
        i = int(key)
        breaks[i], breaks[i + 1] = float(numbers[0]), float(numbers[1])
        if any(a > b for a, b in zip(breaks, breaks[1:])):
            QMessageBox.warning(self, i18n.ui(CANNOT), i18n.ui(BAD_RANGE))
            self.sync()
            return False
        self.document.set_style(self.name, with_breaks(layer.style, breaks))
        return True

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._syncing or item.column() not in (1, 2):
            return
        row, column, text = item.row(), item.column(), item.text()
        # after Qt has finished with the edited item: the change rebuilds the table (and deletes it)
        setter = self.set_entry_label if column == 2 else self.set_entry_range
        QTimer.singleShot(0, lambda: setter(row, text))

    # ---- document events ------------------------------------------------------------------
    def _on_document_event(self, event) -> None:
        if isinstance(event, LayerRemoved) and event.name == self.name:
            self.reject()
        elif isinstance(event, LayerChanged) and event.name == self.name:
            if "style" in event.changes and self.layer().style.renderer == "single":
                self._single = self.layer().style  # an undo back to the own symbology: the one to return to
            self.sync()
            self.label_tab.sync()
        elif isinstance(event, LanguageChanged):
            self.retranslate()

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name
        self._unsubscribe()
        super().done(result)

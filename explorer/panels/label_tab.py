"""The 标注 / Labels tab of a layer's Properties dialog: on/off, field, size, colour, halo.

Size, colour and boldness left at 按类别 / "by class" keep each class's own (the planning
map sets city seats larger than district seats); a value set here applies to every label
of the layer.  Changes go to the document at once (`MapLayer.show_labels`, `label_field`,
`labels`: a `layers.model.style.LabelSettings`).
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QToolButton, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.panels.identify_panel import field_label
from geodata.core.message import Message
from layers.model.style import LabelSettings

SHOW = Message("显示标注", "Show labels")
FIELD = Message("标注字段", "Label field")
SIZE = Message("字号", "Size")
COLOUR = Message("文字颜色", "Text colour")
BOLD = Message("粗体", "Bold")
HALO = Message("光晕（白边）", "Halo")
HALO_COLOUR = Message("光晕颜色", "Halo colour")
HALO_WIDTH = Message("光晕宽度", "Halo width")
BY_CLASS = Message("按类别", "By class")
AUTO = Message("自动", "Auto")
CHOOSE = Message("选择…", "Choose…")
RESET = Message("恢复默认标注", "Default labels")
NOTE = Message("字号、颜色设为“按类别”时沿用各类别的设置。", "Size and colour left “by class” keep each class's own.")


def _colour_icon(colour: str | None) -> QIcon:
    pix = QPixmap(16, 16)
    pix.fill(QColor(colour) if colour else QColor(0, 0, 0, 0))
    return QIcon(pix)


class LabelTab(QWidget):
    def __init__(self, document, layer_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.name = layer_name
        self._syncing = False
        layer = document.layer(layer_name)
        self.show_labels = QCheckBox()
        self.field = QComboBox()
        self._fields = [c for c in layer.data.columns if c != layer.data.geometry.name] if layer.data is not None else []
        self.size = QDoubleSpinBox()
        self.size.setRange(0.0, 36.0)  # 0: by class (the special value)
        self.size.setSingleStep(0.5)
        self.size.setSuffix(" pt")
        self.colour = QToolButton()
        self.colour_default = QToolButton()
        self.bold = QCheckBox()
        self.bold.setTristate(True)  # partly checked: by class
        self.halo = QCheckBox()
        self.halo_colour = QToolButton()
        self.halo_width = QDoubleSpinBox()
        self.halo_width.setRange(0.0, 6.0)  # 0: auto (scaled with the size)
        self.halo_width.setSingleStep(0.25)
        self.halo_width.setSuffix(" pt")
        self.reset = QPushButton()
        self.note = QLabel()
        self.note.setWordWrap(True)

        self.form = QFormLayout()
        self.row_labels = {key: QLabel() for key in ("field", "size", "colour", "bold", "halo_colour", "halo_width")}
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour)
        colour_row.addWidget(self.colour_default)
        colour_row.addStretch(1)
        self.form.addRow(self.show_labels)
        self.form.addRow(self.row_labels["field"], self.field)
        self.form.addRow(self.row_labels["size"], self.size)
        self.form.addRow(self.row_labels["colour"], colour_row)
        self.form.addRow(self.row_labels["bold"], self.bold)
        self.form.addRow(self.halo)
        self.form.addRow(self.row_labels["halo_colour"], self.halo_colour)
        self.form.addRow(self.row_labels["halo_width"], self.halo_width)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reset)
        layout.addLayout(row)

        self.show_labels.toggled.connect(lambda on: self._set(show_labels=bool(on)))
        self.field.currentIndexChanged.connect(lambda *_: self._set(label_field=self.field.currentData()))
        self.size.valueChanged.connect(lambda v: self._set_labels(size_pt=float(v) or None))
        self.colour.clicked.connect(self.choose_colour)
        self.colour_default.clicked.connect(lambda: self._set_labels(color=None))
        self.bold.stateChanged.connect(lambda *_: self._set_labels(bold=self._bold_value()))
        self.halo.toggled.connect(lambda on: self._set_labels(halo=bool(on)))
        self.halo_colour.clicked.connect(self.choose_halo_colour)
        self.halo_width.valueChanged.connect(lambda v: self._set_labels(halo_width_pt=float(v) or None))
        self.reset.clicked.connect(lambda: self._set(labels=LabelSettings()))

    def retranslate(self) -> None:
        self.show_labels.setText(i18n.ui(SHOW))
        self.halo.setText(i18n.ui(HALO))
        for key, message in (("field", FIELD), ("size", SIZE), ("colour", COLOUR), ("bold", BOLD),
                             ("halo_colour", HALO_COLOUR), ("halo_width", HALO_WIDTH)):
            self.row_labels[key].setText(i18n.ui(message))
        self.size.setSpecialValueText(i18n.ui(BY_CLASS))
        self.halo_width.setSpecialValueText(i18n.ui(AUTO))
        self.colour_default.setText(i18n.ui(BY_CLASS))
        self.bold.setText(i18n.ui(BY_CLASS) if self.bold.checkState() == Qt.CheckState.PartiallyChecked else "")
        self.reset.setText(i18n.ui(RESET))
        self.note.setText(i18n.ui(NOTE))
        self.sync()

    def layer(self):
        return self.document.layer(self.name) if self.name in self.document else None

    def sync(self) -> None:
        layer = self.layer()
        if layer is None:
            return
        s = layer.labels
        self._syncing = True
        try:
            self.show_labels.setChecked(layer.show_labels)
            self.field.clear()
            for col in self._fields:
                self.field.addItem(field_label(col), col)
                self.field.setItemData(self.field.count() - 1, col, Qt.ItemDataRole.ToolTipRole)
            self.field.setCurrentIndex(max(0, self.field.findData(layer.label_field)))
            self.size.setValue(s.size_pt or 0.0)
            self.colour.setIcon(_colour_icon(s.color))
            self.colour.setText(s.color or i18n.ui(CHOOSE))
            self.colour_default.setEnabled(s.color is not None)
            self.colour.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.bold.setCheckState(Qt.CheckState.PartiallyChecked if s.bold is None
                                    else Qt.CheckState.Checked if s.bold else Qt.CheckState.Unchecked)
            self.bold.setText(i18n.ui(BY_CLASS) if s.bold is None else "")
            self.halo.setChecked(s.halo)
            self.halo_colour.setIcon(_colour_icon(s.halo_color))
            self.halo_colour.setText(s.halo_color)
            self.halo_colour.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.halo_width.setValue(s.halo_width_pt or 0.0)
            for w in (self.halo_colour, self.halo_width):
                w.setEnabled(s.halo)
        finally:
            self._syncing = False

    def _bold_value(self) -> bool | None:
        state = self.bold.checkState()
        return None if state == Qt.CheckState.PartiallyChecked else state == Qt.CheckState.Checked

    def _set(self, **changes) -> None:
        if not self._syncing and self.layer() is not None:
            self.document.set_layer(self.name, **changes)

    def _set_labels(self, **changes) -> None:
        layer = self.layer()
        if not self._syncing and layer is not None:
            self.document.set_layer(self.name, labels=replace(layer.labels, **changes))

    def choose_colour(self) -> None:
        layer = self.layer()
        colour = QColorDialog.getColor(QColor(layer.labels.color or "#1f1f1f"), self)
        if colour.isValid():
            self._set_labels(color=colour.name())

    def choose_halo_colour(self) -> None:
        layer = self.layer()
        colour = QColorDialog.getColor(QColor(layer.labels.halo_color), self)
        if colour.isValid():
            self._set_labels(halo_color=colour.name())

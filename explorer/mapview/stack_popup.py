"""The list a click on a stack opens: every point at that spot, to pick one.

The map already shows the stack spread round its centre (a spider with leader lines);
this list names them all — 44 projects on 大足区's seat would be a dense spiral to read —
filters as you type, and `picked(layer, row)` tells the window which one was chosen.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from explorer import i18n
from geodata.core.message import Message
from geodata.core.themes import THEMES, split_themes
from geodata.core.values import raw_text

STACK_HEADING = Message("此处有 {n} 个{layer}，选择一个：", "{n} {layer} here; pick one:")
STACK_FILTER = Message("输入名称筛选", "Type to filter by name")
MAX_ROWS_SHOWN = 14  # the list scrolls beyond this


class StackPopup(QFrame):
    """A popup list of a stack's members (name · primary theme)."""

    picked = Signal(str, int)  # layer name, row

    def __init__(self, document, stack, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("stackPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.stack = stack
        layer = document.layer(stack.layer)
        heading = QLabel(i18n.ui(STACK_HEADING, n=len(stack.rows), layer=layer.title(i18n.language())))
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(i18n.ui(STACK_FILTER))
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("stackMembers")
        gdf = layer.data
        for row in stack.rows:
            item = QListWidgetItem(member_text(gdf, row) or layer.cache.ids[row])
            item.setData(Qt.ItemDataRole.UserRole, row)
            self.list.addItem(item)
        height = self.list.sizeHintForRow(0) * min(MAX_ROWS_SHOWN, max(1, len(stack.rows))) + 6
        self.list.setFixedHeight(height)
        self.list.setMinimumWidth(min(520, max(260, self.list.sizeHintForColumn(0) + 30)))
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(heading)
        box.addWidget(self.filter)
        box.addWidget(self.list)
        self.filter.textChanged.connect(self._filter)
        self.list.itemActivated.connect(self._pick)
        self.list.itemClicked.connect(self._pick)
        self.filter.returnPressed.connect(self._pick_first)
        self.filter.setFocus()

    def rows(self) -> list[int]:
        """The members listed (after the filter), in order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if not self.list.item(i).isHidden()]

    def pick(self, row: int) -> None:
        self.picked.emit(self.stack.layer, int(row))
        self.close()

    def _pick(self, item: QListWidgetItem) -> None:
        self.pick(item.data(Qt.ItemDataRole.UserRole))

    def _pick_first(self) -> None:
        shown = self.rows()
        if shown:
            self.pick(shown[0])

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(wanted) and wanted not in item.text().lower())

    def show_at(self, global_pos: QPoint) -> None:
        self.adjustSize()
        self.move(global_pos + QPoint(12, 12))
        self.show()


def member_text(gdf, row: int) -> str:
    """"name · primary theme" of one member, in the UI language."""
    def value(column: str) -> str:
        return raw_text(gdf[column].iloc[row]) if column in gdf.columns else ""

    name = i18n.name_text(value("name_zh"), value("name_en"))
    themes = split_themes(value("themes")) if "themes" in gdf.columns else []
    if themes and themes[0] in THEMES:
        zh, en = THEMES[themes[0]]
        return f"{name} · {en if i18n.language() == 'en' else zh}"
    return name

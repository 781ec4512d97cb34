"""A layout that puts its items in as many equal columns as the width allows.

Hand-written because Qt has no flow layout (only a C++ example): the theme and status
check boxes fill two or three columns in a wide dock and fall back to one column in a
narrow one, so the filter dock never forces the map narrower than its texts.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class ColumnFlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 4, max_columns: int = 3) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.max_columns = max_columns

    # ---- QLayout's item list ------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # ---- geometry -------------------------------------------------------------------------
    def _cell(self) -> QSize:
        hints = [item.sizeHint() for item in self._items if not item.isEmpty()]
        if not hints:
            return QSize(0, 0)
        return QSize(max(h.width() for h in hints), max(h.height() for h in hints))

    def columns_for(self, width: int) -> int:
        """How many columns fit in `width` pixels (at least one)."""
        cell = self._cell()
        m = self.contentsMargins()
        free = width - m.left() - m.right()
        if cell.width() <= 0:
            return 1
        n = (free + self._spacing) // (cell.width() + self._spacing)
        return max(1, min(self.max_columns, int(n), len(self._items) or 1))

    def _height_for(self, width: int, columns: int) -> int:
        visible = sum(1 for item in self._items if not item.isEmpty())
        rows = -(-visible // columns) if visible else 0
        m = self.contentsMargins()
        return m.top() + m.bottom() + rows * self._cell().height() + max(rows - 1, 0) * self._spacing

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._height_for(width, self.columns_for(width))

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def sizeHint(self) -> QSize:  # noqa: N802
        cell = self._cell()
        m = self.contentsMargins()
        columns = min(2, max(len(self._items), 1))
        width = m.left() + m.right() + columns * cell.width() + (columns - 1) * self._spacing
        return QSize(width, self._height_for(width, columns))

    def minimumSize(self) -> QSize:  # noqa: N802
        cell = self._cell()
        m = self.contentsMargins()
        return QSize(cell.width() + m.left() + m.right(), self._height_for(0, 1) if self._items else 0)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        columns = self.columns_for(rect.width())
        cell = self._cell()
        width = (area.width() - (columns - 1) * self._spacing) // columns if columns else area.width()
        visible = [item for item in self._items if not item.isEmpty()]
        for i, item in enumerate(visible):
            row, col = divmod(i, columns)
            top_left = QPoint(area.x() + col * (width + self._spacing), area.y() + row * (cell.height() + self._spacing))
            item.setGeometry(QRect(top_left, QSize(width, cell.height())))

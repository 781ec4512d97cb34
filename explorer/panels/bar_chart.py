"""A small horizontal stacked bar chart painted with QPainter (QtCharts is not in
pyside6-essentials): one row a group, its label left, the segments of each series, the total.
Sized for a side dock; the statistics panel feeds it the busiest rows."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

ROW_PX = 18
GAP_PX = 4
LEGEND_PX = 20


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]  # one value a series, in the order of the series


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[Bar] = []
        self.series: list[tuple[str, str]] = []  # (name, colour)
        self.empty_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(160)

    def set_data(self, bars: list[Bar], series: list[tuple[str, str]], empty_text: str = "") -> None:
        self.bars, self.series, self.empty_text = list(bars), list(series), empty_text
        self.setFixedHeight(self._height())
        self.update()

    def _height(self) -> int:
        return LEGEND_PX + GAP_PX + max(1, len(self.bars)) * ROW_PX + GAP_PX

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, self._height())

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        text = self.palette().text().color()
        # legend: a swatch and the name of each series
        x = 4.0
        for name, colour in self.series:
            painter.fillRect(QRectF(x, 6, 10, 10), QColor(colour))
            x += 14
            painter.setPen(text)
            painter.drawText(QRectF(x, 0, metrics.horizontalAdvance(name) + 2, LEGEND_PX),
                             Qt.AlignmentFlag.AlignVCenter, name)
            x += metrics.horizontalAdvance(name) + 12
        top = LEGEND_PX + GAP_PX
        totals = [sum(b.values) for b in self.bars]
        if not self.bars or not any(totals):
            painter.setPen(text)
            painter.drawText(QRectF(0, top, self.width(), ROW_PX), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()
            return
        label_w = min(max(metrics.horizontalAdvance(b.label) for b in self.bars) + 6, self.width() * 0.42)
        number_w = metrics.horizontalAdvance(f" {max(totals):,}") + 4
        bar_w = max(10.0, self.width() - label_w - number_w - 4)
        scale = bar_w / max(totals)
        for i, (bar, total) in enumerate(zip(self.bars, totals)):
            y = top + i * ROW_PX
            painter.setPen(text)
            label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(label_w - 6))
            painter.drawText(QRectF(0, y, label_w - 6, ROW_PX),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            left = label_w
            for value, (_name, colour) in zip(bar.values, self.series):
                if value:
                    painter.fillRect(QRectF(left, y + 3, value * scale, ROW_PX - 6), QColor(colour))
                    left += value * scale
            painter.setPen(text)
            painter.drawText(QRectF(left + 2, y, number_w, ROW_PX), Qt.AlignmentFlag.AlignVCenter, f"{total:,}")
        painter.end()

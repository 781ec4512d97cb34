"""统计 / Statistics dock: the table of `layers/model/stats.py` for the document's current filter,
grouped as the combo says, and a small bar chart of its busiest rows.

It follows the document's events like the map does (FilterChanged, layer data), so its numbers
are the map's; while its dock is hidden behind another tab it only notes that it is stale.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.panels.bar_chart import Bar, BarChart
from geodata.core.message import Message
from layers.model.events import FilterChanged, LayerAdded, LayerChanged, LayerRemoved
from layers.model.stats import COLUMNS, GROUPINGS, NO_INVESTMENT, SERIES, compute_stats
from layers.model.timeline import UP_TO, timeline_year

DOCK = Message("统计", "Statistics")
GROUP_BY = Message("分组", "Group by")
COUNTED = Message("统计范围：{text}", "Counted: {text}")
ALL_FEATURES = Message("全部要素（未筛选）", "every feature (no filter)")
MORE_ROWS = Message("图中为前 {shown} 组，共 {total} 组", "Chart: the first {shown} of {total} groups")
SCOPE_CHARS = 160  # what the scope line shows of a long filter; the tooltip has the rest
EMPTY = Message("筛选后没有要素", "No features under the filter")
AND_UP_TO = Message("{rest}；{year}", "{rest}; {year}")
CHART_ROWS = 12
COUNT_COLUMNS = ("projects", "project_lines", "partnerships")


def scope_text(flt, language: str) -> str:
    """What is counted: the filter's summary, the time line worded as 截至 2023 年."""
    if flt.is_empty:
        return ALL_FEATURES.text(language)
    year = timeline_year(flt)
    rest = flt.replace(year_max=None) if year is not None else flt
    if year is None:
        return rest.describe(language)
    up_to_year = UP_TO.format(year=year)
    if rest.is_empty:
        return up_to_year.text(language)
    return AND_UP_TO.format(rest=rest.describe(language), year=up_to_year).text(language)


class StatsPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.table_value = None  # the last StatsTable shown
        self._stale = True
        self.group_label = QLabel()
        self.group_combo = QComboBox()
        for key in GROUPINGS:
            self.group_combo.addItem("", key)
        self.group_combo.setCurrentIndex(list(GROUPINGS).index("theme"))
        self.group_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.scope = QLabel()
        self.scope.setWordWrap(True)
        self.scope.setTextFormat(Qt.TextFormat.PlainText)
        # a long filter text (no spaces to wrap at) must not widen the dock and shrink the map
        self.scope.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.scope.setObjectName("statsScope")
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setAlternatingRowColors(True)
        self.chart = BarChart()
        self.chart_note = QLabel()
        self.chart_note.setObjectName("statsChartNote")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("statsNote")

        top = QHBoxLayout()
        top.addWidget(self.group_label)
        top.addWidget(self.group_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.scope)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.chart)
        layout.addWidget(self.chart_note)
        layout.addWidget(self.note)

        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    # ---- state -----------------------------------------------------------------------------
    @property
    def grouping(self) -> str:
        return self.group_combo.currentData()

    def set_grouping(self, by: str) -> None:
        self.group_combo.setCurrentIndex(self.group_combo.findData(by))

    def _on_document_event(self, event) -> None:
        if isinstance(event, (FilterChanged, LayerAdded, LayerRemoved)) or (
                isinstance(event, LayerChanged) and "data" in event.changes):
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def retranslate(self, *_):
        self.group_label.setText(i18n.ui(GROUP_BY))
        for i, key in enumerate(GROUPINGS):
            self.group_combo.setItemText(i, i18n.ui(GROUPINGS[key]))
        self.refresh(force=True)

    # ---- drawing ----------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Recompute for the current filter (skipped while hidden, until shown again)."""
        if not self.isVisible() and not force:
            self._stale = True
            return
        self._stale = False
        table = compute_stats(self.document, self.grouping)
        self.table_value = table
        language = i18n.language()
        flt = table.filter
        scope = i18n.ui(COUNTED, text=scope_text(flt, language))
        self.scope.setText(scope if len(scope) <= SCOPE_CHARS else scope[:SCOPE_CHARS] + "…")
        self.scope.setToolTip(scope[:2000] if len(scope) > SCOPE_CHARS else "")
        # the investment columns only when something states one (the note says when nothing does):
        # the dock is narrow, and the group's name needs the room
        invested = table.total.investment_count > 0
        columns = [c for c in COLUMNS if (c in table.layers) if c in COUNT_COLUMNS] + \
            ([c for c in COLUMNS if c not in COUNT_COLUMNS] if invested else [])
        self.table.clear()
        self.table.setColumnCount(1 + len(columns))
        self.table.setHorizontalHeaderLabels([i18n.ui(GROUPINGS[table.by])] + [i18n.ui(COLUMNS[c]) for c in columns])
        rows = [*table.rows, table.total]
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            label = QTableWidgetItem(row.label.text(language))
            self.table.setItem(r, 0, label)
            for c, column in enumerate(columns, start=1):
                value = row.value(column)
                text = (f"{value:,.2f}" if row.investment_count else "—") if column == "investment_yi" else f"{value:,}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
            if row is table.total:
                for c in range(self.table.columnCount()):
                    self.table.item(r, c).setFont(bold)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for c in range(self.table.columnCount()):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        series = [(name, colour) for name, colour in SERIES if name in table.layers]
        shown = [r for r in table.rows if r.features] or list(table.rows)
        bars = [Bar(r.label.text(language), tuple(r.value(name) for name, _ in series)) for r in shown[:CHART_ROWS]]
        self.chart.set_data(bars, [(i18n.ui(COLUMNS[name]), colour) for name, colour in series], i18n.ui(EMPTY))
        self.chart_note.setText(i18n.ui(MORE_ROWS, shown=CHART_ROWS, total=len(shown)) if len(shown) > CHART_ROWS else "")
        self.chart_note.setVisible(len(shown) > CHART_ROWS)
        self.note.setText(i18n.ui(NO_INVESTMENT))
        self.note.setVisible(table.total.features > 0 and table.total.investment_count == 0)

    def shutdown(self) -> None:
        self._unsubscribe()
        i18n.remove_listener(self.retranslate)


def install(window) -> StatsPanel:
    """The 统计 / Statistics dock, tabbed with Identify on the right (View → Panels lists it)."""
    panel = StatsPanel(window.document)
    dock = window.add_dock(panel, i18n.ui(DOCK), Qt.DockWidgetArea.RightDockWidgetArea, name="stats")
    i18n.on_language_changed(lambda _lang: dock.setWindowTitle(i18n.ui(DOCK)))
    panel.dock = dock
    return panel

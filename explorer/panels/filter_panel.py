"""Theme filter panel: theme and status toggles with counts, years, place, text.

Every control writes one new `Filter` into the document; the map, the table and
these counts all follow the document's `FilterChanged` event, so they never
disagree.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.panels.column_flow import ColumnFlowLayout
from explorer.i18n import tr
from geodata.core.themes import STATUSES, THEMES
from layers.model.events import FilterChanged, LayerAdded, LayerChanged, LayerRemoved
from layers.model.filter import Filter

YEAR_FLOOR = 1990  # the spin box's "不限 / any" value
YEAR_CEILING = 2050


class FilterPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._syncing = False

        self.theme_box = QGroupBox()
        grid = ColumnFlowLayout(self.theme_box, spacing=4, max_columns=3)  # 1–3 columns, as the dock's width allows
        grid.setContentsMargins(6, 6, 6, 6)
        self.theme_checks: dict[str, QCheckBox] = {}
        for i, key in enumerate(THEMES):
            check = QCheckBox()
            check.setChecked(True)
            check.toggled.connect(lambda _on, k=key: self._on_toggle("themes", k))
            check.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            only = QAction(check)
            only.triggered.connect(lambda _c=False, k=key: self.only_theme(k))
            every = QAction(check)
            every.triggered.connect(lambda _c=False: self.only_theme(None))
            check.addActions([only, every])
            grid.addWidget(check)
            self.theme_checks[key] = check

        self.status_box = QGroupBox()
        row = ColumnFlowLayout(self.status_box, spacing=4, max_columns=3)
        row.setContentsMargins(6, 6, 6, 6)
        self.status_checks: dict[str, QCheckBox] = {}
        for key in STATUSES:
            check = QCheckBox()
            check.setChecked(True)
            check.toggled.connect(lambda _on, k=key: self._on_toggle("statuses", k))
            row.addWidget(check)
            self.status_checks[key] = check

        self.year_min = QSpinBox()
        self.year_max = QSpinBox()
        for spin in (self.year_min, self.year_max):
            spin.setRange(YEAR_FLOOR, YEAR_CEILING)
            spin.setValue(YEAR_FLOOR)
            spin.valueChanged.connect(self._apply)
        self.year_box = QGroupBox()
        year_column = QVBoxLayout(self.year_box)
        year_column.setContentsMargins(6, 6, 6, 6)
        years = QHBoxLayout()
        year_column.addLayout(years)
        years.addWidget(self.year_min)
        years.addWidget(QLabel("–"))
        years.addWidget(self.year_max)
        self.keep_undated = QCheckBox()
        self.keep_undated.toggled.connect(self._apply)
        year_column.addWidget(self.keep_undated)

        self.province = QComboBox()
        self.city = QComboBox()
        self.district = QComboBox()
        for combo in (self.province, self.city, self.district):
            # long English county names must not widen the dock: the popup shows them in full
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.province.currentIndexChanged.connect(self._on_province)
        self.city.currentIndexChanged.connect(self._on_city)
        self.district.currentIndexChanged.connect(self._apply)
        self.place_box = QGroupBox()
        self.place_form = QFormLayout(self.place_box)
        self.place_form.setContentsMargins(6, 6, 6, 6)
        self.place_labels = [QLabel(), QLabel(), QLabel()]
        for label, combo in zip(self.place_labels, (self.province, self.city, self.district)):
            self.place_form.addRow(label, combo)

        self.text = QLineEdit()
        self.text.setClearButtonEnabled(True)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(250)
        self._text_timer.timeout.connect(self._apply)
        self.text.textChanged.connect(lambda _t: self._text_timer.start())
        self.text.returnPressed.connect(self._apply)
        self.text_label = QLabel()

        self.reset_button = QPushButton()
        self.reset_button.clicked.connect(self.reset)
        self.count_label = QLabel()
        self.count_label.setObjectName("filterCount")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("filterNote")

        # the controls scroll inside the dock: a short window never squeezes them, and the
        # dock can stay narrow (the check boxes reflow into fewer columns)
        content = QWidget()
        content.setObjectName("filterContent")
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.theme_box)
        layout.addWidget(self.status_box)
        layout.addWidget(self.year_box)
        layout.addWidget(self.place_box)
        text_row = QHBoxLayout()
        text_row.addWidget(self.text_label)
        text_row.addWidget(self.text, 1)
        layout.addLayout(text_row)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.reset_button)
        layout.addLayout(bottom)
        layout.addWidget(self.note)
        layout.addStretch(1)

        self._fill_places()
        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()
        self.sync_from_document()

    # ---- labels and counts -------------------------------------------------------------
    def retranslate(self, *_):
        self.theme_box.setTitle(tr("filter.themes"))
        self.status_box.setTitle(tr("filter.status"))
        self.year_box.setTitle(tr("filter.years"))
        self.keep_undated.setText(tr("filter.keep_undated"))
        self.place_box.setTitle(tr("filter.area"))
        for label, key in zip(self.place_labels, ("filter.province", "filter.city", "filter.district")):
            label.setText(tr(key))
        self.text_label.setText(tr("filter.text"))
        self.text.setPlaceholderText(tr("search.placeholder"))
        self.reset_button.setText(tr("filter.reset"))
        for spin in (self.year_min, self.year_max):
            spin.setSpecialValueText(tr("filter.all"))
        self._fill_places()
        self.update_counts()

    def update_counts(self) -> None:
        counts = self.document.filter.counts(self.document.layers)
        zh = i18n.language() == "zh"
        for key, check in self.theme_checks.items():
            label = THEMES[key][0 if zh else 1].replace("&", "&&")  # "&" would become a shortcut mark
            check.setText(f"{label} ({counts['themes'].get(key, 0)})")
        for key, check in self.status_checks.items():
            label = STATUSES[key][0 if zh else 1].replace("&", "&&")
            check.setText(f"{label} ({counts['statuses'].get(key, 0)})")
        self.count_label.setText(i18n.tr_count("filter.shown", counts["total"]["features"]))
        self.count_label.setToolTip(tr("filter.shown.tip"))
        active = self.document.filter != Filter()
        self.note.setText(tr("filter.current", text=self.describe()) if active else "")
        self.note.setVisible(active)  # "all" would only repeat the count above

    def describe(self) -> str:
        """The engine's one-line summary, with area codes replaced by their names."""
        flt = self.document.filter
        text = flt.describe(i18n.language())
        codes = flt.provinces + flt.cities + flt.districts
        if codes:
            text = text.replace(",".join(codes), "、".join(self._place_name(c) for c in codes))
        return text

    def _place_name(self, code: str) -> str:
        for combo in (self.district, self.city, self.province):
            index = combo.findData(code)
            if index > 0:
                return combo.itemText(index)
        return code

    # ---- places -----------------------------------------------------------------------
    def _districts(self):
        return self.document.districts_table()

    def _fill_places(self) -> None:
        """Province → city → district choices from the districts table (adcodes as data)."""
        was = self._syncing
        self._syncing = True
        try:
            current = self.province.currentData()
            self.province.clear()
            self.province.addItem(tr("filter.all"), None)
            table = self._districts()
            if table is not None and len(table):
                pairs = table[["province_adcode", "province_zh"]].drop_duplicates().sort_values("province_adcode")
                for code, name in pairs.itertuples(index=False):
                    self.province.addItem(str(name), str(code))
            self._select_data(self.province, current)
            self._fill_cities()
        finally:
            self._syncing = was

    def _fill_cities(self) -> None:
        current = self.city.currentData()
        self.city.clear()
        self.city.addItem(tr("filter.all"), None)
        table = self._districts()
        province = self.province.currentData()
        if table is not None and len(table):
            rows = table if province is None else table[table["province_adcode"].astype(str) == province]
            pairs = rows[["city_adcode", "city_zh"]].drop_duplicates().sort_values("city_adcode")
            for code, name in pairs.itertuples(index=False):
                self.city.addItem(str(name), str(code))
        self._select_data(self.city, current)
        self._fill_districts()

    def _fill_districts(self) -> None:
        current = self.district.currentData()
        self.district.clear()
        self.district.addItem(tr("filter.all"), None)
        table = self._districts()
        if table is not None and len(table):
            rows = table
            if self.city.currentData() is not None:
                rows = rows[rows["city_adcode"].astype(str) == self.city.currentData()]
            elif self.province.currentData() is not None:
                rows = rows[rows["province_adcode"].astype(str) == self.province.currentData()]
            if "in_circle" in rows.columns:  # districts of the circle first: they are what planners look for
                rows = rows.sort_values(["in_circle", "adcode"], ascending=[False, True])
            name_col = "name_zh" if i18n.language() == "zh" or "name_en" not in rows.columns else "name_en"
            for code, name in rows[["adcode", name_col]].itertuples(index=False):
                self.district.addItem(str(name), str(code))
        self._select_data(self.district, current)

    @staticmethod
    def _select_data(combo: QComboBox, value) -> None:
        index = combo.findData(value) if value is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def _on_province(self, *_):
        if self._syncing:
            return
        self._syncing = True
        self._fill_cities()
        self._syncing = False
        self._apply()

    def _on_city(self, *_):
        if self._syncing:
            return
        self._syncing = True
        self._fill_districts()
        self._syncing = False
        self._apply()

    # ---- view -> model ------------------------------------------------------------------
    def _on_toggle(self, dimension: str, key: str) -> None:
        if self._syncing:
            return
        checks = self.theme_checks if dimension == "themes" else self.status_checks
        if not any(c.isChecked() for c in checks.values()):
            # an empty selection cannot be told from "no filter"; keep the one just unticked
            self._syncing = True
            checks[key].setChecked(True)
            self._syncing = False
            return
        self._apply()

    def current_filter(self) -> Filter:
        themes = [k for k, c in self.theme_checks.items() if c.isChecked()]
        statuses = [k for k, c in self.status_checks.items() if c.isChecked()]
        y0 = self.year_min.value()
        y1 = self.year_max.value()
        y0 = None if y0 == YEAR_FLOOR else y0
        y1 = None if y1 == YEAR_FLOOR else y1
        if y0 is not None and y1 is not None and y0 > y1:
            y0, y1 = y1, y0
        district = self.district.currentData()
        city = self.city.currentData()
        province = self.province.currentData()
        return Filter(
            themes=() if len(themes) == len(THEMES) else themes,
            statuses=() if len(statuses) == len(STATUSES) else statuses,
            provinces=[province] if province and not city and not district else [],
            cities=[city] if city and not district else [],
            districts=[district] if district else [],
            year_min=y0,
            year_max=y1,
            text=self.text.text(),
            keep_undated=self.keep_undated.isChecked(),
        )

    def _apply(self, *_):
        if self._syncing:
            return
        self._text_timer.stop()
        self.document.set_filter(self.current_filter())

    def only_theme(self, key: str | None) -> None:
        """Show one theme alone (right-click a theme), or every theme again (None)."""
        self.document.set_filter(self.document.filter.replace(themes=[key] if key else []))

    def set_theme(self, key: str, on: bool) -> None:
        self.theme_checks[key].setChecked(on)

    def reset(self) -> None:
        self.document.set_filter(Filter())

    # ---- model -> view ------------------------------------------------------------------
    def _on_document_event(self, event) -> None:
        if isinstance(event, FilterChanged):
            self.sync_from_document()
        elif isinstance(event, (LayerAdded, LayerRemoved, LayerChanged)):
            self.update_counts()

    def sync_from_document(self) -> None:
        flt = self.document.filter
        self._syncing = True
        try:
            for key, check in self.theme_checks.items():
                check.setChecked(not flt.themes or key in flt.themes)
            for key, check in self.status_checks.items():
                check.setChecked(not flt.statuses or key in flt.statuses)
            self.year_min.setValue(flt.year_min if flt.year_min is not None else YEAR_FLOOR)
            self.year_max.setValue(flt.year_max if flt.year_max is not None else YEAR_FLOOR)
            self.keep_undated.setChecked(flt.keep_undated)
            self._select_data(self.province, flt.provinces[0] if flt.provinces else None)
            self._fill_cities()
            self._select_data(self.city, flt.cities[0] if flt.cities else None)
            self._fill_districts()
            self._select_data(self.district, flt.districts[0] if flt.districts else None)
            if self.text.text() != flt.text:
                self.text.setText(flt.text)
                self._text_timer.stop()
        finally:
            self._syncing = False
        self.update_counts()

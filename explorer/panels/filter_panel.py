"""Theme filter panel: theme and status toggles with counts, years, place, text.

Every control writes one new `Filter` into the document; the map, the table and
these counts all follow the document's `FilterChanged` event, so they never
disagree.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QCompleter, QMenu, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.panels.column_flow import ColumnFlowLayout
from explorer.panels.search_box import SEARCH_PLACEHOLDER
from geodata.core.message import Message, count
from geodata.core.themes import STATUSES, THEMES
from geodata.core.values import value_text
from layers.model.events import FilterChanged, LayerAdded, LayerChanged, LayerRemoved
from layers.model.filter import Filter

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 7  # a district item's name, pinyin and initials (typing finds it)
YEAR_FLOOR = 1990  # the spin box's "不限 / any" value
YEAR_CEILING = 2050

THEMES_TITLE = Message("专题", "Themes")
STATUS_TITLE = Message("状态", "Status")
YEARS_TITLE = Message("年份", "Years")
KEEP_UNDATED_N = Message("包括无年份（{n}）", "Include undated ({n})")
KEEP_UNDATED_TIP = Message(
    "多数项目的原文没有写明年份（年份为空）。勾选：设定年份范围后仍显示这些无年份的项目和项目线路；"
    "不勾选：只显示原文所述年份（开工、建成、设立、目标等，见“年份类型”）在范围内的要素。"
    "文件年份（doc_year）不算作项目年份。未设年份范围时此项不起作用。",
    "Most projects' source sentences give no year (year is empty). Ticked: with a year range set, these undated "
    "projects and project lines stay on the map; unticked: only features whose sentence dates them (start, "
    "opening, set-up, target … see “Year kind”) within the range are shown. The document's own year (doc_year) "
    "never counts as a project's year. Without a year range this has no effect.")
AREA_TITLE = Message("区域", "Area")
PLACE_LABELS = (Message("省/市", "Province"), Message("市", "City"), Message("区县", "District"))
TEXT_LABEL = Message("关键词", "Text")
ALL = Message("全部", "All")
RESET = Message("重置筛选", "Reset filter")
ONLY_THEME = Message("只看此专题", "Only this theme")
ALL_THEMES = Message("显示全部专题", "All themes")
ONLY_NAMED = Message("只看“{theme}”", "Only “{theme}”")
ALL_STATUSES = Message("显示全部状态", "All statuses")
# The two counts a reader sees side by side say what they count (they differ by design).
SHOWN = Message("筛选后 {count}（全图）", "{count} after the filter (whole map)")
SHOWN_TIP = Message("带专题或状态的要素（重点项目、导入的专题图层）中符合筛选条件的个数，不论是否在当前视图内",
                    "Features with a theme or status (projects, imported theme layers) that the filter keeps, "
                    "counted over the whole map, in view or not")
CURRENT = Message("当前筛选：{text}", "Filter: {text}")


@lru_cache(maxsize=4096)
def _finding_key(name_zh: str, name_en: str) -> str:
    """What typing matches in the district list: the names, pinyin and initials (pypinyin is slow: once)."""
    from layers.model.filter import search_key

    return search_key([name_zh, name_en])


def thematic_count(n: int) -> Message:
    return count(n, "个专题要素", "thematic feature")


class FilterPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._syncing = False
        self._district_list = None  # (province, city, language, "all" text, table) the district list shows

        self.theme_box = QGroupBox()
        # right-click between the boxes: the theme choices too (not the window's menu of panels)
        self.theme_box.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.theme_box.customContextMenuRequested.connect(lambda pos: self.theme_menu().popup(self.theme_box.mapToGlobal(pos)))
        grid = ColumnFlowLayout(self.theme_box, spacing=4, max_columns=3)  # 1–3 columns, as the dock's width allows
        grid.setContentsMargins(6, 6, 6, 6)
        self.theme_checks: dict[str, QCheckBox] = {}
        self._menu_actions: list[tuple[QAction, Message]] = []  # right-click on a theme
        for key in THEMES:
            check = QCheckBox()
            check.setChecked(True)
            check.toggled.connect(lambda _on, k=key: self._on_toggle("themes", k))
            check.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            only = QAction(check)
            only.triggered.connect(lambda _c=False, k=key: self.only_theme(k))
            every = QAction(check)
            every.triggered.connect(lambda _c=False: self.only_theme(None))
            check.addActions([only, every])
            self._menu_actions += [(only, ONLY_THEME), (every, ALL_THEMES)]
            grid.addWidget(check)
            self.theme_checks[key] = check

        self.status_box = QGroupBox()
        self.status_box.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.status_box.customContextMenuRequested.connect(lambda pos: self.status_menu().popup(self.status_box.mapToGlobal(pos)))
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
        self.keep_undated.setChecked(True)  # an unknown year is not a reason to hide a project
        self.keep_undated.setEnabled(False)  # until a year range is set
        self.keep_undated.toggled.connect(self._apply)
        year_column.addWidget(self.keep_undated)

        self.province = QComboBox()
        self.city = QComboBox()
        self.district = QComboBox()
        for combo in (self.province, self.city, self.district):
            # long English county names must not widen the dock: the popup shows them in full
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.district.setEditable(True)  # type to find: 大足, dazu or dzq
        self.district.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        finder = QCompleter(self.district.model(), self.district)
        finder.setCompletionRole(SEARCH_ROLE)
        finder.setFilterMode(Qt.MatchFlag.MatchContains)
        finder.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        finder.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        finder.activated[QModelIndex].connect(self._on_district_found)
        self.district.setCompleter(finder)
        self.district_finder = finder
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
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # quotes the typed text

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
        self.theme_box.setTitle(i18n.ui(THEMES_TITLE))
        self.status_box.setTitle(i18n.ui(STATUS_TITLE))
        self.year_box.setTitle(i18n.ui(YEARS_TITLE))
        self.keep_undated.setToolTip(i18n.ui(KEEP_UNDATED_TIP))
        self.place_box.setTitle(i18n.ui(AREA_TITLE))
        for label, text in zip(self.place_labels, PLACE_LABELS):
            label.setText(i18n.ui(text))
        self.text_label.setText(i18n.ui(TEXT_LABEL))
        self.text.setPlaceholderText(i18n.ui(SEARCH_PLACEHOLDER))
        self.reset_button.setText(i18n.ui(RESET))
        for spin in (self.year_min, self.year_max):
            spin.setSpecialValueText(i18n.ui(ALL))
        for action, text in self._menu_actions:
            action.setText(i18n.ui(text))
        self._fill_places()
        self.update_counts()

    def update_counts(self) -> None:
        counts = self.document.filter.counts(self.document.layers)
        for column, checks, found in (("themes", self.theme_checks, counts["themes"]),
                                      ("status", self.status_checks, counts["statuses"])):
            for key, check in checks.items():
                label = value_text(key, i18n.language(), column).replace("&", "&&")  # "&" would mark a shortcut
                check.setText(f"{label} ({found.get(key, 0)})")
        self.count_label.setText(i18n.ui(SHOWN, count=thematic_count(counts["total"]["features"])))
        self.count_label.setToolTip(i18n.ui(SHOWN_TIP))
        self.keep_undated.setText(i18n.ui(KEEP_UNDATED_N, n=self.undated_count()))
        active = self.document.filter != Filter()
        self.note.setText(i18n.ui(CURRENT, text=self.describe()) if active else "")
        self.note.setVisible(active)  # "all" would only repeat the count above

    def undated_count(self) -> int:
        """Features without a year that the rest of the filter keeps (what the box decides about)."""
        import numpy as np

        flt = self.document.filter.replace(year_min=None, year_max=None)
        n = 0
        for layer in self.document.layers:
            years = layer.cache.years if layer.data is not None else None
            if years is not None and (layer.filter_dims is None or "years" in layer.filter_dims):
                n += int((np.isnan(years) & flt.mask(layer)).sum())
        return n

    def describe(self) -> str:
        """The engine's one-line summary (places by their names, in the UI language)."""
        return self.document.filter.describe(i18n.language())

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
            self.province.addItem(i18n.ui(ALL), None)
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
        self.city.addItem(i18n.ui(ALL), None)
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
        """The districts of the chosen city (or province, or all), grouped under city headings that
        cannot be chosen; each item also carries its pinyin so typing `dazu` or `dzq` finds 大足区."""
        current = self.district.currentData()
        table = self._districts()
        key = (self.province.currentData(), self.city.currentData(), i18n.language(), i18n.ui(ALL), id(table))
        if key == self._district_list:  # the same list: refilling ~200 items on every filter change is slow
            self._select_data(self.district, current)
            return
        self._district_list = key
        entries = [(i18n.ui(ALL), None, False)] + self._district_entries(table)  # (text, adcode, heading)
        model = QStandardItemModel(self.district)
        for text, code, heading in entries:
            item = QStandardItem(text)
            item.setData(code, Qt.ItemDataRole.UserRole)
            if heading:
                item.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            elif code is not None:
                item.setData(_finding_key(*self._names[code]), SEARCH_ROLE)
            model.appendRow(item)
        was = self.district.blockSignals(True)
        self.district.setModel(model)  # one swap (Qt deletes the old model): adding ~200 items one by one took 1/4 s
        self.district_finder.setModel(model)
        self.district.blockSignals(was)
        self._select_data(self.district, current)

    def _district_entries(self, table) -> list[tuple[str, str | None, bool]]:
        """The district list: cities of the circle first, each city's heading (when the list spans
        several cities) and then its districts, those of the circle first."""
        from layers.model.filter import place_names

        self._names: dict[str, tuple[str, str]] = {}
        if table is None or not len(table):
            return []
        city, province = self.city.currentData(), self.province.currentData()
        en = i18n.language() == "en"
        cities = place_names() if en else {}
        has_en, has_in = "name_en" in table.columns, "in_circle" in table.columns
        blocks: dict[str, list] = {}
        for rec in table.itertuples(index=False):
            city_code = str(rec.city_adcode)
            if (city is not None and city_code != city) or (city is None and province is not None
                                                              and str(rec.province_adcode) != province):
                continue
            inside = int(rec.in_circle) if has_in else 0
            blocks.setdefault(city_code, []).append((-inside, str(rec.adcode), str(rec.name_zh),
                                                     str(rec.name_en) if has_en else str(rec.name_zh), str(rec.city_zh)))
        grouped = city is None and len(blocks) > 1
        out = []
        for city_code, rows in sorted(blocks.items(), key=lambda kv: (min(r[0] for r in kv[1]), kv[0])):
            rows.sort()
            if grouped:
                city_zh = rows[0][4]
                out.append((cities.get(city_code, (city_zh, city_zh))[1] if en else city_zh, None, True))
            for _, code, zh, name_en, _ in rows:
                self._names[code] = (zh, name_en)
                out.append((name_en if en else zh, code, False))
        return out

    @staticmethod
    def _select_data(combo: QComboBox, value) -> None:
        index = combo.findData(value) if value is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def _on_district_found(self, index) -> None:
        """A district picked from what was typed: choose it (the popup lists the combo's own items)."""
        code = index.data(Qt.ItemDataRole.UserRole)
        if code is not None:
            self.district.setCurrentIndex(max(self.district.findData(code), 0))

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
            # only meaningful with a range: without one the filter stays "no filter"
            keep_undated=self.keep_undated.isChecked() and (y0 is not None or y1 is not None),
        )

    def _apply(self, *_):
        if self._syncing:
            return
        self._text_timer.stop()
        self.document.set_filter(self.current_filter())

    def theme_menu(self) -> QMenu:
        """The menu of the theme box: every theme alone, or all of them."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(i18n.ui(ALL_THEMES), lambda: self.only_theme(None))
        menu.addSeparator()
        for key in THEMES:
            label = value_text(key, i18n.language(), "themes").replace("&", "&&")
            menu.addAction(i18n.ui(ONLY_NAMED, theme=label), lambda k=key: self.only_theme(k))
        return menu

    def status_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(i18n.ui(ALL_STATUSES), lambda: self.document.set_filter(self.document.filter.replace(statuses=[])))
        menu.addSeparator()
        for key in STATUSES:
            label = value_text(key, i18n.language(), "status").replace("&", "&&")
            menu.addAction(i18n.ui(ONLY_NAMED, theme=label),
                           lambda k=key: self.document.set_filter(self.document.filter.replace(statuses=[k])))
        return menu

    def only_theme(self, key: str | None) -> None:
        """Show one theme alone (right-click a theme), or every theme again (None)."""
        self.document.set_filter(self.document.filter.replace(themes=[key] if key else []))

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
            ranged = flt.year_min is not None or flt.year_max is not None
            if ranged:  # without a range the box keeps the user's choice for the next range
                self.keep_undated.setChecked(flt.keep_undated)
            self.keep_undated.setEnabled(ranged)
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

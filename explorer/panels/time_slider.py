"""The year slider: the map up to a year, cumulatively, stepping 2021–2027.

Not a state of its own: moving it writes `timeline.up_to(filter, year)` into the document, and it
reads its position back from every FilterChanged (`timeline_year`), so the filter panel's year
boxes, the map, the statistics and the slider always show one filter.  Undated features follow the
filter's "keep features without a year" box, as every year filter does.  The year is shown beside
the slider and in the status bar.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QToolBar, QToolButton, QWidget

from explorer import i18n
from geodata.core.message import Message
from layers.model.events import FilterChanged
from layers.model.timeline import FIRST_YEAR, LAST_YEAR, UP_TO, timeline_year, up_to

TOOLBAR = Message("时间轴", "Time line")
BY_YEAR = Message("按年份", "By year")
BY_YEAR_TIP = Message("勾选后地图只显示截至所选年份（含）的要素，逐年累计；未注明年份的要素是否显示，取决于专题筛选中的“保留未注明年份的要素”",
                      "When ticked, the map shows what is dated up to the chosen year (inclusive), adding year by "
                      "year; features without a year follow “Keep features without a year” in the theme filter")
ALL_YEARS = Message("全部年份", "All years")
PLAY = Message("▶ 播放", "▶ Play")
PAUSE = Message("■ 停止", "■ Stop")
PLAY_TIP = Message("从 2021 年起逐年显示，每秒一年", "Step through the years from 2021, one a second")
STEP_MS = 1000
STATUS = Message("时间轴：截至 {year} 年（{undated}）", "Time line: up to {year} ({undated})")
UNDATED_KEPT = Message("含未注明年份的要素", "undated features kept")
UNDATED_HIDDEN = Message("未注明年份的要素已隐藏", "undated features hidden")


class TimeSlider(QWidget):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._syncing = False
        self.enabled = QCheckBox()
        self.enabled.toggled.connect(self._apply)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(FIRST_YEAR, LAST_YEAR)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setMinimumWidth(140)
        self.slider.setValue(LAST_YEAR)
        self.slider.valueChanged.connect(self._on_slide)
        self.year_label = QLabel()
        self.year_label.setObjectName("timeYear")
        self.year_label.setMinimumWidth(self.year_label.fontMetrics().horizontalAdvance(UP_TO.format(year=LAST_YEAR).text("zh")) + 12)
        self.status_label = QLabel()  # the window's status bar shows this one
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play)
        self._timer = QTimer(self)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self.step)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.play_button)
        row.addWidget(self.enabled)
        row.addWidget(self.slider, 1)
        row.addWidget(self.year_label)
        self._unsubscribe = document.subscribe(self._on_document_event)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()
        self.sync_from_document()

    @property
    def year(self) -> int | None:
        """The year the map is shown up to, or None when the time line is off."""
        return self.slider.value() if self.enabled.isChecked() else None

    def set_year(self, year: int | None) -> None:
        """Show the map up to `year` (None: every year again)."""
        if year is None:
            self.enabled.setChecked(False)
            return
        self._syncing = True
        self.slider.setValue(int(year))
        self._syncing = False
        if self.enabled.isChecked():
            self._apply()
        else:
            self.enabled.setChecked(True)

    # ---- playing ---------------------------------------------------------------------------
    def _on_play(self, playing: bool) -> None:
        self.play_button.setText(i18n.ui(PAUSE if playing else PLAY))
        if not playing:
            self._timer.stop()
            return
        if self.year is None or self.year >= LAST_YEAR:
            self.set_year(FIRST_YEAR)  # from the start, as an animation does
        self._timer.start()

    def step(self) -> None:
        """One year on; playing stops at the last year (the map stays there)."""
        year = FIRST_YEAR if self.year is None else self.year + 1
        if year > LAST_YEAR:
            self.play_button.setChecked(False)
            return
        self.set_year(year)
        if year == LAST_YEAR:
            self.play_button.setChecked(False)

    # ---- view -> model ---------------------------------------------------------------------
    def _on_slide(self, _value: int) -> None:
        if self._syncing:
            return
        if not self.enabled.isChecked():
            self.enabled.setChecked(True)  # moving the slider means "show me that year"
        else:
            self._apply()

    def _apply(self, *_):
        if self._syncing:
            return
        self.document.set_filter(up_to(self.document.filter, self.year))

    # ---- model -> view ---------------------------------------------------------------------
    def _on_document_event(self, event) -> None:
        if isinstance(event, FilterChanged):
            self.sync_from_document()

    def sync_from_document(self) -> None:
        year = timeline_year(self.document.filter)
        self._syncing = True
        try:
            self.enabled.setChecked(year is not None)
            if year is not None:
                self.slider.setValue(year)
        finally:
            self._syncing = False
        self._show_year()

    def retranslate(self, *_):
        self.enabled.setText(i18n.ui(BY_YEAR))
        self.play_button.setText(i18n.ui(PAUSE if self.play_button.isChecked() else PLAY))
        self.play_button.setToolTip(i18n.ui(PLAY_TIP))
        for widget in (self.enabled, self.slider, self.year_label):
            widget.setToolTip(i18n.ui(BY_YEAR_TIP))
        self._show_year()

    def _show_year(self) -> None:
        year = self.year
        self.year_label.setText(i18n.ui(UP_TO, year=year) if year is not None else i18n.ui(ALL_YEARS))
        if year is None:
            self.status_label.setText("")
            self.status_label.setVisible(False)
            return
        undated = UNDATED_KEPT if self.document.filter.keep_undated else UNDATED_HIDDEN
        self.status_label.setText(i18n.ui(STATUS, year=year, undated=undated))
        self.status_label.setVisible(True)

    def shutdown(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        i18n.remove_listener(self.retranslate)


def install(window) -> TimeSlider:
    """The time-line toolbar (beside the main one) and its status-bar label."""
    slider = TimeSlider(window.document)
    bar = QToolBar()
    bar.setObjectName("timeToolbar")
    bar.setMovable(False)
    bar.addWidget(slider)
    bar.setWindowTitle(i18n.ui(TOOLBAR))
    i18n.on_language_changed(lambda _lang: bar.setWindowTitle(i18n.ui(TOOLBAR)))
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    window.statusBar().insertPermanentWidget(0, slider.status_label)
    slider.toolbar = bar
    return slider

"""Search box: districts, projects and project lines, stations, lines, seats by Chinese name, pinyin or initials.

Matching reuses the engine's search keys (`LayerCache.search_keys`, built by
`layers.model.filter.search_key`), so the box and the filter's text field agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from explorer import i18n, plain_text
from geodata.core.message import Message

SEARCH_LAYERS = ("districts", "projects", "project_lines", "stations", "railways", "expressways", "seats", "cities", "rivers")
MAX_RESULTS = 30
SEARCH_PLACEHOLDER = Message("搜索区县、项目、站点、线路（中文/拼音/首字母）",
                             "Search districts, projects, stations, lines (中文 / pinyin / initials)")


@dataclass(frozen=True)
class SearchResult:
    layer: str
    row: int
    feature_id: str
    label: str


def search(document, text: str, limit: int = MAX_RESULTS) -> list[SearchResult]:
    """Features whose name/pinyin/initials contain every token; exact and prefix matches first."""
    tokens = [t for t in re.split(r"\s+", text.strip().lower()) if t]
    if not tokens:
        return []
    scored = []
    order = {name: i for i, name in enumerate(SEARCH_LAYERS)}
    for layer in document.layers:
        if layer.name not in order or layer.data is None or not len(layer.data):
            continue
        cache = layer.cache
        keys = cache.search_keys
        if keys is None:
            continue
        names = layer.data["name_zh"].tolist() if "name_zh" in layer.data.columns else cache.ids
        names_en = layer.data["name_en"].tolist() if "name_en" in layer.data.columns else [None] * len(names)
        for row, key in enumerate(keys):
            if all(t in key for t in tokens):
                parts = key.split("\x1f")
                rank = 0 if tokens[0] in parts else 1 if any(p.startswith(tokens[0]) for p in parts) else 2
                name = str(names[row])
                shown = i18n.name_text(name, names_en[row] if isinstance(names_en[row], str) else None)
                label = plain_text.shown(f"{shown}  · {layer.title(i18n.language())}")  # no bidi marks
                scored.append((rank, order[layer.name], len(name), SearchResult(layer.name, row, cache.ids[row], label)))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored[:limit]]


class SearchBox(QLineEdit):
    result_chosen = Signal(object)  # SearchResult

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.results: list[SearchResult] = []
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(280)
        self.setMaximumWidth(460)
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(12)
        self._completer.activated[QModelIndex].connect(self._on_activated)
        self.setCompleter(self._completer)
        self.textEdited.connect(self.update_results)
        self.returnPressed.connect(self.choose_first)
        i18n.on_language_changed(self.retranslate)
        self.retranslate()

    def retranslate(self, *_):
        self.setPlaceholderText(i18n.ui(SEARCH_PLACEHOLDER))

    def update_results(self, text: str) -> None:
        self.results = search(self.document, text)
        self._model.setStringList([r.label for r in self.results])
        if self.results and self.hasFocus():
            self._completer.complete()

    def _on_activated(self, index: QModelIndex) -> None:
        # the popup lists self.results unfiltered, so its row is the result's position
        # (labels may repeat: two features of one name)
        if 0 <= index.row() < len(self.results):
            self.result_chosen.emit(self.results[index.row()])

    def choose_first(self) -> None:
        popup = self._completer.popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            return  # Return on a highlighted suggestion: the completer reports that one
        if not self.results:
            self.update_results(self.text())
        if self.results:
            self._completer.popup().hide()
            self.result_chosen.emit(self.results[0])

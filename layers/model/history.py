"""Undo/redo of filter and style changes, kept beside the document (no Qt).

`DocumentHistory(document)` listens to the document's events and records each change of
the filter and of a layer's look (style, label settings, label field, labels on/off) as
(before, after), whichever panel or dialog made it; `undo()`/`redo()` set the values back
through the document, so every view follows as after any change.  Consecutive edits of the
filter's search text merge into one step (typing a word is one change).  A removed layer's
steps are dropped with it.  `subscribe(callback)` tells the window when what can be undone
changed (to enable its menu items).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from geodata.core.message import Message
from layers.model.events import FilterChanged, LayerAdded, LayerChanged, LayerRemoved

TRACKED = ("style", "labels", "label_field", "show_labels")  # a layer's look
FILTER = ""  # a step's target: the filter, else a layer name
LIMIT = 200
FILTER_STEP = Message("筛选", "filter")
STYLE_STEP = Message("“{layer}”的样式", "style of “{layer}”")


@dataclass
class Step:
    target: str  # FILTER or a layer name
    before: dict[str, Any]
    after: dict[str, Any]

    def describe(self, document, language: str = "zh") -> str:
        if self.target == FILTER:
            return FILTER_STEP.text(language)
        title = document.layer(self.target).title(language) if self.target in document else self.target
        return STYLE_STEP.text(language).format(layer=title)


class DocumentHistory:
    def __init__(self, document, limit: int = LIMIT) -> None:
        self.document = document
        self.limit = limit
        self.undo_steps: list[Step] = []
        self.redo_steps: list[Step] = []
        self._listeners: list[Callable[[], None]] = []
        self._applying = False
        self._filter = document.filter
        self._looks = {layer.name: self._look(layer) for layer in document.layers}
        self._unsubscribe = document.subscribe(self._on_event)

    @staticmethod
    def _look(layer) -> dict[str, Any]:
        # a copy: a style edited in place later must not change what was recorded
        return {key: copy.deepcopy(getattr(layer, key)) for key in TRACKED}

    def close(self) -> None:
        self._unsubscribe()

    # ---- recording --------------------------------------------------------------------
    def _on_event(self, event) -> None:
        if isinstance(event, FilterChanged):
            before, self._filter = self._filter, event.filter
            if not self._applying:
                self._record(Step(FILTER, {"filter": before}, {"filter": event.filter}))
        elif isinstance(event, LayerChanged) and event.name in self._looks and set(TRACKED) & event.changes:
            before = self._looks[event.name]
            after = self._look(self.document.layer(event.name))
            self._looks[event.name] = after
            changed = [k for k in TRACKED if before[k] != after[k]]
            if changed and not self._applying:
                self._record(Step(event.name, {k: before[k] for k in changed}, {k: after[k] for k in changed}))
        elif isinstance(event, LayerAdded):
            self._looks[event.name] = self._look(self.document.layer(event.name))
        elif isinstance(event, LayerRemoved):
            self._looks.pop(event.name, None)
            self.undo_steps = [s for s in self.undo_steps if s.target != event.name]
            self.redo_steps = [s for s in self.redo_steps if s.target != event.name]
            self._notify()

    def _record(self, step: Step) -> None:
        last = self.undo_steps[-1] if self.undo_steps else None
        if last is not None and step.target == FILTER == last.target and _text_only(last) and _text_only(step):
            last.after = step.after  # typing in the search box: one step per word, not per key
        else:
            self.undo_steps.append(step)
            del self.undo_steps[:-self.limit]
        self.redo_steps.clear()
        self._notify()

    # ---- undo / redo ----------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self.undo_steps)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_steps)

    def undo(self) -> bool:
        """Set back the last change; False when there is none."""
        return self._move(self.undo_steps, self.redo_steps, "before")

    def redo(self) -> bool:
        return self._move(self.redo_steps, self.undo_steps, "after")

    def _move(self, source: list[Step], target: list[Step], side: str) -> bool:
        if not source:
            return False
        step = source.pop()
        self._apply(step.target, getattr(step, side))
        target.append(step)
        self._notify()
        return True

    def _apply(self, target: str, values: dict[str, Any]) -> None:
        self._applying = True
        try:
            if target == FILTER:
                self.document.set_filter(values["filter"])
            elif target in self.document:
                self.document.set_layer(target, **copy.deepcopy(values))
        finally:
            self._applying = False

    def undo_text(self, language: str = "zh") -> str:
        return self.undo_steps[-1].describe(self.document, language) if self.undo_steps else ""

    def redo_text(self, language: str = "zh") -> str:
        return self.redo_steps[-1].describe(self.document, language) if self.redo_steps else ""

    def clear(self) -> None:
        self.undo_steps.clear()
        self.redo_steps.clear()
        self._notify()

    # ---- listeners ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()


def _text_only(step: Step) -> bool:
    """A filter step that changed only the search text."""
    before, after = step.before["filter"], step.after["filter"]
    return before.replace(text=after.text) == after and before.text != after.text

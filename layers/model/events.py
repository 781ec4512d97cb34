"""What a MapDocument tells its views after a change: one frozen value per kind of change.

`MapDocument.subscribe(callback)` calls `callback(event)` with one of these; a view
dispatches on the type (`match event: case FilterChanged(filter=f): ...`), so a
misspelt event is an import error rather than a branch that silently never runs.
A mutator that changes nothing sends nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class LayerAdded:
    name: str


@dataclass(frozen=True)
class LayerRemoved:
    name: str


@dataclass(frozen=True)
class LayersReordered:
    names: tuple[str, ...]  # the new drawing order, bottom first


@dataclass(frozen=True)
class LayerChanged:
    name: str
    changes: frozenset[str]  # the MapLayer attributes that changed ("visible", "style", "data", ...)


@dataclass(frozen=True)
class FilterChanged:
    filter: Any  # layers.model.filter.Filter


@dataclass(frozen=True)
class ExtentChanged:
    extent: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class SelectionChanged:
    selection: dict[str, tuple[str, ...]]  # {layer: feature ids}; a copy, the document keeps its own


@dataclass(frozen=True)
class LanguageChanged:
    language: str  # "zh" or "en"


DocumentEvent = Union[LayerAdded, LayerRemoved, LayersReordered, LayerChanged, FilterChanged, ExtentChanged,
                      SelectionChanged, LanguageChanged]

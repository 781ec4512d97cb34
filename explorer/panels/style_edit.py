"""The layer panel's simple style edits (one colour, one line width) as new LayerStyle values."""
from __future__ import annotations

from dataclasses import replace

from layers.model.classify import recolour
from layers.model.style import LayerStyle, Style, StyleClass


def with_colour(layer_style: LayerStyle, colour: str, kind: str) -> LayerStyle:
    """Every class of the layer in `colour` (status dashes and symbols kept)."""
    return _map(layer_style, lambda s: recolour(s, colour, kind))


def with_width(layer_style: LayerStyle, width_pt: float) -> LayerStyle:
    """Every class stroked `width_pt` wide (casings keep their margin around the core)."""

    def widen(s: Style) -> Style:
        if s.casing:
            return replace(s, width_pt=width_pt, casing_width_pt=width_pt + max(s.casing_width_pt - s.width_pt, 0.5))
        return replace(s, width_pt=width_pt)

    return _map(layer_style, widen)


def main_colour(layer_style: LayerStyle, kind: str) -> str:
    s = layer_style.base
    if kind == "line":
        return (s.casing if s.casing and s.stroke in ("#ffffff", None) else s.stroke) or "#333333"
    return s.fill if s.fill and s.fill != "#ffffff" else (s.stroke or "#333333")


def _map(layer_style: LayerStyle, change) -> LayerStyle:
    classes = {k: StyleClass(c.key, c.label_zh, c.label_en, change(c.style)) for k, c in layer_style.classes.items()}
    # replace(): every other field of the layer style (displace_points …) survives the edit.
    return replace(layer_style, base=change(layer_style.base), classes=classes)

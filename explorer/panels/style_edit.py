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


# ---- the style dialog's entries (one row a class) -------------------------------------

def style_entries(layer) -> list[tuple[str, StyleClass, int]]:
    """(key, class, features) for each class of the layer's style, in its order; a style
    without classes is its one base symbol (key "")."""
    import numpy as np

    from layers.model.classify import feature_keys

    style = layer.style
    counts: dict[str, int] = {}
    if layer.data is not None and len(layer.data):
        keys, n = np.unique(feature_keys(style, layer.cache).astype(str), return_counts=True)
        counts = dict(zip(keys.tolist(), n.tolist()))
    if not style.classes:
        return [("", style.style_class("", (layer.title_zh, layer.title_en)), sum(counts.values()))]
    return [(key, c, counts.get(key, 0)) for key, c in style.classes.items()]


def with_class_colour(layer_style: LayerStyle, key: str, colour: str, kind: str) -> LayerStyle:
    """One class (or, for a style without classes, its base symbol) drawn in `colour`."""
    if key not in layer_style.classes:
        return replace(layer_style, base=recolour(layer_style.base, colour, kind))
    c = layer_style.classes[key]
    classes = dict(layer_style.classes)
    classes[key] = StyleClass(c.key, c.label_zh, c.label_en, recolour(c.style, colour, kind))
    return replace(layer_style, classes=classes)


def with_class_label(layer_style: LayerStyle, key: str, text: str, language: str) -> LayerStyle:
    """One class's legend label in `language` set to `text` (the other language kept)."""
    c = layer_style.classes.get(key)
    if c is None:
        return layer_style
    zh, en = (c.label_zh, text) if language == "en" else (text, c.label_en)
    classes = dict(layer_style.classes)
    classes[key] = StyleClass(c.key, zh, en, c.style)
    return replace(layer_style, classes=classes)


def class_colour(style: Style, kind: str) -> str:
    """The colour a class is seen in (the casing of a white-cored line, a symbol's fill)."""
    return main_colour(LayerStyle(base=style), kind)

"""Styles by attribute, as QGIS makes them: categorized (a colour per distinct value) and
graduated (a numeric field cut into classes by equal interval, quantile or natural breaks).

Plain values, no Qt: `categorized_style` / `graduated_style` build a `LayerStyle` from a
layer's data; `feature_keys(style, cache)` gives every feature its class key, vectorised
(numpy `searchsorted` for graduated, the cache's per-column keys otherwise), which the
renderer groups and draws class by class.  Natural breaks are Fisher-Jenks from `jenkspy`.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from geodata.core.message import Message, MessageError
from geodata.core.values import CODED_VALUES
from layers.model.style import THEME_STYLE, LayerStyle, Style, StyleClass, describe_key


class ClassifyError(MessageError, ValueError):
    """A field that cannot be styled this way (missing, no numbers, too many values); one clear line."""


def _bad(zh: str, en: str, **values) -> ClassifyError:
    return ClassifyError(Message(zh, en).format(**values) if values else Message(zh, en))

# Distinct colours for categories (ColorBrewer Set1/Dark2/Paired hues, in a readable order).
CATEGORY_PALETTES: dict[str, tuple[str, ...]] = {
    "set1": ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999", "#dede00",
             "#1b9e77"),
    "dark2": ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"),
    "paired": ("#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a", "#fb9a99",
               "#fdbf6f", "#cab2d6", "#ffff99"),
}
# Colour ramps for classes, light to dark (ColorBrewer sequential; viridis): interpolated to n.
RAMPS: dict[str, tuple[str, ...]] = {
    "ylorrd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    "blues": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "greens": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
    "purples": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
    "viridis": ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"),
}
# Known vocabularies keep their map colours when categorized.
STATUS_COLOURS = {"operating": "#2b8a3e", "under_construction": "#e8590c", "planned": "#1f5fbf"}
NO_DATA = "#bdbdbd"
MAX_CATEGORIES = 200  # beyond this a field is an identifier, not a category
JENKS_SAMPLE = 3000  # natural breaks of more values are found on this many evenly spaced ranks


def recolour(style: Style, colour: str, kind: str) -> Style:
    """`style` drawn in `colour`: the part that carries a layer's colour for its geometry kind."""
    if kind == "line":
        # railways/expressways draw a white core over a coloured casing: the casing carries the colour
        if style.casing and style.stroke in ("#ffffff", None):
            return replace(style, casing=colour)
        return replace(style, stroke=colour)
    if kind == "point":
        return replace(style, fill=colour) if style.fill not in (None, "#ffffff") else replace(style, stroke=colour)
    return replace(style, fill=colour) if style.fill else replace(style, stroke=colour)


def plain_symbol(style: Style, kind: str) -> Style:
    """A solid, filled version of `style` to colour by attribute (no hollow planned symbol, no
    white railway core), keeping its symbol, size and widths."""
    if kind == "point":
        return replace(style, fill=style.fill if style.fill not in (None, "#ffffff") else "#888888",
                       fill_opacity=1.0, stroke="#ffffff", dash="solid")
    if kind == "line":
        width = max(style.width_pt, style.casing_width_pt * 0.7 if style.casing else 0.0, 1.2)
        return replace(style, stroke=style.stroke or "#888888", width_pt=width, dash="solid", casing=None,
                       casing_width_pt=0.0)
    return replace(style, fill=style.fill or "#888888", fill_opacity=max(style.fill_opacity, 0.6), dash="solid")


def category_values(data, attribute: str) -> list[str]:
    """The distinct class keys of `attribute` (as `LayerCache.class_keys` spells them), in the
    vocabulary's order for coded fields, else natural order; a blank last as ""."""
    from layers.model.layer_cache import column_keys

    if attribute not in data.columns:
        raise _bad("没有字段 {a}；可用字段：{f}", "no field {a}; fields: {f}", a=repr(attribute),
                   f=", ".join(str(c) for c in data.columns if c != "geometry"))
    keys = set(column_keys(data[attribute], attribute).tolist())
    coded = list(CODED_VALUES.get(attribute, {}))
    order = {k: i for i, k in enumerate(coded)}

    def sort_key(k: str):
        if k in order:
            return (0, order[k], 0.0, "")
        number = pd.to_numeric(k, errors="coerce")
        return (1, 0, float(number) if pd.notna(number) else float("inf"), k)

    values = sorted((k for k in keys if k != ""), key=sort_key)
    if len(values) > MAX_CATEGORIES:
        raise _bad("{a} 有 {n} 个不同的值，超过 {m} 个分类", "{a} has {n} distinct values, more than {m} categories",
                   a=repr(attribute), n=len(values), m=MAX_CATEGORIES)
    return values + ([""] if "" in keys else [])


def category_colours(attribute: str, values: list[str], palette: str = "set1") -> list[str]:
    colours = CATEGORY_PALETTES.get(palette, CATEGORY_PALETTES["set1"])
    out, i = [], 0
    for v in values:
        if v == "":
            out.append(NO_DATA)
        elif attribute == "themes" and v in THEME_STYLE:
            out.append(THEME_STYLE[v][0])
        elif attribute == "status" and v in STATUS_COLOURS:
            out.append(STATUS_COLOURS[v])
        else:
            out.append(colours[i % len(colours)])
            i += 1
    return out


def categorized_style(current: LayerStyle, data, kind: str, attribute: str, palette: str = "set1",
                      words: tuple[str, str] = ("", "")) -> LayerStyle:
    """One class per distinct value of `attribute`, coloured from `palette`; labelled with the
    coded values' words (在建 / Under construction) where the field has a vocabulary; `words`
    names the field in the legend heading (状态 / Status)."""
    values = category_values(data, attribute)
    base = plain_symbol(current.base, kind)
    classes = {}
    for value, colour in zip(values, category_colours(attribute, values, palette)):
        zh, en = describe_key((attribute,), value) if value else ("无数据", "No data")
        classes[value] = StyleClass(value, zh, en, recolour(base, colour, kind))
    return replace(current, renderer="categorized", attribute=attribute, fields=(attribute,), classes=classes,
                   base=recolour(base, NO_DATA, kind), breaks=(), palette=palette, attribute_zh=words[0],
                   attribute_en=words[1])


def numeric_values(data, attribute: str) -> np.ndarray:
    """`attribute` as float64, blanks and text as NaN."""
    if attribute not in data.columns:
        raise _bad("没有字段 {a}", "no field {a}", a=repr(attribute))
    return pd.to_numeric(data[attribute], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def class_breaks(values, n: int, method: str = "equal_interval") -> list[float]:
    """n + 1 ascending edges from the data's minimum to its maximum (fewer when the data has
    fewer distinct values); `method` is equal_interval, quantile or jenks (natural breaks)."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if not len(v):
        raise _bad("该字段没有可分级的数值", "the field has no numbers to classify")
    n = max(1, int(n))
    lo, hi = float(v.min()), float(v.max())
    distinct = np.unique(v)
    if len(distinct) == 1:
        return [lo, hi]
    n = min(n, len(distinct))
    if method == "equal_interval":
        edges = np.linspace(lo, hi, n + 1)
    elif method == "quantile":
        edges = np.quantile(v, np.linspace(0.0, 1.0, n + 1))
    elif method == "jenks":
        import jenkspy

        sample = np.sort(v)
        if len(sample) > JENKS_SAMPLE:  # Fisher-Jenks is O(n²·k): classify evenly spaced ranks, as QGIS does
            sample = sample[np.linspace(0, len(sample) - 1, JENKS_SAMPLE).round().astype(int)]
        edges = np.asarray(jenkspy.jenks_breaks(sample, n_classes=n), dtype="float64") if n > 1 else np.array([lo, hi])
    else:
        raise _bad("未知的分级方法 {m}；可选 equal_interval、quantile 或 jenks",
                   "unknown method {m}; choose equal_interval, quantile or jenks", m=repr(method))
    edges = np.unique(edges.astype("float64"))
    edges[0], edges[-1] = lo, hi  # the first and last class meet the data's ends exactly
    return edges.tolist()


def graduated_keys(values: np.ndarray, breaks) -> np.ndarray:
    """Class key per value: "i" for (breaks[i], breaks[i+1]] (the first class also holds its
    low end), "" for a blank or a value outside the breaks."""
    b = np.asarray(breaks, dtype="float64")
    v = np.asarray(values, dtype="float64")
    out = np.full(len(v), "", dtype=object)
    if len(b) < 2:
        return out
    inside = np.isfinite(v) & (v >= b[0]) & (v <= b[-1])
    index = np.searchsorted(b[1:-1], v[inside], side="left")
    names = np.array([str(i) for i in range(len(b) - 1)], dtype=object)
    out[inside] = names[index]
    return out


def ramp_colours(ramp: str, n: int) -> list[str]:
    """`n` colours evenly along a ramp, light to dark."""
    anchors = RAMPS.get(ramp, RAMPS["ylorrd"])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in anchors], dtype=float)
    at = np.linspace(0, len(anchors) - 1, max(n, 1)) if n > 1 else np.array([(len(anchors) - 1) / 2])
    mixed = np.stack([np.interp(at, np.arange(len(anchors)), rgb[:, k]) for k in range(3)], axis=1)
    return ["#" + "".join(f"{round(x):02x}" for x in row) for row in mixed]


def range_label(low: float, high: float, breaks) -> str:
    """"12 – 30" with as many decimals as the breaks need (at most 2)."""
    digits = 0 if all(float(b).is_integer() for b in breaks) else 2 if (max(breaks) - min(breaks)) < 100 else 1

    def text(x: float) -> str:  # thousands grouped from 10 000 on (a year stays 2025)
        return f"{x:,.{digits}f}" if abs(x) >= 10_000 else f"{x:.{digits}f}"

    return f"{text(low)} – {text(high)}"


def graduated_style(current: LayerStyle, data, kind: str, attribute: str, n: int = 5, method: str = "jenks",
                    ramp: str = "ylorrd", words: tuple[str, str] = ("", "")) -> LayerStyle:
    """Numeric `attribute` in `n` classes by `method`, coloured along `ramp` (`words`: as categorized)."""
    values = numeric_values(data, attribute)
    breaks = class_breaks(values, n, method)
    base = plain_symbol(current.base, kind)
    colours = ramp_colours(ramp, len(breaks) - 1)
    classes = {}
    for i, colour in enumerate(colours):
        text = range_label(breaks[i], breaks[i + 1], breaks)
        classes[str(i)] = StyleClass(str(i), text, text, recolour(base, colour, kind))
    return replace(current, renderer="graduated", attribute=attribute, fields=(), classes=classes,
                   base=recolour(base, NO_DATA, kind), breaks=tuple(breaks), method=method, palette=ramp,
                   attribute_zh=words[0], attribute_en=words[1])


def with_breaks(style: LayerStyle, breaks) -> LayerStyle:
    """A graduated style with edited edges: colours kept per class, range labels rewritten
    (a label the user typed stays when the class keeps its range)."""
    breaks = sorted(float(b) for b in breaks)
    classes = {}
    for i in range(len(breaks) - 1):
        old = style.classes.get(str(i))
        text = range_label(breaks[i], breaks[i + 1], breaks)
        keep = old is not None and i + 1 < len(style.breaks) and (style.breaks[i], style.breaks[i + 1]) == (breaks[i], breaks[i + 1])
        zh, en = (old.label_zh, old.label_en) if keep else (text, text)
        classes[str(i)] = StyleClass(str(i), zh, en, old.style if old is not None else style.base)
    return replace(style, breaks=tuple(breaks), classes=classes)


def feature_keys(style: LayerStyle, cache) -> np.ndarray:
    """Every feature's class key under `style` (object array, one per row of the layer)."""
    if style.renderer == "graduated" and style.attribute:
        if style.attribute not in cache.gdf.columns:  # a project saved on other data: every feature "no data"
            return np.full(len(cache.gdf), "", dtype=object)
        memo = ("graduated", style.attribute, tuple(style.breaks))
        return cache.memo(memo, lambda: graduated_keys(numeric_values(cache.gdf, style.attribute), style.breaks))
    return cache.class_keys(tuple(style.fields))

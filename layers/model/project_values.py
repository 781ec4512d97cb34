"""What a saved map document may hold: every value checked for type and range.

A project file is JSON anyone may edit, and a value that parses can still break the map
later: a symbol of 1e308 points, an extent of ±1e308 metres, a colour that is a list.  These
checks say what is wrong with a value (a short English phrase, empty when it is fine);
`project_file.load_project` resets what is wrong to its default and reports it, while
`MapDocument.from_dict` refuses it (`ValueError`), so nothing damaged reaches a renderer.
"""
from __future__ import annotations

import math
import re
from dataclasses import MISSING, fields
from typing import Any

from layers.model.filter import DIMENSIONS
from layers.model.style import DASHES, METHODS, RENDERERS, SYMBOLS, Style

MAX_NAME = 200  # characters of a layer name, title or label
MAX_ITEMS = 1000  # entries of a list or mapping (theme tags, classes, selection)
# The display CRS is metres of a conic projection centred on the region: the Earth fits in ±4e7.
MAX_COORDINATE_M = 4.0e7
# Sizes in points: generous for any map, far from what makes Qt allocate gigabytes.
STYLE_RANGES = {"width_pt": (0.0, 50.0), "casing_width_pt": (0.0, 60.0), "symbol_size_pt": (0.0, 100.0),
                "label_size_pt": (1.0, 100.0), "opacity": (0.0, 1.0), "fill_opacity": (0.0, 1.0),
                "label_halo_pt": (0.0, 20.0)}
DEFAULT_RANGE = (0.0, 1000.0)  # a number field added to Style later, until it names its own
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_COLOUR_FIELDS = ("fill", "stroke", "casing", "label_color", "label_halo")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _text(value, limit: int = MAX_NAME) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _texts(value) -> bool:
    return isinstance(value, list) and len(value) <= MAX_ITEMS and all(_text(v) for v in value)


def style_problem(data) -> str:
    """What is wrong with a saved `Style` (empty when nothing)."""
    if not isinstance(data, dict):
        return "a style is not a mapping"
    for f in fields(Style):
        if f.name not in data:
            continue
        value, default = data[f.name], f.default if f.default is not MISSING else None
        if f.name in _COLOUR_FIELDS:
            if not ((value is None and f.name != "label_color") or (isinstance(value, str) and _COLOUR.fullmatch(value))):
                return f"{f.name} is not a colour (#rrggbb)"
        elif f.name in ("dash", "casing_dash"):
            if value not in DASHES:
                return f"{f.name} is not one of {', '.join(DASHES)}"
        elif f.name == "symbol":
            if value is not None and value not in SYMBOLS:
                return f"symbol is not one of {', '.join(SYMBOLS)}"
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                return f"{f.name} is not true/false"
        elif isinstance(default, (int, float)):
            low, high = STYLE_RANGES.get(f.name, DEFAULT_RANGE)
            if not (is_number(value) and low <= value <= high):
                return f"{f.name} is not a number from {low:g} to {high:g}"
        elif isinstance(default, str) and not _text(value):
            return f"{f.name} is not text"
    return ""


def layer_style_problem(data) -> str:
    """What is wrong with a saved `LayerStyle` (its base and every class style)."""
    if not isinstance(data, dict):
        return "the style is not a mapping"
    problem = style_problem(data.get("base", {}))
    if problem:
        return problem
    if "fields" in data and not _texts(data["fields"] or []):
        return "fields is not a list of column names"
    if "label_priority" in data and not (is_number(data["label_priority"]) and abs(data["label_priority"]) <= 1e6):
        return "label_priority is not a number"
    if "displace_points" in data and not isinstance(data["displace_points"], bool):
        return "displace_points is not true/false"
    if data.get("renderer", "single") not in RENDERERS:
        return f"renderer is not one of {', '.join(RENDERERS)}"
    if data.get("method", "equal_interval") not in METHODS:
        return f"method is not one of {', '.join(METHODS)}"
    if not (data.get("attribute") is None or _text(data["attribute"])) or not all(
            _text(data.get(k, "")) for k in ("palette", "attribute_zh", "attribute_en")):
        return "attribute or palette is not text"
    breaks = data.get("breaks") or []
    if not (isinstance(breaks, list) and len(breaks) <= MAX_ITEMS and all(map(is_number, breaks))
            and all(a <= b for a, b in zip(breaks, breaks[1:]))):
        return "breaks is not a list of ascending numbers"
    classes = data.get("classes") or {}
    if not isinstance(classes, dict) or len(classes) > MAX_ITEMS:
        return "classes is not a mapping of at most 1000 classes"
    for key, cls in classes.items():
        if not isinstance(cls, dict) or not all(_text(cls.get(k, ""), 500) for k in ("label_zh", "label_en")):
            return f"class {key!r} is not a labelled style"
        problem = style_problem(cls.get("style", {}))
        if problem:
            return f"class {key!r}: {problem}"
    return ""


def extent_problem(value) -> str:
    """A view extent: four finite numbers, x0 < x1, y0 < y1, within the Earth in display metres."""
    if value is None:
        return ""
    if not (isinstance(value, (list, tuple)) and len(value) == 4 and all(map(is_number, value))):
        return "the extent is not four numbers"
    x0, y0, x1, y1 = value
    if not (x0 < x1 and y0 < y1):
        return "the extent is empty"
    if max(abs(v) for v in value) > MAX_COORDINATE_M or x1 - x0 < 1 or y1 - y0 < 1:
        return "the extent is not a map area (beyond the Earth or under a metre)"
    return ""


def filter_problem(value) -> str:
    """A saved filter: lists of codes, a year range, a short text (Filter.from_dict checks the vocabulary)."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return "the filter is not a mapping"
    for key in ("themes", "statuses", "provinces", "cities", "districts"):
        if value.get(key) is not None and not _texts(value[key]):
            return f"{key} is not a list of codes"
    for key in ("year_min", "year_max"):
        year = value.get(key)
        if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 0 <= year <= 9999):
            return f"{key} is not a year"
    if value.get("text") is not None and not _text(value["text"], 500):
        return "text is not a short text"
    if "keep_undated" in value and not isinstance(value["keep_undated"], bool):
        return "keep_undated is not true/false"
    return ""


def label_settings_problem(data) -> str:
    """What is wrong with saved `LabelSettings` (empty when nothing)."""
    if data is None:
        return ""
    if not isinstance(data, dict):
        return "labels is not a mapping"
    size, width = data.get("size_pt"), data.get("halo_width_pt")
    if size is not None and not (is_number(size) and 1 <= size <= 100):
        return "label size_pt is not a number from 1 to 100"
    if width is not None and not (is_number(width) and 0 <= width <= 20):
        return "label halo_width_pt is not a number from 0 to 20"
    for key in ("color", "halo_color"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and _COLOUR.fullmatch(value)):
            return f"label {key} is not a colour (#rrggbb)"
    if "halo_color" in data and data["halo_color"] is None:
        return "label halo_color is not a colour (#rrggbb)"
    if not isinstance(data.get("halo", True), bool) or data.get("bold") not in (None, True, False):
        return "label halo or bold is not true/false"
    return ""


# Layer entry fields: (check, default when it fails).
_ENTRY = {
    "title_zh": (_text, ""), "title_en": (_text, ""), "source": (lambda v: _text(v, 2000), ""),
    "geometry_quality": (_text, ""), "visible": (lambda v: isinstance(v, bool), True),
    "show_labels": (lambda v: isinstance(v, bool), True),
    "opacity": (lambda v: is_number(v) and 0 <= v <= 1, 1.0),
    "label_field": (lambda v: v is None or _text(v), None),
    "theme_tags": (_texts, []),
    "labels": (lambda v: not label_settings_problem(v), None),
    "filter_dims": (lambda v: v is None or (_texts(v) and set(v) <= set(DIMENSIONS)), None),
}


def layer_entry_problems(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """[(key, what is wrong)] for a saved layer entry; the name is checked by the caller."""
    problems = [(key, f"{key} is not valid") for key, (ok, _) in _ENTRY.items() if key in entry and not ok(entry[key])]
    if entry.get("style") is not None:
        problem = layer_style_problem(entry["style"])
        if problem:
            problems.append(("style", problem))
    return problems


def clean_layer_entry(entry: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The entry with each damaged value other than the style reset to its default, and what was
    reset (the style is all or nothing: `layer_style_problem`)."""
    problems = [(k, why) for k, why in layer_entry_problems(entry) if k != "style"]
    clean = dict(entry)
    for key, _ in problems:
        clean[key] = _ENTRY[key][1]
    return clean, [why for _, why in problems]


def clean_selection(value) -> dict[str, list[str]]:
    """{layer: [feature id, …]} with text ids; anything else dropped."""
    if not isinstance(value, dict) or len(value) > MAX_ITEMS:
        return {}
    return {k: [str(v) for v in ids] for k, ids in value.items()
            if isinstance(k, str) and isinstance(ids, list) and len(ids) <= 100_000
            and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in ids)}

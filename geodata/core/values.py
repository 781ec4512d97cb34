"""The one value-to-text function: how a stored field value reads in a table, popup, label or file.

Before this, a missing `year` (pandas <NA>) printed four different ways in four places.  Now
every view calls `value_text(value, language, column=...)`:
- blanks (None, NaN, pandas NA/NaT, whitespace) are "" — a view that wants a dash adds it;
- whole floats print as integers (2023.0 -> "2023"), other floats with up to 10 significant
  digits (coordinates keep their metres);
- with a `column`, coded values read as words: themes and statuses in the chosen language,
  railway/road/river kinds, geometry quality, the route of `control_points`.
"""
from __future__ import annotations

import json
import math
from typing import Any

from geodata.core.themes import STATUS_MODES, STATUSES, THEMES, YEAR_KINDS, split_themes

# Coded values of the bundle's fields: column -> value -> (Chinese, English).
CODED_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "themes": dict(THEMES),
    "status": dict(STATUSES),
    "status_mode": dict(STATUS_MODES),
    "year_kind": dict(YEAR_KINDS),
    "role": {"named": ("原文点名", "named in the source"), "control_point": ("线路端点（控制点）", "line end (control point)")},
    "kind": {
        "high_speed": ("高速铁路", "High-speed rail"),
        "conventional": ("普速铁路", "Conventional rail"),
        "intercity": ("城际铁路", "Intercity rail"),
        "suburban": ("市域(郊)铁路", "Suburban rail"),
        "expressway": ("高速公路", "Expressway"),
        "national_road": ("国道", "National road"),
        "main": ("干流", "Main river"),
        "tributary": ("支流", "Tributary"),
    },
    "cross_border": {"1": ("跨界河流", "Cross-border river"), "0": ("", "")},
    "level": {"city": ("市/区驻地", "City seat"), "district": ("区县驻地", "District seat")},
    "geometry_quality": {"schematic": ("示意", "schematic"), "surveyed": ("测量", "surveyed"),
                         "derived": ("推算", "derived")},
}


def is_blank(value: Any) -> bool:
    """None, NaN, pandas NA/NaT or an empty/whitespace string."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        if isinstance(value, float) or type(value).__module__.startswith("numpy"):
            return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        pass
    # pandas.NA / NaT without importing pandas here: both refuse bool() or compare unequal to self
    name = type(value).__name__
    return name in ("NAType", "NaTType")


def raw_text(value: Any) -> str:
    """A value as text without vocabulary: blanks "", whole floats as integers."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__module__.startswith("numpy"):
        try:
            f = float(value)
        except (TypeError, ValueError):
            return str(value)
        if f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return f"{f:.10g}"
    return str(value)


def value_text(value: Any, language: str = "zh", column: str | None = None) -> str:
    """How `value` of `column` reads for a person, in `language` ('zh' or 'en')."""
    text = raw_text(value)
    if not text or column is None:
        return text
    en = language == "en"
    if column == "themes":
        labels = [THEMES[k][1 if en else 0] if k in THEMES else k for k in split_themes(text)]
        return (", " if en else "、").join(labels)
    if column == "control_points":  # a JSON list of gazetteer names: the route it runs through
        try:
            names = json.loads(text)
        except ValueError:
            return text
        return " → ".join(str(n) for n in names) if isinstance(names, list) else text
    labels = CODED_VALUES.get(column)
    if labels and text in labels:
        return labels[text][1 if en else 0]
    return text

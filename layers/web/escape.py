"""The one place data meets HTML: every value from data is escaped here, before folium.

Leaflet puts popup, tooltip, layer-control, label and search-tip strings into `innerHTML`,
so escaping at the source protects all of them; colours are checked against a pattern so a
style value cannot carry CSS or an attribute.  folium's own `tojson` then escapes `<`, `>`
and `&` in the embedded JSON, so no value can close the page's `<script>`.
"""
from __future__ import annotations

import html
import re
from typing import Any

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,20}")


def esc(value: Any) -> str:
    """HTML-escape anything (quotes too: values also land in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_color(value: Any, default: str = "#888888") -> str:
    """A colour that can go into CSS/SVG as is: #hex or a plain colour name, else `default`."""
    text = str(value or "").strip()
    return text if _COLOR.fullmatch(text) else default

"""The one place data meets HTML: every value from data is escaped here, before folium.

Leaflet puts popup, tooltip, layer-control, label and search-tip strings into `innerHTML`,
so escaping at the source protects all of them; colours are checked against a pattern so a
style value cannot carry CSS or an attribute.  folium's own `tojson` then escapes `<`, `>`
and `&` in the embedded JSON, so no value can close the page's `<script>`.

Templates: branca renders each element's script and then compiles that OUTPUT again as a
Jinja template (`MacroElement.render` wraps it in `Element(text)`), so a `{{ … }}` or
`{% … %}` in any value would run as code when the page is written.  `esc` therefore also
writes `{` and `}` as character references (the reader still sees braces), and
`check_inert` walks every element of the page before it is rendered and refuses to write a
page in which any value could still open a Jinja tag — a route that forgot `esc` fails
loudly instead of running what a file said.  `text_element` puts fixed HTML in the page
without making it a template.
"""
from __future__ import annotations

import html
import re
from typing import Any

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,20}")
# braces: Jinja's delimiters; U+2028/U+2029: line breaks to pre-2019 JavaScript inside a string literal
_MORE = str.maketrans({"{": "&#123;", "}": "&#125;", "\u2028": "&#8232;", "\u2029": "&#8233;"})
_JINJA_OPEN = re.compile(r"\{[{%#]")
# what an element holds that is not data: its parent (a cycle), children (walked one by one) and its template
_NOT_DATA = {"_parent", "_children", "_template", "_template_name", "_env"}


def esc(value: Any) -> str:
    """HTML-escape anything (quotes too: values also land in attributes; braces: see the module doc)."""
    return html.escape("" if value is None else str(value), quote=True).translate(_MORE)


def safe_color(value: Any, default: str = "#888888") -> str:
    """A colour that can go into CSS/SVG as is: #hex or a plain colour name, else `default`."""
    text = str(value or "").strip()
    return text if _COLOR.fullmatch(text) else default


class TemplateInjection(ValueError):
    """A value on the page would be read as a Jinja tag when folium renders it."""


def _strings(value: Any, seen: set[int]):
    """Every string inside a value (dict keys and values, lists, JsCode), depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, (dict, list, tuple, set, frozenset)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
        elif hasattr(item, "js_code"):  # folium.JsCode
            stack.append(item.js_code)


def check_inert(root) -> None:
    """Raise `TemplateInjection` if any element under `root` (a branca Element) holds a string
    that Jinja would read as a tag: such a string would be evaluated when the page is rendered."""
    seen: set[int] = set()
    elements = [root]
    while elements:
        element = elements.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        elements.extend(getattr(element, "_children", {}).values())
        for name, value in vars(element).items():
            if name in _NOT_DATA:
                continue
            for text in _strings(value, seen):
                match = _JINJA_OPEN.search(text)
                if match:
                    around = text[max(0, match.start() - 20):match.end() + 20]
                    raise TemplateInjection(f"{type(element).__name__}.{name} holds template syntax: {around!r}")


def text_element(text: str):
    """A branca Element that writes `text` verbatim: its template is fixed, `text` is only data."""
    from branca.element import Element

    from folium.template import Template

    class Text(Element):
        _template = Template("{{ this.text }}")

        def __init__(self):
            super().__init__()
            self._name = "Text"
            # a template of the same text drops one trailing newline (Jinja): so does this, the page stays the same
            self.text = text[:-1] if text.endswith("\n") else text

    return Text()

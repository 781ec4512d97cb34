"""The bundled CJK font inside the web page, so Chinese shows on a machine without a CJK font.

`embed_font` adds two @font-face rules (regular and bold: the title, legend headings and
popup headings are bold) whose data: URLs are WOFF subsets of the bundled Noto Sans CJK SC
(`layers/render/font_subset.py`, shared with the SVG export).  The subset holds every
character the finished page could show: folium writes the data as JSON with non-ASCII as
\\uXXXX and the popups' markup as HTML, so the page text is read with those escapes and
character references undone, plus printable ASCII.  The page's CSS names FAMILY first.
"""
from __future__ import annotations

import html
import re
import unicodedata

from layers.render.font_subset import font_face_rule

FAMILY = "Noto Sans CJK SC"
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))  # printable ASCII and the space


def page_characters(text: str) -> str:
    """Every character the page `text` can show (non-ASCII, decoded from JSON escapes and HTML references) plus ASCII."""
    decoded = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    # a character beyond the BMP is a \\ud8xx\\udcxx pair: join the surrogates, drop strays
    decoded = decoded.encode("utf-16", "surrogatepass").decode("utf-16", "ignore")
    # spaces count: the layer control indents themes with U+3000, a box without the font
    found = {c for c in text + html.unescape(decoded) if ord(c) > 0x7E and unicodedata.category(c)[0] != "C"}
    return _ASCII + "".join(sorted(found))


def font_css(text: str) -> str:
    """<style> with the regular and bold @font-face of the page `text`'s characters."""
    chars = page_characters(text)
    rules = "\n".join(font_face_rule(FAMILY, chars, bold=bold) for bold in (False, True))
    return f"<style>/* Noto Sans CJK SC subset, SIL Open Font License 1.1 */\n{rules}\n</style>"


def embed_font(text: str) -> str:
    """The rendered page `text` with its font subset in <head> (before any other style, so the page's CSS can use it)."""
    head = re.search(r"<head[^>]*>", text, flags=re.IGNORECASE)
    if head is None:
        raise ValueError("the rendered web page has no <head>")
    return text[:head.end()] + "\n" + font_css(text) + text[head.end():]

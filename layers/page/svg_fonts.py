"""The bundled font embedded in an exported SVG, so its <text> shows the same glyphs anywhere.

Qt's SVG generator writes page and map text as <text font-family="Noto Sans CJK SC">; a
viewer without that font would substitute another (or boxes).  `embed_fonts` adds an
`@font-face` rule per weight whose `src` is a data: URL of a WOFF subset of the bundled
OTF — only the characters the page uses (a district map: ~30–60 kB instead of 16 MB;
`layers/render/font_subset.py`, shared with the web map).
"""
from __future__ import annotations

from pathlib import Path

from layers.page.svg_clip import SVG_NS
from layers.render.font_subset import font_face_rule

BOLD_FROM = 600  # font-weight at which Qt's text uses the bold face


def used_text(root) -> dict[bool, str]:
    """The characters each face (bold or not) has to draw: {bold: text}."""
    chars: dict[bool, set[str]] = {False: set(), True: set()}
    for element in root.iter(f"{{{SVG_NS}}}text"):
        try:
            weight = int(float(element.get("font-weight", "400")))
        except ValueError:
            weight = 700 if element.get("font-weight") == "bold" else 400
        chars[weight >= BOLD_FROM].update("".join(element.itertext()))
    return {bold: "".join(sorted(c for c in found if not c.isspace())) for bold, found in chars.items()}


def font_face_css(root, family: str) -> str:
    """@font-face rules (data: URLs of WOFF subsets) for the text under `root`; '' without text."""
    return "\n".join(font_face_rule(family, text, bold=bold) for bold, text in used_text(root).items() if text)


def embed_fonts(path: Path, family: str) -> None:
    """Add the @font-face rules of the text in SVG file `path` (rewritten in place: a temporary file)."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(path)
    root = tree.getroot()
    css = font_face_css(root, family)
    if not css:
        return
    defs = root.find(f"{{{SVG_NS}}}defs")
    if defs is None:
        defs = ET.Element(f"{{{SVG_NS}}}defs")
        root.insert(0, defs)
    style = ET.SubElement(defs, f"{{{SVG_NS}}}style", type="text/css")
    style.text = css
    tree.write(path, encoding="UTF-8", xml_declaration=True)

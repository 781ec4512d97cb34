"""The bundled font embedded in an exported SVG, so its <text> shows the same glyphs anywhere.

Qt's SVG generator writes page and map text as <text font-family="Noto Sans CJK SC">; a
viewer without that font would substitute another (or boxes).  `embed_fonts` adds an
`@font-face` rule per weight whose `src` is a data: URL of a WOFF subset of the bundled
OTF — only the characters the page uses (a district map: ~30–60 kB instead of 16 MB).
fontTools does the subsetting (Noto Sans CJK is OFL 1.1: embedding and subsetting allowed).
"""
from __future__ import annotations

import base64
import io
from pathlib import Path

from layers.page.svg_clip import SVG_NS
from layers.render.fonts import BOLD, REGULAR

BOLD_FROM = 600  # font-weight at which Qt's text uses the bold face


def _subset_woff(font_path: Path, text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []  # unshaped page text (PreferNoShaping): no GSUB/GPOS needed
    options.name_IDs = ["*"]  # keep the names: the licence notice travels with the subset
    options.name_languages = ["*"]
    options.notdef_outline = True
    # same page, same bytes (no timestamp); the full face's bounding boxes are kept (recomputing
    # them is a quarter of the time)
    font = TTFont(str(font_path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff"
    font.save(out)
    return out.getvalue()


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
    rules = []
    for bold, text in used_text(root).items():
        if not text:
            continue
        data = base64.b64encode(_subset_woff(BOLD if bold else REGULAR, text)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {700 if bold else 400}; '
                     f'font-style: normal; src: url(data:font/woff;base64,{data}) format("woff"); }}')
    return "\n".join(rules)


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

"""@font-face rules whose src is a data: URL of a WOFF subset of the bundled Noto Sans CJK SC.

Exports read outside the app (SVG, the web page) carry the glyphs they use, so a viewer
without a CJK font still shows Chinese rather than boxes.  fontTools subsets the OTF to
the characters given (Noto Sans CJK is OFL 1.1: embedding and subsetting allowed).
"""
from __future__ import annotations

import base64
import io
from pathlib import Path

from layers.render.fonts import BOLD, REGULAR


def subset_woff(font_path: Path, text: str) -> bytes:
    """A WOFF of `font_path` holding only the glyphs of `text` (and .notdef)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []  # unshaped text (Qt's PreferNoShaping, CJK in a browser): no GSUB/GPOS needed
    options.name_IDs = ["*"]  # keep the names: the licence notice travels with the subset
    options.name_languages = ["*"]
    options.notdef_outline = True
    # same text, same bytes (no timestamp); the full face's bounding boxes are kept (recomputing
    # them is a quarter of the time)
    font = TTFont(str(font_path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff"
    font.save(out)
    return out.getvalue()


def font_face_rule(family: str, text: str, *, bold: bool) -> str:
    """One @font-face rule: the regular or bold face, subset to `text`, as a data: URL."""
    data = base64.b64encode(subset_woff(BOLD if bold else REGULAR, text)).decode("ascii")
    return (f'@font-face {{ font-family: "{family}"; font-weight: {700 if bold else 400}; '
            f'font-style: normal; src: url(data:font/woff;base64,{data}) format("woff"); }}')

"""Document styles as Leaflet path options and inline SVG (map symbols and legend swatches).

Sizes are points in the document and CSS pixels in Leaflet (`PX_PER_PT`); named dashes are
in pen widths (Qt's convention) and become a `dashArray` in pixels.  Point symbols are the
renderer's own outlines (`layers.render.symbols.symbol_path`), so the page and the desktop
map draw the same star, square or triangle per theme.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from layers.model.style import DASHES, Style
from layers.web.escape import esc, safe_color

PX_PER_PT = 96.0 / 72.0  # CSS pixels per point: Leaflet sizes are CSS px
FILL_WITH_TILES = 0.45  # polygon fills are thinned over a basemap so the tiles show through
POLYGON_LAYER_MAX = 0.8  # never more opaque than this with tiles


def dash_array(dash: str, weight_px: float) -> str | None:
    """A named dash (units of the pen width, Qt's convention) as a Leaflet/SVG dashArray in px."""
    pattern = DASHES.get(dash or "solid", ())
    if not pattern:
        return None
    return " ".join(f"{max(v * weight_px, 1.0):.3g}" for v in pattern)


def leaflet_style(style: Style, kind: str, *, layer_opacity: float = 1.0, tiles: bool = False) -> dict[str, Any]:
    """Leaflet path options for one style class (kind: point / line / polygon)."""
    opacity = max(0.0, min(1.0, style.opacity * layer_opacity))
    weight = round(max(style.width_pt * PX_PER_PT, 0.5), 2)
    out: dict[str, Any] = {"stroke": bool(style.stroke), "color": safe_color(style.stroke, "#333333"),
                           "weight": weight, "opacity": round(opacity, 3)}
    dashes = dash_array(style.dash, weight)
    if dashes:
        out["dashArray"] = dashes
        out["lineCap"] = "butt"
    if kind == "point":
        out["radius"] = round(max(style.symbol_size_pt * PX_PER_PT / 2.0, 2.0), 2)
        out["fill"] = bool(style.fill)
        out["fillColor"] = safe_color(style.fill, "#ffffff")
        out["fillOpacity"] = round(style.fill_opacity * opacity, 3)
    elif kind == "polygon":
        fill_opacity = style.fill_opacity * opacity
        if tiles:
            fill_opacity = min(fill_opacity * FILL_WITH_TILES, POLYGON_LAYER_MAX)
        out["fill"] = bool(style.fill)
        out["fillColor"] = safe_color(style.fill, "#ffffff")
        out["fillOpacity"] = round(fill_opacity, 3)
    else:
        out["fill"] = False
    return out


def casing_style(style: Style, *, layer_opacity: float = 1.0) -> dict[str, Any] | None:
    """The wider line under a cased line (railways, expressways, big rivers), or None."""
    if not style.casing or style.casing_width_pt <= 0:
        return None
    weight = round(style.casing_width_pt * PX_PER_PT, 2)
    out = {"stroke": True, "color": safe_color(style.casing, "#333333"), "weight": weight,
           "opacity": round(max(0.0, min(1.0, style.opacity * layer_opacity)), 3), "fill": False}
    dashes = dash_array(style.casing_dash, weight)
    if dashes:
        out["dashArray"] = dashes
        out["lineCap"] = "butt"
    return out


def _svg_path_data(path, dx: float, dy: float) -> str:
    """A QPainterPath (the renderer's own symbol outline) as SVG path data, shifted by (dx, dy)."""
    from PySide6.QtGui import QPainterPath

    out: list[str] = []
    pending: list[str] = []
    for k in range(path.elementCount()):
        e = path.elementAt(k)
        x, y = f"{e.x + dx:.2f}", f"{e.y + dy:.2f}"
        if e.type == QPainterPath.ElementType.MoveToElement:
            if out:
                out.append("Z")
            out.append(f"M{x} {y}")
        elif e.type == QPainterPath.ElementType.LineToElement:
            out.append(f"L{x} {y}")
        elif e.type == QPainterPath.ElementType.CurveToElement:
            pending = [f"C{x} {y}"]
        else:  # CurveToDataElement: the 2nd control point, then the end point
            pending.append(f"{x} {y}")
            if len(pending) == 3:
                out.append(" ".join(pending))
                pending = []
    if out:
        out.append("Z")
    return "".join(out)


def symbol_svg(style: Style, *, layer_opacity: float = 1.0, css_class: str = "cy-icon") -> tuple[str, float]:
    """A point symbol as the map draws it (`layers.render.symbols.symbol_path`: same shape per theme), as an
    inline SVG and its size in px.  Planned = hollow, under construction = lighter, from the style."""
    from layers.render.symbols import symbol_path

    opts = leaflet_style(style, "point", layer_opacity=layer_opacity)
    size = max(style.symbol_size_pt * PX_PER_PT, 4.0)
    stroke_w = min(opts["weight"], 3.0) if opts["stroke"] else 0.0
    box = round(size * 1.35 + 2 * stroke_w + 1, 1)  # a star reaches 1.25 r
    d = _svg_path_data(symbol_path(style.symbol or "circle", size), box / 2, box / 2)
    stroke = opts["color"] if opts["stroke"] else "none"
    dash = f' stroke-dasharray="{esc(opts["dashArray"])}"' if "dashArray" in opts else ""
    fill = opts["fillColor"] if opts["fill"] else "none"
    svg = (f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{box}" height="{box}" '
           f'viewBox="0 0 {box} {box}"><path d="{d}" fill="{fill}" fill-opacity="{opts["fillOpacity"]}" '
           f'stroke="{stroke}" stroke-opacity="{opts["opacity"]}" stroke-width="{stroke_w}"{dash} '
           f'stroke-linejoin="round"/></svg>')
    return svg, box


def swatch_svg(style: Style, kind: str) -> str:
    """A small inline SVG of a class for the legend (same colours and dashes as the map)."""
    w, h = 30, 14
    parts = [f'<svg class="cy-swatch" width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-hidden="true">']
    opts = leaflet_style(style, kind)
    stroke = opts["color"] if opts["stroke"] else "none"
    if kind == "polygon":
        fill = opts["fillColor"] if opts["fill"] else "none"
        dash = f' stroke-dasharray="{esc(opts["dashArray"])}"' if "dashArray" in opts else ""
        parts.append(f'<rect x="2" y="2" width="{w - 4}" height="{h - 4}" fill="{fill}" '
                     f'fill-opacity="{opts["fillOpacity"]}" stroke="{stroke}" stroke-width="{min(opts["weight"], 3)}"{dash}/>')
    elif kind == "line":
        casing = casing_style(style)
        if casing:
            dash = f' stroke-dasharray="{esc(casing["dashArray"])}"' if "dashArray" in casing else ""
            parts.append(f'<line x1="1" y1="{h / 2}" x2="{w - 1}" y2="{h / 2}" stroke="{casing["color"]}" '
                         f'stroke-width="{min(casing["weight"], 9)}"{dash}/>')
        dash = f' stroke-dasharray="{esc(opts["dashArray"])}"' if "dashArray" in opts else ""
        parts.append(f'<line x1="1" y1="{h / 2}" x2="{w - 1}" y2="{h / 2}" stroke="{stroke}" '
                     f'stroke-opacity="{opts["opacity"]}" stroke-width="{min(opts["weight"], 6)}"{dash}/>')
    else:  # the point symbol itself, scaled into the swatch
        icon, _box = symbol_svg(replace(style, symbol_size_pt=min(style.symbol_size_pt, 8.0)), css_class="cy-swatch")
        return icon
    parts.append("</svg>")
    return "".join(parts)

"""Interactive web map export: one self-contained HTML file (folium / Leaflet) to send.

What the file holds: the document's VISIBLE layers, only the features the CURRENT
filter keeps, drawn with the document's own styles (colours, widths, status dash
patterns as Leaflet `dashArray`); one layer-control entry per layer and, for themed
layers, one per primary theme (FeatureGroupSubGroup nested in the layer's group);
popups with the attributes and, for hand-placed features, the source document, date
and verbatim sentence; a legend; scale; fullscreen; search by name; permanent labels
that appear by zoom tier and give way when they would overlap (see `label_rules`).

Safety: every value that comes from data (names, attributes, column names, layer
titles, user titles) is HTML-escaped here, before it reaches folium; colours are
checked against a pattern.  Leaflet puts popup, tooltip, layer-control and
search-tip strings into `innerHTML`, so escaping at the source is the one place
that protects all of them; folium's own `tojson` then escapes `<`, `>` and `&` in
the embedded JSON, so no value can close the page's `<script>`.

Basemaps come from xyzservices: OpenStreetMap, Tianditu (vec_w + cva_w with the
user's own key) and Amap/Gaode.  Amap tiles are GCJ-02, so with that basemap every
overlay coordinate is converted WGS84 -> GCJ-02 (prcoords via geodata.coords.datums) and
the page says so; `basemap_note()` gives the same text to the command line.

Network: the page loads Leaflet and three small Leaflet plugins from the CDN URLs
in folium's templates (see `PAGE_ASSETS`) and the tiles of the chosen basemap;
basemap "none" needs no tiles.  folium's other defaults (jQuery, Bootstrap,
Font Awesome, awesome-markers) are not used by this page and are left out, so
the page depends on as few outside files as possible.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from geodata.core.atomic import atomic_write_text
from geodata.core.themes import STATUSES, THEMES, split_themes
from layers.render.legend import legend_blocks
from layers.render.request import LegendEntry
from layers.model.style import DASHES, Style
from resources import resources_path

BASEMAPS = ("osm", "tianditu", "amap", "none")
Progress = Callable[[float, str], None]
PX_PER_PT = 96.0 / 72.0  # CSS pixels per point: Leaflet sizes are CSS px
FILL_WITH_TILES = 0.45  # polygon fills are thinned over a basemap so the tiles show through
POLYGON_LAYER_MAX = 0.8  # never more opaque than this with tiles
# Permanent labels appear from these zoom levels on (the full extent is about zoom 7), so the
# first view names only the prefectures and closer views add districts, then projects/stations.
LABEL_ZOOM_CITY = 0
LABEL_ZOOM_DISTRICT = 9
LABEL_ZOOM_POINT = 10

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,20}")
_TIANDITU_KEY = re.compile(r"[0-9a-fA-F]{32}")

TEXT = {
    "title": ("成渝地区双城经济圈", "Chengdu–Chongqing Economic Circle"),
    "legend": ("图例", "Legend"),
    "search": ("按名称搜索…", "Search by name…"),
    "fullscreen": ("全屏", "Full screen"),
    "exit_fullscreen": ("退出全屏", "Exit full screen"),
    "source": ("来源", "Source"),
    "schematic": ("位置为示意（人工按控制点放置），非测量位置。", "Schematic position (placed by hand through named control points), not surveyed."),
    "schematic_map": ("线路、项目与合作的位置为示意。", "Lines, projects and partnerships are drawn at schematic positions."),
    "filter": ("筛选", "Filter"),
    "features": ("个要素", "features"),
    "no_basemap": ("无底图（离线，不加载瓦片）", "No basemap (offline, no tiles)"),
    "offline": ("脚本已内嵌：本页无需联网。", "Scripts are inlined: this page needs no network."),
    "offline_tiles": ("脚本已内嵌；底图瓦片仍需联网。", "Scripts are inlined; the basemap tiles still need the network."),
    "made": ("导出自成渝地区双城经济圈地图浏览器；坐标 WGS84", "Exported from the Chengdu–Chongqing explorer; coordinates WGS84"),
}

# Amap/Gaode tiles are in GCJ-02: overlays are converted so they line up, and the reader is told.
GCJ02_NOTE = (
    "底图为高德（GCJ-02 坐标）：为与底图对齐，图上所有要素坐标已由 WGS84 转换为 GCJ-02；"
    "请勿把本页坐标当作 WGS84 使用。",
    "Basemap Amap/Gaode uses GCJ-02: every feature on this page was converted from WGS84 to "
    "GCJ-02 so that it aligns; do not read its coordinates as WGS84.",
)

# Field names shown in popups (others appear under their own column name).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name_en": ("英文名", "English name"),
    "themes": ("主题", "Themes"),
    "status": ("状态", "Status"),
    "kind": ("类型", "Kind"),
    "year": ("年份", "Year"),
    "start_date": ("开工", "Start"),
    "open_date": ("开通", "Opening"),
    "investment_yi": ("投资（亿元）", "Investment (100 M yuan)"),
    "adcode": ("行政区划代码", "Adcode"),
    "district_adcode": ("所在区县代码", "District adcode"),
    "province_zh": ("省级", "Province"),
    "city_zh": ("地级市", "Prefecture"),
    "area_km2": ("面积（km²）", "Area (km²)"),
    "in_circle": ("在经济圈内", "In the circle"),
    "partial": ("部分纳入", "Partly in the circle"),
    "level": ("级别", "Level"),
    "seat_zh": ("驻地", "Seat"),
    "ref": ("编号", "Route number"),
    "note": ("说明", "Note"),
    "placement_note": ("位置说明", "Placement"),
    "control_points": ("控制点", "Control points"),
    "a_name": ("一方", "Party A"),
    "b_name": ("另一方", "Party B"),
    "railway_id": ("所属线路", "Railway"),
    "role": ("角色", "Role"),
    "cross_border": ("跨界", "Cross-border"),
    "geometry_quality": ("位置精度", "Geometry quality"),
    "source": ("数据集", "Dataset"),
    "id": ("编号 id", "id"),
}
NAME_FIELDS = ("name_zh", "name", "a_name", "id")
SOURCE_FIELDS = ("source_file", "source_title", "source_date", "source_sentence")
HIDDEN_FIELDS = {"geometry", "name_zh"}  # name_zh is the popup's heading


class WebExportCancelled(Exception):
    """The caller cancelled; nothing was written."""


# ---- small helpers ---------------------------------------------------------------


def esc(value: Any) -> str:
    """HTML-escape anything (quotes too: values also land in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_color(value: Any, default: str = "#888888") -> str:
    """A colour that can go into CSS/SVG as is: #hex or a plain colour name, else `default`."""
    text = str(value or "").strip()
    return text if _COLOR.fullmatch(text) else default


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, str) and not value.strip()


def _plain(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


def _lang_index(language: str) -> int:
    return 1 if language == "en" else 0


def basemap_note(basemap: str, language: str = "zh") -> str | None:
    """What the reader must know about a basemap (the GCJ-02 conversion), or None."""
    if basemap == "amap":
        return GCJ02_NOTE[_lang_index(language)]
    return None


def check_basemap(basemap: str, tianditu_key: str | None) -> str | None:
    """Validate the basemap choice; returns the cleaned Tianditu key (or None). Raises ValueError."""
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; choose one of {', '.join(BASEMAPS)}")
    if basemap != "tianditu":
        return None
    key = (tianditu_key or "").strip()
    if not key:
        raise ValueError("天地图底图需要您自己的天地图密钥（tk）；请用 --tianditu-key 或环境变量 TIANDITU_KEY 提供，"
                         "或改用 --basemap osm/none / the Tianditu basemap needs your own Tianditu key (tk): "
                         "pass --tianditu-key or set TIANDITU_KEY, or use --basemap osm/none")
    if not _TIANDITU_KEY.fullmatch(key):
        raise ValueError("天地图密钥应为 32 位十六进制字符 / a Tianditu key is 32 hexadecimal characters; "
                         f"got {len(key)} characters")
    return key


# ---- basemaps (xyzservices) ---------------------------------------------------------------


def tianditu_providers():
    """Tianditu vector map (vec_w) and its Chinese annotation (cva_w), Web Mercator, as TileProviders.

    xyzservices has no Tianditu entry; these follow its TileProvider convention (the key
    placeholder makes `requires_token()` true until a key is filled in)."""
    from xyzservices import TileProvider

    common = dict(url="https://t{s}.tianditu.gov.cn/DataServer?T={layer}&x={x}&y={y}&l={z}&tk={tk}",
                  subdomains="01234567", tk="<insert your Tianditu key here>", max_zoom=18,
                  attribution="(C) Tianditu 天地图", html_attribution="&copy; 天地图 Tianditu")
    return (TileProvider(name="Tianditu.Vector", layer="vec_w", **common),
            TileProvider(name="Tianditu.Annotation", layer="cva_w", **common))


def _add_basemap(fmap, basemap: str, key: str | None, language: str) -> None:
    import folium
    import xyzservices.providers as xyz

    zh = language != "en"
    if basemap == "osm":
        folium.TileLayer(xyz.OpenStreetMap.Mapnik, name="OpenStreetMap", overlay=False, control=False).add_to(fmap)
    elif basemap == "tianditu":
        vec, cva = tianditu_providers()
        folium.TileLayer(vec(tk=key), name="天地图" if zh else "Tianditu", overlay=False, control=False).add_to(fmap)
        folium.TileLayer(cva(tk=key), name="天地图注记" if zh else "Tianditu labels", overlay=True,
                         control=False).add_to(fmap)
    elif basemap == "amap":
        folium.TileLayer(xyz.Gaode.Normal, name="高德地图" if zh else "Amap", overlay=False, control=False).add_to(fmap)


# ---- styles -------------------------------------------------------------------------------


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
        icon, box = symbol_svg(replace(style, symbol_size_pt=min(style.symbol_size_pt, 8.0)), css_class="cy-swatch")
        return icon
    parts.append("</svg>")
    return "".join(parts)


# ---- popups ---------------------------------------------------------------------------------


def _value_text(column: str, value: Any, language: str) -> str:
    i = _lang_index(language)
    if column == "themes":
        keys = split_themes(value)
        return "、".join(THEMES[k][i] if k in THEMES else k for k in keys) if i == 0 else ", ".join(
            THEMES[k][i] if k in THEMES else k for k in keys)
    if column == "status" and str(value) in STATUSES:
        return STATUSES[str(value)][i]
    if column == "control_points":  # a JSON list of gazetteer names: show the route
        try:
            names = json.loads(str(value))
        except ValueError:
            names = None
        if isinstance(names, list):
            return " → ".join(str(n) for n in names)
    if column == "geometry_quality":
        names = {"schematic": ("示意", "schematic"), "surveyed": ("测量", "surveyed"), "derived": ("推算", "derived")}
        return names.get(str(value), (str(value), str(value)))[i]
    return _plain(value)


def feature_name(row: dict[str, Any], fallback: str) -> str:
    for column in NAME_FIELDS:
        value = row.get(column)
        if not _blank(value):
            return _plain(value)
    return fallback


def popup_html(row: dict[str, Any], columns: Iterable[str], layer_title: str, language: str) -> str:
    """The popup of one feature: heading, attribute table, source block. Every value escaped."""
    i = _lang_index(language)
    name = feature_name(row, layer_title)
    out = [f'<div class="cy-popup"><div class="cy-layer">{esc(layer_title)}</div><h4>{esc(name)}</h4>']
    rows = []
    for column in columns:
        if column in HIDDEN_FIELDS or column in SOURCE_FIELDS:
            continue
        value = row.get(column)
        if _blank(value):
            continue
        label = FIELD_LABELS.get(column, (column, column))[i]
        rows.append(f"<tr><th>{esc(label)}</th><td>{esc(_value_text(column, value, language))}</td></tr>")
    if any(not _blank(row.get(c)) for c in SOURCE_FIELDS):  # the source first: it is what a planner cites
        title = row.get("source_title")
        file = row.get("source_file")
        date = row.get("source_date")
        sentence = row.get("source_sentence")
        head = " · ".join(esc(_plain(v)) for v in (title, file, date) if not _blank(v))
        out.append(f'<div class="cy-source"><b>{esc(TEXT["source"][i])}</b> {head}')
        if not _blank(sentence):
            out.append(f"<blockquote>{esc(_plain(sentence))}</blockquote>")
        out.append("</div>")
    if str(row.get("geometry_quality", "")) == "schematic":
        out.append(f'<p class="cy-note">{esc(TEXT["schematic"][i])}</p>')
    if rows:
        out.append('<table class="cy-attrs">' + "".join(rows) + "</table>")
    out.append("</div>")
    return "".join(out)


# ---- geometry ----------------------------------------------------------------------------------


def _to_gcj02(geoms: np.ndarray) -> np.ndarray:
    import shapely

    from geodata.coords.datums import wgs84_to_gcj02

    def convert(xy: np.ndarray) -> np.ndarray:
        # prcoords converts one point at a time: a loop over the (few ten thousand) vertices
        out = np.empty_like(xy)
        for k, (lon, lat) in enumerate(xy.tolist()):
            out[k] = wgs84_to_gcj02(lon, lat)
        return out

    return shapely.transform(geoms, convert)


def _rounded(geoms: np.ndarray) -> np.ndarray:
    import shapely

    return shapely.transform(geoms, lambda xy: np.round(xy, 6))  # 6 decimals ~ 0.1 m: smaller file


# ---- collecting what to draw -----------------------------------------------------------------


class _Group:
    """Features of one layer (and one primary theme) with their styles."""

    def __init__(self, label: str):
        self.label = label
        self.features: list[dict] = []
        self.casings: list[dict] = []


def _layer_groups(layer, mask: np.ndarray, *, language: str, tiles: bool, gcj02: bool, pane: str,
                  legend: list, slug: str, labels: "LabelRule | None" = None) -> tuple[dict[str, _Group], int]:
    """{theme key or "": _Group} for the layer's kept features, and how many were kept.

    With `labels`, each labelled feature also carries its permanent label (escaped HTML in the
    style's label font), the zoom it appears from and, for polygons, where it stands."""
    import shapely

    cache = layer.cache
    i = _lang_index(language)
    title = layer.title(language)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return {}, 0
    gdf = layer.data.iloc[idx]
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    idx, gdf, geoms = idx[ok], gdf[ok], geoms[ok]
    if gcj02:
        geoms = _to_gcj02(geoms)
    geoms = _rounded(geoms)
    style = layer.style
    keys = cache.class_keys(style.fields)[idx]
    kind = cache.kind
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    themed = "themes" in gdf.columns
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")

    order = {k: n for n, k in enumerate(style.classes)}
    counts: dict[str, int] = {}
    groups: dict[str, _Group] = {}
    class_styles: dict[str, tuple[dict, dict | None, str | None]] = {}
    for row, geom, key in zip(records, geoms, keys.tolist()):
        theme = (split_themes(row.get("themes")) or [""])[0] if themed else ""
        group = groups.get(theme)
        if group is None:
            label = THEMES[theme][i] if theme in THEMES else (theme or title)
            group = groups[theme] = _Group(label)
        if key not in class_styles:
            sc = style.style_class(key, (layer.title_zh, layer.title_en))
            core = leaflet_style(sc.style, kind, layer_opacity=layer.opacity, tiles=tiles)
            core.update(pane=pane, className=f"cy-feature cy-layer-{slug}")
            icon = None
            if kind == "point":
                icon, core["iconSize"] = symbol_svg(sc.style, layer_opacity=layer.opacity)
            # a casing is a wider line under the outline: cased lines, and the circle's pale halo
            casing = casing_style(sc.style, layer_opacity=layer.opacity) if kind != "point" else None
            if casing:
                casing.update(pane=pane, className=f"cy-casing cy-layer-{slug}", interactive=False)
            class_styles[key] = (core, casing, icon)
        core, casing, icon = class_styles[key]
        name = esc(feature_name(row, title))
        geometry = shapely.geometry.mapping(geom)
        properties = {"name": name, "popup": popup_html(row, columns, title, language),
                      "style": core, **({"icon": icon} if icon else {})}
        if labels is not None:
            properties.update(labels.properties(row, geom, style.style_class(key, (layer.title_zh, layer.title_en)).style))
            if "labelClass" in properties:
                properties["labelClass"] += f" cy-label-{slug}"
        group.features.append({"type": "Feature", "geometry": geometry, "properties": properties})
        if casing:
            group.casings.append({"type": "Feature", "geometry": geometry, "properties": {"name": name, "style": casing}})
        counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts, key=lambda k: (order.get(k, len(order)), k)):
        sc = style.style_class(key, (layer.title_zh, layer.title_en))
        legend.append(LegendEntry(layer.name, layer.title_zh, layer.title_en, key, sc.label_zh, sc.label_en, sc.style,
                                  kind, counts[key]))
    return groups, int(len(idx))


# ---- permanent labels -------------------------------------------------------------------------


class LabelRule:
    """Which features of one layer get a permanent label, with what text, from which zoom."""

    def __init__(self, column: str, zoom: Callable[[dict], int | None], centred: bool = False):
        self.column = column
        self.zoom = zoom  # row -> first zoom the label shows at, or None: no label
        self.centred = centred  # polygons: the label stands on the polygon, not beside a symbol

    def properties(self, row: dict[str, Any], geom, style: Style) -> dict[str, Any]:
        text = row.get(self.column)
        zoom = self.zoom(row)
        if zoom is None or _blank(text):
            return {}
        size = round(max(style.label_size_pt, 6.0) * PX_PER_PT, 1)
        css = (f"font-size:{size}px;color:{safe_color(style.label_color, '#1f1f1f')};"
               f"font-weight:{'bold' if style.label_bold else 'normal'}")
        out = {"label": f'<span style="{css}">{esc(_plain(text))}</span>', "labelZoom": int(zoom),
               "labelClass": "cy-label-c" if self.centred else "cy-label-r"}
        if self.centred:
            at = geom.representative_point()  # inside the polygon, unlike a centroid
            out["labelAt"] = [round(at.y, 6), round(at.x, 6)]
        return out


def _is_city(row: dict) -> bool:
    return str(row.get("level", "")) == "city"


def label_rules(visible: list, masks: dict[str, np.ndarray], language: str) -> dict[str, LabelRule]:
    """{layer name: LabelRule} for the export, as the desktop map labels: point layers whose labels are
    on (the seats: prefecture seats always, district seats from LABEL_ZOOM_DISTRICT; other points
    such as projects and stations from LABEL_ZOOM_POINT).  Prefecture and district names stand on
    their polygons instead when the seats layer is not on the page (hidden or filtered away)."""
    rules: dict[str, LabelRule] = {}
    by_name = {l.name: l for l in visible}
    for layer in visible:
        column = layer.label_column(language)
        if not column or not layer.show_labels or layer.cache.kind != "point":
            continue
        if layer.name == "seats" and "level" in layer.data.columns:
            rules[layer.name] = LabelRule(column, lambda r: LABEL_ZOOM_CITY if _is_city(r) else LABEL_ZOOM_DISTRICT)
        else:
            rules[layer.name] = LabelRule(column, lambda r: LABEL_ZOOM_POINT)
    seats = by_name.get("seats") if "seats" in rules else None
    kept_levels: set[str] = set()
    if seats is not None:
        kept_levels = set(map(str, seats.data["level"].to_numpy()[masks["seats"]]))
    for name, level, zoom in (("cities", "city", LABEL_ZOOM_CITY), ("districts", "district", LABEL_ZOOM_DISTRICT)):
        layer = by_name.get(name)
        column = layer.label_column(language) if layer is not None else None
        if column and level not in kept_levels and layer.cache.kind == "polygon":
            rules[name] = LabelRule(column, lambda r, z=zoom: z, centred=True)
    return rules


def _labels_element():
    """The zoom handler: builds one label marker per labelled feature and shows it only while the
    map is at or past its zoom and its feature is on the map (so the layer control hides it too)."""
    from branca.element import MacroElement

    from folium.template import Template

    class Labels(MacroElement):
        _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map){
            var labels = (window.cyLabels || []).map(function(l) {
                var at = l.at ? L.latLng(l.at[0], l.at[1]) : l.f.getLatLng();
                return {f: l.f, z: l.z, m: L.marker(at, {pane: 'cy-labels', interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'cy-label ' + l.c, html: l.html, iconSize: null})})};
            });
            labels.sort(function(a, b) { return a.z - b.z; });  // stable: earlier tiers win a collision
            function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
            function update() {
                var z = map.getZoom(), placed = [];
                // add every label due at this zoom, measure them all in one layout, then drop each
                // one that overlaps a label placed before it (greedy, like the desktop map)
                var due = labels.filter(function(l) {
                    var want = z >= l.z && !!l.f._map;
                    if (want && !l.m._map) { l.m.addTo(map); } else if (!want && l.m._map) { l.m.remove(); }
                    return want;
                });
                var boxes = due.map(function(l) { return l.m.getElement().firstElementChild.getBoundingClientRect(); });
                due.forEach(function(l, k) {
                    var box = boxes[k];
                    if (placed.some(function(p) { return overlaps(p, box); })) { l.m.remove(); } else { placed.push(box); }
                });
            }
            map.on('zoomend overlayadd overlayremove', update);
            update();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """)

        def __init__(self):
            super().__init__()
            self._name = "CyLabels"

    return Labels()


# ---- page furniture ------------------------------------------------------------------------


PAGE_CSS = """
<style>
.cy-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);
 padding:6px 14px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:16px/1.3 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 text-align:center;max-width:60%;pointer-events:auto}
.cy-title h1{font-size:17px;margin:0;font-weight:bold}
.cy-title .cy-sub{font-size:12px;color:#555;margin:2px 0 0}
.cy-title .cy-warn{font-size:12px;color:#a52a1e;margin:3px 0 0}
.cy-legend{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
 font:12px/1.35 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-height:42vh;overflow:auto;max-width:300px}
.leaflet-control-layers{font:12px/1.3 "Noto Sans CJK SC","Microsoft YaHei",sans-serif}
.leaflet-control-layers-list{max-height:52vh;overflow-y:auto;padding-right:4px}
.leaflet-control-layers label{margin:0}
.cy-legend summary{font-weight:bold;cursor:pointer}
.cy-legend .cy-lh{font-weight:bold;margin-top:5px}
.cy-legend .cy-row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.cy-legend .cy-n{color:#777;margin-left:auto;padding-left:6px}
.cy-legend .cy-foot{color:#555;margin-top:6px;white-space:normal;font-size:11px}
.cy-popup{font:12px/1.4 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:340px}
.cy-popup h4{margin:0 0 4px;font-size:14px}
.cy-popup .cy-layer{color:#777;font-size:11px}
.cy-popup table{border-collapse:collapse;margin:2px 0}
.cy-popup th{text-align:left;color:#555;font-weight:normal;padding:1px 8px 1px 0;vertical-align:top;white-space:nowrap}
.cy-popup td{padding:1px 0;word-break:break-word}
.cy-popup .cy-source{margin:2px 0 4px}
.cy-popup blockquote{margin:3px 0 0;padding-left:6px;border-left:3px solid #ccc;color:#333}
.cy-popup .cy-note{color:#a52a1e;margin:2px 0 4px}
.cy-label{pointer-events:none;white-space:nowrap;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;line-height:1}
.cy-label span{position:absolute;top:0;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}
.cy-label-r span{left:7px;transform:translateY(-50%)}
.cy-label-c span{left:0;transform:translate(-50%,-50%)}
</style>
"""


def _furniture_element(title_html: str, legend_html: str):
    """Title box and legend as Leaflet controls (inside the map, so they stay in full screen)."""
    from branca.element import MacroElement

    from folium.template import Template

    class Furniture(MacroElement):
        _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map){
            var title = L.DomUtil.create('div', 'cy-title', map.getContainer());
            title.innerHTML = {{ this.title_html|tojson }};
            L.DomEvent.disableClickPropagation(title);
            var legend = L.control({position: 'bottomleft'});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'cy-legend leaflet-control');
                div.innerHTML = {{ this.legend_html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """)

        def __init__(self):
            super().__init__()
            self._name = "CyFurniture"
            self.title_html = title_html
            self.legend_html = legend_html

    return Furniture()


def _legend_html(entries: list, language: str, notes: list[str]) -> str:
    """The print legend's grouping (layers.render.legend.legend_blocks): a layer with several classes
    under its title; a one-class layer as one row that names itself in bold, so it is not
    read as a member of the group above it."""
    i = _lang_index(language)
    parts = [f'<details open><summary>{esc(TEXT["legend"][i])}</summary>']
    for block in legend_blocks(entries, language):
        if block.heading:
            parts.append(f'<div class="cy-lh">{esc(block.heading)}</div>')
        for row in block.rows:
            entry = row.entry
            lead = f'<b class="cy-lead">{esc(row.lead)}</b>' if row.lead else ""
            parts.append(f'<div class="cy-row">{swatch_svg(entry.style, entry.geometry)}<span>{lead}{esc(row.text)}</span>'
                         f'<span class="cy-n">{entry.count}</span></div>')
    for note in notes:
        parts.append(f'<div class="cy-foot">{esc(note)}</div>')
    parts.append("</details>")
    return "".join(parts)


def _title_html(title: str, subtitle: str | None, warning: str | None) -> str:
    out = [f"<h1>{esc(title)}</h1>"]
    if subtitle:
        out.append(f'<p class="cy-sub">{esc(subtitle)}</p>')
    if warning:
        out.append(f'<p class="cy-warn">{esc(warning)}</p>')
    return "".join(out)


def _lonlat_extent(document, extent) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the export: `extent` as export_layout understands it."""
    from geodata.coords import projection
    from layers.page.export_map import resolve_extent

    box = resolve_extent(document, extent)
    west, south, east, north = projection.display_bounds_to_lonlat(box)
    return float(west), float(south), float(east), float(north)


def _check(cancel) -> None:
    if cancel is not None and (cancel() if callable(cancel) else cancel.is_set()):
        raise WebExportCancelled("web export cancelled")


def _slug(name: str, n: int) -> str:
    text = re.sub(r"[^a-zA-Z0-9_-]", "", name)
    return text or f"layer{n}"


# ---- offline pages -------------------------------------------------------------------------------

WEB_RESOURCES = resources_path("web")
_ASSET_TAG = re.compile(r'<script src="(?P<js>https://[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>https://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")
_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def vendored_asset(url: str, root: Path = WEB_RESOURCES) -> Path:
    """The copy in resources/web of a CDN file (`…/npm/<pkg>@<ver>/<path>` or unpkg's `/<pkg>@<ver>/<path>`)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url).path.lstrip("/").split("/")
    if parts and parts[0] == "npm":  # jsDelivr's npm prefix
        parts = parts[1:]
    if not parts or "@" not in parts[0].lstrip("@"):
        raise ValueError(f"cannot inline {url}: not a package@version URL")
    path = root.joinpath(*parts)
    if not path.is_file():  # jsDelivr serves X.min.js minified from X.js when a package has none
        plain = path.with_name(path.name.replace(".min.", "."))
        if plain.is_file():
            return plain
        raise ValueError(f"cannot inline {url}: {path} is not in resources/web (see its README)")
    return path


def _inline_css(css: str, base: Path) -> str:
    import base64

    def data_uri(match: re.Match) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        target = (base / ref).resolve()
        if not target.is_file():
            return match.group(0)  # an icon no control on the page uses (e.g. marker shadows)
        mime = _MIME.get(target.suffix.lower(), "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(target.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(data_uri, css)


def inline_assets(text: str, root: Path = WEB_RESOURCES) -> str:
    """Replace the page's CDN <script>/<link> tags with the vendored files' contents."""

    def replace_tag(match: re.Match) -> str:
        url = match.group("js") or match.group("css")
        path = vendored_asset(url, root)
        content = path.read_text(encoding="utf-8")
        if match.group("js"):
            # inside <script> only "</script" could end it early: escaping the slash keeps the JS the same
            return f"<script>/* inlined: {url} */\n" + \
                re.sub(r"</(script)", r"<\\/\1", content, flags=re.IGNORECASE) + "\n</script>"
        css = _inline_css(content, path.parent)
        return f"<style>/* {url} */\n" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "\n</style>"

    return _ASSET_TAG.sub(replace_tag, text)


# ---- the export -------------------------------------------------------------------------------


def build_map(document, *, basemap: str = "osm", tianditu_key: str | None = None, title: str | None = None,
              language: str | None = None, extent=None, progress: Progress | None = None, cancel=None,
              offline: bool = False):
    """The folium Map of the document (visible layers, current filter, document styles).

    Returns (map, info) where info = {"features": {layer: n}, "notes": [...]}.
    """
    import folium
    from folium import plugins

    key = check_basemap(basemap, tianditu_key)
    language = language or getattr(document, "language", "zh") or "zh"
    i = _lang_index(language)
    tiles = basemap != "none"
    gcj02 = basemap == "amap"
    report = progress or (lambda _f, _m: None)
    flt = document.filter

    west, south, east, north = _lonlat_extent(document, extent)
    if gcj02:
        from geodata.coords.datums import wgs84_to_gcj02

        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=8, tiles=None,
                      control_scale=True, prefer_canvas=False)
    # Only Leaflet itself of folium's default page assets: jQuery, Bootstrap, Font Awesome and
    # awesome-markers are not used here, and each is one more file the page must fetch.
    fmap.default_js = [(n, u) for n, u in folium.Map.default_js if n == "leaflet"]
    fmap.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    fmap.fit_bounds([[south, west], [north, east]])
    _add_basemap(fmap, basemap, key, language)

    root = folium.FeatureGroup(name="cy-features", control=False).add_to(fmap)
    legend: list = []
    counts: dict[str, int] = {}
    on_each = folium.JsCode(
        "function(feature, layer) {"
        " if (feature.properties.popup) { layer.bindPopup(feature.properties.popup, {maxWidth: 360, maxHeight: 300, autoPanPaddingTopLeft: [60, 110]}); }"
        " if (feature.properties.name) { layer.bindTooltip(feature.properties.name, {sticky: true}); }"
        " if (feature.properties.label) { (window.cyLabels = window.cyLabels || []).push({f: layer,"
        " z: feature.properties.labelZoom, at: feature.properties.labelAt, html: feature.properties.label,"
        " c: feature.properties.labelClass}); } }")
    # points: the document's symbol (star, square, triangle ... per theme) as an inline-SVG marker
    point_to_layer = folium.JsCode(
        "function(feature, latlng) { var s = feature.properties.style;"
        " if (!feature.properties.icon) { return L.circleMarker(latlng, Object.assign({}, s)); }"
        " return L.marker(latlng, {pane: s.pane, keyboard: false, icon: L.divIcon({html: feature.properties.icon,"
        " className: s.className, iconSize: [s.iconSize, s.iconSize]})}); }")
    style_fn = folium.JsCode("function(feature) { return feature.properties.style; }")

    visible = [l for l in document.layers if l.visible and l.data is not None and len(l.data)]
    masks = {l.name: np.asarray(flt.mask(l), dtype=bool) for l in visible}
    rules = label_rules(visible, masks, language)
    # topmost layer first (layer control and legend read like the app's); panes keep the drawing order
    for step, (n, layer) in enumerate(reversed(list(enumerate(visible)))):
        _check(cancel)
        report(0.05 + 0.8 * step / max(len(visible), 1), layer.title(language))
        slug = _slug(layer.name, n)
        pane = f"cy-pane-{n}"
        mask = masks[layer.name]
        groups, kept = _layer_groups(layer, mask, language=language, tiles=tiles, gcj02=gcj02, pane=pane,
                                     legend=legend, slug=slug, labels=rules.get(layer.name))
        counts[layer.name] = kept
        if not kept:
            continue
        folium.map.CustomPane(pane, z_index=400 + n, pointer_events=True).add_to(fmap)
        layer_title = esc(layer.title(language))
        layer_group = plugins.FeatureGroupSubGroup(root, name=f"{layer_title} ({kept})").add_to(fmap)
        split = len(groups) > 1
        theme_order = {k: j for j, k in enumerate(THEMES)}
        for theme, group in sorted(groups.items(), key=lambda kv: (theme_order.get(kv[0], len(THEMES)), kv[0])):
            if split:
                target = plugins.FeatureGroupSubGroup(
                    layer_group, name=f"\u3000└ {esc(group.label)} ({len(group.features)})").add_to(fmap)
            else:
                target = layer_group
            options = dict(pane=pane, className=f"cy-feature cy-layer-{slug}", style=style_fn,
                           pointToLayer=point_to_layer)
            if group.casings:
                folium.GeoJson({"type": "FeatureCollection", "features": group.casings}, control=False,
                               **dict(options, className=f"cy-casing cy-layer-{slug}", interactive=False)).add_to(target)
            folium.GeoJson({"type": "FeatureCollection", "features": group.features}, control=False,
                           on_each_feature=on_each, **options).add_to(target)
    _check(cancel)
    report(0.88, "legend")

    total = sum(counts.values())
    if rules and total:  # labels above every layer's pane, under tooltips (650) and popups (700)
        folium.map.CustomPane("cy-labels", z_index=640, pointer_events=False).add_to(fmap)
        fmap.add_child(_labels_element())
    if total:
        plugins.Search(root, search_label="name", placeholder=TEXT["search"][i], collapsed=False,
                       position="topleft", geom_type="Point", search_zoom=11).add_to(fmap)
    plugins.Fullscreen(position="topleft", title=TEXT["fullscreen"][i],
                       title_cancel=TEXT["exit_fullscreen"][i]).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)

    notes = []
    gcj_note = basemap_note(basemap, language)
    if gcj_note:
        notes.append(gcj_note)
    if any(str(getattr(l, "geometry_quality", "")).find("schematic") >= 0 for l in visible if counts.get(l.name)):
        notes.append(TEXT["schematic_map"][i])
    if not tiles:
        notes.append(TEXT["no_basemap"][i])
    if offline:
        notes.append(TEXT["offline" if not tiles else "offline_tiles"][i])
    notes.append(TEXT["made"][i] + ("（已转换为 GCJ-02）" if gcj02 and i == 0 else " (converted to GCJ-02)" if gcj02 else ""))
    from layers.page.export_map import filter_caption

    caption = filter_caption(document, language)
    heading = title or TEXT["title"][i]
    subtitle = " · ".join(p for p in (caption, f"{total} {TEXT['features'][i]}") if p)
    fmap.get_root().header.add_child(folium.Element(f"<title>{esc(heading)}</title>" + PAGE_CSS))
    fmap.add_child(_furniture_element(_title_html(heading, subtitle, gcj_note), _legend_html(legend, language, notes)))
    return fmap, {"features": counts, "notes": notes}


def export_html(document, out_path, *, basemap: str = "osm", tianditu_key: str | None = None,
                title: str | None = None, progress: Progress | None = None, language: str | None = None,
                extent=None, cancel=None, offline: bool = False) -> Path:
    """Write the interactive web map of `document` to `out_path` (.html), atomically.

    `basemap`: "osm", "tianditu" (needs `tianditu_key`, or the TIANDITU_KEY environment
    variable), "amap" (overlays converted to GCJ-02, the page says so) or "none" (no tiles).
    `extent`: as `layers.page.export_map.resolve_extent` (None: the document's view).
    `offline`: inline Leaflet and its plugins (resources/web) instead of linking the CDN;
    with basemap "none" the page then needs no network at all.
    Raises ValueError for a bad basemap/key/extent before anything is written.
    """
    out = Path(out_path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"a web map is written as .html, not {out.suffix or '(no suffix)'}: {out}")
    if basemap == "tianditu" and not tianditu_key:
        tianditu_key = os.environ.get("TIANDITU_KEY") or None
    report = progress or (lambda _f, _m: None)
    report(0.0, "start")
    fmap, _info = build_map(document, basemap=basemap, tianditu_key=tianditu_key, title=title, language=language,
                            extent=extent, progress=report, cancel=cancel, offline=offline)
    report(0.92, "render")
    text = fmap.get_root().render()
    if offline:
        text = inline_assets(text)
    _check(cancel)
    atomic_write_text(out, text)
    report(1.0, str(out))
    return out

"""What the web map draws: each layer's kept features as GeoJSON with style, popup and label.

Features are grouped by primary theme (one layer-control entry each); a cased line also gets
its casing as a second feature underneath.  Popups hold the source (document, date,
verbatim sentence) first, then the attributes, every value worded by the one
`geodata.core.values.value_text` and escaped.  With the Amap basemap coordinates are
converted WGS84 -> GCJ-02 so they line up with its tiles.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from geodata.core.message import Message
from geodata.core.themes import THEMES, split_themes
from geodata.core.values import is_blank, raw_text, value_text
from layers.model.classify import feature_keys
from layers.render.request import LegendEntry
from layers.web.escape import esc
from layers.web.leaflet_styles import casing_style, leaflet_style, symbol_svg

SOURCE = Message("来源", "Source")
SCHEMATIC = Message("位置为示意（人工按控制点放置），非测量位置。",
                    "Schematic position (placed by hand through named control points), not surveyed.")
# Field names shown in popups (others appear under their own column name).
FIELD_LABELS: dict[str, Message] = {
    "name_en": Message("英文名", "English name"),
    "themes": Message("主题", "Themes"),
    "status": Message("状态", "Status"),
    "kind": Message("类型", "Kind"),
    "year": Message("年份", "Year"),
    "start_date": Message("开工", "Start"),
    "open_date": Message("开通", "Opening"),
    "investment_yi": Message("投资（亿元）", "Investment (100 M yuan)"),
    "adcode": Message("行政区划代码", "Adcode"),
    "district_adcode": Message("所在区县代码", "District adcode"),
    "province_zh": Message("省级", "Province"),
    "city_zh": Message("地级市", "Prefecture"),
    "area_km2": Message("面积（km²）", "Area (km²)"),
    "in_circle": Message("在经济圈内", "In the circle"),
    "partial": Message("部分纳入", "Partly in the circle"),
    "level": Message("级别", "Level"),
    "seat_zh": Message("驻地", "Seat"),
    "ref": Message("编号", "Route number"),
    "note": Message("说明", "Note"),
    "placement_note": Message("位置说明", "Placement"),
    "control_points": Message("控制点", "Control points"),
    "a_name": Message("一方", "Party A"),
    "b_name": Message("另一方", "Party B"),
    "railway_id": Message("所属线路", "Railway"),
    "role": Message("角色", "Role"),
    "cross_border": Message("跨界", "Cross-border"),
    "geometry_quality": Message("位置精度", "Geometry quality"),
    "source": Message("数据集", "Dataset"),
    "id": Message("编号 id", "id"),
}
NAME_FIELDS = ("name_zh", "name", "a_name", "id")
SOURCE_FIELDS = ("source_file", "source_title", "source_date", "source_sentence")
HIDDEN_FIELDS = {"geometry", "name_zh"}  # name_zh is the popup's heading


def feature_name(row: dict[str, Any], fallback: str) -> str:
    for column in NAME_FIELDS:
        value = row.get(column)
        if not is_blank(value):
            return raw_text(value)
    return fallback


def popup_html(row: dict[str, Any], columns: Iterable[str], layer_title: str, language: str) -> str:
    """The popup of one feature: heading, source block, attribute table. Every value escaped."""
    name = feature_name(row, layer_title)
    out = [f'<div class="cy-popup"><div class="cy-layer">{esc(layer_title)}</div><h4>{esc(name)}</h4>']
    rows = []
    for column in columns:
        if column in HIDDEN_FIELDS or column in SOURCE_FIELDS:
            continue
        text = value_text(row.get(column), language, column)
        if not text:  # blank, or a coded value that reads as nothing (a river that is not cross-border)
            continue
        label = FIELD_LABELS[column].text(language) if column in FIELD_LABELS else column
        rows.append(f"<tr><th>{esc(label)}</th><td>{esc(text)}</td></tr>")
    if any(not is_blank(row.get(c)) for c in SOURCE_FIELDS):  # the source first: it is what a planner cites
        head = " · ".join(esc(raw_text(row.get(c))) for c in ("source_title", "source_file", "source_date")
                          if not is_blank(row.get(c)))
        out.append(f'<div class="cy-source"><b>{esc(SOURCE.text(language))}</b> {head}')
        sentence = row.get("source_sentence")
        if not is_blank(sentence):
            out.append(f"<blockquote>{esc(raw_text(sentence))}</blockquote>")
        out.append("</div>")
    if str(row.get("geometry_quality", "")) == "schematic":
        out.append(f'<p class="cy-note">{esc(SCHEMATIC.text(language))}</p>')
    if rows:
        out.append('<table class="cy-attrs">' + "".join(rows) + "</table>")
    out.append("</div>")
    return "".join(out)


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


class FeatureGroup:
    """Features of one layer (and one primary theme) with their styles, as GeoJSON features."""

    def __init__(self, label: str):
        self.label = label
        self.features: list[dict] = []
        self.casings: list[dict] = []


def layer_groups(layer, mask: np.ndarray, *, language: str, tiles: bool, gcj02: bool, pane: str,
                 legend: list, slug: str, labels=None) -> tuple[dict[str, FeatureGroup], int]:
    """{theme key or "": FeatureGroup} for the layer's kept features, and how many were kept.

    Appends the layer's legend entries (classes drawn, with counts) to `legend`.  With
    `labels` (a `web_labels.LabelRule`), each labelled feature also carries its permanent
    label (escaped HTML in the style's label font), the zoom it appears from and, for
    polygons, where it stands."""
    import shapely

    cache = layer.cache
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
    keys = feature_keys(style, cache)[idx]  # categorized/graduated: by value
    kind = cache.kind
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    themed = "themes" in gdf.columns
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")

    order = {k: n for n, k in enumerate(style.classes)}
    counts: dict[str, int] = {}
    groups: dict[str, FeatureGroup] = {}
    class_styles: dict[str, tuple[dict, dict | None, str | None]] = {}
    for row, geom, key in zip(records, geoms, keys.tolist()):
        theme = (split_themes(row.get("themes")) or [""])[0] if themed else ""
        group = groups.get(theme)
        if group is None:
            label = Message(*THEMES[theme]).text(language) if theme in THEMES else (theme or title)
            group = groups[theme] = FeatureGroup(label)
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
            label_style = layer.labels.apply(style.style_class(key, (layer.title_zh, layer.title_en)).style)
            properties.update(labels.properties(row, geom, label_style))  # the layer's label size and colour
            if "labelClass" in properties:
                properties["labelClass"] += f" cy-label-{slug}"
        group.features.append({"type": "Feature", "geometry": geometry, "properties": properties})
        if casing:
            group.casings.append({"type": "Feature", "geometry": geometry, "properties": {"name": name, "style": casing}})
        counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts, key=lambda k: (order.get(k, len(order)), k)):
        sc = style.style_class(key, (layer.title_zh, layer.title_en))
        heading = style.legend_titles(layer.title_zh, layer.title_en)
        legend.append(LegendEntry(layer.name, *heading, key, sc.label_zh, sc.label_en, sc.style, kind, counts[key]))
    return groups, int(len(idx))

"""Interactive web map export: one self-contained HTML file (folium / Leaflet) to send.

What the file holds: the document's VISIBLE layers, only the features the CURRENT
filter keeps, drawn with the document's own styles (`leaflet_styles.py`); one
layer-control entry per layer and, for themed layers, one per primary theme
(FeatureGroupSubGroup nested in the layer's group); popups with the source and the
attributes (`features.py`); a legend and title (`page_furniture.py`); scale; fullscreen;
search by name; permanent labels by zoom tier (`web_labels.py`); the bundled CJK font,
subset to the page's characters (`web_font.py`), so Chinese shows without a system CJK font.

Safety: every value that comes from data is HTML-escaped before it reaches folium, braces
too, and the page is checked for anything Jinja would read as a tag before it is rendered
(`escape.py`: folium compiles rendered output again, so a `{{ … }}` in data would run).  Basemaps: `basemaps.py` (Amap: overlays converted to GCJ-02, and the page
says so).

Network: the page loads Leaflet and three small Leaflet plugins from the CDN URLs
in folium's templates and the tiles of the chosen basemap; basemap "none" needs no
tiles, and `offline=True` inlines the scripts (`assets.py`).  folium's other defaults
(jQuery, Bootstrap, Font Awesome, awesome-markers) are not used by this page and are
left out, so the page depends on as few outside files as possible.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from geodata.core.atomic import atomic_write_text
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, count
from geodata.core.themes import THEMES
from layers.page.extent import filter_caption, resolve_extent
from layers.page.page_plan import DEFAULT_TITLE
from layers.web.assets import inline_assets
from layers.web.basemaps import add_basemap, basemap_note, check_basemap
from layers.web.escape import check_inert, esc, text_element
from layers.web.features import layer_groups
from layers.web.page_furniture import PAGE_CSS, furniture_element, legend_html, page_notes, title_html
from layers.web.stacks import MAX_ZOOM, StackCluster, add_stack_style, has_stacks
from layers.web.web_font import embed_font
from layers.web.web_labels import label_rules, labels_element

SEARCH = Message("按名称搜索…", "Search by name…")
FULLSCREEN = Message("全屏", "Full screen")
EXIT_FULLSCREEN = Message("退出全屏", "Exit full screen")
STARTING = Message("开始", "start")
LEGEND_STEP = Message("图例", "legend")
RENDERING = Message("生成网页", "render")
WRITTEN = Message("已写入 {path}", "written {path}")


def _lonlat_extent(document, extent) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the export: `extent` as the page export understands it."""
    from geodata.coords import projection

    box = resolve_extent(document, extent)
    west, south, east, north = projection.display_bounds_to_lonlat(box)
    return float(west), float(south), float(east), float(north)


def _slug(name: str, n: int) -> str:
    text = re.sub(r"[^a-zA-Z0-9_-]", "", name)
    return text or f"layer{n}"


def build_map(document, *, basemap: str = "osm", tianditu_key: str | None = None, title: str | None = None,
              language: str | None = None, extent=None, feedback: Feedback | None = None, offline: bool = False):
    """The folium Map of the document (visible layers, current filter, document styles).

    Returns (map, info) where info = {"features": {layer: n}, "notes": [Message, ...]}.
    """
    import folium
    from folium import plugins

    feedback = feedback_or_new(feedback)
    language = language or document.language
    key = check_basemap(basemap, tianditu_key, language)
    tiles = basemap != "none"
    gcj02 = basemap == "amap"
    flt = document.filter

    west, south, east, north = _lonlat_extent(document, extent)
    if gcj02:
        from geodata.coords.datums import wgs84_to_gcj02

        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=8, tiles=None,
                      control_scale=True, prefer_canvas=False)
    fmap.options["maxZoom"] = MAX_ZOOM  # the stacks' cluster groups need it even without tiles (stacks.py)
    # Only Leaflet itself of folium's default page assets: jQuery, Bootstrap, Font Awesome and
    # awesome-markers are not used here, and each is one more file the page must fetch.
    fmap.default_js = [(n, u) for n, u in folium.Map.default_js if n == "leaflet"]
    fmap.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    fmap.fit_bounds([[south, west], [north, east]])
    add_basemap(fmap, basemap, key, language)

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
    clustered = False
    masks = {l.name: np.asarray(flt.mask(l), dtype=bool) for l in visible}
    rules = label_rules(visible, masks, language)
    theme_order = {k: j for j, k in enumerate(THEMES)}
    # topmost layer first (layer control and legend read like the app's); panes keep the drawing order
    for step, (n, layer) in enumerate(reversed(list(enumerate(visible)))):
        feedback.check()
        feedback.set_progress(0.05 + 0.8 * step / max(len(visible), 1), Message(layer.title("zh"), layer.title("en")))
        slug = _slug(layer.name, n)
        pane = f"cy-pane-{n}"
        groups, kept = layer_groups(layer, masks[layer.name], language=language, tiles=tiles, gcj02=gcj02, pane=pane,
                                    legend=legend, slug=slug, labels=rules.get(layer.name))
        counts[layer.name] = kept
        if not kept:
            continue
        folium.map.CustomPane(pane, z_index=400 + n, pointer_events=True).add_to(fmap)
        layer_title = esc(layer.title(language))
        parent = root
        if has_stacks(layer, masks[layer.name]):  # stacked points: one bubble that spiders out on click
            parent = StackCluster(pane, slug).add_to(root)
            clustered = True
        layer_group = plugins.FeatureGroupSubGroup(parent, name=f"{layer_title} ({kept})").add_to(fmap)
        split = len(groups) > 1
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
    feedback.check()
    feedback.set_progress(0.88, LEGEND_STEP)

    total = sum(counts.values())
    if clustered:
        add_stack_style(fmap)
    if rules and total:  # labels above every layer's pane, under tooltips (650) and popups (700)
        folium.map.CustomPane("cy-labels", z_index=640, pointer_events=False).add_to(fmap)
        fmap.add_child(labels_element())
    if total:
        plugins.Search(root, search_label="name", placeholder=SEARCH.text(language), collapsed=False,
                       position="topleft", geom_type="Point", search_zoom=11).add_to(fmap)
    plugins.Fullscreen(position="topleft", title=FULLSCREEN.text(language),
                       title_cancel=EXIT_FULLSCREEN.text(language)).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)

    schematic = any("schematic" in str(getattr(l, "geometry_quality", "")) for l in visible if counts.get(l.name))
    notes = page_notes(basemap, schematic=schematic, offline=offline)
    caption = filter_caption(document)
    heading = title or DEFAULT_TITLE.text(language)
    subtitle = " · ".join(p.text(language) for p in (caption, count(total, "个要素", "feature")) if p is not None)
    gcj_note = basemap_note(basemap)
    fmap.get_root().header.add_child(text_element(f"<title>{esc(heading)}</title>" + PAGE_CSS))
    fmap.add_child(furniture_element(title_html(heading, subtitle, gcj_note.text(language) if gcj_note else None),
                                     legend_html(legend, language, notes)))
    return fmap, {"features": counts, "notes": notes}


def export_html(document, out_path, *, basemap: str = "osm", tianditu_key: str | None = None,
                title: str | None = None, language: str | None = None, extent=None, offline: bool = False,
                feedback: Feedback | None = None) -> Path:
    """Write the interactive web map of `document` to `out_path` (.html), atomically.

    `basemap`: "osm", "tianditu"/"tianditu-img" (needs `tianditu_key`, or the TIANDITU_KEY
    environment variable), "amap" (overlays converted to GCJ-02, the page says so), an http(s)
    XYZ template with {z}/{x}/{y}, or "none" (no tiles); an MBTiles file is refused (basemaps.py).
    `language`: of the page (default the document's).  `extent`: as
    `layers.page.extent.resolve_extent` (None: the document's view).  `offline`: inline
    Leaflet and its plugins (resources/web) instead of linking the CDN; with basemap "none"
    the page then needs no network at all.  `feedback` gets the progress and may cancel:
    then `Cancelled` is raised and nothing is written.
    Raises ValueError for a bad basemap/key/extent before anything is written.
    """
    out = Path(out_path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"a web map is written as .html, not {out.suffix or '(no suffix)'}: {out}")
    if basemap in ("tianditu", "tianditu-img") and not tianditu_key:
        tianditu_key = os.environ.get("TIANDITU_KEY") or None
    feedback = feedback_or_new(feedback)
    feedback.set_progress(0.0, STARTING)
    fmap, _info = build_map(document, basemap=basemap, tianditu_key=tianditu_key, title=title, language=language,
                            extent=extent, feedback=feedback, offline=offline)
    feedback.check()
    feedback.set_progress(0.92, RENDERING)
    check_inert(fmap.get_root())  # folium compiles rendered scripts again: no value may read as a Jinja tag
    text = embed_font(fmap.get_root().render())  # after rendering: the subset is of the page's final text
    if offline:
        text = inline_assets(text)
    feedback.check()
    atomic_write_text(out, text)
    feedback.set_progress(1.0, WRITTEN.format(path=str(out)))
    return out

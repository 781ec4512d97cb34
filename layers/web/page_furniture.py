"""The web page's furniture: title box, legend (with the page's notes) and the page's CSS.

The CSS names the page's embedded font (`web_font.py`) first everywhere text is shown:
title, legend, layer control, popups, tooltips, search box and labels (`body .leaflet-container`
outranks leaflet.css, which the page loads after this style).

Both are Leaflet controls inside the map, so they stay in full screen.  The legend groups
its rows like the print legend (`layers.render.legend.legend_blocks`); its foot carries the
notes a reader needs (GCJ-02 conversion, schematic positions, no basemap, offline).
"""
from __future__ import annotations

from geodata.core.message import Message
from layers.page.legend_panel import LEGEND_TITLE
from layers.render.legend import legend_blocks
from layers.web.basemaps import basemap_note
from layers.web.escape import esc
from layers.web.leaflet_styles import swatch_svg
from layers.web.web_font import FAMILY

SCHEMATIC_MAP = Message("线路、项目与合作的位置为示意。",
                        "Lines, projects and partnerships are drawn at schematic positions.")
NO_BASEMAP = Message("无底图（离线，不加载瓦片）", "No basemap (offline, no tiles)")
OFFLINE = Message("脚本已内嵌：本页无需联网。", "Scripts are inlined: this page needs no network.")
OFFLINE_TILES = Message("脚本已内嵌；底图瓦片仍需联网。", "Scripts are inlined; the basemap tiles still need the network.")
MADE = Message("导出自成渝地区双城经济圈地图浏览器；坐标 WGS84", "Exported from the Chengdu–Chongqing explorer; coordinates WGS84")
CONVERTED_TO_GCJ02 = Message("（已转换为 GCJ-02）", " (converted to GCJ-02)")

PAGE_CSS = """
<style>
.cy-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);
 padding:6px 14px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:16px/1.3 FONT_STACK;
 text-align:center;max-width:60%;pointer-events:auto}
.cy-title h1{font-size:17px;margin:0;font-weight:bold}
.cy-title .cy-sub{font-size:12px;color:#555;margin:2px 0 0}
.cy-title .cy-warn{font-size:12px;color:#a52a1e;margin:3px 0 0}
.cy-legend{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
 font:12px/1.35 FONT_STACK;max-height:42vh;overflow:auto;max-width:300px}
.leaflet-control-layers{font:12px/1.3 FONT_STACK}
body .leaflet-container,body .leaflet-container input{font-family:FONT_STACK}
.leaflet-control-search .search-input{min-width:7em}/* sized in widths of "0": room for the CJK placeholder */
.leaflet-control-layers-list{max-height:52vh;overflow-y:auto;padding-right:4px}
.leaflet-control-layers label{margin:0}
.cy-legend summary{font-weight:bold;cursor:pointer}
.cy-legend .cy-lh{font-weight:bold;margin-top:5px}
.cy-legend .cy-row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.cy-legend .cy-n{color:#777;margin-left:auto;padding-left:6px}
.cy-legend .cy-foot{color:#555;margin-top:6px;white-space:normal;font-size:11px}
.cy-popup{font:12px/1.4 FONT_STACK;max-width:340px}
.cy-popup h4{margin:0 0 4px;font-size:14px}
.cy-popup .cy-layer{color:#777;font-size:11px}
.cy-popup table{border-collapse:collapse;margin:2px 0}
.cy-popup th{text-align:left;color:#555;font-weight:normal;padding:1px 8px 1px 0;vertical-align:top;white-space:nowrap}
.cy-popup td{padding:1px 0;word-break:break-word}
.cy-popup .cy-source{margin:2px 0 4px}
.cy-popup blockquote{margin:3px 0 0;padding-left:6px;border-left:3px solid #ccc;color:#333}
.cy-popup .cy-note{color:#a52a1e;margin:2px 0 4px}
.cy-label{pointer-events:none;white-space:nowrap;font-family:FONT_STACK;line-height:1}
.cy-label span{position:absolute;top:0;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}
.cy-label-r span{left:7px;transform:translateY(-50%)}
.cy-label-c span{left:0;transform:translate(-50%,-50%)}
/* markercluster glides every marker icon while it splits or merges a stack (.leaflet-cluster-anim): a label
   must stand at its place at once, or the collision pass (web_labels) measures it on the way and keeps overlaps */
.leaflet-cluster-anim .leaflet-marker-icon.cy-label{transition:none}
</style>
""".replace("FONT_STACK", f'"{FAMILY}","Microsoft YaHei",sans-serif')  # the embedded subset first (web_font.py)


def furniture_element(title_html: str, legend_html: str):
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


def page_notes(basemap: str, *, schematic: bool, offline: bool) -> list[Message]:
    """The legend's foot: what a reader must know about this page, most important first."""
    notes = []
    gcj02 = basemap_note(basemap)
    if gcj02 is not None:
        notes.append(gcj02)
    if schematic:
        notes.append(SCHEMATIC_MAP)
    tiles = basemap != "none"
    if not tiles:
        notes.append(NO_BASEMAP)
    if offline:
        notes.append(OFFLINE_TILES if tiles else OFFLINE)
    notes.append(MADE + CONVERTED_TO_GCJ02 if gcj02 is not None else MADE)
    return notes


def legend_html(entries: list, language: str, notes: list[Message]) -> str:
    """The print legend's grouping (layers.render.legend.legend_blocks): a layer with several classes
    under its title; a one-class layer as one row that names itself in bold, so it is not
    read as a member of the group above it."""
    parts = [f'<details open><summary>{esc(LEGEND_TITLE.text(language))}</summary>']
    for block in legend_blocks(entries, language):
        if block.heading:
            parts.append(f'<div class="cy-lh">{esc(block.heading)}</div>')
        for row in block.rows:
            entry = row.entry
            lead = f'<b class="cy-lead">{esc(row.lead)}</b>' if row.lead else ""
            parts.append(f'<div class="cy-row">{swatch_svg(entry.style, entry.geometry)}<span>{lead}{esc(row.text)}</span>'
                         f'<span class="cy-n">{entry.count}</span></div>')
    for note in notes:
        parts.append(f'<div class="cy-foot">{esc(note.text(language))}</div>')
    parts.append("</details>")
    return "".join(parts)


def title_html(title: str, subtitle: str | None, warning: str | None) -> str:
    out = [f"<h1>{esc(title)}</h1>"]
    if subtitle:
        out.append(f'<p class="cy-sub">{esc(subtitle)}</p>')
    if warning:
        out.append(f'<p class="cy-warn">{esc(warning)}</p>')
    return "".join(out)

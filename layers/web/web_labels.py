"""Permanent labels on the web map, as the desktop map labels: by zoom tier, never overlapping.

`label_rules` decides which features of which layer carry a label and from which zoom
(prefecture seats from the first view, district seats from `LABEL_ZOOM_DISTRICT`, projects
and stations from `LABEL_ZOOM_POINT`); `labels_element` is the in-page script that shows
each label at its zoom while its feature is on the map and drops one that would overlap a
label placed before it (greedy, in tier order).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from geodata.core.values import is_blank, raw_text
from layers.model.style import Style
from layers.web.escape import esc, safe_color
from layers.web.leaflet_styles import PX_PER_PT

# Permanent labels appear from these zoom levels on (the full extent is about zoom 7), so the
# first view names only the prefectures and closer views add districts, then projects/stations.
LABEL_ZOOM_CITY = 0
LABEL_ZOOM_DISTRICT = 9
LABEL_ZOOM_POINT = 10


class LabelRule:
    """Which features of one layer get a permanent label, with what text, from which zoom."""

    def __init__(self, column: str, zoom: Callable[[dict], int | None], centred: bool = False):
        self.column = column
        self.zoom = zoom  # row -> first zoom the label shows at, or None: no label
        self.centred = centred  # polygons: the label stands on the polygon, not beside a symbol

    def properties(self, row: dict[str, Any], geom, style: Style) -> dict[str, Any]:
        text = row.get(self.column)
        zoom = self.zoom(row)
        if zoom is None or is_blank(text):
            return {}
        size = round(max(style.label_size_pt, 6.0) * PX_PER_PT, 1)
        css = (f"font-size:{size}px;color:{safe_color(style.label_color, '#1f1f1f')};"
               f"font-weight:{'bold' if style.label_bold else 'normal'}")
        out = {"label": f'<span style="{css}">{esc(raw_text(text))}</span>', "labelZoom": int(zoom),
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


def labels_element():
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
                    if (want && !l.at && l.f.getLatLng) { l.m.setLatLng(l.f.getLatLng()); }  // a spidered marker moved
                    if (want && !l.m._map) { l.m.addTo(map); } else if (!want && l.m._map) { l.m.remove(); }
                    return want;
                });
                var boxes = due.map(function(l) { return l.m.getElement().firstElementChild.getBoundingClientRect(); });
                due.forEach(function(l, k) {
                    var box = boxes[k];
                    if (placed.some(function(p) { return overlaps(p, box); })) { l.m.remove(); } else { placed.push(box); }
                });
            }
            // cystackchange: a stack of points (stacks.py) split, gathered or spidered its markers
            map.on('zoomend overlayadd overlayremove cystackchange', update);
            // the embedded font (web_font.py) decodes after the first layout: measure again with its widths
            if (document.fonts) { document.fonts.addEventListener('loadingdone', update); }
            update();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """)

        def __init__(self):
            super().__init__()
            self._name = "CyLabels"

    return Labels()

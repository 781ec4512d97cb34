"""Readable stacks on the web map: points of a layer at one spot (77 projects on 大足区's seat)
gathered into one numbered bubble that fans out on click (Leaflet.markercluster's spiderfy).

Only layers with points on one spot are clustered, and only points that lie on top of each
other are gathered (a 1-pixel radius), so the map looks as before everywhere else.  Points at the very same position stay gathered
at every zoom, so a click on their bubble spiders them out at once (the plugin spiderfies a
cluster that cannot be split by zooming).  The layer's theme sub-groups (layer control) feed
the cluster group (leaflet.featuregroup.subgroup exists for exactly this).  The plugin is
vendored under resources/web like the other Leaflet files (`--offline` inlines it).
"""
from __future__ import annotations

import folium
from folium.plugins import MarkerCluster
from folium.template import Template

MARKERCLUSTER = "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/"
MAX_ZOOM = 18  # the page's deepest zoom: points still together there are spidered at once
STACK_RADIUS_PX = 1  # points closer than this on screen form one stack: in practice, the same spot


class StackCluster(MarkerCluster):
    """A marker cluster group that gathers only stacked points, drawn in the layer's pane."""

    # the plugin's template, and a 'cystackchange' map event whenever markers came or went
    # (the permanent labels follow their markers: web_labels.labels_element)
    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.markerClusterGroup({{ this.options|tojavascript }});
            {{ this.get_name() }}.options.iconCreateFunction = {{ this.icon_create_function.strip() }};
            {{ this.get_name() }}.on('animationend spiderfied unspiderfied', function() {
                if (this._map) { this._map.fire('cystackchange'); } });
        {% endmacro %}
        """)

    default_js = [("markerclusterjs", MARKERCLUSTER + "leaflet.markercluster.js")]
    default_css = [("markerclustercss", MARKERCLUSTER + "MarkerCluster.css"),
                   ("markerclusterdefaultcss", MARKERCLUSTER + "MarkerCluster.Default.css")]

    def __init__(self, pane: str, slug: str):
        super().__init__(control=False, options={
            "maxClusterRadius": STACK_RADIUS_PX,
            "spiderfyOnMaxZoom": True,
            "showCoverageOnHover": False,
            "zoomToBoundsOnClick": True,
            "spiderfyDistanceMultiplier": 1.4,  # the project symbols are wider than Leaflet's pins
            "clusterPane": pane,
            "spiderLegPolylineOptions": {"weight": 1.2, "color": "#555555", "opacity": 0.7, "pane": pane,
                                         "className": "cy-spider-leg"},
        }, icon_create_function=ICON.replace("SLUG", slug))  # slug: [A-Za-z0-9_-] only (export_html._slug)


# the count in a small dark bubble (the plugin's default is a big green/yellow/orange disc)
ICON = """function(cluster) {
    var n = cluster.getChildCount(), size = n < 10 ? 22 : n < 100 ? 28 : 34;
    return L.divIcon({html: '<div><span>' + n + '</span></div>', className: 'marker-cluster cy-stack cy-stack-SLUG',
                      iconSize: L.point(size, size)});
}"""

STACK_CSS = """<style>
.marker-cluster.cy-stack { background: rgba(40, 40, 40, 0.25); border-radius: 50%; }
.marker-cluster.cy-stack div { width: calc(100% - 6px); height: calc(100% - 6px); margin: 3px; border-radius: 50%;
  background: #333333; color: #ffffff; display: flex; align-items: center; justify-content: center;
  font: bold 12px/1 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.marker-cluster.cy-stack span { line-height: 1; }
</style>"""


def has_stacks(layer, mask) -> bool:
    """Do two kept points of `layer` share a spot (to 1e-6 degrees)?  Only such layers are clustered."""
    import numpy as np

    if layer.cache.kind != "point":
        return False
    xy = np.round(np.asarray(layer.cache.point_xy)[np.asarray(mask, dtype=bool)], 1)  # display metres
    xy = xy[~np.isnan(xy).any(axis=1)]
    return len(np.unique(xy, axis=0)) < len(xy)


def add_stack_style(fmap: folium.Map) -> None:
    fmap.get_root().header.add_child(folium.Element(STACK_CSS))

"""The tiles under the web map: OpenStreetMap, Tianditu (map or imagery), Amap/Gaode, any XYZ URL
template, or none.

Which tiles a name means and who must be credited comes from `layers/render/basemap/providers.py`
(the same providers PNG/SVG/PDF maps draw).  Tianditu needs the user's own key (vec_w + cva_w, or
img_w + cia_w).  Amap tiles are GCJ-02, so with that basemap every overlay coordinate is
converted WGS84 -> GCJ-02 and the reader is told (`basemap_note`, which the command line prints
too).  An MBTiles file is refused here: a web page cannot read a local SQLite file, and
embedding the area's tiles would make a page of tens of megabytes — the static exports draw it.
"""
from __future__ import annotations

from geodata.core.message import Message
from layers.render.basemap.providers import BasemapError, resolve_basemap, tianditu_providers
from layers.web.escape import esc

BASEMAPS = ("osm", "tianditu", "tianditu-img", "amap", "none")  # or an http(s) URL template

GCJ02_NOTE = Message(
    "底图为高德（GCJ-02 坐标）：为与底图对齐，图上所有要素坐标已由 WGS84 转换为 GCJ-02；"
    "请勿把本页坐标当作 WGS84 使用。",
    "Basemap Amap/Gaode uses GCJ-02: every feature on this page was converted from WGS84 to "
    "GCJ-02 so that it aligns; do not read its coordinates as WGS84.",
)
MBTILES_IN_HTML = Message(
    "网页地图不能使用 MBTiles 文件作底图（网页无法读取本地文件）：请导出 PNG/SVG/PDF，或用 --basemap none --offline",
    "a web map cannot use an MBTiles file as its basemap (a page cannot read a local file): export a "
    "PNG/SVG/PDF instead, or use --basemap none --offline")
TILE_NAMES = {"tianditu": Message("天地图", "Tianditu"), "tianditu_labels": Message("天地图注记", "Tianditu labels"),
              "amap": Message("高德地图", "Amap"), "url": Message("底图", "Basemap")}


def basemap_note(basemap: str) -> Message | None:
    """What the reader must know about a basemap (the GCJ-02 conversion), or None."""
    return GCJ02_NOTE if basemap == "amap" else None


def check_basemap(basemap: str, tianditu_key: str | None, language: str = "zh") -> str | None:
    """Validate the basemap choice; returns the cleaned Tianditu key (or None).

    Raises ValueError with the reason in `language`."""
    if str(basemap).strip().lower().endswith(".mbtiles"):
        raise ValueError(MBTILES_IN_HTML.text(language))
    try:
        source = resolve_basemap(basemap, tianditu_key=tianditu_key)
    except BasemapError as exc:
        raise ValueError(exc.message.text(language)) from None
    if source is not None and source.key in ("tianditu", "tianditu-img"):
        return tianditu_key.strip()
    return None


def add_basemap(fmap, basemap: str, key: str | None, language: str) -> None:
    """Add the chosen tiles to the folium map (nothing for "none")."""
    import folium
    import xyzservices.providers as xyz

    if basemap == "osm":
        folium.TileLayer(xyz.OpenStreetMap.Mapnik, name="OpenStreetMap", overlay=False, control=False).add_to(fmap)
    elif basemap in ("tianditu", "tianditu-img"):
        base, notes = tianditu_providers(("img_w", "cia_w") if basemap == "tianditu-img" else ("vec_w", "cva_w"))
        folium.TileLayer(base(tk=key), name=TILE_NAMES["tianditu"].text(language), overlay=False,
                         control=False).add_to(fmap)
        folium.TileLayer(notes(tk=key), name=TILE_NAMES["tianditu_labels"].text(language), overlay=True,
                         control=False).add_to(fmap)
    elif basemap == "amap":
        folium.TileLayer(xyz.Gaode.Normal, name=TILE_NAMES["amap"].text(language), overlay=False,
                         control=False).add_to(fmap)
    elif basemap != "none":  # an XYZ template, checked by check_basemap (no quotes, brackets, spaces)
        source = resolve_basemap(basemap)
        tileset = source.tilesets[0]
        folium.TileLayer(tiles=tileset.url, attr=esc(source.attribution.text(language)),
                         name=TILE_NAMES["url"].text(language), subdomains=tileset.subdomains or "abc",
                         overlay=False, control=False).add_to(fmap)

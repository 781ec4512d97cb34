"""The tiles under the web map, from xyzservices: OpenStreetMap, Tianditu, Amap/Gaode or none.

Tianditu needs the user's own key (vec_w + cva_w).  Amap tiles are GCJ-02, so with that
basemap every overlay coordinate is converted WGS84 -> GCJ-02 and the reader is told
(`basemap_note`, which the command line prints too).
"""
from __future__ import annotations

import re

from geodata.core.message import Message

BASEMAPS = ("osm", "tianditu", "amap", "none")
_TIANDITU_KEY = re.compile(r"[0-9a-fA-F]{32}")

GCJ02_NOTE = Message(
    "底图为高德（GCJ-02 坐标）：为与底图对齐，图上所有要素坐标已由 WGS84 转换为 GCJ-02；"
    "请勿把本页坐标当作 WGS84 使用。",
    "Basemap Amap/Gaode uses GCJ-02: every feature on this page was converted from WGS84 to "
    "GCJ-02 so that it aligns; do not read its coordinates as WGS84.",
)
UNKNOWN_BASEMAP = Message("未知底图 {basemap!r}；可选 {choices}", "unknown basemap {basemap!r}; choose one of {choices}")
TIANDITU_KEY_MISSING = Message(
    "天地图底图需要您自己的天地图密钥（tk）；请用 --tianditu-key 或环境变量 TIANDITU_KEY 提供，或改用 --basemap osm/none",
    "the Tianditu basemap needs your own Tianditu key (tk): pass --tianditu-key or set TIANDITU_KEY, "
    "or use --basemap osm/none")
TIANDITU_KEY_BAD = Message("天地图密钥应为 32 位十六进制字符，收到 {n} 个字符",
                           "a Tianditu key is 32 hexadecimal characters; got {n} characters")
TILE_NAMES = {"tianditu": Message("天地图", "Tianditu"), "tianditu_labels": Message("天地图注记", "Tianditu labels"),
              "amap": Message("高德地图", "Amap")}


def basemap_note(basemap: str) -> Message | None:
    """What the reader must know about a basemap (the GCJ-02 conversion), or None."""
    return GCJ02_NOTE if basemap == "amap" else None


def check_basemap(basemap: str, tianditu_key: str | None, language: str = "zh") -> str | None:
    """Validate the basemap choice; returns the cleaned Tianditu key (or None).

    Raises ValueError with the reason in `language`."""
    if basemap not in BASEMAPS:
        raise ValueError(UNKNOWN_BASEMAP.format(basemap=basemap, choices=", ".join(BASEMAPS)).text(language))
    if basemap != "tianditu":
        return None
    key = (tianditu_key or "").strip()
    if not key:
        raise ValueError(TIANDITU_KEY_MISSING.text(language))
    if not _TIANDITU_KEY.fullmatch(key):
        raise ValueError(TIANDITU_KEY_BAD.format(n=len(key)).text(language))
    return key


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


def add_basemap(fmap, basemap: str, key: str | None, language: str) -> None:
    """Add the chosen tiles to the folium map (nothing for "none")."""
    import folium
    import xyzservices.providers as xyz

    if basemap == "osm":
        folium.TileLayer(xyz.OpenStreetMap.Mapnik, name="OpenStreetMap", overlay=False, control=False).add_to(fmap)
    elif basemap == "tianditu":
        vec, cva = tianditu_providers()
        folium.TileLayer(vec(tk=key), name=TILE_NAMES["tianditu"].text(language), overlay=False,
                         control=False).add_to(fmap)
        folium.TileLayer(cva(tk=key), name=TILE_NAMES["tianditu_labels"].text(language), overlay=True,
                         control=False).add_to(fmap)
    elif basemap == "amap":
        folium.TileLayer(xyz.Gaode.Normal, name=TILE_NAMES["amap"].text(language), overlay=False,
                         control=False).add_to(fmap)

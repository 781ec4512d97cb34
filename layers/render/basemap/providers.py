"""Which tiles a basemap is made of, and who must be credited for them.

`resolve_basemap(spec, tianditu_key=None)` turns what a user types (`osm`, `tianditu`,
`tianditu-img`, `amap`, `none`, an XYZ URL template, a `.mbtiles` file) into a
`BasemapSource`: one or more `TileSet`s drawn bottom first (Tianditu's map, then its
annotation layer) and the attribution the provider asks for.  Providers come from
xyzservices where it has them (OpenStreetMap, Gaode); Tianditu, which xyzservices lacks, is
written in its TileProvider convention.  Nothing here touches the network or the disk beyond
checking that an MBTiles file opens (`mbtiles.py`).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from geodata.core.message import Message, MessageError, plain

DATUMS = ("wgs84", "gcj02")

_TIANDITU_KEY = re.compile(r"[0-9a-fA-F]{32}")
# Tianditu's own pages print this approval number under every map they serve ("©2024 自然资源部 -
# 审图号：GS(2024)0568号 - 甲测资字1100471", the footer of www.tianditu.gov.cn as reproduced in the
# tianditu examples of the Mars2D project); xyzservices has no Tianditu entry to take it from.
TIANDITU_APPROVAL = "GS(2024)0568号"
OSM_ATTRIBUTION = Message("© OpenStreetMap 贡献者", "© OpenStreetMap contributors")
TIANDITU_ATTRIBUTION = Message(f"© 天地图（自然资源部）审图号：{TIANDITU_APPROVAL}",
                               f"© Tianditu (Ministry of Natural Resources) 审图号 {TIANDITU_APPROVAL}")
AMAP_ATTRIBUTION = Message("© 高德地图（GCJ-02 瓦片已校正到 WGS84）", "© Gaode/Amap (GCJ-02 tiles warped to WGS84)")
URL_ATTRIBUTION = Message("瓦片来自 {host}", "tiles from {host}")

TIANDITU_KEY_MISSING = Message(
    "天地图底图需要您自己的天地图密钥（tk）；请用 --tianditu-key 或环境变量 TIANDITU_KEY 提供，或改用 --basemap osm/none",
    "the Tianditu basemap needs your own Tianditu key (tk): pass --tianditu-key or set TIANDITU_KEY, "
    "or use --basemap osm/none")
TIANDITU_KEY_BAD = Message("天地图密钥应为 32 位十六进制字符，收到 {n} 个字符",
                           "a Tianditu key is 32 hexadecimal characters; got {n} characters")
UNKNOWN_SPEC = Message(
    "未知底图 {spec!r}：可选 osm、tianditu、tianditu-img、amap、none，含 {{z}}/{{x}}/{{y}} 的 http(s) 瓦片地址，或 .mbtiles 文件",
    "unknown basemap {spec!r}: use osm, tianditu, tianditu-img, amap, none, an http(s) tile URL with "
    "{{z}}/{{x}}/{{y}}, or a .mbtiles file")
BAD_TEMPLATE = Message("瓦片地址 {spec!r} 不可用：{why}", "tile URL {spec!r} cannot be used: {why}")
MBTILES_MISSING = Message("找不到 MBTiles 文件 {path}", "MBTiles file {path} does not exist")


class BasemapError(MessageError, ValueError):
    """A basemap cannot be used (unknown name, missing key, unreachable server, bad MBTiles file).

    A ValueError too, so callers that refuse bad options before writing catch it with the rest."""


@dataclass(frozen=True)
class TileSet:
    """One set of 256-px Web Mercator tiles: an http(s) URL template or an MBTiles file.

    `cache_id` names the disk-cache folder (never holds a key); `datum` "gcj02" means the tiles
    are drawn in GCJ-02 (Amap) and are warped to WGS84 when drawn; `scheme` "tms" counts rows
    from the south (MBTiles, `{-y}` templates)."""

    cache_id: str
    url: str | None = None  # with {z} {x} {y} and optionally {s}; a key already filled in
    subdomains: str = ""
    mbtiles: Path | None = None
    min_zoom: int = 0
    max_zoom: int = 19
    datum: str = "wgs84"
    scheme: str = "xyz"
    bounds: tuple[float, float, float, float] | None = None  # lon/lat the set covers (MBTiles)

    def url_for(self, z: int, x: int, y: int) -> str:
        """The http(s) address of tile (z, x, y) (XYZ numbering: y from the north)."""
        if self.url is None:
            raise ValueError(f"tile set {self.cache_id} is a file, not a URL")
        s = self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else ""
        return (self.url.replace("{s}", s).replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{-y}", str((1 << z) - 1 - y)).replace("{y}", str(y)))


@dataclass(frozen=True)
class BasemapSource:
    """A basemap: its tile sets (drawn bottom first), its name and its required attribution."""

    key: str  # osm / tianditu / tianditu-img / amap / url / mbtiles
    name: Message
    tilesets: tuple[TileSet, ...]
    attribution: Message
    spec: str = ""  # what the user typed (a file path or URL for url/mbtiles)
    notes: tuple[Message, ...] = field(default_factory=tuple)

    @property
    def min_zoom(self) -> int:
        return max(t.min_zoom for t in self.tilesets)

    @property
    def max_zoom(self) -> int:
        return min(t.max_zoom for t in self.tilesets)

    @property
    def offline(self) -> bool:
        """True when every tile comes from a local file (no network, no disk cache)."""
        return all(t.mbtiles is not None for t in self.tilesets)


def check_tianditu_key(key: str | None) -> str:
    """The cleaned key; BasemapError for a missing or malformed one."""
    key = (key or "").strip()
    if not key:
        raise BasemapError(TIANDITU_KEY_MISSING)
    if not _TIANDITU_KEY.fullmatch(key):
        raise BasemapError(TIANDITU_KEY_BAD.format(n=len(key)))
    return key


def tianditu_providers(layers: tuple[str, str] = ("vec_w", "cva_w")):
    """Tianditu's map layer and its annotation (vec_w + cva_w, or img_w + cia_w), Web Mercator,
    as xyzservices TileProviders (the key placeholder makes `requires_token()` true until filled)."""
    from xyzservices import TileProvider

    common = dict(url="https://t{s}.tianditu.gov.cn/DataServer?T={layer}&x={x}&y={y}&l={z}&tk={tk}",
                  subdomains="01234567", tk="<insert your Tianditu key here>", max_zoom=18,
                  attribution="(C) Tianditu 天地图", html_attribution="&copy; 天地图 Tianditu")
    base, notes = layers
    return (TileProvider(name=f"Tianditu.{base}", layer=base, **common),
            TileProvider(name=f"Tianditu.{notes}", layer=notes, **common))


def _from_provider(provider, cache_id: str, datum: str = "wgs84") -> TileSet:
    """A TileSet from an xyzservices TileProvider (its {s} subdomains and zoom range kept)."""
    url = provider["url"]
    extra = {k: v for k, v in provider.items() if f"{{{k}}}" in url and k not in ("s", "x", "y", "z")}
    for k, v in extra.items():
        url = url.replace(f"{{{k}}}", str(v))
    return TileSet(cache_id, url=url, subdomains=str(provider.get("subdomains", "")),
                   min_zoom=int(provider.get("min_zoom", 0)), max_zoom=int(provider.get("max_zoom", 19)), datum=datum)


def _template(spec: str) -> BasemapSource:
    parts = urlsplit(spec)
    why = None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        why = Message("需要 http:// 或 https:// 地址", "it must be an http:// or https:// address")
    elif not all(p in spec for p in ("{z}", "{x}")) or not ("{y}" in spec or "{-y}" in spec):
        why = Message("缺少 {z}、{x} 或 {y} 占位符", "it needs the {z}, {x} and {y} placeholders")
    elif re.search(r"[\s\"'<>\\`]", spec):
        why = Message("含空白、引号或尖括号", "it holds spaces, quotes or angle brackets")
    elif set(re.findall(r"\{([^}]*)\}", spec)) - {"z", "x", "y", "-y", "s"}:
        why = Message("只支持 {z} {x} {y} {-y} {s} 占位符", "only the {z} {x} {y} {-y} {s} placeholders are supported")
    if why is not None:
        raise BasemapError(BAD_TEMPLATE.format(spec=spec, why=why))
    scheme = "tms" if "{-y}" in spec else "xyz"
    digest = hashlib.sha1(spec.encode("utf-8")).hexdigest()[:12]
    host = re.sub(r"\{s\}\.?", "", parts.hostname or parts.netloc)  # a.tiles.org, b.tiles.org: tiles.org
    tileset = TileSet(f"url-{re.sub(r'[^A-Za-z0-9.-]', '_', host)}-{digest}", url=spec,
                      subdomains="abc" if "{s}" in spec else "", scheme=scheme)
    return BasemapSource("url", plain(host), (tileset,), URL_ATTRIBUTION.format(host=host), spec=spec)


def resolve_basemap(spec: str | None, *, tianditu_key: str | None = None) -> BasemapSource | None:
    """The basemap `spec` names, or None for "none"/None; raises BasemapError (a `MessageError`)."""
    import xyzservices.providers as xyz

    if spec is None or str(spec).strip().lower() in ("", "none"):
        return None
    text = str(spec).strip()
    key = text.lower()
    if key == "osm":
        return BasemapSource("osm", Message("OpenStreetMap", "OpenStreetMap"),
                             (_from_provider(xyz.OpenStreetMap.Mapnik, "osm"),), OSM_ATTRIBUTION, spec="osm")
    if key in ("tianditu", "tianditu-img"):
        tk = check_tianditu_key(tianditu_key)
        layers = ("img_w", "cia_w") if key == "tianditu-img" else ("vec_w", "cva_w")
        sets = tuple(_from_provider(p(tk=tk), f"tianditu-{p['layer']}") for p in tianditu_providers(layers))
        name = Message("天地图影像", "Tianditu imagery") if key == "tianditu-img" else Message("天地图", "Tianditu")
        return BasemapSource(key, name, sets, TIANDITU_ATTRIBUTION, spec=key)
    if key == "amap":
        return BasemapSource("amap", Message("高德地图", "Amap/Gaode"),
                             (_from_provider(xyz.Gaode.Normal, "amap-normal", datum="gcj02"),), AMAP_ATTRIBUTION,
                             spec="amap")
    if key.startswith(("http://", "https://")):
        return _template(text)
    if key.endswith(".mbtiles"):
        from layers.render.basemap.mbtiles import mbtiles_source

        path = Path(text).expanduser()
        if not path.is_file():
            raise BasemapError(MBTILES_MISSING.format(path=str(path)))
        return mbtiles_source(path)
    raise BasemapError(UNKNOWN_SPEC.format(spec=text))

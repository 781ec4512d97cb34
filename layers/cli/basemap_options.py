"""The basemap options of `export` and `tiles download`, and turning them into a TileBasemap.

`--basemap` takes osm, tianditu, tianditu-img, amap, none, an http(s) XYZ template with
{z}/{x}/{y} (optionally {s}, {-y}) or a .mbtiles file (layers/render/basemap/providers.py).
A basemap that cannot be used (missing key, unreachable server, bad MBTiles file) is an error:
one line on stderr, exit 2, nothing written — unless `--basemap-optional`, which turns it into a
warning and writes the map without tiles.
"""
from __future__ import annotations

import os
import sys

from geodata.core.message import Message

SPEC_HELP = ("tiles under the map: osm, tianditu (your key), tianditu-img, amap (GCJ-02, warped to WGS84), "
             "none, an XYZ URL with {z}/{x}/{y}, or an offline FILE.mbtiles")
WITHOUT_TILES = Message("警告：{why}；地图不含底图", "warning: {why}; the map is written without a basemap")


def add_basemap_options(parser, *, for_download: bool = False) -> None:
    """--basemap, --tianditu-key, --tile-cache, --tile-timeout (and --basemap-optional for maps)."""
    parser.add_argument("--basemap", default=None, metavar="SPEC", required=for_download,
                        help=SPEC_HELP + ("" if for_download else " (default: none; osm for .html)"))
    parser.add_argument("--tianditu-key", default=None, metavar="KEY",
                        help="your Tianditu key for --basemap tianditu (default: $TIANDITU_KEY)")
    parser.add_argument("--tile-cache", default=None, metavar="DIR",
                        help="folder of cached tiles (default: the user cache folder, e.g. ~/.cache/chengyu-explorer/tiles)")
    parser.add_argument("--tile-timeout", type=float, default=None, metavar="SECONDS",
                        help="give up on a tile after this long (default 10)")
    if not for_download:
        parser.add_argument("--basemap-optional", action="store_true",
                            help="a basemap that cannot be had is a warning, and the map is written without it")


def tianditu_key(args) -> str | None:
    return args.tianditu_key or os.environ.get("TIANDITU_KEY") or None


def tile_cache(args):
    from layers.render.basemap.tile_cache import TileCache

    return TileCache(args.tile_cache) if args.tile_cache else TileCache()


def open_basemap(args):
    """The blocking, strict TileBasemap `--basemap` names, or None ("none" or not given).
    Raises BasemapError (a ValueError) when the name, key or file cannot be used."""
    from layers.render.basemap.providers import resolve_basemap
    from layers.render.basemap.tile_basemap import TileBasemap

    source = resolve_basemap(args.basemap, tianditu_key=tianditu_key(args))
    if source is None:
        return None
    return TileBasemap(source, cache=tile_cache(args), blocking=True, strict=True, timeout=tile_timeout(args))


def tile_timeout(args) -> float:
    from layers.render.basemap.fetcher import DEFAULT_TIMEOUT_S

    timeout = args.tile_timeout if args.tile_timeout is not None else DEFAULT_TIMEOUT_S
    if not timeout > 0:
        from layers.cli.safe_output import usage_error

        raise usage_error(f"--tile-timeout 须为正数，不是 {timeout:g}", f"--tile-timeout must be positive, got {timeout:g}")
    return timeout


def warn_without_tiles(error, language: str) -> None:
    """The --basemap-optional warning for a basemap error (a MessageError or plain text)."""
    from layers.cli.safe_output import say

    print(WITHOUT_TILES.format(why=say(error, language)).text(language), file=sys.stderr)

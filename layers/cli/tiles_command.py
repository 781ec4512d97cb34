"""`python main.py tiles download …`: an area's tiles into an MBTiles file for offline use.

    python main.py tiles download --basemap osm --bbox 105.5,29.4,106.0,29.9 --zoom 8-13 --out dazu.mbtiles
    python main.py tiles download --basemap tianditu --district 大足区 --zoom 8-14 --out dazu.mbtiles

Then `python main.py export map.png --basemap dazu.mbtiles` draws it with no network.  A rich
progress bar shows the tiles; Ctrl-C stops the download and leaves nothing half-written (the
file is written atomically by `layers/render/basemap/mbtiles.py`; exit code 130).  The tiles
also land in the tile cache, so the window shows the area offline too.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

from layers.cli.basemap_options import add_basemap_options, tianditu_key, tile_cache, tile_timeout
from layers.cli.safe_output import as_usage, message_language, usage_error


def register(subparsers) -> None:
    tiles = subparsers.add_parser("tiles", help="basemap tiles for offline use (download an area to MBTiles)",
                                  description="Basemap tiles for offline use.")
    actions = tiles.add_subparsers(dest="tiles_action", required=True, metavar="ACTION")
    download = actions.add_parser("download", help="write an area's tiles into an MBTiles file",
                                  description="Fetch every tile of an area at the given zoom levels into one "
                                              "MBTiles file (atomic: a cancelled download writes nothing).")
    add_basemap_options(download, for_download=True)
    where = download.add_mutually_exclusive_group(required=True)
    where.add_argument("--bbox", metavar="W,S,E,N", help="lon/lat box, e.g. 105.5,29.4,106.0,29.9")
    where.add_argument("--district", metavar="NAME", help="a bundled district's box (大足区, Dazu, 500111)")
    download.add_argument("--zoom", required=True, metavar="Z0-Z1", help="zoom levels: one (12) or a range (8-13)")
    download.add_argument("--out", required=True, metavar="FILE.mbtiles")
    download.add_argument("--max-tiles", type=int, default=None, metavar="N",
                          help="refuse areas of more tiles than this (default 20,000)")
    download.add_argument("--lang", choices=("zh", "en"), default=None,
                          help="language of progress and messages (default: progress in Chinese, errors in both)")
    download.set_defaults(func=run_download)


def parse_zooms(text: str) -> range:
    lo, _, hi = text.replace(" ", "").partition("-")
    try:
        z0, z1 = int(lo), int(hi or lo)
    except ValueError:
        raise usage_error("--zoom {text!r}：应为一个级别或范围，如 8-13", "--zoom {text!r}: expected a level or a range "
                          "such as 8-13", text=text) from None
    if not (0 <= z0 <= z1 <= 20):
        raise usage_error("--zoom {text!r}：级别为 0 到 20，由低到高", "--zoom {text!r}: levels run from 0 to 20, low to high",
                          text=text)
    return range(z0, z1 + 1)


def _district_bbox(name: str) -> tuple[float, float, float, float]:
    from layers.model.document import MapDocument
    from layers.page.extent import district_rows

    try:
        rows = district_rows(MapDocument.from_bundle(), name)
    except ValueError as exc:
        raise as_usage(exc) from None
    w, s, e, n = (float(v) for v in rows.total_bounds)
    pad = 0.02  # the edge of the district still has its surroundings
    return w - pad, s - pad, e + pad, n + pad


def run_download(args) -> int:
    from layers.cli.export_commands import _fail, _stderr_console, parse_bbox

    said = message_language(args)
    out = Path(args.out)
    try:
        if out.suffix.lower() != ".mbtiles":
            raise usage_error("--out {out}：离线包须写为 .mbtiles", "--out {out}: the offline package is written as .mbtiles",
                              out=out)
        zooms = parse_zooms(args.zoom)
        bbox = parse_bbox(args.bbox) if args.bbox else _district_bbox(args.district)
        from layers.render.basemap.mbtiles import MAX_DOWNLOAD_TILES, download_area
        from layers.render.basemap.providers import resolve_basemap

        source = resolve_basemap(args.basemap, tianditu_key=tianditu_key(args))
        if source is None:
            raise usage_error("--basemap none 没有可下载的瓦片", "--basemap none has no tiles to download")
        if source.offline:
            raise usage_error("--basemap {name} 已是离线文件", "--basemap {name} is already an offline file",
                              name=args.basemap)
        timeout = tile_timeout(args)
    except ValueError as exc:  # bad options, a BasemapError (unknown name, missing key)
        return _fail(exc, said)

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from geodata.core.feedback import Cancelled, Feedback
    from geodata.core.message import Message
    from layers.render.fonts import ensure_gui_app

    ensure_gui_app()  # Qt's application belongs to the main thread, not to the download's

    outcome: dict = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=_stderr_console(), transient=False) as bar:
        task = bar.add_task("tiles", total=1000)
        feedback = Feedback(lambda f, m: bar.update(task, completed=round(f * 1000), description=m.text(args.lang)))

        def work() -> None:
            try:
                outcome["result"] = download_area(source, bbox, zooms, out, feedback, cache=tile_cache(args),
                                                  timeout=timeout, max_tiles=args.max_tiles or MAX_DOWNLOAD_TILES)
            except BaseException as exc:  # handed to the main thread, which reports it
                outcome["error"] = exc

        # the download runs beside the main thread, so Ctrl-C lands here and cancels it cleanly
        worker = threading.Thread(target=work, name="tiles-download")
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
        except KeyboardInterrupt:
            feedback.cancel()
            worker.join()
    error = outcome.get("error")
    if isinstance(error, Cancelled) or (error is None and "result" not in outcome):
        print(Message("已取消：未写入任何文件", "cancelled: nothing written").text(args.lang), file=sys.stderr)
        return 130
    if error is not None:
        if isinstance(error, ValueError):
            return _fail(error, said)
        raise error
    result = outcome["result"]
    print(f"{result.tiles} tiles, {result.bytes / 1e6:.1f} MB" + (f", {result.missing} missing" if result.missing else ""),
          file=sys.stderr)
    print(result.path)
    return 0

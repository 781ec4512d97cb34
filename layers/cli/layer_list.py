"""`python main.py layers`: what the bundled GeoPackage holds (name, type, count, CRS, source)."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("layers", help="list the layers of the bundled GeoPackage")
    parser.add_argument("--path", default=None, help="another GeoPackage to describe (default: the bundle)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from geodata.bundle.loader import BundleError, layer_info
    from layers.cli.safe_output import cell, console

    out = console()
    try:
        infos = layer_info(args.path)
    except BundleError as exc:  # the message quotes a path: shown as text, never as markup
        out.print(Text(str(cell(exc)), style="red"))
        return 1
    except Exception as exc:  # --path names a file GDAL cannot read: the user's input, one line
        if args.path is None:
            raise
        from geodata.core.message import Message
        from geodata.io.errors import short
        from layers.cli.safe_output import fail

        return fail(Message("无法读取 {path}：{why}", "cannot read {path}: {why}").format(path=args.path, why=short(exc)))
    table = Table(title=cell("chengyu.gpkg" if args.path is None else str(args.path)))
    for column in ("layer", "geometry", "features", "CRS", "source"):
        table.add_column(column, justify="right" if column == "features" else "left", overflow="fold")
    for info in infos:
        table.add_row(*(cell(v) for v in (info.name, info.geometry_type, info.count, info.crs, info.source)))
    out.print(table)
    return 0

"""`python main.py import FILE|URL [--out OUT.gpkg] [--layer NAME] [--datum gcj02|bd09|wgs84] [--bbox …]`.

Reads a user file or a PostGIS table (`postgresql://user@host:port/db#schema.table`,
`service=NAME#schema.table`) through `geodata.io.importer`, prints what was detected or
changed, and (with --out) saves it.  Bad input or a database that cannot be reached: one
message on stderr, exit 2, nothing written.
"""
from __future__ import annotations

import argparse
import sys

from layers.cli.safe_output import clean, echo, fail, say


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import",
        help="read a user file (Shapefile, GeoPackage, GeoJSON, KML/KMZ, GPX, CSV, XLSX) or a PostGIS table into WGS84",
        description="Read a vector file or a PostGIS table into WGS84, report what was detected or changed, "
                    "optionally save it.",
    )
    p.add_argument("file", help="the file to read, or postgresql://user@host:port/db#schema.table (or service=NAME#…)")
    p.add_argument("--out", help="save the result here (.gpkg, .shp, .geojson, .kml, .csv)")
    p.add_argument("--layer", help="layer, sheet, zipped shapefile or GPX part (tracks/routes/waypoints) to read")
    p.add_argument("--datum", choices=("wgs84", "gcj02", "bd09", "cgcs2000"), default=None,
                   help="datum of the coordinates when the file cannot say (GCJ-02: Amap/Tencent, BD-09: Baidu)")
    p.add_argument("--crs", help="CRS of the file when missing or wrong, e.g. EPSG:4523")
    p.add_argument("--out-datum", choices=("wgs84", "gcj02", "bd09"), default=None, help="datum of the saved coordinates")
    p.add_argument("--bbox", metavar="LON0,LAT0,LON1,LAT1",
                   help="PostGIS: read only the features in this WGS84 box (the table's spatial index answers)")
    p.add_argument("--list-layers", action="store_true", help="list the layers in FILE (the tables of a database) and stop")
    p.add_argument("--overwrite", action="store_true", help="allow --out to be the input file itself")
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="report language (default: the locale's, Chinese unless it names another language)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geodata.io.export_vector import ExportError, save_layer
    from geodata.io.errors import CrsUnknown, DataImportError
    from geodata.io.importer import import_file, list_layers

    try:
        if args.list_layers:
            for name in list_layers(args.file):
                echo(clean(name, one_line=True))  # a layer name is data: no escape codes reach the terminal
            return 0
        bbox = _bbox(args.bbox) if args.bbox else None
        result = import_file(args.file, layer=args.layer, datum=args.datum, crs=args.crs, bbox=bbox)
    except DataImportError as exc:
        fail(exc, language=args.lang)
        if isinstance(exc, CrsUnknown):  # name the regional CRSs that would put the data in the region
            from geodata.core.message import Message
            from geodata.io.crs_detect import region_choices

            fitting = [f"EPSG:{code} ({name})" for code, name, fits in region_choices(exc.bounds) if fits]
            if fitting:
                crss = Message("可将这些坐标放在成渝地区的坐标系", "CRSs that place these coordinates in the "
                               "Chengdu–Chongqing region")
                print(f"  {say(crss, args.lang)}: " + "; ".join(fitting), file=sys.stderr)
        return 2
    from geodata.core.language import system_language
    from geodata.core.message import Message, count

    lang = args.lang or system_language()  # the window's rule: Chinese unless the locale names another language
    n = count(len(result.gdf), "个要素", "feature")
    echo(Message(f"{result.source.name}：{n.zh}", f"{result.source.name}: {n.en}").text(lang))
    for line in result.report:  # report lines quote column, layer and sheet names from the file
        echo(f"  - {clean(line.text(lang), one_line=True)}")
    if args.out:
        try:
            saved = save_layer(result.gdf, args.out, datum=args.out_datum, overwrite=args.overwrite)
        except ExportError as exc:
            return fail(exc, language=args.lang)
        for line in saved.report:
            echo(f"  - {clean(line.text(lang), one_line=True)}")
        paths = ", ".join(str(p) for p in saved.paths)
        echo(Message(f"已保存 {paths}", f"saved {paths}").text(lang))
    return 0


def _bbox(text: str) -> tuple[float, float, float, float]:
    from geodata.core.message import Message
    from geodata.io.errors import DataImportError

    import math

    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError:
        raise DataImportError(Message("--bbox 须为四个数", f"--bbox must be LON0,LAT0,LON1,LAT1, not {text!r}")) from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise DataImportError(Message("--bbox 须为有效的经纬度范围",
                                      f"--bbox must be finite lon/lat with LON0 < LON1 and LAT0 < LAT1, not {text!r}"))
    return x0, y0, x1, y1

"""`python main.py export …`, `export-batch …`, and the headless sample map.

Bad input (unknown theme, status, district, preset or format) is reported on
stderr with exit code 2 before anything is written; the export itself writes
atomically, so a failure never leaves a partial file.  Heavy imports (Qt,
geopandas) happen inside the run functions so `--help` stays fast.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geodata.core.message import Message
from layers.cli.basemap_options import add_basemap_options, error_text, open_basemap, warn_without_tiles

LAYOUT_FORMATS = (".png", ".svg", ".pdf")
WEB_FORMATS = (".html",)
DEFAULT_PRESET = "a4-landscape"
SAMPLE_PATH = Path("out") / "sample-map.png"


class UsageError(ValueError):
    """Bad command-line input: message on stderr, exit code 2."""


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", action="extend", nargs="+", default=[], metavar="KEY",
                        help="theme key or label, e.g. transport or 交通 (repeatable)")
    parser.add_argument("--status", action="extend", nargs="+", default=[], metavar="KEY",
                        help="planned/规划, under_construction/在建, operating/建成/运营")
    parser.add_argument("--district", action="extend", nargs="+", default=[], metavar="NAME",
                        help="district or county name (大足区, 大足, Dazu) or adcode; also zooms to it")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of labels and furniture")


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="write a laid-out map (png + world file, svg, pdf) or an interactive web map (html)",
        description="Export a presentation map: title, legend, scale bar, north arrow, inset, sources.",
    )
    export.add_argument("out", metavar="OUT", help="output file: .png, .svg, .pdf or .html")
    _add_filter_options(export)
    export.add_argument("--preset", default=DEFAULT_PRESET,
                        help="a4-portrait, a4-landscape, a3-portrait, a3-landscape, slide-16x9")
    export.add_argument("--dpi", type=float, default=None, help="resolution (default 300; the slide is 1920×1080)")
    export.add_argument("--title", default=None)
    export.add_argument("--subtitle", default=None)
    export.add_argument("--layer", dest="user_layers", metavar="FILE", action="append", default=[],
                        help="add a user file (any format import reads; every layer of a GeoPackage) on top; repeatable")
    export.add_argument("--project", metavar="FILE.cyproj", default=None,
                        help="export a saved project (its layers, styles, filter and view) instead of the bundled map")
    where = export.add_mutually_exclusive_group()
    where.add_argument("--extent-layer", metavar="LAYER", help="zoom to a layer's (filtered) features")
    where.add_argument("--bbox", metavar="W,S,E,N", help="zoom to a lon/lat box, e.g. 105.5,29.4,106.1,29.9")
    inset = export.add_mutually_exclusive_group()
    inset.add_argument("--inset", dest="inset", action="store_const", const=True, default="auto",
                       help="always draw the overview inset (default: only when zoomed in)")
    inset.add_argument("--no-inset", dest="inset", action="store_const", const=False, help="never draw it")
    add_basemap_options(export.add_argument_group("basemap (png, svg, pdf and html)"))
    web = export.add_argument_group("web map (.html)")
    web.add_argument("--offline", action="store_true",
                     help="inline Leaflet's scripts in the page (with --basemap none it needs no network); "
                          ".html only")
    export.set_defaults(func=run_export)

    batch = subparsers.add_parser("export-batch", help="one map per theme into a folder",
                                  description="Write one PNG (or --format) map per theme, with a progress bar.")
    batch.add_argument("outdir", metavar="OUTDIR")
    batch.add_argument("--preset", default=DEFAULT_PRESET)
    batch.add_argument("--dpi", type=float, default=None)
    batch.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    batch.add_argument("--lang", choices=("zh", "en"), default="zh")
    batch.set_defaults(func=run_export_batch)


# ---- validation (no heavy imports) -------------------------------------------------


def _split(values: list[str]) -> list[str]:
    """`--theme transport,ecology 交通` -> each item (commas or spaces both work)."""
    # ASCII and full-width commas: people typing Chinese use the latter
    return [part.strip() for v in values for part in v.replace("，", ",").split(",") if part.strip()]


def parse_themes(values: list[str]) -> tuple[str, ...]:
    from geodata.core.themes import theme_key

    try:
        return tuple(dict.fromkeys(theme_key(v) for v in _split(values)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def parse_statuses(values: list[str]) -> tuple[str, ...]:
    from geodata.core.themes import status_key

    out = []
    for v in values:  # "建成/运营" contains no comma but the English labels may; match whole first
        try:
            out.append(status_key(v))
            continue
        except ValueError:
            pass
        for part in _split([v]):
            try:
                out.append(status_key(part))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    return tuple(dict.fromkeys(out))


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--bbox {text!r}: expected four numbers W,S,E,N in degrees") from None
    if len(values) != 4:
        raise UsageError(f"--bbox {text!r}: expected four numbers W,S,E,N, got {len(values)}")
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise UsageError(f"--bbox {text!r}: need west < east and south < north, in degrees")
    return values


def check_format(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix in LAYOUT_FORMATS:
        return suffix
    if suffix in WEB_FORMATS:
        return suffix
    raise UsageError(f"unsupported output format {out.suffix or '(none)'!r} for {out}; "
                     f"use {', '.join(LAYOUT_FORMATS + WEB_FORMATS)}")


WEB_ONLY_OPTIONS = (("offline", "--offline"),)
PAGE_ONLY_OPTIONS = (("tile_cache", "--tile-cache"), ("tile_timeout", "--tile-timeout"))


def check_web_only_options(args, suffix: str) -> None:
    """Refuse options that would do nothing for this format: a silent no-op misleads."""
    web = suffix in WEB_FORMATS
    given = [flag for attr, flag in (PAGE_ONLY_OPTIONS if web else WEB_ONLY_OPTIONS)
             if getattr(args, attr, None) not in (None, False)]
    if not given:
        return
    several = len(given) > 1
    if web:
        raise UsageError(f"{', '.join(given)} {'apply' if several else 'applies'} only to png/svg/pdf maps; a web "
                         f"page fetches its tiles in the browser. Drop {'them' if several else 'it'}")
    raise UsageError(f"{', '.join(given)} {'apply' if several else 'applies'} only to a web map (.html). "
                     f"Drop {'them' if several else 'it'}, or export to .html")


def check_preset(name: str) -> None:
    from layers.page.layout_geometry import preset

    try:
        preset(name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# ---- the document -----------------------------------------------------------------


def district_adcodes(document, names: list[str]) -> tuple[str, ...]:
    from layers.page.extent import district_rows

    codes: list[str] = []
    for name in _split(names):
        try:
            rows = district_rows(document, name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        codes.extend(str(c) for c in rows["adcode"])
    return tuple(dict.fromkeys(codes))


def build_document(themes=(), statuses=(), districts=(), project=None, user_layers=(), language="zh"):
    """The bundled document (or a saved project's) with the user files added on top and the
    filter the options ask for (a project keeps its own filter unless an option is given)."""
    from layers.model.document import MapDocument
    from layers.model.filter import Filter

    document = open_project(project, language) if project else MapDocument.from_bundle()
    if user_layers:
        from geodata.io.errors import DataImportError
        from layers.cli.user_layers import import_layers, user_map_layers

        try:
            results = import_layers([(path, None) for path in user_layers])
        except DataImportError as exc:
            raise UsageError(exc.message.text(language)) from None
        for layer in user_map_layers(results, document.layer_names()):
            document.add_layer(layer)
    adcodes = district_adcodes(document, list(districts)) if districts else ()
    if not project or themes or statuses or adcodes:
        document.set_filter(Filter(themes=frozenset(themes), statuses=frozenset(statuses),
                                   districts=frozenset(adcodes)))
    return document, adcodes


def open_project(path, language: str = "zh"):
    """A saved project's document; what it could not open is said on stderr (not asked)."""
    from layers.model.project_file import ProjectFileError, load_project

    if not Path(path).is_file():
        raise UsageError(f"project file not found: {path}")
    try:
        loaded = load_project(path)
    except (ProjectFileError, ValueError, OSError) as exc:
        raise UsageError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    for line in loaded.report:
        print(f"note: {line.text(language)}", file=sys.stderr)
    for missing in loaded.missing:
        print(f"note: {missing.layer} ({missing.path}): {missing.reason.text(language)}, left out", file=sys.stderr)
    return loaded.document


def _fail(message: str) -> int:
    from layers.cli.safe_output import clean

    print(f"error: {clean(message, one_line=True)}", file=sys.stderr)  # messages quote layer names
    return 2


def run_export(args) -> int:
    out = Path(args.out)
    try:
        suffix = check_format(out)
        check_web_only_options(args, suffix)
        check_preset(args.preset)
        themes = parse_themes(args.theme)
        statuses = parse_statuses(args.status)
        bbox = parse_bbox(args.bbox)
        if args.dpi is not None and not (10 <= args.dpi <= 1200):
            raise UsageError(f"--dpi must be between 10 and 1200, got {args.dpi:g}")
        document, adcodes = build_document(themes, statuses, args.district, project=args.project,
                                           user_layers=args.user_layers, language=args.lang)
        if bbox is not None:
            extent = bbox
        elif args.extent_layer:
            extent = f"layer:{args.extent_layer}"
        elif adcodes:
            extent = "district:" + ",".join(adcodes)
        else:
            extent = None
        if suffix in WEB_FORMATS:
            from layers.cli.basemap_options import tianditu_key
            from layers.web.basemaps import basemap_note, check_basemap
            from layers.web.export_html import export_html

            basemap = args.basemap or "osm"
            try:
                check_basemap(basemap, tianditu_key(args), args.lang)
            except ValueError as exc:
                if not args.basemap_optional:
                    raise
                warn_without_tiles(exc, args.lang)
                basemap = "none"
            export_html(document, out, basemap=basemap, tianditu_key=tianditu_key(args), title=args.title,
                        language=args.lang, extent=extent, offline=args.offline)
            note = basemap_note(basemap)
            if note is not None:  # e.g. overlays converted to GCJ-02 for the Amap basemap
                print(f"note: {note.text(args.lang)}", file=sys.stderr)
            print(out)
            return 0
        result = _export_page(args, document, out, extent)
    except UsageError as exc:
        return _fail(str(exc))
    except ValueError as exc:  # e.g. an unknown --extent-layer or a basemap that cannot be had
        return _fail(error_text(exc, args.lang))
    for path in result.files:
        print(path)
    return 0


def _export_page(args, document, out: Path, extent):
    """export_map with the --basemap asked for; a basemap error raises BasemapError, or with
    --basemap-optional warns and writes the map without tiles (nothing is written before)."""
    from layers.page.export_map import export_map
    from layers.render.basemap.providers import BasemapError

    def export(basemap):
        return export_map(document, out, preset=args.preset, dpi=args.dpi, title=args.title, subtitle=args.subtitle,
                          extent=extent, inset=args.inset, language=args.lang, basemap=basemap)

    try:
        basemap = open_basemap(args)
    except BasemapError as exc:
        if not args.basemap_optional:
            raise
        warn_without_tiles(exc, args.lang)
        return export(None)
    if basemap is None:
        return export(None)
    try:
        return export(basemap)
    except BasemapError as exc:
        if not args.basemap_optional:
            raise
        warn_without_tiles(exc, args.lang)
        return export(None)
    finally:
        basemap.close()


def _theme_title(key: str, language: str) -> str:
    from geodata.core.themes import THEMES
    from layers.page.page_plan import DEFAULT_TITLE

    return (DEFAULT_TITLE + " · " + Message(*THEMES[key])).text(language)


def run_export_batch(args) -> int:
    try:
        check_preset(args.preset)
    except UsageError as exc:
        return _fail(str(exc))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from geodata.core.feedback import Feedback
    from geodata.core.themes import THEMES
    from layers.model.filter import Filter
    from layers.page.export_map import export_map

    outdir = Path(args.outdir)
    document, _ = build_document()
    written: list[Path] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_stderr_console(), transient=False) as bar:
        task = bar.add_task("export", total=len(THEMES))
        for i, key in enumerate(THEMES):
            bar.update(task, description=f"{key:16s}")
            document.set_filter(Filter(themes=frozenset({key})))

            def step(fraction: float, _message, _i=i) -> None:
                bar.update(task, completed=_i + min(fraction, 0.99))

            out = outdir / f"{key}.{args.format}"
            export_map(document, out, preset=args.preset, dpi=args.dpi, title=_theme_title(key, args.lang),
                       subtitle="", language=args.lang, feedback=Feedback(step))
            written.append(out)
            bar.update(task, completed=i + 1)
    for path in written:
        print(path)
    return 0


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def write_sample(path: str | Path = SAMPLE_PATH) -> int:
    """No display: write the slide-sized sample map and print where it went."""
    from layers.page.export_map import export_map

    document, _ = build_document()
    result = export_map(document, path, preset="slide-16x9")
    print(Path(result.path).resolve())
    return 0

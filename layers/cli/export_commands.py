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
from layers.cli.basemap_options import add_basemap_options, open_basemap, warn_without_tiles
from layers.cli.safe_output import UsageError, as_usage, clean, fail, message_language, usage_error

LAYOUT_FORMATS = (".png", ".svg", ".pdf")
WEB_FORMATS = (".html",)
ANIMATION_FORMATS = (".gif", ".mp4")  # year by year: layers/cli/animation_command.py
DEFAULT_PRESET = "a4-landscape"
SAMPLE_PATH = Path("out") / "sample-map.png"
NOTE = Message("注意", "note")
LEFT_OUT = Message("注意：{layer}（{path}）：{reason}，已略去", "note: {layer} ({path}): {reason}, left out")


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", action="extend", nargs="+", default=[], metavar="KEY",
                        help="theme key or label, e.g. transport or 交通 (repeatable)")
    parser.add_argument("--status", action="extend", nargs="+", default=[], metavar="KEY",
                        help="planned/规划, under_construction/在建, operating/建成/运营")
    parser.add_argument("--district", action="extend", nargs="+", default=[], metavar="NAME",
                        help="district or county name (大足区, 大足, Dazu) or adcode; also zooms to it")
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language of labels, furniture and messages (default: Chinese labels, messages in both)")


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="write a laid-out map (png + world file, svg, pdf) or an interactive web map (html)",
        description="Export a presentation map: title, legend, scale bar, north arrow, inset, sources.",
    )
    export.add_argument("out", metavar="OUT", help="output file: .png, .svg, .pdf, .html, or .gif/.mp4 with --by-year")
    _add_filter_options(export)
    export.add_argument("--layout", metavar="FILE.json", default=None,
                        help="a saved print layout (title, subtitle, legend entries, inset, extent, preset, dpi); "
                             "options given here override its fields")
    export.add_argument("--save-layout", metavar="FILE.json", default=None,
                        help="also write the layout this export used (to reuse with --layout)")
    export.add_argument("--preset", default=None,
                        help="a4-portrait, a4-landscape, a3-portrait, a3-landscape, slide-16x9 "
                             f"(default {DEFAULT_PRESET}; slide-16x9 for .gif/.mp4)")
    export.add_argument("--dpi", type=float, default=None, help="resolution (default 300; the slide is 1920×1080)")
    export.add_argument("--title", default=None)
    export.add_argument("--subtitle", default=None)
    export.add_argument("--by-year", nargs="?", const="", default=None, metavar="FROM:TO",
                        help="with .gif/.mp4: one cumulative frame per year (default 2021:2027), the year in the title")
    export.add_argument("--keep-undated", action="store_true",
                        help="with --by-year: show features without a year in every frame (default: left out, "
                             "as any year filter leaves them)")
    export.add_argument("--layer", dest="user_layers", metavar="FILE", action="append", default=[],
                        help="add a user file (any format import reads; every layer of a GeoPackage) on top; repeatable")
    export.add_argument("--project", metavar="FILE.cyproj", default=None,
                        help="export a saved project (its layers, styles, filter and view) instead of the bundled map")
    where = export.add_mutually_exclusive_group()
    where.add_argument("--extent-layer", metavar="LAYER", help="zoom to a layer's (filtered) features")
    where.add_argument("--bbox", metavar="W,S,E,N", help="zoom to a lon/lat box, e.g. 105.5,29.4,106.1,29.9")
    inset = export.add_mutually_exclusive_group()
    inset.add_argument("--inset", dest="inset", action="store_const", const=True, default=None,
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
    batch.add_argument("--lang", choices=("zh", "en"), default=None)
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
        raise as_usage(exc) from None


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
                raise as_usage(exc) from None
    return tuple(dict.fromkeys(out))


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise usage_error("--bbox {text!r}：应为 西,南,东,北 四个经纬度数", "--bbox {text!r}: expected four numbers "
                          "W,S,E,N in degrees", text=text) from None
    if len(values) != 4:
        raise usage_error("--bbox {text!r}：应为 西,南,东,北 四个数，不是 {n} 个",
                          "--bbox {text!r}: expected four numbers W,S,E,N, got {n}", text=text, n=len(values))
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise usage_error("--bbox {text!r}：须 西 < 东、南 < 北（度）",
                          "--bbox {text!r}: need west < east and south < north, in degrees", text=text)
    return values


def check_format(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix in LAYOUT_FORMATS:
        return suffix
    if suffix in WEB_FORMATS or suffix in ANIMATION_FORMATS:
        return suffix
    raise usage_error("不支持的输出格式 {suffix!r}（{out}）：请用 {formats}",
                      "unsupported output format {suffix!r} for {out}; use {formats}",
                      suffix=out.suffix or "(none)", out=out,
                      formats=", ".join(LAYOUT_FORMATS + WEB_FORMATS + ANIMATION_FORMATS))


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
    flags = ", ".join(given)
    if web:
        raise usage_error("{flags} 只用于 png/svg/pdf 地图：网页地图在浏览器里取瓦片。请去掉",
                          f"{{flags}} {'apply' if several else 'applies'} only to png/svg/pdf maps; a web "
                          f"page fetches its tiles in the browser. Drop {'them' if several else 'it'}", flags=flags)
    raise usage_error("{flags} 只用于网页地图（.html）。请去掉，或导出为 .html",
                      f"{{flags}} {'apply' if several else 'applies'} only to a web map (.html). "
                      f"Drop {'them' if several else 'it'}, or export to .html", flags=flags)


def check_preset(name: str) -> None:
    from layers.page.layout_geometry import preset

    try:
        preset(name)
    except ValueError as exc:
        raise as_usage(exc) from None


# ---- the document -----------------------------------------------------------------


def district_adcodes(document, names: list[str]) -> tuple[str, ...]:
    from layers.page.extent import district_rows

    codes: list[str] = []
    for name in _split(names):
        try:
            rows = district_rows(document, name)
        except ValueError as exc:
            raise as_usage(exc) from None
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
            raise UsageError(exc.message) from None
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
        raise usage_error("找不到项目文件：{path}", "project file not found: {path}", path=str(path))
    try:
        loaded = load_project(path)
    except (ProjectFileError, ValueError, OSError) as exc:
        raise as_usage(exc) from None  # a project's own error (a Message) or the OS's text
    for line in loaded.report:
        print(f"{NOTE.text(language)}: {clean(line.text(language), one_line=True)}", file=sys.stderr)
    for missing in loaded.missing:
        print(clean(LEFT_OUT.format(layer=missing.layer, path=missing.path, reason=missing.reason).text(language),
                    one_line=True), file=sys.stderr)
    return loaded.document


def _fail(message, language: str | None = None) -> int:
    return fail(message, language=language)  # one line; messages quote layer names, cleaned


def layout_from_args(args, bbox, adcodes):
    """The layout of this export: --layout FILE's, with the options given on the command line."""
    from layers.page.layout_spec import LayoutError, LayoutSpec, load_layout

    try:
        spec = load_layout(args.layout) if args.layout else LayoutSpec()
        changes = {name: getattr(args, name) for name in ("preset", "dpi", "title", "subtitle", "inset")
                   if getattr(args, name) is not None}
        if bbox is not None:
            changes["extent"] = bbox
        elif args.extent_layer:
            changes["extent"] = f"layer:{args.extent_layer}"
        elif adcodes:
            changes["extent"] = "district:" + ",".join(adcodes)
        return spec.replace(**changes)
    except LayoutError as exc:
        raise as_usage(exc) from None


def run_export(args) -> int:
    said = message_language(args)
    out = Path(args.out)
    if out.suffix.lower() in ANIMATION_FORMATS or args.by_year is not None:
        from layers.cli.animation_command import run_animation

        return run_animation(args, said)
    if args.keep_undated:
        return _fail(usage_error("--keep-undated 只用于 --by-year（.gif 或 .mp4）：单张地图没有年份筛选",
                                 "--keep-undated applies only with --by-year (a .gif or .mp4): a single map has no year filter"), said)
    try:
        suffix = check_format(out)
        check_web_only_options(args, suffix)
        if args.preset is not None:
            check_preset(args.preset)
        themes = parse_themes(args.theme)
        statuses = parse_statuses(args.status)
        bbox = parse_bbox(args.bbox)
        if args.dpi is not None and not (10 <= args.dpi <= 1200):
            raise usage_error(f"--dpi 须在 10 到 1200 之间，不是 {args.dpi:g}",
                              f"--dpi must be between 10 and 1200, got {args.dpi:g}")
        document, adcodes = build_document(themes, statuses, args.district, project=args.project,
                                           user_layers=args.user_layers, language=args.lang)
        layout = layout_from_args(args, bbox, adcodes)
        extent = layout.export_options()["extent"]
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
            export_html(document, out, basemap=basemap, tianditu_key=tianditu_key(args), title=layout.title,
                        language=args.lang, extent=extent, offline=args.offline)
            note = basemap_note(basemap)
            if note is not None:  # e.g. overlays converted to GCJ-02 for the Amap basemap
                print(f"note: {note.text(args.lang)}", file=sys.stderr)
            _save_layout(args, layout)
            print(out)
            return 0
        result = _export_page(args, document, out, layout)
        _save_layout(args, layout)
    except ValueError as exc:  # bad options, an unknown --extent-layer, a basemap that cannot be had
        return _fail(exc, said)
    for path in result.files:
        print(path)
    return 0


def _save_layout(args, layout) -> None:
    """--save-layout FILE: the layout this export used (a web page uses its title and extent)."""
    if not args.save_layout:
        return
    from layers.page.layout_spec import save_layout

    try:
        save_layout(layout, args.save_layout)
    except OSError as exc:
        raise usage_error("无法写入版式 {path}：{why}", "cannot write layout {path}: {why}",
                          path=args.save_layout, why=exc.strerror or str(exc)) from None


def _export_page(args, document, out: Path, layout):
    """export_map with the --basemap asked for; a basemap error raises BasemapError, or with
    --basemap-optional warns and writes the map without tiles (nothing is written before)."""
    from layers.page.export_map import export_map
    from layers.render.basemap.providers import BasemapError

    def export(basemap):
        return export_map(document, out, layout=layout, language=args.lang, basemap=basemap)

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
    said = message_language(args)
    try:
        check_preset(args.preset)
    except UsageError as exc:
        return _fail(exc, said)
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

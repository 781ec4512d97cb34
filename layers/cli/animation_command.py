"""`python main.py export OUT.gif|OUT.mp4 --by-year [FROM:TO]`: the map year by year
(`layers/page/export_animation.py`), with the export command's filter, page and basemap options.
"""
from __future__ import annotations

import sys
from pathlib import Path

from layers.cli.basemap_options import open_basemap, warn_without_tiles
from layers.cli.export_commands import (ANIMATION_FORMATS, UsageError, _fail, as_usage, usage_error, build_document, check_preset,
                                        parse_bbox, parse_statuses, parse_themes)

ANIMATION_PRESET = "slide-16x9"


def check_animation_options(args) -> tuple[int, int]:
    from layers.model.timeline import parse_year_range

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise usage_error("--by-year 生成动画：请给 .gif 或 .mp4 文件名，而不是 {name}",
                          "--by-year writes an animation: name a .gif or .mp4 file, not {name}", name=out.name)
    if args.by_year is None:
        raise usage_error("{name}：动画需要 --by-year [起:止]，如 --by-year 2021:2027",
                          "{name}: an animation needs --by-year [FROM:TO], e.g. --by-year 2021:2027", name=out.name)
    if args.offline:
        raise usage_error("--offline 只用于网页地图（.html）。请去掉", "--offline applies only to a web map (.html). Drop it")
    if args.dpi is not None and not (10 <= args.dpi <= 600):
        raise usage_error("动画的 --dpi 须在 10 与 600 之间，而不是 {dpi}",
                          "--dpi must be between 10 and 600 for an animation, got {dpi}", dpi=f"{args.dpi:g}")
    try:
        return parse_year_range(args.by_year)
    except ValueError as exc:
        raise as_usage(exc) from None


def run_animation(args, said: str | None = None) -> int:
    """`said`: the language --lang chose for messages (None: both), as run_export read it."""
    from layers.page.export_animation import AnimationError, export_by_year
    from layers.render.basemap.providers import BasemapError

    try:
        years = check_animation_options(args)
        preset = args.preset or ANIMATION_PRESET
        check_preset(preset)
        bbox = parse_bbox(args.bbox)
        document, adcodes = build_document(parse_themes(args.theme), parse_statuses(args.status), args.district)
        if args.keep_undated:
            document.set_filter(document.filter.replace(keep_undated=True))
        if bbox is not None:
            extent = bbox
        elif args.extent_layer:
            extent = f"layer:{args.extent_layer}"
        elif adcodes:
            extent = "district:" + ",".join(adcodes)
        else:
            extent = None

        def export(basemap):
            return export_by_year(document, args.out, years=years, preset=preset, dpi=args.dpi, title=args.title,
                                  subtitle=args.subtitle,
                                  extent=extent, inset="auto" if args.inset is None else args.inset, language=args.lang, basemap=basemap)

        try:
            basemap = open_basemap(args)
        except BasemapError as exc:
            if not args.basemap_optional:
                raise
            warn_without_tiles(exc, args.lang)
            basemap = None
        try:
            result = export(basemap)
        finally:
            if basemap is not None:
                basemap.close()
    except UsageError as exc:
        return _fail(exc, said)
    except (AnimationError, ValueError) as exc:  # no ffmpeg for .mp4, an unknown --extent-layer, a basemap
        return _fail(exc, said)
    print(result.path)
    print(f"{len(result.years)} frames {result.years[0]}–{result.years[-1]}, {result.size[0]}×{result.size[1]} px",
          file=sys.stderr)
    return 0

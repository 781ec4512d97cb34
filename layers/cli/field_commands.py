"""`python main.py check | correct | here | goto`: field check, corrections, "what is here", conversion.

Bad input (missing file, unreadable coordinate, unknown datum, bad tolerance, a store that
cannot be reached or may not be written) prints one clear line on stderr and exits with code 2;
nothing is written in that case.  `correct` exits 3 when the project changed since `--base`.
Heavy imports (geopandas, Qt for the PDF) happen inside the run functions.
"""
from __future__ import annotations

import argparse
import json
import sys

from layers.cli.arg_types import non_negative_float, non_negative_int, positive_float, positive_int
from layers.cli.safe_output import cell, clean, echo, fail, say

DATUM_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")
_LANG_HELP = "output language (default: the locale's, Chinese unless it names another language)"
_MESSAGE_LANG_HELP = "language of messages and errors (default: both, Chinese first)"
MAX_TABLE_ROWS = 1000  # rows printed on the terminal; --report holds them all


def run_correct(args: argparse.Namespace) -> int:
    from geodata.coords.parse import parse_coordinate
    from geodata.core.message import Message
    from geodata.fieldcheck.edits import EditConflict, EditsError, open_edit_store, parse_base

    try:
        base = parse_base(args.base)
        pos = parse_coordinate(args.position, args.datum)
        if pos.datum not in DATUM_CHOICES:
            return _fail(args, Message(f"经纬度位置的 --datum 须为 {'、'.join(DATUM_CHOICES)} 之一",
                                       f"--datum must be one of {', '.join(DATUM_CHOICES)} for a LON,LAT position"))
        store = open_edit_store(args.edits)
        edit = store.move(args.project_id, pos.lon, pos.lat, args.reason, who=args.by, base=base)
    except EditConflict as exc:
        conflict = say(Message("冲突", "conflict"), args.lang)
        print(f"{conflict}: {clean(say(exc, args.lang), one_line=True)}", file=sys.stderr)
        return 3
    except (EditsError, ValueError) as exc:  # bad input, unreachable or read-only store: one line
        return _fail(args, exc)
    moved = (f"{edit.project_id} ({edit.old_lon:.6f}, {edit.old_lat:.6f}) → ({edit.new_lon:.6f}, {edit.new_lat:.6f})")
    echo(say(Message("修正 #{n} 已记录：{moved}，{who} 于 {when} 记入 {target}",
                     "correction #{n} recorded: {moved} by {who} at {when} in {target}")
             .format(n=edit.edit_id, moved=moved, who=edit.who, when=edit.when, target=store.target), args.lang))
    return 0


def _language(args: argparse.Namespace) -> str:
    from geodata.core.language import system_language

    return args.lang or system_language()  # the same rule as the window's


def register(subparsers) -> None:
    check = subparsers.add_parser(
        "check", help="check observed positions (CSV/GPX) against the project registry",
        description="Match each observation to a registered project (id, else name, else nearest within "
                    "--radius), measure the geodesic distance and flag those beyond --tolerance.")
    check.add_argument("observations", metavar="OBS", help="observation file: .csv (id,name,lon,lat / 编号,名称,经度,纬度) or .gpx")
    check.add_argument("--datum", default="wgs84", help="datum of the observations: wgs84, gcj02, bd09, cgcs2000 (default wgs84)")
    check.add_argument("--tolerance", type=positive_float, default=200.0, metavar="M", help="flag beyond this many metres (default 200)")
    check.add_argument("--radius", type=non_negative_float, default=1000.0, metavar="M",
                       help="match an unnamed observation to the nearest project within this many metres (default 1000)")
    check.add_argument("--report", metavar="OUT.csv", help="write the result table (UTF-8 CSV)")
    check.add_argument("--pdf", metavar="OUT.pdf", help="write a PDF report with a map per flagged project")
    check.add_argument("--edits", metavar="TARGET",
                       help="check against the registry as corrected in this store: a .gpkg edits file or a PostGIS "
                            "address postgresql://user@host:port/db[#schema[.table]] (or service=NAME)")
    check.add_argument("--lang", choices=("zh", "en"), default=None, help=_LANG_HELP)
    check.set_defaults(func=run_check)

    correct = subparsers.add_parser(
        "correct", help="record a project's corrected position in a shared edits store (.gpkg or PostGIS)",
        description="Move a registered project to LON,LAT with who and why.  Refused (exit 3) when the project "
                    "changed since --base: registry = no correction yet, or the id of the edit you looked at.")
    correct.add_argument("project_id", metavar="PROJECT_ID")
    correct.add_argument("position", metavar="LON,LAT", help='the measured position, e.g. "105.81,29.75" (quote it)')
    correct.add_argument("--edits", required=True, metavar="TARGET",
                         help="a .gpkg edits file or postgresql://user@host:port/db[#schema[.table]] (or service=NAME)")
    correct.add_argument("--by", required=True, metavar="NAME", help="who measured it")
    correct.add_argument("--reason", required=True, metavar="TEXT", help="why, e.g. 'GPS at the gate'")
    correct.add_argument("--base", default=None, metavar="registry|EDIT_ID",
                         help="the state you corrected from: registry (no edit yet) or an edit id "
                              "(default: the latest edit when the command reads the store)")
    correct.add_argument("--datum", default="wgs84", help="datum of LON,LAT: wgs84, gcj02, bd09, cgcs2000 (default wgs84)")
    correct.add_argument("--lang", choices=("zh", "en"), default=None, help=_MESSAGE_LANG_HELP)
    correct.set_defaults(func=run_correct)

    here = subparsers.add_parser("here", help="what is here: district, circle, nearby projects, nearest lines",
                                 description='e.g. python main.py here "105.7,29.69" or "29°41′N 105°42′E" --datum gcj02')
    here.add_argument("position", metavar="POSITION", help='"LON,LAT" in decimal or DMS (quote it)')
    here.add_argument("--datum", default="wgs84", help="wgs84, gcj02, bd09, cgcs2000, gk3, gk6 (default wgs84)")
    here.add_argument("--zone", type=positive_int, default=None, help="Gauss–Krüger zone when the easting has no zone prefix")
    here.add_argument("-n", "--projects", type=non_negative_int, default=5, help="how many nearby projects (default 5)")
    here.add_argument("--lang", choices=("zh", "en"), default=None, help=_LANG_HELP)
    here.add_argument("--json", action="store_true", help="print JSON instead of text")
    here.set_defaults(func=run_here)

    goto = subparsers.add_parser("goto", help="convert a typed coordinate to WGS84 and every other datum")
    goto.add_argument("position", metavar="POSITION")
    goto.add_argument("--datum", default="wgs84", help="wgs84, gcj02, bd09, cgcs2000, gk3, gk6 (default wgs84)")
    goto.add_argument("--zone", type=positive_int, default=None, help="Gauss–Krüger zone when the easting has no zone prefix")
    goto.add_argument("--lang", choices=("zh", "en"), default=None, help=_MESSAGE_LANG_HELP)
    goto.set_defaults(func=run_goto)


def _fail(args: argparse.Namespace, message) -> int:
    # One line, control characters stripped (messages quote user data); both languages without --lang.
    return fail(message, language=args.lang)


def run_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geodata.coords import datums as coords
    from geodata.fieldcheck.check import ObservationError, check_file, write_csv

    from geodata.core.message import Message

    try:
        datum = coords.datum_key(args.datum)
    except ValueError as exc:
        return _fail(args, exc)
    if datum not in DATUM_CHOICES:
        return _fail(args, Message(f"观测文件为经纬度：--datum 须为 {'、'.join(DATUM_CHOICES)} 之一",
                                   f"observation files hold lon/lat: --datum must be one of {', '.join(DATUM_CHOICES)}"))
    for out, suffix in ((args.report, ".csv"), (args.pdf, ".pdf")):
        if out and Path(out).suffix.lower() != suffix:
            return _fail(args, Message("{out}：文件名须以 {suffix} 结尾", "{out}: the file name must end in {suffix}")
                         .format(out=out, suffix=suffix))
    projects = None
    if args.edits:
        from geodata.fieldcheck.check import with_project_lines
        from geodata.fieldcheck.edits import EditsError, corrected_registry

        try:
            projects = with_project_lines(corrected_registry(args.edits))
        except EditsError as exc:
            return _fail(args, exc)
    from geodata.bundle.loader import BundleError

    try:
        result = check_file(args.observations, projects, datum=datum, tolerance_m=args.tolerance, radius_m=args.radius)
    except BundleError as exc:  # the registry itself is missing: not the user's input
        return fail(exc, code=1, language=args.lang)
    except (ObservationError, ValueError) as exc:
        return _fail(args, exc)
    lang = _language(args)
    _print_result(result, lang)
    if args.report:
        echo(f"→ {write_csv(result, args.report)}")
    if args.pdf:
        from layers.page.field_check_report import write_report

        echo(f"→ {write_report(result, args.pdf, lang=lang)}")
    return 0


def _print_result(result, lang: str) -> None:
    """The result table; every cell is plain text (a name like `[/x]` is not rich markup, escape
    codes are stripped), and at most MAX_TABLE_ROWS rows: a terminal is no place for 10^5."""
    from rich.table import Table
    from rich.text import Text

    from geodata.core.message import Message
    from geodata.fieldcheck.check import note_text
    from layers.cli.safe_output import console

    out = console()
    table = Table(title=cell(result.summary(lang)))
    headers = [Message("观测", "obs"), Message("名称", "name"), Message("项目", "project"), Message("匹配", "match"),
               Message("距离 m", "distance m"), Message("状态", "status")]
    notes = "match_note" in result.rows and result.rows["match_note"].astype(bool).any()
    if notes:  # name ties: which registered projects tied, and how one was taken
        headers.append(Message("备注", "note"))
    for header in headers:
        table.add_column(header.text(lang), justify="right" if header.en.startswith("distance") else "left")
    colours = {"ok": "green", "flagged": "red", "unmatched": "yellow"}
    statuses = {"ok": Message("符合", "ok"), "flagged": Message("超差", "flagged"), "unmatched": Message("未匹配", "unmatched")}
    for r in result.rows.head(MAX_TABLE_ROWS).itertuples(index=False):
        dist = "" if r.distance_m != r.distance_m else f"{r.distance_m:.1f}"  # NaN check
        cells = [cell(r.obs_id), cell(r.obs_name), cell(f"{r.project_id} {r.project_name_zh}".strip()),
                 cell(r.match_method), dist, Text(statuses[r.status].text(lang), style=colours[r.status])]
        if notes:
            cells.append(cell(note_text(r.match_note, lang)))
        table.add_row(*cells)
    out.print(table)
    hidden = len(result.rows) - MAX_TABLE_ROWS
    if hidden > 0:
        out.print(Message(f"……另有 {hidden:,} 行未显示（--report 写出全部）",
                          f"… {hidden:,} more rows not shown (--report writes them all)").text(lang))


def run_here(args: argparse.Namespace) -> int:
    from geodata.coords.parse import parse_coordinate
    from geodata.fieldcheck.whats_here import whats_here

    try:
        pos = parse_coordinate(args.position, args.datum, args.zone)
        report = whats_here(pos.lon, pos.lat, n_projects=args.projects)
    except ValueError as exc:
        return _fail(args, exc)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))  # JSON escapes every C0 control
        return 0
    lang = _language(args)
    if pos.datum != "wgs84" or pos.note:
        echo(f"{pos.x}, {pos.y} ({pos.datum}) → {pos.format()}" + (f"  [{pos.note.text(lang)}]" if pos.note else ""))
    echo("\n".join(report.text_lines(lang)))
    return 0


def run_goto(args: argparse.Namespace) -> int:
    from geodata.coords import datums as coords
    from geodata.coords.parse import format_dms, parse_coordinate

    try:
        pos = parse_coordinate(args.position, args.datum, args.zone)
    except ValueError as exc:
        return _fail(args, exc)
    print(f"WGS84     {pos.lon:.7f}, {pos.lat:.7f}   {format_dms(pos.lon, pos.lat)}")
    for datum in ("gcj02", "bd09"):
        x, y = coords.from_wgs84(pos.lon, pos.lat, datum)
        print(f"{datum.upper():<9} {x:.7f}, {y:.7f}")
    for datum in ("gk3", "gk6"):
        e, n, zone = coords.wgs84_to_gk(pos.lon, pos.lat, 3 if datum == "gk3" else 6)
        print(f"{datum.upper()}-{zone:<5} E {e:.2f}  N {n:.2f}  (CGCS2000)")
    if pos.note:
        echo(say(pos.note, args.lang))
    return 0

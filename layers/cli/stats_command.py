"""`python main.py stats --by city|district|theme|status|year`: the statistics table of
`layers/model/stats.py` for the filter the options give (the same Filter the map and `export`
use), printed with rich, optionally written as CSV (atomic) and drawn as a PNG/SVG chart.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from geodata.core.message import Message

GROUPING_CHOICES = ("city", "district", "theme", "status", "year")
WROTE = Message("已写入 {path}", "wrote {path}")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "stats", help="count projects, project lines, partnerships and stated investment, grouped",
        description="Statistics over what the filter keeps (the map's filter): counts of projects, project "
                    "lines and partnerships and the stated investment, by city, district, theme, status or year.")
    parser.add_argument("--by", choices=GROUPING_CHOICES, default="theme", help="grouping (default: theme)")
    parser.add_argument("--theme", action="extend", nargs="+", default=[], metavar="KEY",
                        help="theme key or label, e.g. transport or 交通 (repeatable)")
    parser.add_argument("--status", action="extend", nargs="+", default=[], metavar="KEY",
                        help="planned/规划, under_construction/在建, operating/建成/运营")
    parser.add_argument("--district", action="extend", nargs="+", default=[], metavar="NAME",
                        help="district or county name (大足区, 大足, Dazu) or adcode")
    parser.add_argument("--csv", metavar="OUT.csv", help="also write the table as CSV (UTF-8 with BOM, for Excel)")
    parser.add_argument("--chart", metavar="OUT.png|.svg", help="also draw a bar chart")
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="output language (default: the locale's, Chinese unless it names another language)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geodata.core.language import system_language
    from layers.cli.export_commands import UsageError, build_document, parse_statuses, parse_themes, usage_error
    from layers.cli.safe_output import fail

    language = args.lang or system_language()
    try:
        if args.csv and Path(args.csv).suffix.lower() != ".csv":
            raise usage_error("--csv {name}：文件名须以 .csv 结尾", "--csv {name}: the file name must end in .csv", name=args.csv)
        if args.chart and Path(args.chart).suffix.lower() not in (".png", ".svg"):
            raise usage_error("--chart {name}：请用 .png 或 .svg 文件名", "--chart {name}: use a .png or .svg file name", name=args.chart)
        themes = parse_themes(args.theme)
        statuses = parse_statuses(args.status)
        document, _ = build_document(themes, statuses, args.district)
    except UsageError as exc:
        return fail(exc)
    from layers.model.stats import compute_stats

    table = compute_stats(document, args.by)
    print_table(table, language)
    try:
        if args.csv:
            write_csv(table, args.csv)
            _note(WROTE.format(path=args.csv).text(language))
        if args.chart:
            from layers.page.stats_chart import write_chart

            write_chart(table, args.chart, language, subtitle=_caption(table, language))
            _note(WROTE.format(path=args.chart).text(language))
    except OSError as exc:  # a folder that does not exist, a read-only disk
        return fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "), code=1)
    return 0


def _caption(table, language: str) -> str | None:
    return None if table.filter.is_empty else table.filter.describe(language)


def _note(text: str) -> None:
    import sys

    from layers.cli.safe_output import echo

    echo(text, file=sys.stderr)


def print_table(table, language: str) -> None:
    from rich.table import Table

    from layers.cli.safe_output import cell, console
    from layers.model.stats import COLUMNS, GROUPINGS, NO_INVESTMENT

    caption = _caption(table, language)
    out = Table(title=cell(table.title(language) + (f" · {caption}" if caption else "")))
    out.add_column(GROUPINGS[table.by].text(language))
    columns = [c for c in COLUMNS if c not in ("projects", "project_lines", "partnerships") or c in table.layers]
    for column in columns:
        out.add_column(COLUMNS[column].text(language), justify="right")
    for row in (*table.rows, table.total):
        values = [cell(row.label.text(language))]
        for column in columns:
            value = row.value(column)
            if column == "investment_yi":
                values.append(cell(f"{value:,.2f}" if row.investment_count else "—"))
            else:
                values.append(cell(f"{value:,}"))
        out.add_row(*values, end_section=row is table.rows[-1] if table.rows else False)
    con = console()
    con.print(out)
    if not table.total.investment_count:
        con.print(cell(NO_INVESTMENT.text(language)))


def write_csv(table, path) -> Path:
    """The table as CSV (one row a group, the total last), atomically; Excel reads the BOM as UTF-8."""
    import csv
    import io

    from geodata.core.atomic import atomic_write_bytes

    records = table.records()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ("" if v is None else v) for k, v in record.items()})
    return atomic_write_bytes(path, buffer.getvalue().encode("utf-8-sig"))

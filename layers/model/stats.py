"""Statistics of what the map shows: projects, project lines and partnerships, and the stated
investment, grouped by city, district, theme, status or year.

Counted over exactly the features the document's `Filter` keeps (`Filter.mask(layer)`, the call
the renderer makes), so a number here is what the map draws.  A feature may belong to several
groups: a project with two themes counts under both (as the filter panel and README count them),
a project line under every district it names (`district_adcodes`), a partnership under both
partners (`a_adcode`, `b_adcode`).  The total row counts each kept feature once.
No Qt: the CLI, the window's panel and tests share this.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from geodata.core.message import Message
from geodata.core.themes import STATUSES, THEMES, split_themes
from layers.model.filter import Filter, place_names

GROUPINGS: dict[str, Message] = {
    "city": Message("地级市", "City"),
    "district": Message("区县", "District"),
    "theme": Message("专题", "Theme"),
    "status": Message("状态", "Status"),
    "year": Message("年份", "Year"),
}
COUNTED_LAYERS = ("projects", "project_lines", "partnerships")
# the table's columns in order: key -> heading
COLUMNS: dict[str, Message] = {
    "projects": Message("重点项目", "Projects"),
    "project_lines": Message("项目线路", "Project lines"),
    "partnerships": Message("合作结对", "Partnerships"),
    "investment_count": Message("注明投资", "State investment"),
    "investment_yi": Message("投资（亿元）", "Investment (100 M yuan)"),
}
FIELDS = ("themes", "status", "year", "district_adcodes", "district_adcode", "a_adcode", "b_adcode", "investment_yi")
# chart colours of the three counts (CLI chart and window panel alike): the transport, industry and
# ecology hues of the map's palette
SERIES = (("projects", "#1f5fbf"), ("project_lines", "#e8590c"), ("partnerships", "#2b8a3e"))
INVESTED_LAYERS = ("projects", "project_lines")  # partnerships have no investment field
TOTAL = Message("合计（不重复）", "Total (each feature once)")
UNDATED = Message("未注明年份", "No year")
UNPLACED = Message("未注明地区", "No place")
CITY_LEVEL = Message("{name}（市级）", "{name} (city level)")
TITLE = Message("按{by}统计", "By {by}")
NO_INVESTMENT = Message("所选要素均未注明投资额（来源文件只给出多个项目的合计）",
                        "None of these features states an investment (the sources give only totals over "
                        "several projects)")


@dataclass(frozen=True)
class StatsRow:
    key: str  # theme/status key, adcode, year, or "undated"/"unplaced"/"total"
    label: Message
    projects: int = 0
    project_lines: int = 0
    partnerships: int = 0
    investment_count: int = 0  # projects and project lines whose investment_yi is stated
    investment_yi: float = 0.0  # the sum of what they state (亿元)

    @property
    def features(self) -> int:
        return self.projects + self.project_lines + self.partnerships

    def value(self, column: str):
        return getattr(self, column)


@dataclass(frozen=True)
class StatsTable:
    by: str
    filter: Filter
    rows: tuple[StatsRow, ...]
    total: StatsRow
    layers: tuple[str, ...]  # which of COUNTED_LAYERS the document holds

    def title(self, language: str = "zh") -> str:
        return TITLE.format(by=GROUPINGS[self.by]).text(language)

    def row(self, key: str) -> StatsRow | None:
        return next((r for r in self.rows if r.key == key), None)

    def records(self) -> list[dict]:
        """One plain dict a row, total last: what the CSV holds."""
        out = []
        for row in (*self.rows, self.total):
            out.append({"group": self.by, "key": row.key, "label_zh": row.label.text("zh"),
                        "label_en": row.label.text("en"), "projects": row.projects,
                        "project_lines": row.project_lines, "partnerships": row.partnerships,
                        "investment_count": row.investment_count,
                        "investment_yi": round(row.investment_yi, 4) if row.investment_count else None})
        return out


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; choose one of: {', '.join(GROUPINGS)}")
    return by


def compute_stats(document, by: str, flt: Filter | None = None) -> StatsTable:
    """Counts and investment per group over what `flt` (default: the document's filter) keeps."""
    check_grouping(by)
    flt = document.filter if flt is None else flt
    grouper = _Grouper(by, document.districts_table())
    sums: dict[str, dict[str, float]] = {}
    total = {c: 0.0 for c in COLUMNS}
    present = []
    for name in COUNTED_LAYERS:
        if name not in document:
            continue
        present.append(name)
        layer = document.layer(name)
        keep = flt.mask(layer)
        data = layer.data
        columns = [c for c in FIELDS if c in data.columns]  # a plain frame of what is read: fast
        records = pd.DataFrame({c: data[c].to_numpy()[keep] for c in columns}).to_dict("records")
        for record in records:
            invested = _investment(record) if name in INVESTED_LAYERS else None
            for key in grouper.keys(record):
                _add(sums.setdefault(key, {c: 0.0 for c in COLUMNS}), name, invested)
            _add(total, name, invested)
    rows = tuple(_row(key, grouper.label(key), values) for key, values in grouper.order(sums))
    return StatsTable(by, flt, rows, _row("total", TOTAL, total), tuple(present))


def _add(values: dict[str, float], layer: str, invested: float | None) -> None:
    values[layer] += 1
    if invested is not None:
        values["investment_count"] += 1
        values["investment_yi"] += invested


def _row(key: str, label: Message, values: dict[str, float]) -> StatsRow:
    return StatsRow(key, label, int(values["projects"]), int(values["project_lines"]), int(values["partnerships"]),
                    int(values["investment_count"]), float(values["investment_yi"]))


def _investment(record: dict) -> float | None:
    value = record.get("investment_yi")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_blank(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or str(value) in ("", "<NA>", "nan")
    except (TypeError, ValueError):  # pd.NA compares to NA
        return True


class _Grouper:
    """The group keys of one feature, the label and the order of the rows for one grouping."""

    def __init__(self, by: str, districts) -> None:
        self.by = by
        self.names = place_names()
        self.city_of: dict[str, str] = {}
        if districts is not None and len(districts) and "city_adcode" in districts.columns:
            self.city_of = dict(zip(districts["adcode"].astype(str), districts["city_adcode"].astype(str)))

    def keys(self, record: dict) -> list[str]:
        if self.by == "theme":
            return [t for t in THEMES if t in split_themes(record.get("themes"))]
        if self.by == "status":
            status = record.get("status")
            return [str(status)] if not _is_blank(status) else []
        if self.by == "year":
            year = record.get("year")
            return ["undated"] if _is_blank(year) else [str(int(year))]
        places = self._places(record)
        if self.by == "city":
            places = [self.city_of.get(code, code) for code in places]
        return list(dict.fromkeys(places)) or ["unplaced"]

    @staticmethod
    def _places(record: dict) -> list[str]:
        for columns in (("district_adcodes",), ("district_adcode",), ("a_adcode", "b_adcode")):
            values = [record.get(c) for c in columns]
            codes = [part.strip() for v in values if not _is_blank(v) for part in str(v).split(",") if part.strip()]
            if codes:
                return [str(int(float(c))) if c.replace(".", "", 1).isdigit() else c for c in codes]
        return []

    def label(self, key: str) -> Message:
        if self.by == "theme":
            return Message(*THEMES[key]) if key in THEMES else Message(key, key)
        if self.by == "status":
            return Message(*STATUSES[key]) if key in STATUSES else Message(key, key)
        if key == "undated":
            return UNDATED
        if key == "unplaced":
            return UNPLACED
        if self.by == "year":
            return Message(f"{key}年", key)
        zh, en = self.names.get(key, (key, key))
        name = Message(zh, en)
        if self.by == "district" and key in self.city_of.values() and key not in self.city_of:
            return CITY_LEVEL.format(name=name)  # a partner named as a whole prefecture
        return name

    def order(self, sums: dict[str, dict[str, float]]) -> Iterable[tuple[str, dict[str, float]]]:
        empty = {c: 0.0 for c in COLUMNS}
        if self.by in ("theme", "status"):  # the vocabulary's order, zeros shown: "none" is an answer
            vocabulary = THEMES if self.by == "theme" else STATUSES
            keys = list(vocabulary) + sorted(k for k in sums if k not in vocabulary)
            return [(k, sums.get(k, empty)) for k in keys]
        if self.by == "year":
            keys = sorted((k for k in sums if k != "undated"), key=int) + (["undated"] if "undated" in sums else [])
            return [(k, sums[k]) for k in keys]
        # places: the busiest first, the unplaced last
        def weight(key):
            v = sums[key]
            return (key == "unplaced", -(v["projects"] + v["project_lines"] + v["partnerships"]), key)

        return [(k, sums[k]) for k in sorted(sums, key=weight)]

"""Projects, project lines and partnerships of the bundle, from the curated seed sources.

`build_layers(ctx) -> {"projects", "project_lines", "partnerships": GeoDataFrame}` (EPSG:4326),
called by `python -m geodata.bundle.build`.

- `sources/projects.toml`: one table a project point; each is placed at a named control point —
  a row of `sources/gazetteer_projects.csv` (site or town, hand-placed, its `basis` says how
  exact) or `"seat"`, the district's government seat from the surveyed `seats` layer.
  Every project is `geometry_quality = "schematic"` and says in `placement_note` how exact it is.
- `sources/project_lines.toml`: linear items (roads, links, pipelines, canals, river corridors,
  rail extensions, byways, bus/freight routes), each a straight polyline through ≥ 2 named
  control points (gazetteer rows, `seat:<区县>` or `city:<地级市>` government seats) that must
  touch every district it names (`district_adcodes`).
- `sources/partnerships.toml`: cooperation pairs, drawn as straight lines between the two
  units' government seats (from `ctx.seats` by adcode, never retyped); `a_in_circle`/`b_in_circle`
  mark partners outside the economic circle.

Every `source_sentence` is checked against its seed file (whitespace ignored: the seeds have
hard line breaks inside sentences) whenever the seeds are present; every status against the
status rule (`geodata/bundle/status_rule.py`, `sources/status_rule.toml`); every year against its kind
(`geodata/core/themes.py` YEAR_KINDS). A wrong sentence, theme, status, year kind, control point, a
point outside its district or a line missing a district it names stops the build with a message
that names the feature.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.bundle.seeds import seed_text, seeds_dir, squash
from geodata.bundle.status_rule import StatusRuleError, load_rule
from geodata.core.themes import THEMES, YEAR_KINDS, theme_key

GEODATA_DIR = Path(__file__).resolve().parent
SOURCES_DIR = GEODATA_DIR / "sources"
PROJECTS_TOML = SOURCES_DIR / "projects.toml"
PARTNERSHIPS_TOML = SOURCES_DIR / "partnerships.toml"
LINES_TOML = SOURCES_DIR / "project_lines.toml"
GAZETTEER_CSV = SOURCES_DIR / "gazetteer_projects.csv"
CRS = "EPSG:4326"
SEAT = "seat"
SEAT_PREFIX, CITY_PREFIX = "seat:", "city:"
RELATIVE_YEAR = {"今年": 0, "年内": 0, "去年": -1}  # words that date an event by the document's year
MONTH_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class SeedDocument:
    title: str
    date: str  # ISO 8601 at the precision the document itself gives
    describe: str


# Titles as printed in each seed; dates as precise as the text allows.
SEEDS: dict[str, SeedDocument] = {
    "000_a9a0e116f201b48d.txt": SeedDocument(
        "大足 全面提速协同发展 建强链接成渝的桥头堡", "2023",
        "news feature on 大足区; reports 2023-01-08 and full-year 2022 figures"),
    "001_bcd572ce23ff2e46.txt": SeedDocument(
        "融入成渝“双圈” 深化开放协作", "2024",
        "大足区 roundtable, early 2024 (reviews 2023, mentions 18 January of 'this year')"),
    "002_b72f9713f4c08976.txt": SeedDocument(
        "建好双城经济圈 重庆区县今年怎么干", "2021",
        "Chongqing districts' plans for 2021, the first year of the 14th Five-Year Plan"),
    "003_c1cd1741ba8991ec.txt": SeedDocument(
        "大足区贯彻落实《重庆市推动成渝地区双城经济圈建设行动方案（2023—2027年）》实施计划", "2023-03-31",
        "大足府发〔2023〕8号, dated 2023-03-31"),
    "004_e35251adc3e74c25.txt": SeedDocument(
        "川渝同频共振 携手擘画未来", "2022-06",
        "report on the 2022-06-29 Sichuan–Chongqing joint party-government meeting"),
}

STATUS_COLUMNS = ["status", "status_basis", "status_mode", "status_sentence", "status_file"]
PROJECT_COLUMNS = [
    "id", "name_zh", "name_en", "themes", *STATUS_COLUMNS, "district_adcode", "year", "year_kind", "year_basis",
    "doc_year", "investment_yi", "placement_note", "control_points", "source", "geometry_quality",
    "source_file", "source_title", "source_date", "source_sentence",
]
LINE_COLUMNS = [*PROJECT_COLUMNS[:PROJECT_COLUMNS.index("district_adcode") + 1], "district_adcodes",
                *PROJECT_COLUMNS[PROJECT_COLUMNS.index("district_adcode") + 1:]]
PARTNERSHIP_COLUMNS = [
    "id", "name_zh", "name_en", "a_adcode", "a_name", "a_in_circle", "b_adcode", "b_name", "b_in_circle",
    "themes", *STATUS_COLUMNS, "doc_year", "placement_note", "control_points", "source", "geometry_quality",
    "source_file", "source_title", "source_date", "source_sentence",
]


class CurationError(ValueError):
    """A curated record is wrong; the message names the file and the record."""


# ---------------------------------------------------------------- reading
def load_seed_texts(folder: Path | None = None) -> dict[str, str] | None:
    """Seed file name -> text with whitespace removed; None when the seeds are not present."""
    folder = Path(folder) if folder is not None else seeds_dir()
    if folder is None or not folder.is_dir():
        return None
    texts = {}
    for name in SEEDS:
        if not (folder / name).is_file():
            raise CurationError(f"seed {name} missing from {folder}")
        texts[name] = seed_text(name, folder)
    return texts


def read_toml(path: Path, table: str) -> list[dict]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CurationError(f"{path.name}: not valid TOML: {exc}") from exc
    records = data.get(table)
    if not isinstance(records, list) or not records:
        raise CurationError(f"{path.name}: no [[{table}]] tables")
    return records


def read_document_years(path: Path | None = None) -> dict[str, dict]:
    """projects.toml `[document_year]`: the year each seed document stands for, with the clause that dates it."""
    with open(path or PROJECTS_TOML, "rb") as handle:
        return tomllib.load(handle).get("document_year", {})


def doc_year(source_file: str, document_years: dict[str, dict]) -> int:
    """The cited document's own year (`[document_year]` in projects.toml, = its source_date's year)."""
    try:
        return int(document_years[source_file]["year"])
    except KeyError:
        raise CurationError(f"projects.toml [document_year] has no entry for {source_file!r}") from None


def relative_year(sentence: str, document_year: int) -> set[int]:
    """Years a sentence gives by the document's year: 今年/年内 (that year), 去年 (the one before),
    or a day written as 1月8日 (of the document's year)."""
    text = squash(sentence)
    years = {document_year + offset for word, offset in RELATIVE_YEAR.items() if word in text}
    if MONTH_DAY.search(text):
        years.add(document_year)
    return years


def year_columns(record: dict, where: str, document_years: dict[str, dict]) -> dict:
    """`year`, `year_kind`, `year_basis`, `doc_year` of a feature: a year only where its own sentence
    gives one for this item (written as 2023年, or as 今年/去年/1月8日 with a year_basis saying so)."""
    document = doc_year(record["source_file"], document_years)
    year, kind = record.get("year"), record.get("year_kind")
    if year is None:
        if kind or record.get("year_basis"):
            raise CurationError(f"{where}: year_kind/year_basis given without a year")
        return {"year": None, "year_kind": None, "year_basis": None, "doc_year": document}
    if not (isinstance(year, int) and 1990 <= year <= 2050):
        raise CurationError(f"{where}: year {year!r} is not a plausible integer year")
    if kind not in YEAR_KINDS:
        raise CurationError(f"{where}: year_kind {kind!r} is not one of {tuple(YEAR_KINDS)}")
    sentence = squash(str(record.get("source_sentence", "")))
    if re.search(rf"(?<!\d){year}(?!\d)", sentence):
        basis = record.get("year_basis") or "原文所述 / stated in source_sentence"
    elif year in relative_year(sentence, document) and record.get("year_basis"):
        basis = str(record["year_basis"])
    else:
        raise CurationError(f"{where}: year {year} is not written in the sentence (nor given there as "
                            f"今年/去年/a day of the document's year {document} with a year_basis)")
    return {"year": year, "year_kind": kind, "year_basis": basis, "doc_year": document}


def _themes(record: dict, where: str) -> str:
    values = record.get("themes")
    if not isinstance(values, list) or not values:
        raise CurationError(f"{where}: themes must be a non-empty list of theme keys")
    try:
        keys = [theme_key(value) for value in values]
    except ValueError as exc:
        raise CurationError(f"{where}: {exc}") from exc
    if len(set(keys)) != len(keys):
        raise CurationError(f"{where}: a theme is repeated in {values}")
    return ",".join(keys)


def _status(record: dict, where: str, seed_texts: dict[str, str] | None) -> dict:
    """The status columns, checked against the status rule (and the status sentence against its seed)."""
    if record.get("status_sentence") and seed_texts is not None:
        status_file = record.get("status_file") or record.get("source_file")
        if status_file not in SEEDS:
            raise CurationError(f"{where}: status_file {status_file!r} is not one of the seeds")
        if squash(str(record["status_sentence"])) not in seed_texts[status_file]:
            raise CurationError(f"{where}: status_sentence does not occur in {status_file}")
    try:
        return load_rule().check(record, str(record.get("source_sentence", "")), where)
    except StatusRuleError as exc:
        raise CurationError(str(exc)) from None


def _source(record: dict, where: str, seed_texts: dict[str, str] | None) -> dict:
    file_name = record.get("source_file")
    if file_name not in SEEDS:
        raise CurationError(f"{where}: source_file {file_name!r} is not one of the seeds {sorted(SEEDS)}")
    sentence = str(record.get("source_sentence", "")).strip()
    if not sentence:
        raise CurationError(f"{where}: source_sentence is empty")
    if seed_texts is not None and squash(sentence) not in seed_texts[file_name]:
        raise CurationError(f"{where}: source_sentence does not occur in {file_name}: {sentence[:60]}…")
    seed = SEEDS[file_name]
    return {"source_file": file_name, "source_title": seed.title, "source_date": seed.date,
            "source_sentence": sentence}


def _check_ids(records: list[dict], file_name: str) -> None:
    seen = set()
    for position, record in enumerate(records):
        record_id = record.get("id")
        if not isinstance(record_id, str) or not ID_PATTERN.match(record_id):
            raise CurationError(f"{file_name} record {position}: id {record_id!r} is not a lower-case slug")
        if record_id in seen:
            raise CurationError(f"{file_name}: id {record_id!r} is used twice")
        seen.add(record_id)


def read_gazetteer(ctx) -> pd.DataFrame:
    """All control points the build knows (every `sources/gazetteer_*.csv`, via the build context).

    A name may be used only if it is unambiguous across the files, so one place never has
    two positions in the bundle.
    """
    frame = ctx.gazetteer()
    required = ["name_zh", "lon", "lat", "district_adcode", "kind", "basis", "gazetteer_file"]
    missing = set(required) - set(frame.columns)
    if missing:
        raise CurationError(f"gazetteer: missing columns {sorted(missing)}")
    return frame


def _control_point(gazetteer: pd.DataFrame, name: str, where: str) -> pd.Series | None:
    rows = gazetteer[gazetteer["name_zh"] == name]
    if len(rows) > 1:
        files = ", ".join(sorted(set(rows["gazetteer_file"])))
        raise CurationError(f"{where}: control point {name!r} is listed {len(rows)} times ({files}); "
                            "keep one row per place")
    return rows.iloc[0] if len(rows) else None


# ---------------------------------------------------------------- placing
def _district_lookup(districts: gpd.GeoDataFrame) -> dict[int, object]:
    return {int(adcode): geometry for adcode, geometry in zip(districts["adcode"], districts.geometry)}


def _seat_lookup(seats: gpd.GeoDataFrame) -> dict[int, tuple[str, shapely.Point]]:
    return {int(adcode): (name, point) for adcode, name, point in zip(seats["adcode"], seats["name_zh"], seats.geometry)}


def placement_note(kind: str, control_point: str, district_name: str, note: str | None) -> str:
    """How exact the point is, Chinese first: which control point, and what the source leaves open."""
    if kind == SEAT:
        text = (f"示意位置：{district_name}政府驻地（来源未给出具体地点） — placed at the {district_name} "
                "government seat (surveyed seats layer); site position not stated in source")
    elif kind == "town":
        text = (f"示意位置：{control_point}中心（人工定位，来源未给出镇内具体地点） — placed at {control_point} "
                "town centre (hand-placed control point); site position within the town not stated in source")
    else:
        text = (f"示意位置：{control_point}（人工定位控制点） — placed at {control_point} ({kind}, hand-placed "
                "control point; its gazetteer basis says how exact)")
    return f"{text}; {note}" if note else text


def build_projects(ctx, seed_texts: dict[str, str] | None) -> gpd.GeoDataFrame:
    records = read_toml(PROJECTS_TOML, "project")
    document_years = read_document_years()
    _check_ids(records, PROJECTS_TOML.name)
    gazetteer = read_gazetteer(ctx)
    districts = _district_lookup(ctx.districts)
    district_names = dict(zip(ctx.districts["adcode"].astype(int), ctx.districts["name_zh"]))
    seats = _seat_lookup(ctx.seats)
    rows, points = [], []
    for record in records:
        where = f"{PROJECTS_TOML.name} id={record['id']!r}"
        district = record.get("district_adcode")
        if district not in districts:
            raise CurationError(f"{where}: district_adcode {district!r} is not a district of the bundle")
        at = record.get("at")
        if at == SEAT:
            if district not in seats:
                raise CurationError(f"{where}: no government seat for district {district}")
            seat_name, point = seats[district]
            control_point, kind = f"{seat_name}政府驻地", SEAT
        elif (row := _control_point(gazetteer, str(at), where)) is not None:
            if int(row["district_adcode"]) != district:
                raise CurationError(f"{where}: control point {at!r} belongs to district "
                                    f"{row['district_adcode']}, the project names {district}")
            point = shapely.Point(float(row["lon"]), float(row["lat"]))
            control_point, kind = at, str(row["kind"])
        else:
            raise CurationError(f"{where}: control point {at!r} is neither 'seat' nor in any sources/gazetteer_*.csv")
        if not districts[district].covers(point):
            raise CurationError(f"{where}: point at {control_point} ({point.x:.4f}, {point.y:.4f}) "
                                f"lies outside district {district}")
        investment = record.get("investment_yi")
        if investment is not None and not (isinstance(investment, (int, float)) and investment > 0):
            raise CurationError(f"{where}: investment_yi {investment!r} must be a positive amount in 亿元")
        source = _source(record, where, seed_texts)
        rows.append({
            "id": record["id"],
            "name_zh": str(record["name_zh"]),
            "name_en": str(record["name_en"]),
            "themes": _themes(record, where),
            **_status(record, where, seed_texts),
            "district_adcode": district,
            **year_columns(record, where, document_years),
            "investment_yi": float(investment) if investment is not None else None,
            "placement_note": placement_note(kind, control_point, district_names[district], record.get("note")),
            "control_points": json.dumps([control_point], ensure_ascii=False),
            "source": f"{source['source_file']} ({source['source_title']}); placed via "
                      + ("seats layer" if kind == SEAT else str(row["gazetteer_file"])),
            "geometry_quality": "schematic",
            **source,
        })
        points.append(point)
    frame = gpd.GeoDataFrame(rows, columns=PROJECT_COLUMNS, geometry=points, crs=CRS)
    return _typed(frame)


def _typed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in ("year", "doc_year"):
        frame[column] = frame[column].astype("Int64")
    frame["district_adcode"] = frame["district_adcode"].astype("int64")
    frame["investment_yi"] = frame["investment_yi"].astype("float64")
    return frame


def _named_seat(seats: gpd.GeoDataFrame, ref: str, where: str) -> tuple[str, shapely.Point, int, int | None]:
    """`seat:<区县>` (a district seat) or `city:<地级市>` (a prefecture city's seat) -> (shown name,
    point, adcode, city_adcode of a city reference)."""
    level, name = ("city", ref[len(CITY_PREFIX):]) if ref.startswith(CITY_PREFIX) else ("district", ref[len(SEAT_PREFIX):])
    match = seats[(seats["level"] == level) & (seats["name_zh"] == name)]
    if len(match) != 1:
        raise CurationError(f"{where}: {ref!r} matches {len(match)} {level} seats (need exactly one)")
    seat = match.iloc[0]
    return f"{name}政府驻地", seat.geometry, int(seat["adcode"]), int(seat["adcode"]) if level == "city" else None


def line_placement_note(names: list[str], note: str | None) -> str:
    text = (f"示意线路：依次连接{'、'.join(names)}的直线，非实际走向 — schematic: straight segments through "
            f"{', '.join(names)} in order (named control points, see control_points and the gazetteer basis); "
            "not the real alignment")
    return f"{text}; {note}" if note else text


def build_project_lines(ctx, seed_texts: dict[str, str] | None) -> gpd.GeoDataFrame:
    records = read_toml(LINES_TOML, "line")
    document_years = read_document_years()
    _check_ids(records, LINES_TOML.name)
    gazetteer = read_gazetteer(ctx)
    districts = _district_lookup(ctx.districts)
    by_city = {int(city): shapely.union_all(group.geometry.to_numpy())
               for city, group in ctx.districts.groupby("city_adcode")}
    rows, lines = [], []
    for record in records:
        where = f"{LINES_TOML.name} id={record['id']!r}"
        named = record.get("district_adcodes")
        if not isinstance(named, list) or not named:
            raise CurationError(f"{where}: district_adcodes must list the districts (or cities) the line names")
        refs = record.get("control_points")
        if not isinstance(refs, list) or len(refs) < 2:
            raise CurationError(f"{where}: a line needs at least two control points")
        names, coords, files = [], [], set()
        for ref in refs:
            if ref.startswith((SEAT_PREFIX, CITY_PREFIX)):
                shown, point, _adcode, _city = _named_seat(ctx.seats, ref, where)
                files.add("seats layer")
            elif (row := _control_point(gazetteer, ref, where)) is not None:
                shown, point = ref, shapely.Point(float(row["lon"]), float(row["lat"]))
                if not districts[int(row["district_adcode"])].covers(point):
                    raise CurationError(f"{where}: control point {ref!r} lies outside its district {row['district_adcode']}")
                files.add(str(row["gazetteer_file"]))
            else:
                raise CurationError(f"{where}: control point {ref!r} is neither seat:/city: nor in any sources/gazetteer_*.csv")
            names.append(shown)
            coords.append((point.x, point.y))
        line = shapely.LineString(coords)
        for adcode in named:
            area = districts.get(adcode) if adcode in districts else by_city.get(adcode)
            if area is None:
                raise CurationError(f"{where}: district_adcodes {adcode!r} is neither a district nor a city of the bundle")
            if not line.intersects(area):
                raise CurationError(f"{where}: the line does not touch {adcode}, which it names")
        primary = named[0]
        if primary not in districts:
            raise CurationError(f"{where}: the first of district_adcodes must be a county-level district")
        investment = record.get("investment_yi")
        source = _source(record, where, seed_texts)
        rows.append({
            "id": record["id"],
            "name_zh": str(record["name_zh"]),
            "name_en": str(record["name_en"]),
            "themes": _themes(record, where),
            **_status(record, where, seed_texts),
            "district_adcode": primary,
            "district_adcodes": ",".join(str(adcode) for adcode in named),
            **year_columns(record, where, document_years),
            "investment_yi": float(investment) if investment is not None else None,
            "placement_note": line_placement_note(names, record.get("note")),
            "control_points": json.dumps(names, ensure_ascii=False),
            "source": f"{source['source_file']} ({source['source_title']}); drawn through "
                      + ", ".join(sorted(files)),
            "geometry_quality": "schematic",
            **source,
        })
        lines.append(line)
    frame = gpd.GeoDataFrame(rows, columns=LINE_COLUMNS, geometry=lines, crs=CRS)
    return _typed(frame)


def build_partnerships(ctx, seed_texts: dict[str, str] | None) -> gpd.GeoDataFrame:
    records = read_toml(PARTNERSHIPS_TOML, "partnership")
    document_years = read_document_years()
    _check_ids(records, PARTNERSHIPS_TOML.name)
    seats = _seat_lookup(ctx.seats)
    in_circle = dict(zip(ctx.seats["adcode"].astype(int), ctx.seats["in_circle"].astype(int)))
    rows, lines, pairs = [], [], set()
    for record in records:
        where = f"{PARTNERSHIPS_TOML.name} id={record['id']!r}"
        ends = []
        for side in ("a_adcode", "b_adcode"):
            adcode = record.get(side)
            if adcode not in seats:
                raise CurationError(f"{where}: {side} {adcode!r} has no government seat in the bundle")
            ends.append((adcode, *seats[adcode]))
        (a, a_name, a_point), (b, b_name, b_point) = ends
        if a == b or frozenset((a, b)) in pairs:
            raise CurationError(f"{where}: pair {a}–{b} is empty or listed twice")
        pairs.add(frozenset((a, b)))
        note = record.get("note")
        text = (f"示意连线：{a_name}与{b_name}政府驻地之间的直线，表示合作关系而非路线 — straight line between the "
                f"{a_name} and {b_name} government seats (surveyed seats layer); a relationship, not a route")
        source = _source(record, where, seed_texts)
        rows.append({
            "id": record["id"],
            "name_zh": str(record["name_zh"]),
            "name_en": str(record["name_en"]),
            "a_adcode": a, "a_name": a_name, "a_in_circle": in_circle[a],
            "b_adcode": b, "b_name": b_name, "b_in_circle": in_circle[b],
            "themes": _themes(record, where),
            **_status(record, where, seed_texts),
            "doc_year": doc_year(record["source_file"], document_years),
            "placement_note": f"{text}; {note}" if note else text,
            "control_points": json.dumps([f"{a_name}政府驻地", f"{b_name}政府驻地"], ensure_ascii=False),
            "source": f"{source['source_file']} ({source['source_title']}); endpoints from seats layer",
            "geometry_quality": "schematic",
            **source,
        })
        lines.append(shapely.LineString([a_point, b_point]))
    frame = gpd.GeoDataFrame(rows, columns=PARTNERSHIP_COLUMNS, geometry=lines, crs=CRS)
    frame["doc_year"] = frame["doc_year"].astype("Int64")
    return frame.astype({"a_adcode": "int64", "b_adcode": "int64", "a_in_circle": "int64", "b_in_circle": "int64"})


def build_layers(ctx, seeds: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    seed_texts = load_seed_texts(seeds)
    if seed_texts is None:
        print("  geodata.bundle.build_projects: seed documents not found; source sentences not re-checked "
              "(set CHENGYU_SEEDS)")
    projects = build_projects(ctx, seed_texts)
    lines = build_project_lines(ctx, seed_texts)
    shared = set(projects["id"]) & set(lines["id"])
    if shared:
        raise CurationError(f"ids used both by a project point and a project line: {sorted(shared)}")
    return {"projects": projects, "project_lines": lines, "partnerships": build_partnerships(ctx, seed_texts)}


def theme_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Features per theme key (a feature counts once for every theme it carries)."""
    counts = dict.fromkeys(THEMES, 0)
    for value in frame["themes"]:
        for key in str(value).split(","):
            counts[key] += 1
    return counts


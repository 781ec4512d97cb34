"""Railways, stations, expressways and rivers of the bundle, drawn through named control points.

The curated features live in `sources/transport.toml` (readable, commented); the positions of
the hand-placed control points in `sources/gazetteer_transport.csv`; district/county seats come
from the bundle's surveyed `seats` layer (`ctx.seats`). Every geometry is a straight polyline
through its control points, so `geometry_quality` is always "schematic".

`build_layers(ctx)` is called by `geodata.bundle.build`; nothing here is used at run time.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.bundle.seeds import seeds_dir, sentence_in_seed, squash
from geodata.bundle.status_rule import StatusRuleError, load_rule
from geodata.core.themes import STATUSES, THEMES

CRS = "EPSG:4326"
SOURCES_DIR = Path(__file__).resolve().parent / "sources"
CURATION_FILE = SOURCES_DIR / "transport.toml"
GAZETTEER_FILE = SOURCES_DIR / "gazetteer_transport.csv"
SEAT_PREFIX = "seat:"
SCHEMATIC = "schematic"
SEAT_BASIS = ("people's-government seat from the bundle's seats layer (surveyed point); the feature is only "
              "known to serve or pass this place, not this exact point")
THEMES_TRANSPORT = "transport"
THEMES_RIVER = "water,ecology"

RAILWAY_KINDS = ("high_speed", "conventional", "intercity", "suburban")
EXPRESSWAY_KINDS = ("expressway", "national_road")
RIVER_KINDS = ("main", "tributary")
STATION_ROLES = ("named", "control_point")

SOURCE_TEXT = ("curated from the seed documents (transport.toml) through named control points "
               "(gazetteer_transport.csv; seats from the bundle's seats layer)")


class TransportDataError(ValueError):
    """The curated transport data are inconsistent; the message names the feature."""


@dataclass(frozen=True)
class ControlPoint:
    name: str          # as stored in a feature's control_points
    lon: float
    lat: float
    district_adcode: int
    kind: str
    basis: str


# ---------------------------------------------------------------- inputs
def load_curation(path: Path = CURATION_FILE) -> dict:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def load_gazetteer(path: Path = GAZETTEER_FILE) -> pd.DataFrame:
    table = pd.read_csv(path, encoding="utf-8", dtype={"district_adcode": "Int64"})
    duplicated = table["name_zh"][table["name_zh"].duplicated()]
    if len(duplicated):
        raise TransportDataError(f"{path.name}: name {duplicated.iloc[0]!r} appears twice")
    return table


def seat_name(name: str) -> str:
    """How a seat reference is shown in a feature's control_points."""
    return f"{name}驻地"


def resolve_control_points(curation: dict, gazetteer: pd.DataFrame, seats: gpd.GeoDataFrame) -> dict[str, ControlPoint]:
    """Every control point any feature uses, keyed by the string written in transport.toml."""
    by_name = {row.name_zh: row for row in gazetteer.itertuples()}
    district_seats = seats[seats["level"] == "district"]
    resolved: dict[str, ControlPoint] = {}
    for layer in ("railway", "expressway", "river"):
        for feature in curation.get(layer, []):
            for ref in feature["control_points"]:
                if ref in resolved:
                    continue
                if ref.startswith(SEAT_PREFIX):
                    name = ref[len(SEAT_PREFIX):]
                    match = district_seats[district_seats["name_zh"] == name]
                    if len(match) != 1:
                        raise TransportDataError(
                            f"{feature['id']}: {ref!r} matches {len(match)} district seats (need exactly one)")
                    seat = match.iloc[0]
                    resolved[ref] = ControlPoint(seat_name(name), seat.geometry.x, seat.geometry.y,
                                                 int(seat["adcode"]), "seat",
                                                 SEAT_BASIS)
                elif ref in by_name:
                    row = by_name[ref]
                    resolved[ref] = ControlPoint(ref, float(row.lon), float(row.lat), int(row.district_adcode),
                                                 row.kind, row.basis)
                else:
                    raise TransportDataError(f"{feature['id']}: control point {ref!r} is neither in "
                                             f"{GAZETTEER_FILE.name} nor a 'seat:' reference")
    for station in curation.get("station", []):
        if station["point"] not in by_name:
            raise TransportDataError(f"{station['id']}: station point {station['point']!r} not in {GAZETTEER_FILE.name}")
        row = by_name[station["point"]]
        resolved.setdefault(station["point"], ControlPoint(row.name_zh, float(row.lon), float(row.lat),
                                                           int(row.district_adcode), row.kind, row.basis))
    return resolved


# ---------------------------------------------------------------- checks
def _check_common(feature: dict, documents: dict, kinds: tuple[str, ...] | None, seeds: Path | None) -> None:
    ident = feature.get("id", "?")
    for key in ("id", "name_zh", "name_en", "source_file", "source_sentence"):
        if not feature.get(key):
            raise TransportDataError(f"{ident}: missing {key}")
    if kinds is not None and feature.get("kind") not in kinds:
        raise TransportDataError(f"{ident}: kind {feature.get('kind')!r} not one of {kinds}")
    if "status" in feature and feature["status"] not in STATUSES:
        raise TransportDataError(f"{ident}: status {feature['status']!r} not one of {tuple(STATUSES)}")
    unknown_themes = [key for key in feature.get("themes", THEMES_TRANSPORT).split(",") if key not in THEMES]
    if unknown_themes:
        raise TransportDataError(f"{ident}: unknown theme keys {unknown_themes}")
    if "cross_border" in feature and feature["cross_border"] not in (0, 1):
        raise TransportDataError(f"{ident}: cross_border must be 0 or 1")
    if feature["source_file"] not in documents:
        raise TransportDataError(f"{ident}: source_file {feature['source_file']!r} has no [documents] entry")
    if seeds is not None and not sentence_in_seed(feature["source_sentence"], feature["source_file"], seeds):
        raise TransportDataError(f"{ident}: source_sentence does not occur in {feature['source_file']}")
    if feature.get("status_sentence") and seeds is not None:
        status_file = feature.get("status_file") or feature["source_file"]
        if status_file not in documents or not sentence_in_seed(feature["status_sentence"], status_file, seeds):
            raise TransportDataError(f"{ident}: status_sentence does not occur in {status_file}")
    if "status" in feature:
        try:
            load_rule().check(feature, feature["source_sentence"], ident)
        except StatusRuleError as exc:
            raise TransportDataError(str(exc)) from None


# ---------------------------------------------------------------- layers
def _status_columns(feature: dict) -> dict:
    """status, status_basis, status_mode, status_sentence, status_file (checked in _check_common)."""
    return load_rule().check(feature, feature["source_sentence"], feature["id"])


def _year_columns(feature: dict, documents: dict) -> dict:
    """year, year_kind, year_basis, doc_year: the same rule as the projects (geodata.bundle.build_projects)."""
    from geodata.bundle.build_projects import CurationError, year_columns

    years = {name: {"year": int(str(entry["date"])[:4])} for name, entry in documents.items()}
    try:
        return year_columns(feature, feature["id"], years)
    except CurationError as exc:
        raise TransportDataError(str(exc)) from None


def _source_columns(feature: dict, documents: dict) -> dict:
    document = documents[feature["source_file"]]
    return {
        "source_file": feature["source_file"],
        "source_title": document["title"],
        "source_date": document["date"],
        "source_sentence": squash(feature["source_sentence"]),
        "source": f"{SOURCE_TEXT}; {feature['source_file']}",
        "geometry_quality": SCHEMATIC,
    }


def _line(feature: dict, points: dict[str, ControlPoint]) -> tuple[shapely.LineString, str]:
    refs = feature["control_points"]
    if len(refs) < 2:
        raise TransportDataError(f"{feature['id']}: a line needs at least two control points")
    coords = [(points[ref].lon, points[ref].lat) for ref in refs]
    names = [points[ref].name for ref in refs]
    return shapely.LineString(coords), json.dumps(names, ensure_ascii=False)


def _line_layer(features: list[dict], documents: dict, points: dict[str, ControlPoint], extra) -> gpd.GeoDataFrame:
    rows, geometries = [], []
    for feature in features:
        geometry, control = _line(feature, points)
        row = {
            "id": feature["id"],
            "name_zh": feature["name_zh"],
            "name_en": feature["name_en"],
            "kind": feature["kind"],
            **extra(feature, documents),
            "control_points": control,
            "note": feature.get("note", ""),
            **_source_columns(feature, documents),
        }
        rows.append(row)
        geometries.append(geometry)
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs=CRS)
    for column in ("year", "doc_year"):
        if column in frame.columns:
            frame[column] = frame[column].astype("Int64")
    return frame


def _route_fields(feature: dict, documents: dict) -> dict:
    years = _year_columns(feature, documents)
    return {
        **_status_columns(feature),
        "themes": feature.get("themes", THEMES_TRANSPORT),
        "year": pd.NA if years["year"] is None else int(years["year"]),
        "year_kind": years["year_kind"],
        "year_basis": years["year_basis"],
        "doc_year": years["doc_year"],
        "start_date": feature.get("start_date", ""),
        "open_date": feature.get("open_date", ""),
    }


def _expressway_fields(feature: dict, documents: dict) -> dict:
    return {**_route_fields(feature, documents), "ref": feature.get("ref", ""), "ref_basis": feature.get("ref_basis", "")}


def _river_fields(feature: dict, documents: dict) -> dict:
    return {"cross_border": int(feature["cross_border"]), "themes": feature.get("themes", THEMES_RIVER)}


def _stations(stations: list[dict], documents: dict, points: dict[str, ControlPoint], railway_ids: set[str]) -> gpd.GeoDataFrame:
    rows, geometries = [], []
    for station in stations:
        if station.get("role") not in STATION_ROLES:
            raise TransportDataError(f"{station['id']}: role {station.get('role')!r} not one of {STATION_ROLES}")
        unknown = set(station["railway_id"].split(",")) - railway_ids
        if unknown:
            raise TransportDataError(f"{station['id']}: unknown railway_id {sorted(unknown)}")
        point = points[station["point"]]
        rows.append({
            "id": station["id"],
            "name_zh": station["name_zh"],
            "name_en": station["name_en"],
            "railway_id": station["railway_id"],
            "district_adcode": point.district_adcode,
            **_status_columns(station),
            "doc_year": int(str(documents[station["source_file"]]["date"])[:4]),
            "role": station["role"],
            "themes": THEMES_TRANSPORT,
            "control_points": json.dumps([point.name], ensure_ascii=False),
            "placement_note": point.basis,
            **_source_columns(station, documents),
        })
        geometries.append(shapely.Point(point.lon, point.lat))
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs=CRS)
    frame["doc_year"] = frame["doc_year"].astype("Int64")
    return frame


def build_from(curation: dict, gazetteer: pd.DataFrame, seats: gpd.GeoDataFrame,
               seeds: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The four layers from already-loaded inputs (the testable core of build_layers)."""
    documents = curation["documents"]
    for layer, kinds in (("railway", RAILWAY_KINDS), ("expressway", EXPRESSWAY_KINDS),
                         ("river", RIVER_KINDS), ("station", None)):
        for feature in curation.get(layer, []):
            _check_common(feature, documents, kinds, seeds)
    ids = [f["id"] for layer in ("railway", "station", "expressway", "river") for f in curation.get(layer, [])]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise TransportDataError(f"ids used twice: {sorted(repeated)}")
    points = resolve_control_points(curation, gazetteer, seats)
    railways = _line_layer(curation["railway"], documents, points, _route_fields)
    return {
        "railways": railways,
        "stations": _stations(curation["station"], documents, points, set(railways["id"])),
        "expressways": _line_layer(curation["expressway"], documents, points, _expressway_fields),
        "rivers": _line_layer(curation["river"], documents, points, _river_fields),
    }


def build_layers(ctx) -> dict[str, gpd.GeoDataFrame]:
    """Called by geodata.bundle.build with its BuildContext (uses ctx.seats)."""
    return build_from(load_curation(), load_gazetteer(), ctx.seats, seeds_dir())


def placement_report(curation: dict, gazetteer: pd.DataFrame, seats: gpd.GeoDataFrame) -> str:
    """One line per control point of every feature: how each line was placed, for review."""
    points = resolve_control_points(curation, gazetteer, seats)
    lines = []
    for layer in ("railway", "expressway", "river"):
        for feature in curation.get(layer, []):
            lines.append(f"{feature['id']}  {feature['name_zh']}  [{feature.get('status', 'river')}]")
            for ref in feature["control_points"]:
                point = points[ref]
                lines.append(f"    {point.name:<16} {point.lon:9.4f} {point.lat:8.4f} {point.district_adcode}  {point.basis}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m geodata.bundle.build_transport`: check the curation against the bundle and list placements."""
    import sys

    from geodata.bundle import loader

    seats = loader.load_layer("seats")
    curation, gazetteer = load_curation(), load_gazetteer()
    try:
        layers = build_from(curation, gazetteer, seats, seeds_dir())
    except TransportDataError as exc:
        print(f"transport curation is wrong: {exc}", file=sys.stderr)
        return 1
    print(placement_report(curation, gazetteer, seats))
    print(", ".join(f"{name} {len(frame)}" for name, frame in layers.items())
          + ("" if seeds_dir() else "  (seed sentences NOT checked: seeds not found, set CHENGYU_SEEDS)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

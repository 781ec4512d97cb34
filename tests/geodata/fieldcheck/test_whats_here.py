"""What is here: containment, nearest projects and geodesic distances to lines."""
from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from geodata.fieldcheck.whats_here import PlaceIndex, whats_here

GEOD = Geod(ellps="WGS84")


def gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.fixture()
def layers() -> dict[str, gpd.GeoDataFrame]:
    districts = gdf([
        {"adcode": "500111", "name_zh": "大足区", "province_zh": "重庆市", "city_zh": "重庆市", "in_circle": 1,
         "partial": 0, "geometry": box(105.5, 29.4, 106.0, 29.9)},
        {"adcode": "512000", "name_zh": "资阳市辖区", "province_zh": "四川省", "city_zh": "资阳市", "in_circle": 1,
         "partial": 1, "geometry": box(105.0, 29.4, 105.5, 29.9)},
        {"adcode": "999999", "name_zh": "圈外县", "province_zh": "某省", "city_zh": "某市", "in_circle": 0,
         "partial": 0, "geometry": box(106.0, 29.4, 106.5, 29.9)},
    ])
    circle = gdf([{"name_zh": "成渝地区双城经济圈", "geometry": box(105.0, 29.4, 106.0, 29.9)}])
    projects = gdf([
        {"id": "P1", "name_zh": "大足石刻文创园", "name_en": "Dazu Rock Carvings Creative Park", "status": "planned",
         "themes": "culture_tourism", "geometry": Point(105.72, 29.70)},
        {"id": "P2", "name_zh": "大足高新区", "name_en": "Dazu Hi-tech Zone", "status": "operating",
         "themes": "industry", "geometry": Point(105.80, 29.65)},
        {"id": "P3", "name_zh": "远处项目", "name_en": "Far", "status": "planned", "themes": "energy",
         "geometry": Point(106.40, 29.50)},
    ])
    # Seen from (105.7, 29.7): the meridian line is 0.1° east (≈9.7 km), the parallel line 0.09° north (≈10.0 km):
    # nearer in degrees is the northern one, nearer on the ground is the eastern one.
    railways = gdf([
        {"id": "R_north", "name_zh": "北线", "name_en": "North line", "geometry": LineString([(105.3, 29.79), (106.1, 29.79)])},
        {"id": "R_east", "name_zh": "东线", "name_en": "East line", "geometry": LineString([(105.8, 29.3), (105.8, 30.1)])},
    ])
    expressways = gdf([
        {"id": "G85", "name_zh": "渝蓉高速", "name_en": "Chongqing–Chengdu Expressway",
         "geometry": LineString([(105.0, 29.68), (106.0, 29.68)])},
    ])
    rivers = gdf([{"id": "W1", "name_zh": "濑溪河", "name_en": "Laixi River", "geometry_quality": "schematic",
                   "geometry": LineString([(105.70, 29.75), (105.75, 29.80)])}])
    return {"districts": districts, "circle": circle, "projects": projects, "railways": railways,
            "expressways": expressways, "rivers": rivers}


def test_point_in_dazu_reports_province_city_district_and_inside_circle(layers):
    rep = whats_here(105.7, 29.7, layers)
    assert (rep.province_zh, rep.city_zh, rep.district_zh, rep.district_adcode) == ("重庆市", "重庆市", "大足区", "500111")
    assert rep.in_circle is True and rep.partial_district is False


def test_point_outside_circle_is_reported_outside(layers):
    rep = whats_here(106.2, 29.6, layers)
    assert rep.district_zh == "圈外县" and rep.in_circle is False
    rep = whats_here(110.0, 20.0, layers)
    assert rep.district_zh == "" and rep.in_circle is False
    assert any(line.startswith("不在成渝地区双城经济圈内") for line in rep.text_lines("zh"))


def test_nearest_projects_are_sorted_by_geodesic_distance(layers):
    rep = whats_here(105.7, 29.7, layers, n_projects=2)
    assert [p.id for p in rep.projects] == ["P1", "P2"]
    assert rep.projects[0].distance_m == pytest.approx(GEOD.inv(105.7, 29.7, 105.72, 29.70)[2], rel=1e-9)
    assert 1900 < rep.projects[0].distance_m < 2000  # 0.02° of longitude at 29.7°N ≈ 1.93 km


def test_nearest_railway_is_the_nearest_on_the_ground_not_in_degrees(layers):
    rep = whats_here(105.7, 29.7, layers)
    rail = rep.lines["railways"]
    assert rail.id == "R_east"
    assert rail.distance_m == pytest.approx(GEOD.inv(105.7, 29.7, 105.8, 29.7)[2], rel=2e-3)
    assert rail.lon == pytest.approx(105.8, abs=1e-6)


def test_distances_to_expressway_and_river_are_geodesic_to_the_nearest_point(layers):
    rep = whats_here(105.7, 29.7, layers)
    assert rep.lines["expressways"].distance_m == pytest.approx(GEOD.inv(105.7, 29.7, 105.7, 29.68)[2], rel=2e-3)
    river = rep.lines["rivers"]
    # The river starts 0.05° due north: its first vertex is its nearest point.
    assert river.distance_m == pytest.approx(GEOD.inv(105.7, 29.7, 105.70, 29.75)[2], rel=2e-3)
    assert "濑溪河" in "\n".join(rep.text_lines("zh")) and "Laixi River" in "\n".join(rep.text_lines("en"))
    assert "schematic" in rep.text_lines("en")[-1]  # a hand-placed line says so


def test_text_names_the_place_once_in_chinese_and_in_english(layers):
    layers["districts"]["name_en"] = ["Dazu District", "Ziyang", "Outer County"]
    del layers["rivers"]  # the only hand-placed feature of the fixture
    rep = whats_here(105.7, 29.7, layers)
    assert rep.text_lines("zh")[1] == "位置：重庆市 大足区 (500111)"
    assert rep.text_lines("en")[1] == "Place: Dazu District (500111)"
    assert not any("schematic" in line for line in rep.text_lines("en"))  # nothing hand-placed in this answer


def test_missing_layers_give_empty_answers_not_errors(layers):
    rep = PlaceIndex({"districts": layers["districts"]}).report(105.7, 29.7)
    assert rep.district_zh == "大足区" and rep.in_circle is True  # from the district's in_circle flag
    assert rep.projects == [] and rep.lines == {}


def test_out_of_range_coordinate_is_refused(layers):
    with pytest.raises(ValueError, match="out of range"):
        whats_here(200.0, 29.7, layers)


def test_point_far_outside_the_data_says_so_and_lists_nothing_as_nearby(layers):
    rep = whats_here(0.0, 0.0, layers)
    assert rep.in_data_area is False and rep.projects == []
    assert all(line is None for line in rep.lines.values()) and set(rep.lines) == {"railways", "expressways", "rivers"}
    # The circle's nearest corner is (105.0, 29.4): the reported gap is that geodesic distance.
    assert rep.circle_distance_m == pytest.approx(GEOD.inv(0.0, 0.0, 105.0, 29.4)[2], rel=1e-6)
    text = "\n".join(rep.text_lines("zh"))
    assert "不在四川省、重庆市境内" in text and "距经济圈边界约" in text
    assert "附近项目：50 km 内没有" in text and "远处项目" not in text and "km 内没有" in text.split("\n")[3]
    english = "\n".join(rep.text_lines("en"))
    assert "outside Sichuan and Chongqing" in english and "none within 50 km" in english


def test_project_just_beyond_the_relevance_limit_is_omitted_and_one_inside_is_kept(layers):
    from geodata.fieldcheck.whats_here import RELEVANT_M

    # P3 is at (106.40, 29.50); 0.45° further east at that latitude is ≈ 43.6 km, 0.6° ≈ 58 km.
    near = whats_here(106.85, 29.5, layers)
    far = whats_here(107.0, 29.5, layers)
    assert [p.id for p in near.projects][:1] == ["P3"] and near.projects[0].distance_m <= RELEVANT_M
    assert "P3" not in [p.id for p in far.projects]


def test_point_inside_the_circle_has_no_circle_distance(layers):
    rep = whats_here(105.7, 29.7, layers)
    assert rep.in_data_area is True and rep.circle_distance_m == 0.0
    assert not any("距经济圈边界" in line for line in rep.text_lines("zh"))


def test_the_whole_answer_reads_line_by_line_in_each_language(layers):
    from geodata.fieldcheck.whats_here import format_distance

    layers["districts"]["name_en"] = ["Dazu District", "Ziyang", "Outer County"]
    layers["districts"]["adcode"] = [500111.0, 512000.0, 999999.0]  # codes read back as floats still print whole
    rep = whats_here(105.7, 29.7, layers, n_projects=1)
    rail, road, river = (format_distance(rep.lines[k].distance_m) for k in ("railways", "expressways", "rivers"))
    p1 = format_distance(rep.projects[0].distance_m)
    assert p1 == "1.94 km"  # 0.02° of longitude at 29.7°N
    assert rep.text_lines("zh") == [
        "105.700000, 29.700000 (WGS84)", "位置：重庆市 大足区 (500111)", "在成渝地区双城经济圈内",
        f"最近铁路：东线 {rail}", f"最近高速公路：渝蓉高速 {road}", f"最近河流：濑溪河 {river}",
        "附近项目：", f"  P1 大足石刻文创园 {p1}", "注：项目与线路为示意位置（按控制点手工放置），距离为近似值。"]
    assert rep.text_lines("en") == [
        "105.700000, 29.700000 (WGS84)", "Place: Dazu District (500111)", "Inside the Chengdu–Chongqing economic circle",
        f"Nearest railway: East line {rail}", f"Nearest expressway: Chongqing–Chengdu Expressway {road}",
        f"Nearest river: Laixi River {river}", "Nearby projects:", f"  P1 Dazu Rock Carvings Creative Park {p1}",
        "Note: projects and lines are schematic (hand-placed through control points); distances are approximate."]
    assert [m.text("en") for m in rep.messages()] == rep.text_lines("en")


def test_a_partly_included_district_says_so(layers):
    rep = whats_here(105.2, 29.6, layers, n_projects=0)
    assert rep.text_lines("zh")[2] == "在成渝地区双城经济圈内（所在区县部分纳入）"
    assert rep.text_lines("en")[2] == "Inside the Chengdu–Chongqing economic circle (district partly included)"


def test_a_project_line_is_a_nearby_project_measured_to_its_nearest_point(layers):
    import numpy as np
    import shapely

    line = LineString([(105.60, 29.60), (105.90, 29.60)])  # runs 0.1° south of the point asked about
    layers["project_lines"] = gdf([{"id": "L1", "name_zh": "测试快速通道", "name_en": "Test link road",
                                    "geometry_quality": "schematic", "geometry": line}])
    rep = whats_here(105.7, 29.7, layers)
    ids = [p.id for p in rep.projects]
    assert "L1" in ids
    hit = rep.projects[ids.index("L1")]
    xy = shapely.get_coordinates(shapely.segmentize(line, 1e-5))
    nearest = GEOD.inv(np.full(len(xy), 105.7), np.full(len(xy), 29.7), xy[:, 0], xy[:, 1])[2].min()
    assert hit.layer == "project_lines" and hit.distance_m == pytest.approx(nearest, abs=1.0)
    assert hit.lon == pytest.approx(105.7, abs=1e-3) and hit.lat == pytest.approx(29.6, abs=1e-6)
    # sorted with the points: P1 (0.02° away) before the line (≈11 km), the line before P3 (far)
    distances = [p.distance_m for p in rep.projects]
    assert distances == sorted(distances) and ids[0] == "P1"
    assert any("测试快速通道（线路）" in line for line in rep.text_lines("zh"))
    assert any("Test link road (line)" in line for line in rep.text_lines("en"))


def test_the_bundle_index_answers_with_project_lines():
    from geodata.bundle import loader

    line = loader.load_layer("project_lines").iloc[0]
    mid = line.geometry.interpolate(0.5, normalized=True)
    rep = whats_here(mid.x, mid.y)
    assert rep.projects and any(p.id == line["id"] and p.distance_m < 50 for p in rep.projects)

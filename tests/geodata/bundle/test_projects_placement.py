"""Projects, project lines and partnerships: where they are placed, what they cite, and the bundle that ships them."""
from __future__ import annotations

import json
import shutil

import pytest
import shapely

from geodata.bundle import build_projects as bp
from geodata.bundle import loader
from geodata.bundle.seeds import squash
from geodata.bundle.build import BuildContext
from geodata.core.themes import STATUSES, THEMES, split_themes

MUST_EXIST_PROJECTS = {
    "dz-xiangshan-bridge",          # 成渝中线香山大道四线中桥, first bored pile 2023-01-08
    "dz-shike-station-city",        # 大足石刻站 站城一体 area
    "dz-shike-service-area",        # 渝蓉高速大足石刻服务区
    "dz-shiku-research-centre",     # 川渝石窟保护研究中心
    "dz-western-shifosi-park",      # 西部石佛寺产业园
    "yb-gaozhu-new-area",           # 川渝高竹新区
    "na-guangyang-island",          # 广阳岛
    "jb-changan-global-rd",         # 长安汽车全球研发中心
    "na-planning-exhibition-hall",  # 重庆市规划展览馆
    "tn-shuangjiang-hydro-hub",     # 双江航电枢纽
    "dz-zhifeng-220kv",             # 智凤220千伏输变电工程
    "tl-uhv-substation",            # 天府南—铜梁1000千伏特高压 (its 铜梁 substation)
    "dz-precision-medicine-base",   # 成渝双城精准医学及干细胞临床研究基地 (000)
    "dz-stone-art-park",            # 石材艺术产业园 (001)
    "dz-shike-creative-park",       # 大足石刻文创园区 (001)
    "dz-gaosheng-interchange",      # 渝蓉高速高升互通 (003)
    "dz-shuifeng-35kv",             # 水丰110千伏变电站35千伏送出工程
    "dz-shale-gas-yongxi",          # 雍溪页岩气
    "dz-yuejin-irrigation", "dz-shangyou-irrigation",  # 跃进、上游中型灌区
    "dz-vein-industry-park",        # 静脉产业园
    "dz-gaoping-nanmu-reserve",     # 高坪楠木林自然保护区
    "dz-strontium-park-wwtp",       # 锶盐新材料产业园污水处理厂
    "dz-sludge-disposal-centre",    # 大足园科院污泥处置中心
    "dz-health-technician-college", # 卫生技师学院
    "dz-modern-agri-park",          # 国家现代农业产业园
    "dz-haitang-new-town",          # 海棠新城
    "dz-ximen-renewal",             # 西门片区母城更新
    "dz-sanshan-baodingshan", "dz-sanshan-beishan", "dz-sanshan-nanshan",  # “三山”保护提升工程
    "yb-gaozhu-interchange",        # 高竹互通
}
# The linear items the issue named, each a line of its own (their ids).
MUST_EXIST_LINES = {
    "dz-kehuoyou-shima-shiwan",     # 客货邮线路 石马—拾万
    "fl-liangjiang-longtou-link",   # 两江新区至涪陵(龙头港)快速通道
    "ddk-zhongba-road",             # 中坝路出区大通道
    "yb-chuanyu-avenue",            # 川渝大道
    "yb-g210-cizhu-linshui",        # G210茨竹至邻水快速通道 (a point before)
    "cs-rail-extension-changshou", "cs-rail-extension-guangan",  # 重庆轨道交通向长寿区及广安市延伸
    "tn-suitong-express-link",      # 遂潼快速通道
    "lp-mingyueshan-byway",         # 环明月山国家旅游风景道
    "dz-gaozhong-road", "dz-huiguo-road", "dz-zhuwan-road",       # 高忠路, 回国路, 珠万路
    "dz-yuxi-water-allocation",     # 渝西水资源配置工程
    "dz-jiangjin-rongchang-oil-pipeline",  # 江津—荣昌成品油管道
    "dz-huaiyuan-river",            # 淮远河综合治理
    "dz-dayoulu-jingkai-restoration",  # 大邮路至经开大道段
    "dz-laixi-eco-corridor",        # 濑溪河生态廊道
    "dz-baotang-avenue",            # 宝棠大道文化景观
    "dz-baoding-beishan-road",      # 宝顶至北山快速道路 (a point before)
}
# (Chongqing side, partner) adcodes of the pairs the seeds describe.
REQUIRED_PAIRS = {
    (500111, 512000),  # 大足—资阳 (资大文旅融合发展示范区)
    (500111, 512021),  # 大足—安岳
    (500109, 510700),  # 北碚—绵阳
    (500107, 510114),  # 九龙坡—新都
    (500113, 510115),  # 巴南—温江
    (500106, 510107),  # 沙坪坝—武侯
    (500106, 510113),  # 沙坪坝—青白江
    (500116, 510500),  # 江津—泸州
    (500117, 511622),  # 合川—武胜
    (500117, 511621),  # 合川—岳池
    (500110, 510300),  # 綦江—自贡
    (500151, 512000),  # 铜梁—资阳
    (500152, 510900),  # 潼南—遂宁
    (500112, 511600),  # 渝北—广安 (川渝高竹新区)
    (500101, 511700),  # 万州—达州 (万达开)
    (500154, 511700),  # 开州—达州 (万达开)
    (500111, 511000),  # 大足—内江 (000; also in 001's sentence with 自贡, 宜宾)
    (500111, 510300),  # 大足—自贡 (001)
    (500111, 511500),  # 大足—宜宾 (001)
    (500118, 510300),  # 永川—自贡 (001, same sentence)
    (500230, 511400),  # 丰都—眉山
    (500230, 510421),  # 丰都—米易 (same sentence; outside the circle)
    (500115, 510400),  # 长寿—攀枝花 (outside the circle)
    (500111, 500156),  # 大足—武隆 (outside the circle)
}
# Partners outside the economic circle, which the bundle must mark (b_in_circle = 0).
OUTSIDE_PARTNERS = {510400: "攀枝花市", 510421: "米易县", 500156: "武隆区", 510822: "青川县"}


@pytest.fixture(scope="module")
def ctx():
    return BuildContext(districts=loader.load_layer("districts").copy(), seats=loader.load_layer("seats").copy())


@pytest.fixture(scope="module")
def seed_texts():
    texts = bp.load_seed_texts()
    if texts is None:
        pytest.fail("seed documents not found: set CHENGYU_SEEDS or put them in ../shared/seeds")
    return texts


@pytest.fixture(scope="module")
def built(ctx, seed_texts):
    return bp.build_layers(ctx)


@pytest.fixture(scope="module")
def districts_by_adcode():
    districts = loader.load_layer("districts")
    return dict(zip(districts["adcode"].astype(int), districts.geometry))


def test_at_least_sixty_projects_are_built_as_schematic_wgs84_points(built):
    projects = built["projects"]
    assert len(projects) >= 60
    assert projects.crs.to_epsg() == 4326
    assert set(projects.geom_type) == {"Point"}
    assert set(projects["geometry_quality"]) == {"schematic"}


def test_every_project_point_lies_inside_the_district_it_names(built, districts_by_adcode):
    outside = [row.id for row in built["projects"].itertuples()
               if not districts_by_adcode[row.district_adcode].covers(row.geometry)]
    assert outside == []


def test_every_gazetteer_control_point_lies_inside_its_district(ctx, districts_by_adcode):
    gazetteer = ctx.gazetteer()
    mine = gazetteer[gazetteer["gazetteer_file"] == bp.GAZETTEER_CSV.name]
    assert len(mine) >= 10
    outside = [row.name_zh for row in mine.itertuples()
               if not districts_by_adcode[int(row.district_adcode)].covers(shapely.Point(row.lon, row.lat))]
    assert outside == []
    assert mine["basis"].str.contains("not surveyed").all()  # hand-placed points never pose as surveys


def test_every_control_point_of_the_projects_gazetteer_places_a_project_or_a_line(built, ctx):
    gazetteer = ctx.gazetteer()
    mine = set(gazetteer.loc[gazetteer["gazetteer_file"] == bp.GAZETTEER_CSV.name, "name_zh"])
    used = {name for layer in ("projects", "project_lines") for value in built[layer]["control_points"]
            for name in json.loads(value)}
    assert mine - used == set()


def test_each_project_sits_exactly_on_its_named_control_point(built, ctx):
    gazetteer = ctx.gazetteer().set_index("name_zh")
    seats = ctx.seats.set_index("adcode")
    for row in built["projects"].itertuples():
        (name,) = json.loads(row.control_points)
        if name in gazetteer.index:
            expected = shapely.Point(gazetteer.at[name, "lon"], gazetteer.at[name, "lat"])
        else:
            assert name == f"{seats.at[row.district_adcode, 'name_zh']}政府驻地", row.id
            assert "government seat" in row.placement_note
            expected = seats.at[row.district_adcode, "geometry"]
        assert row.geometry.equals_exact(expected, 1e-9), row.id


def test_themes_and_statuses_come_from_the_fixed_vocabulary(built):
    for layer in built.values():
        for row in layer.itertuples():
            themes = split_themes(row.themes)
            assert themes and set(themes) <= set(THEMES), row.id
            assert len(themes) == len(set(themes)), row.id
            assert row.status in STATUSES, row.id


def test_every_theme_has_at_least_one_project(built):
    counts = bp.theme_counts(built["projects"])
    assert all(count > 0 for count in counts.values()), counts


def test_every_source_sentence_occurs_literally_in_its_seed(built, seed_texts):
    for layer in built.values():
        for row in layer.itertuples():
            assert row.source_file in bp.SEEDS, row.id
            assert squash(row.source_sentence) in seed_texts[row.source_file], row.id
            assert row.source_title == bp.SEEDS[row.source_file].title


def test_source_titles_are_printed_in_their_seed(seed_texts):
    for name, seed in bp.SEEDS.items():
        title = squash(seed.title)
        # 003's title wraps over three lines inside 《》; compare without the book-title marks
        assert title in seed_texts[name] or title.replace("《", "").replace("》", "") in seed_texts[name].replace("《", "").replace("》", "").replace("〈", "").replace("〉", ""), name


def test_an_amount_is_given_only_where_the_source_sentence_states_one(built):
    for row in built["projects"].itertuples():
        if row.investment_yi == row.investment_yi:  # not NaN
            assert "亿" in row.source_sentence, row.id


def test_ids_are_unique_readable_slugs_and_the_named_ones_exist(built):
    for layer in built.values():
        assert layer["id"].is_unique
        assert layer["id"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    assert MUST_EXIST_PROJECTS <= set(built["projects"]["id"])
    assert MUST_EXIST_LINES <= set(built["project_lines"]["id"])


def test_no_id_is_both_a_project_point_and_a_project_line(built):
    assert set(built["projects"]["id"]) & set(built["project_lines"]["id"]) == set()


def test_no_item_is_drawn_twice_as_point_and_line(built):
    # G348邮亭过境段 is an expressways line only; the roads that became lines are no longer points
    from geodata.bundle import build_transport as bt

    lines = {feature["name_zh"] for layer in ("railway", "expressway") for feature in bt.load_curation()[layer]}
    lines |= set(built["project_lines"]["name_zh"])
    points = set(built["projects"]["name_zh"])
    assert not any("G348" in name for name in points)
    assert points & lines == set()
    for moved in ("dz-baoding-beishan-road", "yb-g210-cizhu-linshui"):
        assert moved not in set(built["projects"]["id"])


def test_partnership_endpoints_are_the_seats_of_the_named_units(built, ctx):
    seats = ctx.seats.set_index("adcode")
    partnerships = built["partnerships"]
    assert set(partnerships.geom_type) == {"LineString"}
    for row in partnerships.itertuples():
        start, end = shapely.get_coordinates(row.geometry)
        assert shapely.Point(start).equals(seats.at[row.a_adcode, "geometry"]), row.id
        assert shapely.Point(end).equals(seats.at[row.b_adcode, "geometry"]), row.id
        assert row.a_name == seats.at[row.a_adcode, "name_zh"]
        assert row.b_name == seats.at[row.b_adcode, "name_zh"]


def test_the_required_partnership_pairs_exist(built):
    pairs = set(zip(built["partnerships"]["a_adcode"], built["partnerships"]["b_adcode"]))
    assert REQUIRED_PAIRS - pairs == set()


def test_the_bundle_ships_what_the_curated_sources_build(built):
    for name in ("projects", "project_lines", "partnerships"):
        assert name in loader.layer_names(), f"run python -m geodata.bundle.build ({name} missing)"
        shipped = loader.load_layer(name)
        assert sorted(shipped["id"]) == sorted(built[name]["id"]), f"{name}: bundle is stale, rebuild"
        merged = shipped.set_index("id").geometry.geom_equals_exact(
            built[name].set_index("id").geometry.reindex(shipped["id"]), tolerance=1e-9)
        assert merged.all(), f"{name}: positions differ from the sources, rebuild"


# ---------------------------------------------------------------- bad curation fails clearly
@pytest.fixture
def sources_copy(tmp_path, monkeypatch):
    for name in ("projects.toml", "partnerships.toml", "gazetteer_projects.csv"):
        shutil.copy(bp.SOURCES_DIR / name, tmp_path / name)
    monkeypatch.setattr(bp, "PROJECTS_TOML", tmp_path / "projects.toml")
    monkeypatch.setattr(bp, "PARTNERSHIPS_TOML", tmp_path / "partnerships.toml")
    return tmp_path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_sentence_missing_from_its_seed_stops_the_build_naming_the_project(sources_copy, ctx, seed_texts):
    _edit(sources_copy / "projects.toml", "首根钻孔桩率先开钻", "首根钻孔桩提前开钻")
    with pytest.raises(bp.CurationError, match="dz-xiangshan-bridge.*does not occur"):
        bp.build_layers(ctx)


def test_an_unknown_theme_stops_the_build_naming_the_project(sources_copy, ctx, seed_texts):
    _edit(sources_copy / "projects.toml", 'themes = ["transport"]', 'themes = ["railways"]')
    with pytest.raises(bp.CurationError, match="dz-xiangshan-bridge.*unknown theme 'railways'"):
        bp.build_layers(ctx)


def test_a_control_point_in_another_district_stops_the_build(sources_copy, ctx, seed_texts):
    # 广阳岛 is a 南岸区 control point; claiming it for 江北区 must fail, not move the point
    _edit(sources_copy / "projects.toml", 'district_adcode = 500108\nat = "广阳岛"', 'district_adcode = 500105\nat = "广阳岛"')
    with pytest.raises(bp.CurationError, match="na-guangyang-island.*belongs to district 500108"):
        bp.build_layers(ctx)


def test_a_partner_without_a_seat_stops_the_build(sources_copy, ctx, seed_texts):
    _edit(sources_copy / "partnerships.toml", "b_adcode = 510700", "b_adcode = 519999")
    with pytest.raises(bp.CurationError, match="beibei-mianyang.*519999"):
        bp.build_layers(ctx)


def test_a_point_outside_its_district_stops_the_build(ctx, seed_texts, monkeypatch):
    moved = ctx.gazetteer()
    moved.loc[moved["name_zh"] == "松溉古镇", ["lon", "lat"]] = (104.06, 30.66)  # central Chengdu
    shifted = BuildContext(districts=ctx.districts, seats=ctx.seats)
    monkeypatch.setattr(shifted, "gazetteer", lambda: moved.copy())
    with pytest.raises(bp.CurationError, match="yc-songji-old-town.*outside district 500118"):
        bp.build_layers(shifted)


def test_readme_and_sources_state_the_counts_the_build_makes(built):
    from pathlib import Path
    import re

    root = Path(bp.__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    sources = (root / "geodata" / "bundle" / "SOURCES.md").read_text(encoding="utf-8")
    projects, partnerships = len(built["projects"]), len(built["partnerships"])
    lines = len(built["project_lines"])
    assert re.search(rf"\*\*projects\*\* — {projects} points", readme)
    assert re.search(rf"\*\*project_lines\*\* — {lines} lines", readme)
    assert re.search(rf"\*\*partnerships\*\* — {partnerships} lines", readme)
    assert f"**projects** ({projects} points" in sources
    assert f"**project_lines** ({lines} lines" in sources
    assert f"**partnerships** ({partnerships} lines" in sources
    counts = bp.theme_counts(built["projects"])
    line_counts = bp.theme_counts(built["project_lines"])
    pair_counts = bp.theme_counts(built["partnerships"])
    for key, (zh, _) in THEMES.items():  # README: | 交通 transport | projects | project lines | partnerships |
        assert re.search(rf"\| {zh} {key} \| {counts[key]} \| {line_counts[key]} \| {pair_counts[key]} \|", readme), key


def test_shiwan_lies_east_of_dazu_between_its_neighbours_and_the_tongliang_border(ctx, districts_by_adcode):
    # 003 groups 拾万 with 石马 and 金山 (eastern 大足); its 隆平五彩田园 is placed there
    rows = ctx.gazetteer().set_index("name_zh")
    seat = ctx.seats[ctx.seats["name_zh"] == "大足区"].geometry.iloc[0]
    shiwan = rows.loc["拾万镇"]
    assert shiwan.lon > seat.x + 0.15
    assert shiwan.lon > rows.loc["金山镇"].lon and shiwan.lon > rows.loc["石马镇"].lon
    tongliang = districts_by_adcode[500151]
    assert 0 < tongliang.distance(shapely.Point(shiwan.lon, shiwan.lat)) < 0.05  # near, not across, the border


def test_dazu_shike_station_lies_just_south_of_the_baodingshan_carvings(ctx):
    rows = ctx.gazetteer().set_index("name_zh")
    station, carvings = rows.loc["大足石刻站"], rows.loc["宝顶山摩崖造像"]
    assert station.lat < carvings.lat
    assert abs(station.lon - carvings.lon) < 0.02 and carvings.lat - station.lat < 0.03


# ---------------------------------------------------------------- project lines
def test_project_lines_are_schematic_wgs84_lines_through_at_least_two_control_points(built):
    lines = built["project_lines"]
    assert len(lines) >= 25
    assert lines.crs.to_epsg() == 4326
    assert set(lines.geom_type) <= {"LineString", "MultiLineString"}
    assert set(lines["geometry_quality"]) == {"schematic"}
    for row in lines.itertuples():
        names = json.loads(row.control_points)
        assert len(names) >= 2, row.id
        assert len(row.geometry.coords) == len(names), row.id
        assert "schematic" in row.placement_note and "not the real alignment" in row.placement_note, row.id


def test_every_line_passes_exactly_through_its_control_points_in_order(built, ctx):
    gazetteer = ctx.gazetteer().set_index("name_zh")
    seats = ctx.seats
    records = {record["id"]: record for record in bp.read_toml(bp.LINES_TOML, "line")}
    for row in built["project_lines"].itertuples():
        expected = []
        for ref in records[row.id]["control_points"]:
            if ref.startswith(("seat:", "city:")):
                level = "city" if ref.startswith("city:") else "district"
                match = seats[(seats["level"] == level) & (seats["name_zh"] == ref.split(":", 1)[1])]
                assert len(match) == 1, (row.id, ref)
                expected.append((match.geometry.iloc[0].x, match.geometry.iloc[0].y))
            else:
                expected.append((gazetteer.at[ref, "lon"], gazetteer.at[ref, "lat"]))
        assert shapely.LineString(expected).equals_exact(row.geometry, 1e-9), row.id


def test_every_line_touches_every_district_it_names(built, districts_by_adcode):
    districts = loader.load_layer("districts")
    cities = {int(city): group.union_all() for city, group in districts.groupby("city_adcode")}
    for row in built["project_lines"].itertuples():
        named = [int(code) for code in row.district_adcodes.split(",")]
        assert row.district_adcode == named[0] and named[0] in districts_by_adcode, row.id
        for adcode in named:
            area = districts_by_adcode.get(adcode) or cities[adcode]
            assert row.geometry.intersects(area), (row.id, adcode)


def test_every_line_control_point_lies_inside_its_district(built, ctx, districts_by_adcode):
    gazetteer = ctx.gazetteer().set_index("name_zh")
    for row in built["project_lines"].itertuples():
        for name in json.loads(row.control_points):
            if name.endswith("政府驻地"):
                continue  # surveyed seats, inside their unit by construction (tests/geodata/bundle/test_boundaries.py)
            point = shapely.Point(gazetteer.at[name, "lon"], gazetteer.at[name, "lat"])
            assert districts_by_adcode[int(gazetteer.at[name, "district_adcode"])].covers(point), (row.id, name)


def test_a_line_that_misses_a_district_it_names_stops_the_build(tmp_path, monkeypatch, ctx, seed_texts):
    shutil.copy(bp.LINES_TOML, tmp_path / "project_lines.toml")
    monkeypatch.setattr(bp, "LINES_TOML", tmp_path / "project_lines.toml")
    # 中坝路 runs inside 大渡口区; claiming it also touches 大足区 must fail
    _edit(tmp_path / "project_lines.toml", "district_adcodes = [500104]\ncontrol_points = [\"陈家阁立交\"",
          "district_adcodes = [500104, 500111]\ncontrol_points = [\"陈家阁立交\"")
    with pytest.raises(bp.CurationError, match="ddk-zhongba-road.*does not touch 500111"):
        bp.build_project_lines(ctx, seed_texts)


def test_a_line_with_one_control_point_stops_the_build(tmp_path, monkeypatch, ctx, seed_texts):
    shutil.copy(bp.LINES_TOML, tmp_path / "project_lines.toml")
    monkeypatch.setattr(bp, "LINES_TOML", tmp_path / "project_lines.toml")
    _edit(tmp_path / "project_lines.toml", 'control_points = ["陈家阁立交", "跳磴立交"]', 'control_points = ["陈家阁立交"]')
    with pytest.raises(bp.CurationError, match="ddk-zhongba-road.*at least two control points"):
        bp.build_project_lines(ctx, seed_texts)


def test_the_danei_expressway_ends_where_it_joins_the_yurong_expressway(ctx):
    # 重庆日报 2023-09-15: 大内高速 ends at 黄桥村 north of 三驱镇, joining 渝蓉高速 (SOURCES.md)
    from geodata.bundle import build_transport as bt

    layers = bt.build_from(bt.load_curation(), bt.load_gazetteer(), ctx.seats)
    expressways = layers["expressways"].set_index("name_zh")
    danei, yurong = expressways.at["大内高速", "geometry"], expressways.at["渝蓉高速", "geometry"]
    end = shapely.Point(danei.coords[-1])
    assert yurong.distance(end) < 1e-9
    assert json.loads(expressways.at["大内高速", "control_points"])[1:3] == ["铜鼓镇（荣昌区）", "季家镇"]


# ---------------------------------------------------------------- partnerships: pairs and the circle
def test_partnership_circle_flags_come_from_the_seats_layer(built, ctx):
    in_circle = dict(zip(ctx.seats["adcode"].astype(int), ctx.seats["in_circle"].astype(int)))
    for row in built["partnerships"].itertuples():
        assert (row.a_in_circle, row.b_in_circle) == (in_circle[row.a_adcode], in_circle[row.b_adcode]), row.id


def test_partners_outside_the_circle_are_drawn_and_marked(built):
    pairs = built["partnerships"].set_index("b_adcode")
    for adcode, name in OUTSIDE_PARTNERS.items():
        assert adcode in pairs.index, name
        assert (pairs.loc[[adcode], "b_in_circle"] == 0).all(), name
    outside = built["partnerships"][built["partnerships"]["b_in_circle"] == 0]
    assert set(outside["b_adcode"]) == set(OUTSIDE_PARTNERS)
    assert (built["partnerships"]["a_in_circle"] == 1).all()  # every acting unit is in the circle


def test_each_pair_is_drawn_once_whatever_its_order(built):
    pairs = [frozenset(pair) for pair in zip(built["partnerships"]["a_adcode"], built["partnerships"]["b_adcode"])]
    assert len(pairs) == len(set(pairs))


def test_a_prefecture_partner_is_drawn_to_its_city_seat(built, ctx):
    seats = ctx.seats.set_index("adcode")
    cities = built["partnerships"][built["partnerships"]["b_adcode"] % 100 == 0]
    assert len(cities) >= 20
    for row in cities.itertuples():
        assert seats.at[row.b_adcode, "level"] == "city", row.id

"""Field check: reading observation files, datum conversion, matching and the CSV report."""
from __future__ import annotations

import csv
import math

import geopandas as gpd
import gpxpy.gpx
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geodata.coords import datums as coords
from geodata.fieldcheck.check import (CSV_FIELDS, ObservationError, check_file, check_observations,
                                 read_observations, write_csv)

GEOD = Geod(ellps="WGS84")

# A small registry at real places (WGS84, read off Tianditu imagery to ~50 m).
REGISTRY = [
    ("P001", "大足石刻宝顶山", "Baodingshan Rock Carvings", 105.8087, 29.7477),
    ("P002", "天府广场", "Tianfu Square", 104.0657, 30.6595),
    ("P003", "解放碑", "Jiefangbei", 106.5770, 29.5576),
    ("P004", "资阳高新区", "Ziyang Hi-tech Zone", 104.6270, 30.1290),
    ("P005", "大足高新区", "Dazu Hi-tech Zone", 105.7380, 29.6830),
]


@pytest.fixture()
def projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"id": i, "name_zh": zh, "name_en": en, "geometry": Point(lon, lat)} for i, zh, en, lon, lat in REGISTRY],
        geometry="geometry", crs="EPSG:4326")


def offset(lon: float, lat: float, metres: float, bearing: float = 45.0) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing, metres)
    return lon2, lat2


def write_gcj02_observations(path, *, encoding="utf-8"):
    """Observed positions 10–40 m from the registry (one 600 m off), written as GCJ-02 like a phone app."""
    rows = []
    for n, (pid, zh, _en, lon, lat) in enumerate(REGISTRY):
        true = offset(lon, lat, 600.0 if pid == "P003" else 10.0 + 7.5 * n, bearing=30.0 * n)
        rows.append((pid, zh, *coords.wgs84_to_gcj02(*true)))
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "名称", "经度", "纬度"])
        for pid, name, x, y in rows:
            w.writerow([pid, name, f"{x:.7f}", f"{y:.7f}"])
    return path


def test_gcj02_file_is_hundreds_of_metres_off_raw_but_matches_after_conversion(tmp_path, projects):
    path = write_gcj02_observations(tmp_path / "obs.csv")
    raw = check_file(path, projects, datum="wgs84", tolerance_m=200)
    assert raw.counts()["flagged"] == 5
    assert (raw.rows["distance_m"] > 250).all()  # the GCJ-02 offset here is ~300–600 m
    fixed = check_file(path, projects, datum="gcj02", tolerance_m=200)
    ok = fixed.rows[fixed.rows["project_id"] != "P003"]
    assert (ok["status"] == "ok").all() and (ok["distance_m"] <= 40.5).all()
    assert list(ok["match_method"]) == ["id"] * 4
    p003 = fixed.rows.set_index("project_id").loc["P003"]
    assert p003["status"] == "flagged" and p003["distance_m"] == pytest.approx(600.0, abs=1.0)


def test_chinese_headers_in_gbk_are_read(tmp_path, projects):
    path = write_gcj02_observations(tmp_path / "obs_gbk.csv", encoding="gbk")
    obs = read_observations(path, "gcj02")
    assert list(obs["obs_name"])[:2] == ["大足石刻宝顶山", "天府广场"]
    assert obs.crs.to_epsg() == 4326 and len(obs) == 5


def test_match_by_fuzzy_chinese_name_pinyin_and_nearest(projects):
    lon, lat = REGISTRY[0][3:]
    obs = gpd.GeoDataFrame({
        "obs_id": ["a", "b", "c", "d", "e"],
        "obs_name": ["大足石刻宝顶山景区", "Tianfu Guangchang", "", "无名点", "资阳高新技术区"],
        "project_id": ["", "", "", "", ""],
        "raw_x": [lon, 104.0657, 106.5775, 103.0, 104.6271],
        "raw_y": [lat, 30.6595, 29.5576, 31.0, 30.1290],
    }, geometry=[Point(lon, lat)] * 5, crs="EPSG:4326")
    obs["lon"], obs["lat"] = obs["raw_x"], obs["raw_y"]
    result = check_observations(obs, projects, tolerance_m=200, radius_m=1000).rows.set_index("obs_id")
    assert (result.loc["a", "project_id"], result.loc["a", "match_method"]) == ("P001", "name")
    assert (result.loc["b", "project_id"], result.loc["b", "match_method"]) == ("P002", "name")  # pinyin
    assert (result.loc["c", "project_id"], result.loc["c", "match_method"]) == ("P003", "nearest")
    assert result.loc["c", "distance_m"] == pytest.approx(GEOD.inv(106.5775, 29.5576, 106.5770, 29.5576)[2], abs=0.01)
    assert result.loc["d", "status"] == "unmatched" and result.loc["d", "project_id"] == ""
    assert result.loc["e", "status"] == "ok"  # fuzzy name, 10 m away


def test_discrepancy_lines_run_from_observed_to_registered(tmp_path, projects):
    result = check_file(write_gcj02_observations(tmp_path / "obs.csv"), projects, datum="gcj02")
    assert len(result.lines) == 5 and set(result.lines.geom_type) == {"LineString"}
    line = result.lines.set_index("project_id").loc["P003"]
    (x0, y0), (x1, y1) = line.geometry.coords
    assert (x1, y1) == pytest.approx((106.5770, 29.5576))
    assert GEOD.inv(x0, y0, x1, y1)[2] == pytest.approx(line["distance_m"], abs=0.01)
    assert result.summary("en").startswith("5 observations: 4 ok, 1 flagged")


def test_csv_report_reopens_with_required_columns(tmp_path, projects):
    obs_path = write_gcj02_observations(tmp_path / "obs.csv")
    with open(obs_path, "a", encoding="utf-8") as fh:
        fh.write("X9,不存在的地方,103.5000000,31.5000000\n")
    result = check_file(obs_path, projects, datum="gcj02")
    out = write_csv(result, tmp_path / "out" / "report.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == CSV_FIELDS
    assert [r["status"] for r in rows] == ["ok", "ok", "flagged", "ok", "ok", "unmatched"]
    assert rows[-1]["obs_id"] == "X9" and rows[-1]["project_id"] == "" and rows[-1]["distance_m"] == ""
    assert math.isclose(float(rows[2]["distance_m"]), 600.0, abs_tol=1.0)
    assert not list((tmp_path / "out").glob(".*part*"))  # no temporary left behind


def test_gpx_waypoints_are_read_and_matched(tmp_path, projects):
    gpx = gpxpy.gpx.GPX()
    lon, lat = offset(105.7380, 29.6830, 25.0)
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=lat, longitude=lon, name="大足高新区"))
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=29.5576, longitude=106.5770, name="点2", comment="P003"))
    path = tmp_path / "track.gpx"
    path.write_text(gpx.to_xml(), encoding="utf-8")
    rows = check_file(path, projects, datum="wgs84").rows
    assert list(rows["project_id"]) == ["P005", "P003"]
    assert list(rows["match_method"]) == ["name", "id"]
    assert rows["distance_m"].iloc[0] == pytest.approx(25.0, abs=0.01)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("编号,名称,x坐标\n1,a,3\n", "no lon and lat column"),
        ("id,name,lon,lat\n1,a,abc,29.5\n", "line 2"),
        ("id,name,lon,lat\n1,a,29.5,205.1\n", "out of range"),
        ("id,name,lon,lat\n", "no observations"),
    ],
)
def test_bad_observation_files_get_clear_messages(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ObservationError, match=message):
        read_observations(path, "wgs84")


def test_unsupported_file_type_and_projected_datum_are_refused(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    with pytest.raises(ObservationError, match="unsupported"):
        read_observations(tmp_path / "a.xlsx")
    (tmp_path / "a.csv").write_text("lon,lat\n105,30\n", encoding="utf-8")
    with pytest.raises(ObservationError, match="lon/lat"):
        read_observations(tmp_path / "a.csv", "gk3")


def test_bundled_registry_gcj02_survey_matches_after_conversion(tmp_path):
    """20 bundled projects observed with a phone app (GCJ-02), 5–30 m from where the registry puts them."""
    from geodata.bundle import loader

    registry = loader.load_layer("projects")
    sample = registry.iloc[:: max(1, len(registry) // 20)].head(20)
    lines = ["id,name,lon,lat"]
    for n, (_, row) in enumerate(sample.iterrows()):
        lon, lat = offset(row.geometry.x, row.geometry.y, 5.0 + n * 1.25, bearing=17.0 * n)
        x, y = coords.wgs84_to_gcj02(lon, lat)
        lines.append(f"{row['id']},{row['name_zh']},{x:.7f},{y:.7f}")
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = check_file(path, registry, datum="wgs84")
    assert raw.counts()["flagged"] == len(sample) and raw.rows["distance_m"].min() > 250
    fixed = check_file(path, registry, datum="gcj02")
    assert fixed.counts() == {"ok": len(sample), "flagged": 0, "unmatched": 0}
    assert fixed.rows["distance_m"].max() < 30.5
    assert list(fixed.rows["project_id"]) == list(sample["id"])


# --- name matching against the real registry (bundled `projects`) ----------------------------------

@pytest.fixture(scope="module")
def registry() -> gpd.GeoDataFrame:
    from geodata.bundle import loader

    return loader.load_layer("projects")


def _obs_named(names: list[str], lonlats: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    obs = gpd.GeoDataFrame({"obs_id": [str(i) for i in range(len(names))], "obs_name": names,
                            "project_id": [""] * len(names), "raw_x": [p[0] for p in lonlats],
                            "raw_y": [p[1] for p in lonlats]},
                           geometry=[Point(p) for p in lonlats], crs="EPSG:4326")
    obs["lon"], obs["lat"] = obs["raw_x"], obs["raw_y"]
    return obs


def _at(registry, pid: str) -> tuple[float, float]:
    geom = registry.set_index("id").loc[pid, "geometry"]
    return geom.x, geom.y


@pytest.mark.parametrize(("written", "expected"), [
    ("大足高新区", "dz-hitech-zone"),                 # the part before the bracket, exactly
    ("资阳高新技术区", "zy-hitech-zone"),             # a longer form of the name
    ("石门山互通", "dz-shimenshan-interchange"),      # contained in 渝蓉高速石门山互通
    ("合川站", "hc-yuxi-hsr-station"),                # contained in 渝西高铁合川站
    ("chuanyugaozhu", "yb-gaozhu-new-area"),          # pinyin contained in chuanyugaozhuxinqu
    ("Dazu Shike station", "dz-shike-station-city"),  # English words, any order
    ("广阳岛", "na-guangyang-island"),
])
def test_field_names_match_the_registered_project(registry, written, expected):
    far = (103.0, 31.5)  # name only: no registered project within the radius
    rows = check_observations(_obs_named([written], [far]), registry, radius_m=1000).rows
    assert (rows["project_id"].iloc[0], rows["match_method"].iloc[0]) == (expected, "name")
    assert rows["match_note"].iloc[0] == ""


def test_exact_name_beats_a_name_that_merely_contains_it(registry):
    # 大足高新区 is contained in nothing else, but 川渝产业合作示范园区 is the bracketed alias of two
    # parks and the whole name of a third: exact on all three, so a tie.
    rows = check_observations(_obs_named(["川渝产业合作示范园区"], [(103.0, 31.5)]), registry).rows
    assert rows["status"].iloc[0] == "unmatched"
    for pid in ("dz-hitech-zone", "zy-hitech-zone", "qj-industry-cooperation-park"):
        assert pid in rows["match_note"].iloc[0]


def test_station_name_ties_between_the_two_projects_that_contain_it(registry):
    # 大足石刻站 is in 大足石刻文化城（大足石刻站站城一体） and in 大足石刻站站前广场, both registered at
    # the station: the match is made but the tie is written down.
    at = _at(registry, "dz-shike-station-city")
    for written in ("大足石刻站", "dazushikezhan", "dzskz", "大足石克站"):  # Chinese, pinyin, initials, homophone
        row = check_observations(_obs_named([written], [at]), registry).rows.iloc[0]
        assert row["project_id"] in ("dz-shike-station-city", "dz-station-square"), written
        assert row["status"] == "ok" and row["distance_m"] < 1.0
        assert "name tie among 2" in row["match_note"] and "same position" in row["match_note"], written
        assert "dz-shike-station-city" in row["match_note"] and "dz-station-square" in row["match_note"]


def test_name_tie_is_resolved_only_by_position_among_the_tied(registry):
    # "页岩气勘探开发" is in three registered names (金山, 回龙 and 雍溪, three towns of 大足); next to
    # 雍溪 it takes that one, far from all of them it matches nothing (not the nearest unrelated
    # project) and says why.
    near = _at(registry, "dz-shale-gas-yongxi")
    rows = check_observations(_obs_named(["页岩气勘探开发", "页岩气勘探开发"], [near, (103.0, 31.5)]), registry,
                              radius_m=1000).rows
    assert rows["project_id"].iloc[0] == "dz-shale-gas-yongxi"
    assert "name tie among 3" in rows["match_note"].iloc[0] and "nearest taken" in rows["match_note"].iloc[0]
    assert rows["status"].iloc[1] == "unmatched" and "none within 1000 m" in rows["match_note"].iloc[1]


def test_a_short_name_shared_by_several_projects_is_a_tie_not_a_guess(registry):
    # "gaozhu" is in 川渝高竹新区 and in the four 高竹 projects placed with it: unmatched far away, the tie noted.
    rows = check_observations(_obs_named(["gaozhu"], [(103.0, 31.5)]), registry, radius_m=1000).rows
    assert rows["status"].iloc[0] == "unmatched"
    assert "name tie among 5" in rows["match_note"].iloc[0] and "yb-gaozhu-new-area" in rows["match_note"].iloc[0]


def test_two_shared_characters_are_not_a_name_match(registry):
    rows = check_observations(_obs_named(["石刻", "park"], [(103.0, 31.5)] * 2), registry).rows
    assert list(rows["status"]) == ["unmatched", "unmatched"] and list(rows["match_note"]) == ["", ""]


def test_registry_id_beats_any_name(registry):
    obs = _obs_named(["大足高新区"], [_at(registry, "zy-hitech-zone")])
    obs["project_id"] = ["zy-hitech-zone"]
    rows = check_observations(obs, registry).rows
    assert (rows["project_id"].iloc[0], rows["match_method"].iloc[0]) == ("zy-hitech-zone", "id")


def test_tie_note_reads_in_either_language(registry):
    from geodata.fieldcheck.check import note_text

    row = check_observations(_obs_named(["大足石刻站"], [_at(registry, "dz-station-square")]), registry).rows.iloc[0]
    zh, en = note_text(row["match_note"], "zh"), note_text(row["match_note"], "en")
    assert zh.startswith("名称并列 2 项，位置相同，取第一项：") and "name tie" not in zh
    assert en.startswith("name tie among 2, same position, first taken: ") and "名称并列" not in en
    assert zh.endswith(en.split(": ", 1)[1])  # the same tied projects listed in both
    assert note_text("", "en") == ""


def test_every_registered_name_finds_its_own_project(registry):
    from geodata.fieldcheck.name_match import NameMatcher

    matcher = NameMatcher(registry)
    found = {pid: matcher.match(name) for pid, name in zip(registry["id"], registry["name_zh"])}
    assert {pid: (m.index is not None and matcher.ids[m.index]) for pid, m in found.items()} == {
        pid: pid for pid in registry["id"]}
    assert all(m.tier == 3 for m in found.values())  # exact, never a containment that happened to win


def test_csv_cells_keep_their_fixed_decimals(tmp_path, projects):
    path = tmp_path / "obs.csv"
    path.write_text("id,name,lon,lat\nP003,解放碑,106.5775,29.5576\nX,无名,103.5,31.5\n", encoding="utf-8")
    result = check_file(path, projects, datum="wgs84")
    with open(write_csv(result, tmp_path / "r.csv"), encoding="utf-8-sig", newline="") as fh:
        matched, unmatched = list(csv.DictReader(fh))
    distance = GEOD.inv(106.5775, 29.5576, 106.5770, 29.5576)[2]
    assert {k: matched[k] for k in ("obs_lon", "obs_lat", "raw_x", "raw_y", "reg_lon", "distance_m", "match_score")} == {
        "obs_lon": "106.5775000", "obs_lat": "29.5576000", "raw_x": "106.5775", "raw_y": "29.5576",
        "reg_lon": "106.5770000", "distance_m": f"{distance:.1f}", "match_score": "100"}
    assert matched["distance_m"] == "48.5"
    assert {k: unmatched[k] for k in ("raw_x", "raw_y", "reg_lon", "distance_m", "match_score", "project_id")} == {
        "raw_x": "103.50", "raw_y": "31.50", "reg_lon": "", "distance_m": "", "match_score": "", "project_id": ""}


def test_progress_rises_to_all_observations_and_cancel_stops_the_check(tmp_path, projects):
    from geodata.core.feedback import Cancelled, Feedback

    path = write_gcj02_observations(tmp_path / "obs.csv")
    seen: list[tuple[float, str]] = []
    check_file(path, projects, datum="gcj02", feedback=Feedback(lambda f, m: seen.append((f, m.text("en")))))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and seen[-1] == (1.0, "checked 5 of 5 observations")
    assert ("matching names" in {m for _, m in seen}) and len(seen) >= 3

    def stop_after_two(fraction, message):
        if fraction >= 0.4:
            feedback.cancel()

    feedback = Feedback(stop_after_two)
    with pytest.raises(Cancelled):
        check_file(path, projects, datum="gcj02", feedback=feedback)


def test_the_pinyin_index_reads_every_registered_name_as_pypinyin_does():
    """name_match reads pinyin word by word with a cache; the words are pypinyin's own, so the text
    is the one lazy_pinyin gives for every registered name and alias."""
    from pypinyin import Style, lazy_pinyin

    from geodata.bundle.loader import load_layer
    from geodata.fieldcheck.name_match import _initials, _latin, _name_forms, _pinyin

    forms = [f for z in load_layer("projects")["name_zh"] for f in _name_forms(str(z))]
    assert len(forms) > 200
    assert [_pinyin(f) for f in forms] == [_latin("".join(lazy_pinyin(f))) for f in forms]
    assert [_initials(f) for f in forms] == [_latin("".join(lazy_pinyin(f, style=Style.FIRST_LETTER))) for f in forms]


def test_matching_many_names_at_once_equals_matching_each():
    """match_many (the prefiltered batch) gives exactly what scoring every form of every name gives."""
    import random

    from rapidfuzz import fuzz

    from geodata.bundle.loader import load_layer
    from geodata.fieldcheck import name_match
    from geodata.fieldcheck.name_match import NameMatcher

    projects = load_layer("projects")
    matcher = NameMatcher(projects)
    rnd = random.Random(7)
    names = [str(v) for v in projects["name_zh"]]
    chars = "".join(sorted(set("".join(names))))
    queries = [n for n in names[:60]] + [n[: rnd.randint(2, 6)] for n in names[:80]]
    queries += ["".join(rnd.choice(chars) for _ in range(rnd.randint(2, 9))) for _ in range(150)]
    queries += [name_match._pinyin(n)[: rnd.randint(4, 20)] for n in names[:60]] + ["dzskz", "dazu park", "chongqing"]

    def brute(name):  # the rule itself: every scorer on every form, no prefilter
        best = {}
        for key, query, minimum, scorers in matcher._plan(name.strip()):
            forms = matcher.forms[key]
            for k, text in enumerate(forms.texts):
                offers = []
                if "exact" in scorers and text == query:
                    offers.append((3, 100.0))
                if "ratio" in scorers and (s := fuzz.ratio(query, text)) >= 85:
                    offers.append((2, float(s)))
                if "partial" in scorers and len(query) >= minimum and len(text) >= minimum and (
                        s := fuzz.partial_ratio(query, text)) >= 90:
                    offers.append((1, float(s)))
                if "token_set" in scorers and (s := fuzz.token_set_ratio(query, text)) >= 90:
                    offers.append((1, float(s)))
                for o in offers:
                    i = int(forms.project[k])
                    best[i] = max(best.get(i, (0, 0.0)), o)
        if not best:
            return None
        top = max(best.values())
        return top, sorted(i for i, v in best.items() if v == top)

    many = matcher.match_many(queries)
    for q in queries:
        want, got = brute(q), many[q]
        assert (want is None) == (got is None), q
        if want is not None:
            assert (got.tier, got.score) == want[0] and (got.tied or [got.index]) == want[1], q


def test_the_indexed_nearest_project_is_the_geodesic_nearest_within_the_radius():
    import numpy as np

    import shapely

    from geodata.fieldcheck.check import _nearest_within, _Positions

    rng = np.random.default_rng(3)
    px, py = rng.uniform(105, 106, 300), rng.uniform(29, 30, 300)
    px[1], py[1] = px[0], py[0]  # two projects at one place: the lower index wins, as argmin
    lon, lat = np.concatenate([rng.uniform(104.9, 106.1, 2000), [px[0]]]), np.concatenate([rng.uniform(28.9, 30.1, 2000), [py[0]]])
    for radius in (0.0, 300.0, 1000.0, 5000.0):
        index, dist = _nearest_within(lon, lat, _Positions(shapely.points(px, py)), radius)
        for n in range(len(lon)):
            d = GEOD.inv(np.full(len(px), lon[n]), np.full(len(px), lat[n]), px, py)[2]
            k = int(np.argmin(d))
            assert index[n] == (k if d[k] <= radius else -1)
            if index[n] >= 0:
                assert dist[n] == pytest.approx(d[k])


def test_observation_errors_are_messages_safe_for_braces_in_names(tmp_path):
    path = tmp_path / "{x}.csv"
    path.write_text("id,name,lon,lat\n1,a,abc,29.5\n", encoding="utf-8")
    with pytest.raises(ObservationError) as info:
        read_observations(path, "wgs84")
    assert info.value.message.text("en") == ("{x}.csv line 2: cannot read coordinate 'abc', '29.5' "
                                             "(cannot read 'abc' as degrees)")
    assert info.value.message.text("zh") == "{x}.csv 第 2 行：坐标无法识别 'abc', '29.5'（无法识别度数：'abc'）"


def test_an_observation_of_a_project_line_is_measured_to_the_nearest_point_of_the_line():
    import numpy as np
    import shapely
    from shapely.geometry import LineString, Point

    from geodata.fieldcheck.check import check_observations, with_project_lines

    points = gpd.GeoDataFrame({"id": ["P1"], "name_zh": ["测试园区"], "name_en": ["Test park"],
                               "geometry": [Point(105.0, 29.0)]}, crs=4326)
    lines = gpd.GeoDataFrame({"id": ["L1"], "name_zh": ["测试快速通道"], "name_en": ["Test link road"],
                              "geometry": [LineString([(105.2, 29.2), (105.6, 29.3)])]}, crs=4326)
    registry = with_project_lines(points, lines)
    assert list(registry["id"]) == ["P1", "L1"] and with_project_lines(registry, lines) is registry
    # beside the line's middle, 300-odd metres off it; one named, one found by position only
    obs = gpd.GeoDataFrame({"obs_id": ["1", "2"], "obs_name": ["测试快速通道", ""], "project_id": ["", ""],
                            "lon": [105.4, 105.41], "lat": [29.253, 29.2555], "raw_x": [105.4, 105.41],
                            "raw_y": [29.253, 29.2555], "datum": ["wgs84"] * 2}, geometry=[Point(105.4, 29.253)] * 2, crs=4326)
    rows = check_observations(obs, registry, tolerance_m=500, radius_m=1000).rows
    assert list(rows["project_id"]) == ["L1", "L1"] and list(rows["match_method"]) == ["name", "nearest"]
    # the distance is the shortest one to the line: sample the line densely and measure geodesically
    dense = shapely.segmentize(lines.geometry.iloc[0], 1e-5)
    xy = shapely.get_coordinates(dense)
    for n in range(2):
        d = GEOD.inv(np.full(len(xy), rows["obs_lon"][n]), np.full(len(xy), rows["obs_lat"][n]), xy[:, 0], xy[:, 1])[2]
        assert rows["distance_m"][n] == pytest.approx(d.min(), abs=0.5)
        assert 200 < rows["distance_m"][n] < 400 and rows["status"][n] == "ok"
        assert lines.geometry.iloc[0].distance(Point(rows["reg_lon"][n], rows["reg_lat"][n])) < 1e-6  # on the line


def test_the_default_registry_holds_the_bundled_project_lines(tmp_path):
    from geodata.bundle import loader
    from geodata.fieldcheck.check import check_file

    line = loader.load_layer("project_lines").iloc[0]
    mid = line.geometry.interpolate(0.5, normalized=True)
    path = tmp_path / "obs.csv"
    path.write_text(f"name,lon,lat\n{line['name_zh']},{mid.x},{mid.y}\n", encoding="utf-8")
    row = check_file(path).rows.iloc[0]
    assert row["project_id"] == line["id"] and row["distance_m"] < 1.0

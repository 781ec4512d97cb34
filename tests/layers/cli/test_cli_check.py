"""`main.py check | here | goto`: output, files written, exit code 2 on bad input."""
from __future__ import annotations

import csv

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point

import main
from geodata.coords import datums as coords
from geodata.fieldcheck import check as field_check

GEOD = Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def c_locale(monkeypatch):
    """Output language comes from the locale; these tests read the Chinese a C locale gives."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture()
def registry(monkeypatch):
    gdf = gpd.GeoDataFrame({"id": ["P001", "P002"], "name_zh": ["大足石刻宝顶山", "天府广场"], "name_en": ["", ""]},
                           geometry=[Point(105.8087, 29.7477), Point(104.0657, 30.6595)], crs="EPSG:4326")
    real = field_check.check_file

    def check_file(path, projects=None, *args, **kwargs):
        return real(path, gdf if projects is None else projects, *args, **kwargs)

    monkeypatch.setattr(field_check, "check_file", check_file)
    return gdf


def write_obs(path, datum="gcj02"):
    x, y = coords.from_wgs84(105.8088, 29.7478, datum)
    path.write_text(f"id,name,lon,lat\nP001,宝顶山,{x:.7f},{y:.7f}\nZ,远处,103.0,31.0\n", encoding="utf-8")
    return path


def test_check_writes_csv_report_with_gcj02_correction(tmp_path, registry, capsys):
    obs = write_obs(tmp_path / "obs.csv")
    out = tmp_path / "r.csv"
    assert main.main(["check", str(obs), "--datum", "gcj02", "--tolerance", "200", "--report", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == ["ok", "unmatched"]
    # the GCJ-02 offset (hundreds of metres) is undone: what is left is the 0.0001° the observation was off
    assert float(rows[0]["distance_m"]) == pytest.approx(GEOD.inv(105.8088, 29.7478, 105.8087, 29.7477)[2], abs=0.05)
    assert "共 2 个观测点：符合 1，超差 0（>200 m），未匹配 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "missing.csv"],
        ["check", "OBS", "--datum", "mars2"],
        ["check", "OBS", "--datum", "gk3"],
        ["check", "OBS", "--tolerance", "-5"],
        ["check", "OBS", "--report", "out.txt"],
        ["here", "not a place"],
        ["goto", "105.7", "--datum", "wgs84"],
    ],
)
def test_bad_input_exits_2_with_message_and_writes_nothing(tmp_path, registry, capsys, argv):
    obs = write_obs(tmp_path / "obs.csv")
    argv = [str(obs) if a == "OBS" else a for a in argv]
    assert main.main(argv) == 2
    assert "error" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv"]


def test_goto_prints_all_datums(capsys):
    assert main.main(["goto", "29°41′24″N 105°42′E"]) == 0
    out = capsys.readouterr().out
    assert "105.7000000, 29.6900000" in out and "GK3-35" in out and "GCJ02" in out


def test_here_reports_district_from_bundle(capsys):
    assert main.main(["here", "105.7,29.69", "--projects", "0"]) == 0
    out = capsys.readouterr().out
    assert "大足区" in out and "经济圈内" in out


def test_check_against_corrected_registry_in_edits_file(tmp_path, registry, capsys):
    from geodata.fieldcheck.edits import EditStore

    edits = tmp_path / "mine.gpkg"
    EditStore(edits, registry).move("P001", 105.8187, 29.7477, "GPS", who="t")  # ~970 m east
    obs = write_obs(tmp_path / "obs.csv")
    out = tmp_path / "r.csv"
    assert main.main(["check", str(obs), "--datum", "gcj02", "--edits", str(edits), "--report", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        first = next(csv.DictReader(fh))
    assert first["status"] == "flagged" and float(first["distance_m"]) > 900
    assert main.main(["check", str(obs), "--edits", str(tmp_path / "none.gpkg")]) == 2


def test_check_table_shows_a_name_tie_in_a_note_column(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps to the terminal width; keep each row on one line
    # Real registry: 大足石刻站 is in two registered names at the same place; the table says so.
    obs = tmp_path / "obs.csv"
    obs.write_text("id,name,lon,lat\n1,大足石刻站,105.8,29.755\n2,广阳岛,106.7,29.6\n", encoding="utf-8")
    assert main.main(["check", str(obs), "--lang", "en", "--report", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "note" in out and "name tie among 2" in out and "名称并列" not in out
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert "dz-station-square" in rows[0]["match_note"] and rows[1]["match_note"] == ""


def test_here_far_from_the_region_says_outside_and_lists_no_far_away_project(capsys):
    assert main.main(["here", "0,0"]) == 0
    out = capsys.readouterr().out
    assert "不在四川省、重庆市境内" in out and "距经济圈边界约" in out
    assert "附近项目：50 km 内没有" in out and "11," in out  # ~11,000 km to the circle
    assert not any(line.startswith("  ") for line in out.splitlines())  # no project rows


def test_here_and_check_speak_english_under_an_english_locale(tmp_path, registry, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main.main(["here", "105.7,29.69", "--projects", "0"]) == 0
    assert "Inside the Chengdu–Chongqing economic circle" in capsys.readouterr().out
    assert main.main(["check", str(write_obs(tmp_path / "obs.csv"))]) == 0
    out = capsys.readouterr().out
    assert "符合" not in out and "status" in out
    assert main.main(["here", "105.7,29.69", "--projects", "0", "--lang", "zh"]) == 0  # --lang beats the locale
    assert "经济圈内" in capsys.readouterr().out


def test_errors_are_both_languages_by_default_and_one_with_lang(tmp_path, capsys):
    missing = tmp_path / "none.csv"
    assert main.main(["check", str(missing)]) == 2
    assert capsys.readouterr().err == f"错误 / error: 文件不存在：{missing} / file not found: {missing}\n"
    assert main.main(["check", str(missing), "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"error: file not found: {missing}\n"
    assert main.main(["goto", "29.6 N, 29.7 N", "--lang", "zh"]) == 2
    assert capsys.readouterr().err == "错误: 两个值都是纬度：'29.6 N, 29.7 N'\n"


def test_goto_note_in_the_chosen_language(capsys):
    assert main.main(["goto", "105.7,29.69", "--datum", "cgcs2000", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "CGCS2000 ≈ WGS84 (cm-level) at this accuracy" and "厘米级" not in out

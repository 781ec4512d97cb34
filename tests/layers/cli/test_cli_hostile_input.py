"""User data never controls the terminal and bad numbers never pass: `check`, `import`, `layers`
print names as text (rich markup escaped, escape codes stripped), refuse damaged observation
files in one line, and refuse non-finite or negative numbers in every numeric option."""
from __future__ import annotations

import csv
import sqlite3

import geopandas as gpd
import pytest
import shapely

import main

HOSTILE = ["[/x]", "[bold red]boom", "\x1b]0;pwned\x07title", "\x1b[2J\x1b[31mred\x1b[0m", ":thumbs_up:", "\u202eevil",
           "a\rb", "tab\there"]


@pytest.fixture(autouse=True)
def wide_c_locale(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "300")


def _no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\r" not in text
    assert "👍" not in text  # :thumbs_up: stays text, no emoji


def test_check_prints_hostile_names_as_text(tmp_path, capsys):
    obs = tmp_path / "obs.csv"
    with open(obs, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerows([["id", "name", "lon", "lat"], *([f"O{i}", name, f"105.7{i}", "29.7"] for i, name in enumerate(HOSTILE))])
    assert main.main(["check", str(obs), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    _no_control(out)
    assert "[/x]" in out and "[bold red]boom" in out and ":thumbs_up:" in out and "title" in out


def test_check_reads_utf16_with_a_byte_order_mark(tmp_path, capsys):
    obs = tmp_path / "obs.csv"
    obs.write_text("编号,名称,经度,纬度\nO1,宝顶山,105.8088,29.7478\n", encoding="utf-16")
    assert main.main(["check", str(obs), "--lang", "zh"]) == 0
    assert "宝顶山" in capsys.readouterr().out


@pytest.mark.parametrize("content,message", [
    ("id,name,lon,lat\nO1," + "x" * 140_000 + ",105.7,29.7\n", "line 2"),
    (",".join(f"c{i}" for i in range(20_000)) + ",lon,lat\n", "more than the limit of 16,384"),
    ("id,name,lon,lat\nO1,a\0b,105.7,29.7\n", "NUL bytes"),
    ("id,name,lon,lat\nO1,a,nan,29.7\n", "line 2"),
    ("id,name,lon,lat\nO1,a,105.7,inf\n", "line 2"),
    ("id,name,lon,lat\nO1,a,1e308,29.7\n", "out of range"),
    ("id,name,lon,lat\nO1,a,\x1b[31m105,29\n", "line 2"),
])
def test_check_refuses_damaged_observation_files_in_one_line(tmp_path, capsys, content, message):
    obs = tmp_path / "obs.csv"
    obs.write_text(content, encoding="utf-8")
    assert main.main(["check", str(obs), "--report", str(tmp_path / "r.csv")]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("错误 / error:") and len(err.splitlines()) == 1 and message in err
    assert "Traceback" not in err and not captured.out
    _no_control(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv"]


def test_check_refuses_a_gpx_waypoint_that_is_not_a_coordinate(tmp_path, capsys):
    gpx = tmp_path / "obs.gpx"
    gpx.write_text('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
                   '<wpt lat="29.7" lon="105.7"><name>a</name></wpt><wpt lat="nan" lon="105.7"/></gpx>', encoding="utf-8")
    assert main.main(["check", str(gpx)]) == 2
    assert "waypoints 2" in capsys.readouterr().err


def test_a_long_check_prints_at_most_1000_rows_and_says_so(tmp_path, capsys):
    obs = tmp_path / "obs.csv"
    obs.write_text("id,name,lon,lat\n" + "".join(f"O{i},,103.{i % 1000:03d},31.0\n" for i in range(1500)), encoding="utf-8")
    assert main.main(["check", str(obs), "--lang", "en", "--report", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "O999 " in out and "O1000 " not in out and "500 more rows not shown (--report writes them all)" in out
    assert len((tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()) == 1501


@pytest.mark.parametrize("argv,option", [
    (["check", "OBS", "--tolerance", "nan"], "--tolerance"),
    (["check", "OBS", "--tolerance", "inf"], "--tolerance"),
    (["check", "OBS", "--tolerance", "0"], "--tolerance"),
    (["check", "OBS", "--radius", "nan"], "--radius"),
    (["check", "OBS", "--radius", "-1"], "--radius"),
    (["check", "OBS", "--radius", "1e999"], "--radius"),
    (["here", "105.7,29.69", "-n", "-1"], "-n/--projects"),
    (["here", "105.7,29.69", "--zone", "0"], "--zone"),
    (["goto", "105.7,29.69", "--zone", "nan"], "--zone"),
    (["import", "OBS", "--bbox", "nan,0,1,1"], "--bbox"),
    (["import", "OBS", "--bbox", "106,29,105,30"], "--bbox"),
    (["export", "OUT.png", "--dpi", "nan"], "--dpi"),
])
def test_numeric_options_refuse_non_finite_and_negative_numbers(tmp_path, capsys, argv, option):
    obs = tmp_path / "obs.csv"
    obs.write_text("id,name,lon,lat\nO1,a,105.7,29.7\n", encoding="utf-8")
    argv = [str(obs) if a == "OBS" else str(tmp_path / "out.png") if a == "OUT.png" else a for a in argv]
    assert main.main(argv) == 2
    err = capsys.readouterr().err
    assert option in err and "error" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv"]


def test_import_report_and_layer_list_strip_escape_codes(tmp_path, capsys):
    csv = tmp_path / "pts.csv"
    csv.write_text("经度,纬度,\x1b]0;pwned\x07备注\n105.7,29.7,a\n", encoding="utf-8")
    assert main.main(["import", str(csv), "--lang", "en"]) == 0
    _no_control(capsys.readouterr().out)
    gpkg = tmp_path / "layers.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(105.7, 29.7)], crs=4326).to_file(gpkg, layer="\x1b[2J[/x]")
    assert main.main(["import", str(gpkg), "--list-layers"]) == 0
    out = capsys.readouterr().out
    _no_control(out)
    assert "[2J[/x]" not in out and "[/x]" in out
    assert main.main(["layers", "--path", str(gpkg)]) == 0
    _no_control(capsys.readouterr().out)


def test_layers_of_a_damaged_file_is_an_error_not_markup(tmp_path, capsys):
    bad = tmp_path / "[red]x[red].gpkg"
    sqlite3.connect(bad).execute("CREATE TABLE t (a)").connection.close()
    assert main.main(["layers", "--path", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误 / error:") and "[red]x[red].gpkg" in err and len(err.splitlines()) == 1

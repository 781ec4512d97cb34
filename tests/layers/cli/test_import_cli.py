"""`python main.py import`: prints the report, saves with --out, bad input -> stderr, exit 2, no file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

import main

ROOT = Path(__file__).resolve().parents[3]


def test_import_csv_to_gpkg_prints_report_and_writes(tmp_path, capsys):
    src = tmp_path / "sites.csv"
    src.write_text("名称,经度,纬度\n大足,105.7208,29.7075\n", encoding="utf-8")
    out = tmp_path / "out.gpkg"
    assert main.main(["import", str(src), "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "assumed WGS84" in printed and printed.startswith("sites.csv: 1 feature\n")
    assert list(gpd.read_file(out)["名称"]) == ["大足"]


def test_bad_input_exits_2_with_message_and_writes_nothing(tmp_path):
    src = tmp_path / "broken.gpkg"
    src.write_bytes(b"not a geopackage at all")
    out = tmp_path / "out.gpkg"
    proc = subprocess.run([sys.executable, "main.py", "import", str(src), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == ("错误 / error: broken.gpkg 不是有效的 GeoPackage 文件（内容不符或已损坏） / is not a valid "
                           "GeoPackage file (wrong extension, corrupt or truncated)\n")
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_datum_option_converts_gcj02(tmp_path, capsys):
    from geodata.coords.datums import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(105.7208, 29.7075)
    src = tmp_path / "amap.csv"
    src.write_text(f"name,lng,lat\nA,{gx},{gy}\n", encoding="utf-8")
    out = tmp_path / "w.geojson"
    assert main.main(["import", str(src), "--datum", "gcj02", "--out", str(out), "--lang", "en"]) == 0
    p = gpd.read_file(out).geometry[0]
    assert abs(p.x - 105.7208) < 1e-6 and abs(p.y - 29.7075) < 1e-6
    assert "coordinates converted from GCJ-02 (Amap/Gaode, Tencent) to WGS84 with prcoords" in capsys.readouterr().out


def test_list_layers_and_missing_layer_choice(tmp_path, capsys):
    gpkg = tmp_path / "two.gpkg"
    g = gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([105.7], [29.7]), crs=4326)
    g.to_file(gpkg, layer="alpha")
    g.to_file(gpkg, layer="beta")
    assert main.main(["import", str(gpkg), "--list-layers"]) == 0
    assert capsys.readouterr().out.split() == ["alpha", "beta"]
    assert main.main(["import", str(gpkg)]) == 2
    assert "--layer" in capsys.readouterr().err


def test_file_without_crs_suggests_regional_crs_on_stderr(tmp_path, capsys):
    shp = tmp_path / "utm.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([105.72], [29.70]), crs=4326).to_crs(32648).to_file(shp)
    shp.with_suffix(".prj").unlink()
    assert main.main(["import", str(shp), "--out", str(tmp_path / "o.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "EPSG:32648" in err and "--crs" in err
    assert not (tmp_path / "o.gpkg").exists()
    assert main.main(["import", str(shp), "--crs", "EPSG:32648", "--out", str(tmp_path / "o.gpkg")]) == 0
    assert abs(gpd.read_file(tmp_path / "o.gpkg").geometry[0].x - 105.72) < 1e-6


def test_report_follows_a_chinese_locale(tmp_path, capsys, monkeypatch):
    src = tmp_path / "sites.csv"
    src.write_text("名称,经度,纬度\n大足,105.7208,29.7075\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main.main(["import", str(src)]) == 0
    assert "按 WGS84（EPSG:4326）读取" in capsys.readouterr().out


def _sites(tmp_path):
    src = tmp_path / "sites.csv"
    src.write_text("名称,经度,纬度\n大足,105.7208,29.7075\n", encoding="utf-8")
    return src


@pytest.mark.parametrize("locale", ["C", "C.UTF-8", "POSIX"])
def test_report_is_chinese_under_a_c_locale_like_the_window(tmp_path, capsys, monkeypatch, locale):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", locale)
    assert main.main(["import", str(_sites(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "sites.csv：1 个要素"
    assert "按 WGS84（EPSG:4326）读取" in out


def test_english_report_counts_one_feature_in_the_singular(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert main.main(["import", str(_sites(tmp_path)), "--out", str(tmp_path / "o.gpkg")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "sites.csv: 1 feature" and lines[-1].startswith("saved ")
    assert main.main(["import", str(_sites(tmp_path)), "--lang", "zh"]) == 0  # --lang beats the locale
    assert capsys.readouterr().out.splitlines()[0] == "sites.csv：1 个要素"

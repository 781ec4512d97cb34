"""Saving layers: every format reopens with names and positions; the source is never overwritten
silently; shapefiles carry .cpg and .prj; a failed write leaves nothing behind."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.io.export_vector import ExportError, save_layer
from geodata.io.importer import import_file

NAMES = ["大足区", "资阳市"]


def points():
    return gpd.GeoDataFrame({"name_zh": NAMES, "themes": ["culture_tourism", "industry"], "year": [2023, 2024]},
                            geometry=[shapely.Point(105.7208, 29.7075), shapely.Point(104.6276, 30.1289)], crs=4326)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson", ".kml", ".csv"])
def test_each_format_reopens_with_names_and_positions(tmp_path, suffix):
    out = tmp_path / f"saved{suffix}"
    result = save_layer(points(), out)
    assert out.exists() and out in result.paths
    back = import_file(out).gdf
    assert list(back["name_zh"] if "name_zh" in back else back["Name"]) == NAMES
    positions = [(round(g.x, 4), round(g.y, 4)) for g in back.geometry]
    assert positions == [(105.7208, 29.7075), (104.6276, 30.1289)] and back.crs.to_epsg() == 4326
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name or p.name.startswith(".")]


def test_shapefile_has_utf8_cpg_and_wgs84_prj(tmp_path):
    out = tmp_path / "s.shp"
    save_layer(points(), out)
    assert out.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    assert "WGS" in out.with_suffix(".prj").read_text()
    assert {p.suffix for p in tmp_path.iterdir()} >= {".shp", ".shx", ".dbf", ".prj", ".cpg"}


def test_long_field_names_renamed_for_shapefile_are_reported(tmp_path):
    gdf = points().assign(a_very_long_field_name=[1, 2])
    result = save_layer(gdf, tmp_path / "long.shp")
    assert any("renamed" in line.text("en") and "a_very_long_field_name" in line.text("en") for line in result.report)


def test_refuses_to_overwrite_the_imported_source_unless_asked(tmp_path):
    src = tmp_path / "src.gpkg"
    save_layer(points(), src)
    imported = import_file(src).gdf
    before = src.read_bytes()
    with pytest.raises(ExportError, match="imported from"):
        save_layer(imported, src)
    assert src.read_bytes() == before
    save_layer(imported.iloc[:1], src, overwrite=True)
    assert len(import_file(src).gdf) == 1


def test_refuses_shapefile_source_by_any_of_its_parts(tmp_path):
    src = tmp_path / "src.shp"
    save_layer(points(), src)
    with pytest.raises(ExportError):
        save_layer(import_file(src).gdf, src)


def test_mixed_types_to_shapefile_is_refused_and_nothing_written(tmp_path):
    gdf = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(105, 29), shapely.LineString([(105, 29), (106, 30)])], crs=4326)
    with pytest.raises(ExportError, match="GeoPackage"):
        save_layer(gdf, tmp_path / "mixed.shp")
    assert list(tmp_path.iterdir()) == []
    save_layer(gdf, tmp_path / "mixed.gpkg")
    assert len(import_file(tmp_path / "mixed.gpkg").gdf) == 2


def test_csv_lonlat_for_points_and_wkt_for_lines(tmp_path):
    save_layer(points(), tmp_path / "p.csv")
    table = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert list(table.columns[-2:]) == ["lon", "lat"] and list(table["name_zh"]) == NAMES
    line = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.LineString([(105, 29), (106, 30)])], crs=4326)
    save_layer(line, tmp_path / "l.csv")
    assert pd.read_csv(tmp_path / "l.csv", encoding="utf-8-sig")["WKT"][0].startswith("LINESTRING")
    with pytest.raises(ExportError):
        save_layer(line, tmp_path / "x.csv", csv_geometry="lonlat")


def test_gcj02_export_shifts_coordinates_and_says_so(tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    result = save_layer(points(), tmp_path / "g.geojson", datum="gcj02")
    back = gpd.read_file(tmp_path / "g.geojson")
    gx, gy = wgs84_to_gcj02(105.7208, 29.7075)
    assert back.geometry[0].x == pytest.approx(gx, abs=1e-9) and back.geometry[0].y == pytest.approx(gy, abs=1e-9)
    assert any("GCJ02" in line.text("en") for line in result.report)
    assert import_file(tmp_path / "g.geojson", datum="gcj02").gdf.geometry[0].x == pytest.approx(105.7208, abs=1e-6)


def test_projected_input_is_saved_in_wgs84(tmp_path):
    save_layer(points().to_crs(4523), tmp_path / "w.gpkg")
    back = gpd.read_file(tmp_path / "w.gpkg")
    assert back.crs.to_epsg() == 4326 and back.geometry[0].x == pytest.approx(105.7208)


def test_unsupported_suffix_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="unsupported"):
        save_layer(points(), tmp_path / "x.dwg")


def test_saving_into_an_existing_geopackage_keeps_its_other_layers(tmp_path):
    import pyogrio

    out = tmp_path / "many.gpkg"
    save_layer(points(), out, layer_name="first")
    result = save_layer(points().iloc[:1], out, layer_name="second")
    assert sorted(str(n) for n, _ in pyogrio.list_layers(out)) == ["first", "second"]
    assert any("other layers kept" in line.text("en") for line in result.report)
    save_layer(points().iloc[:1], out, layer_name="first")  # same name: that layer is replaced
    assert len(gpd.read_file(out, layer="first")) == 1 and len(gpd.read_file(out, layer="second")) == 1


def test_saving_into_a_file_that_is_not_a_geopackage_changes_nothing(tmp_path):
    out = tmp_path / "fake.gpkg"
    out.write_bytes(b"not sqlite")
    with pytest.raises(ExportError):
        save_layer(points(), out)
    assert out.read_bytes() == b"not sqlite"

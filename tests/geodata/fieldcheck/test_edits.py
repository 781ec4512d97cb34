"""Location corrections: history with who/when/why, undo, atomic writes, bundle untouched."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from geodata.bundle import loader
from geodata.fieldcheck.edits import CORRECTED_LAYER, EDITS_TABLE, EditsError, EditStore, corrected_registry


@pytest.fixture()
def registry() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["P001", "P002"], "name_zh": ["大足石刻宝顶山", "天府广场"], "geometry_quality": ["schematic"] * 2},
        geometry=[Point(105.8087, 29.7477), Point(104.0657, 30.6595)], crs="EPSG:4326")


WHEN = datetime(2026, 11, 22, 8, 30, tzinfo=timezone.utc)


def test_move_is_recorded_with_who_when_old_new_and_reason_and_reopens(tmp_path, registry):
    path = tmp_path / "my_edits.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.8101, 29.7490, "GPS 实测：入口在北侧", who="张三", when=WHEN)
    reopened = EditStore(path, registry)
    (e,) = reopened.edits
    assert (e.project_id, e.action, e.who, e.when) == ("P001", "move", "张三", "2026-11-22T08:30:00+00:00")
    assert (e.old_lon, e.old_lat, e.new_lon, e.new_lat) == (105.8087, 29.7477, 105.8101, 29.7490)
    assert e.reason == "GPS 实测：入口在北侧"
    layer = corrected_registry(path).set_index("id")
    assert (layer.loc["P001"].geometry.x, layer.loc["P001"].geometry.y) == pytest.approx((105.8101, 29.7490))
    assert layer.loc["P001", "corrected"] == 1 and layer.loc["P001", "correction_reason"] == "GPS 实测：入口在北侧"
    assert layer.loc["P002", "corrected"] == 0
    assert (layer.loc["P001", "geometry_quality"], layer.loc["P002", "geometry_quality"]) == ("surveyed", "schematic")
    assert (layer.loc["P002"].geometry.x, layer.loc["P002"].geometry.y) == pytest.approx((104.0657, 30.6595))


def test_undo_restores_previous_position_and_keeps_both_records(tmp_path, registry):
    path = tmp_path / "e.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.81, 29.75, "first", who="a")
    store.move("P001", 105.82, 29.76, "second", who="a")
    undo = store.undo("P001", who="b")
    assert undo.action == "undo" and undo.undoes == 2
    assert store.position("P001") == (105.81, 29.75)
    store.undo()
    assert store.position("P001") == (105.8087, 29.7477)
    assert not store.can_undo()
    with pytest.raises(EditsError, match="nothing to undo"):
        store.undo()
    reopened = EditStore(path, registry)
    assert [e.action for e in reopened.edits] == ["move", "move", "undo", "undo"]
    assert corrected_registry(path).set_index("id").loc["P001", "corrected"] == 0


def test_other_layers_of_the_users_file_are_kept(tmp_path, registry):
    path = tmp_path / "mine.gpkg"
    gpd.GeoDataFrame({"note": ["my survey"]}, geometry=[Point(105, 30)], crs="EPSG:4326").to_file(path, layer="survey")
    EditStore(path, registry).move("P002", 104.066, 30.66, "checked")
    names = {str(n) for n, _ in pyogrio.list_layers(path)}
    assert names == {"survey", EDITS_TABLE, CORRECTED_LAYER}
    assert gpd.read_file(path, layer="survey")["note"].tolist() == ["my survey"]


def test_failed_write_leaves_file_and_store_unchanged(tmp_path, registry, monkeypatch):
    path = tmp_path / "e.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.81, 29.75, "ok")
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", boom)
    with pytest.raises(OSError, match="disk full"):
        store.move("P001", 105.9, 29.8, "will fail")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert len(store.edits) == 1 and store.position("P001") == (105.81, 29.75)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.gpkg"]


def test_bundle_is_refused_and_reasons_and_ids_are_required(tmp_path, registry):
    with pytest.raises(EditsError, match="never modified"):
        EditStore(loader.BUNDLE_PATH, registry)
    with pytest.raises(EditsError, match=".gpkg"):
        EditStore(tmp_path / "edits.csv", registry)
    store = EditStore(tmp_path / "e.gpkg", registry)
    with pytest.raises(EditsError, match="reason"):
        store.move("P001", 105.8, 29.7, "  ")
    with pytest.raises(EditsError, match="no project"):
        store.move("P999", 105.8, 29.7, "x")
    with pytest.raises(EditsError, match="out of range"):
        store.move("P001", 305.8, 29.7, "x")
    assert not (tmp_path / "e.gpkg").exists()


def test_missing_corrected_layer_is_reported(tmp_path):
    path = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(105, 30)], crs="EPSG:4326").to_file(path, layer="x")
    with pytest.raises(EditsError, match="projects_corrected"):
        corrected_registry(path)

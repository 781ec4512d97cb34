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
    from geodata.fieldcheck import gpkg_sql

    path = tmp_path / "e.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.81, 29.75, "ok")
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    # the edit row is already inserted when updating the corrected point fails: the transaction rolls back
    monkeypatch.setattr(gpkg_sql, "update_corrected", boom)
    with pytest.raises(OSError, match="disk full"):
        store.move("P001", 105.9, 29.8, "will fail")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert len(store.edits) == 1 and store.position("P001") == (105.81, 29.75)
    assert len(EditStore(path, registry).edits) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.gpkg"]
    # creating a new file that fails leaves nothing behind
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", boom)
    with pytest.raises(OSError, match="disk full"):
        EditStore(tmp_path / "new.gpkg", registry).move("P001", 105.9, 29.8, "will fail")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.gpkg"]


def test_base_registry_or_edit_id_refuses_a_stale_correction_naming_who_and_when(tmp_path, registry):
    from geodata.fieldcheck.edits import REGISTRY_BASE, EditConflict

    path = tmp_path / "team.gpkg"
    alice, bob = EditStore(path, registry), EditStore(path, registry)  # two people, one shared file
    first = alice.move("P001", 105.81, 29.75, "GPS", who="alice", base=REGISTRY_BASE)
    assert (first.edit_id, first.base) == (1, REGISTRY_BASE)
    with pytest.raises(EditConflict) as info:
        bob.move("P001", 105.70, 29.70, "my GPS", who="bob", base=REGISTRY_BASE)
    assert info.value.winner.who == "alice" and "alice" in str(info.value) and first.when in str(info.value)
    with pytest.raises(EditConflict):  # bob's view is stale: the default base is what he last saw
        bob.move("P001", 105.70, 29.70, "my GPS", who="bob")
    assert bob.refresh() and bob.position("P001") == (105.81, 29.75)  # refresh shows alice's correction
    second = bob.move("P001", 105.70, 29.70, "my GPS", who="bob", base=first.edit_id)
    assert (second.base, second.old_lon, second.old_lat) == (1, 105.81, 29.75)
    assert bob.move("P002", 104.07, 30.66, "other project", who="bob", base=REGISTRY_BASE).edit_id == 3
    reopened = EditStore(path, registry)
    assert [(e.edit_id, e.who, e.base) for e in reopened.edits] == [(1, "alice", 0), (2, "bob", 1), (3, "bob", 0)]
    layer = corrected_registry(path).set_index("id")
    assert (layer.loc["P001"].geometry.x, layer.loc["P001", "corrected_by"]) == (105.70, "bob")


def test_concurrent_writers_on_one_geopackage_lose_no_update(tmp_path, registry):
    import threading

    from geodata.fieldcheck.edits import REGISTRY_BASE, EditConflict

    path = tmp_path / "team.gpkg"
    EditStore(path, registry).move("P002", 104.07, 30.66, "create the file", who="setup")
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def correct(k: int) -> None:
        store = EditStore(path, registry)
        start.wait()
        try:
            store.move("P001", 105.8 + k / 1000, 29.75, f"try {k}", who=f"w{k}", base=REGISTRY_BASE)
            outcomes.append("won")
        except EditConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=correct, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["won"]
    assert [e.project_id for e in EditStore(path, registry).edits] == ["P002", "P001"]


def test_the_corrected_layers_spatial_index_follows_a_move(tmp_path, registry):
    path = tmp_path / "e.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.9, 29.9, "first")  # creates the file
    store.move("P001", 106.5, 29.5, "then far away")  # updated in place, through GDAL's R-tree triggers
    near_new = gpd.read_file(path, layer=CORRECTED_LAYER, bbox=(106.4, 29.4, 106.6, 29.6))
    near_old = gpd.read_file(path, layer=CORRECTED_LAYER, bbox=(105.85, 29.85, 105.95, 29.95))
    assert near_new["id"].tolist() == ["P001"] and near_old.empty


def test_a_file_written_before_bases_were_stored_still_takes_corrections(tmp_path, registry):
    path = tmp_path / "old.gpkg"
    store = EditStore(path, registry)
    store.move("P001", 105.81, 29.75, "old")
    old = store.history().drop(columns="base")  # as an earlier version wrote it
    pyogrio.write_dataframe(old, path, layer=EDITS_TABLE, driver="GPKG")
    reopened = EditStore(path, registry)
    assert reopened.head("P001") == 1 and reopened.edits[0].base == 0
    assert reopened.move("P001", 105.82, 29.76, "new", base=1).edit_id == 2


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

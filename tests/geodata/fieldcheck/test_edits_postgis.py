"""The corrections log on a real PostGIS server: shared by several editors, optimistic concurrency
decided by the database, an append-only audit table, read-only roles that view but never write."""
from __future__ import annotations

import threading

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Point

from geodata.fieldcheck import edits_postgis
from geodata.fieldcheck.edits import REGISTRY_BASE, EditConflict, EditsError, EditsReadOnly, corrected_registry, open_edit_store
from geodata.fieldcheck.edits_postgis import PostgisEditStore
from tests.postgis_cluster import EDITOR_PASSWORD, VIEWER_PASSWORD


@pytest.fixture()
def registry() -> gpd.GeoDataFrame:
    ids = [f"P{k:03d}" for k in range(1, 9)]
    return gpd.GeoDataFrame({"id": ids, "name_zh": ids, "geometry_quality": ["schematic"] * len(ids)},
                            geometry=[Point(105.8 + k / 100, 29.7) for k in range(len(ids))], crs="EPSG:4326")


@pytest.fixture()
def target(postgis_server, request):
    """A fresh corrections table for each test, in schema `field` (owned by editor, readable by viewer)."""
    table = "t_" + request.node.name.replace("[", "_").replace("]", "").lower()[:40]
    postgis_server.sql(f"DROP TABLE IF EXISTS field.{table} CASCADE")
    return postgis_server.url(fragment=f"field.{table}"), f"field.{table}"


def _rows(server, table: str) -> list[tuple]:
    with psycopg.connect(server.admin_url()) as conn:
        return conn.execute(f"SELECT edit_id, project_id, who, base_edit_id, db_role FROM {table} ORDER BY edit_id").fetchall()


def test_a_correction_lands_in_the_audit_table_and_others_see_it_on_refresh(postgis_server, target, registry):
    url, table = target
    alice, bob = PostgisEditStore(url, registry), open_edit_store(url, registry)
    assert isinstance(bob, PostgisEditStore) and bob.edits == []  # no table yet: the registry as it is
    edit = alice.move("P001", 105.8101, 29.7490, "GPS at the gate", who="张三")
    assert (edit.edit_id, edit.base, edit.who) == (1, REGISTRY_BASE, "张三") and edit.when.endswith("+00:00")
    assert _rows(postgis_server, table) == [(1, "P001", "张三", 0, "editor")]
    assert bob.position("P001") == (105.8, 29.7)  # bob has not looked again yet
    bob.refresh()
    assert bob.position("P001") == (105.8101, 29.7490)
    layer = bob.corrected().set_index("id")
    assert layer.loc["P001", "corrected"] == 1 and layer.loc["P001", "geometry_quality"] == "surveyed"
    assert layer.loc["P001", "corrected_by"] == "张三" and layer.loc["P002", "corrected"] == 0
    with psycopg.connect(postgis_server.admin_url()) as conn:  # the row carries a point other tools can draw
        wkt = conn.execute(f"SELECT ST_AsText(geom), ST_SRID(geom) FROM {table}").fetchone()
    assert wkt == ("POINT(105.8101 29.749)", 4326)
    undo = bob.undo("P001", who="李四")
    assert (undo.action, undo.undoes, undo.base) == ("undo", 1, 1) and alice.refresh()[-1].who == "李四"
    assert alice.position("P001") == (105.8, 29.7)


def test_two_corrections_from_one_base_one_wins_the_other_names_who_and_when(postgis_server, target, registry):
    url, table = target
    alice, bob = PostgisEditStore(url, registry), PostgisEditStore(url, registry)
    won = alice.move("P001", 105.81, 29.75, "GPS", who="alice", base=REGISTRY_BASE)
    with pytest.raises(EditConflict) as info:
        bob.move("P001", 105.70, 29.70, "my GPS", who="bob", base=REGISTRY_BASE)
    assert info.value.winner == won and "alice" in str(info.value) and won.when in str(info.value)
    with pytest.raises(EditConflict):  # bob's default base is what he saw: still the registry
        bob.move("P001", 105.70, 29.70, "my GPS", who="bob")
    assert [r[:3] for r in _rows(postgis_server, table)] == [(1, "P001", "alice")]
    second = bob.move("P001", 105.70, 29.70, "my GPS", who="bob", base=won.edit_id)
    assert (second.base, second.old_lon, second.old_lat) == (won.edit_id, 105.81, 29.75)


def test_the_database_decides_when_both_pass_the_check_at_the_same_moment(postgis_server, target, registry,
                                                                          monkeypatch):
    url, table = target
    PostgisEditStore(url, registry).move("P008", 105.9, 29.7, "make the table", who="setup")
    both_checked = threading.Barrier(2, timeout=20)
    original = edits_postgis.head_conflict

    def check_then_wait(*args):  # both editors pass the head check before either inserts
        original(*args)
        both_checked.wait()

    monkeypatch.setattr(edits_postgis, "head_conflict", check_then_wait)
    outcomes: dict[str, object] = {}

    def correct(who: str) -> None:
        try:
            outcomes[who] = PostgisEditStore(url, registry).move("P001", 105.81, 29.75, "GPS", who=who,
                                                                 base=REGISTRY_BASE)
        except EditConflict as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=correct, args=(who,)) for who in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conflicts = [v for v in outcomes.values() if isinstance(v, EditConflict)]
    assert len(conflicts) == 1, outcomes  # the UNIQUE (project_id, base_edit_id) constraint refused one
    winner = next(k for k, v in outcomes.items() if not isinstance(v, EditConflict))
    assert conflicts[0].winner.who == winner and winner in str(conflicts[0])
    assert [r[1:3] for r in _rows(postgis_server, table)] == [("P008", "setup"), ("P001", winner)]


def test_many_editors_on_different_projects_all_land(postgis_server, target, registry):
    url, table = target
    PostgisEditStore(url, registry).move("P008", 105.9, 29.7, "make the table", who="setup")
    start = threading.Barrier(7, timeout=20)
    errors: list[BaseException] = []

    def correct(k: int) -> None:
        store = PostgisEditStore(url, registry)
        start.wait()
        try:
            store.move(f"P00{k}", 105.8 + k / 100, 29.8, "GPS", who=f"editor{k}", base=REGISTRY_BASE)
        except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
            errors.append(exc)

    threads = [threading.Thread(target=correct, args=(k,)) for k in range(1, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r[1] for r in _rows(postgis_server, table)) == [f"P00{k}" for k in range(1, 9)]


def test_the_audit_table_is_append_only_even_for_its_owner_and_a_superuser(postgis_server, target, registry):
    url, table = target
    PostgisEditStore(url, registry).move("P001", 105.81, 29.75, "GPS", who="alice")
    for who in (postgis_server.url(), postgis_server.admin_url()):  # editor owns the table; admin is superuser
        with psycopg.connect(who, autocommit=True) as conn:
            for statement in (f"UPDATE {table} SET who = 'mallory'", f"DELETE FROM {table}", f"TRUNCATE {table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    conn.execute(statement)
    assert [r[2] for r in _rows(postgis_server, table)] == ["alice"]


def test_a_read_only_role_views_and_checks_but_a_correction_writes_nothing(postgis_server, target, registry):
    url, table = target
    viewer_url = postgis_server.url("viewer", VIEWER_PASSWORD, fragment=table)
    with pytest.raises(EditsReadOnly, match="viewer"):  # no table yet, and viewer may not make one
        PostgisEditStore(viewer_url, registry).move("P001", 105.81, 29.75, "GPS", who="v")
    PostgisEditStore(url, registry).move("P001", 105.81, 29.75, "GPS", who="alice")
    viewer = PostgisEditStore(viewer_url, registry)
    assert [e.who for e in viewer.edits] == ["alice"]
    assert viewer.corrected().set_index("id").loc["P001", "corrected"] == 1
    with pytest.raises(EditsReadOnly) as info:
        viewer.move("P002", 105.9, 29.8, "GPS", who="v")
    assert "\n" not in str(info.value) and "may view and check" in str(info.value)
    assert [r[2] for r in _rows(postgis_server, table)] == ["alice"]
    with pytest.raises(EditsError):
        viewer.undo("P001", who="v")
    assert len(_rows(postgis_server, table)) == 1


def test_corrected_registry_of_a_postgis_target_applies_its_edits_to_the_bundle(postgis_server, target):
    url, _ = target
    store = PostgisEditStore(url)  # the bundled registry
    pid = str(store.registry["id"].iloc[0])
    store.move(pid, 105.75, 29.72, "GPS", who="alice")
    layer = corrected_registry(url).set_index("id")
    assert (layer.loc[pid].geometry.x, layer.loc[pid].geometry.y) == (105.75, 29.72)
    assert len(layer) == len(store.registry)


def test_an_unreachable_store_or_one_without_postgis_is_one_line_without_the_password(postgis_server):
    down = postgis_server.url().replace(f":{postgis_server.port}/", ":1/")
    for bad, words in ((down, "not running"), (postgis_server.url(db="plain"), "no PostGIS"),
                       (postgis_server.url(password="bad" + EDITOR_PASSWORD), "password authentication failed")):
        with pytest.raises(EditsError) as info:
            PostgisEditStore(bad)
        assert words in str(info.value) and "\n" not in str(info.value) and EDITOR_PASSWORD not in str(info.value)

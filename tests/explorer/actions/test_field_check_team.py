"""The field-check panel over a shared PostGIS corrections store (tests/postgis_cluster.py): two
windows are two team members; corrections of one appear in the other's after Refresh, a stale
correction is refused naming who got there first, a read-only role is refused, no password is kept."""
from __future__ import annotations

import geopandas as gpd
import psycopg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pyproj import Geod
from shapely.geometry import Point, box

from explorer.actions.field_check.corrections import CORRECTED_LAYER
from explorer.actions.field_check.store_dialog import EditsStoreDialog
from explorer.main_window import MainWindow
from geodata.io.postgis_source import PostgisSource
from layers.model.document import MapDocument, MapLayer
from tests.postgis_cluster import EDITOR_PASSWORD, VIEWER_PASSWORD

GEOD = Geod(ellps="WGS84")
REGISTRY = [("P001", "大足石刻宝顶山", 105.8087, 29.7477), ("P002", "天府广场", 104.0657, 30.6595)]


def make_window(qtbot, tmp_path, who: str) -> MainWindow:
    districts = gpd.GeoDataFrame({"name_zh": ["大足", "成都"], "adcode": ["1", "2"], "in_circle": [1, 1],
                                  "partial": [0, 0], "province_adcode": ["50", "51"], "province_zh": ["重庆市", "四川省"],
                                  "city_adcode": ["50", "5101"], "city_zh": ["重庆市", "成都市"]},
                                 geometry=[box(105.6, 29.6, 106.0, 29.9), box(103.9, 30.5, 104.2, 30.8)], crs=4326)
    projects = gpd.GeoDataFrame({"id": [r[0] for r in REGISTRY], "name_zh": [r[1] for r in REGISTRY],
                                 "status": ["planned"] * 2, "themes": ["culture_tourism"] * 2},
                                geometry=[Point(r[2], r[3]) for r in REGISTRY], crs=4326)
    doc = MapDocument(layers=[MapLayer(name="districts", data=districts), MapLayer(name="projects", data=projects)])
    settings = QSettings(str(tmp_path / f"{who}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(document=doc, settings=settings)
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.field_check_panel.editor = who
    return win


@pytest.fixture()
def obs_file(tmp_path):
    lines = ["编号,名称,经度,纬度"]
    for pid, name, lon, lat in REGISTRY:
        lon2, lat2, _ = GEOD.fwd(lon, lat, 60.0, 500.0)
        lines.append(f"{pid},{name},{lon2:.7f},{lat2:.7f}")
    path = tmp_path / "obs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def store_url(postgis_server, request):
    table = "w_" + request.node.name.lower()[:40]
    postgis_server.sql(f"DROP TABLE IF EXISTS field.{table} CASCADE")
    return postgis_server.url(password=None, fragment=f"field.{table}"), f"field.{table}"


@pytest.fixture()
def team(qtbot, tmp_path):
    alice, bob = make_window(qtbot, tmp_path, "张三"), make_window(qtbot, tmp_path, "李四")
    yield alice, bob
    for win in (alice, bob):
        win.field_check_panel.jobs.wait_idle(20000)
        win.canvas.shutdown()


def idle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)


def open_store(qtbot, win, url: str, password: str = EDITOR_PASSWORD) -> None:
    panel = win.field_check_panel
    panel.open_store(url, password=password)
    idle(qtbot, panel)
    assert panel.edit_store is not None, panel.store_errors


def check_and_select(qtbot, win, obs_file, row: int = 0) -> None:
    panel = win.field_check_panel
    with qtbot.waitSignal(panel.result_ready, timeout=20000):
        panel.run_check(str(obs_file), "wgs84", 200)
    idle(qtbot, panel)
    panel.table.selectRow(row)


def rows(server, table: str) -> list[tuple]:
    with psycopg.connect(server.admin_url()) as conn:
        return conn.execute(f"SELECT project_id, who, base_edit_id, db_role FROM {table} ORDER BY edit_id").fetchall()


def listed(panel) -> list[tuple[str, str, str]]:
    items = [panel.edits_list.topLevelItem(i) for i in range(panel.edits_list.topLevelItemCount())]
    return [(it.text(1), it.text(2), it.text(4)) for it in items]


def test_a_correction_by_one_member_appears_in_the_others_panel_after_refresh(qtbot, team, store_url, obs_file,
                                                                              postgis_server):
    alice, bob = team
    url, table = store_url
    open_store(qtbot, alice, url)
    open_store(qtbot, bob, url)
    assert listed(bob.field_check_panel) == [] and CORRECTED_LAYER not in bob.document
    check_and_select(qtbot, alice, obs_file)
    alice.field_check_panel.correct_selected(reason="实地 GPS 复核")
    idle(qtbot, alice.field_check_panel)
    edit = alice.field_check_panel.last_edit
    assert (edit.project_id, edit.who, edit.base) == ("P001", "张三", 0)
    assert rows(postgis_server, table) == [("P001", "张三", 0, "editor")]

    assert listed(bob.field_check_panel) == []  # bob has not looked again yet
    bob.field_check_panel.refresh_store()
    idle(qtbot, bob.field_check_panel)
    assert listed(bob.field_check_panel) == [("P001", "张三", "实地 GPS 复核")]
    moved = bob.document.layer(CORRECTED_LAYER).data.set_index("id").loc["P001"].geometry
    assert (moved.x, moved.y) == pytest.approx((edit.new_lon, edit.new_lat))
    assert bob.document.layer("projects").visible is False  # the corrected copy is what the map shows
    assert bob.field_check_panel.store_label.text() == f"修正存储：{url}（1 条修正）"
    bob.show()
    bob.field_check_panel.dock.show()
    bob.field_check_panel.dock.raise_()
    qtbot.waitExposed(bob)
    bob.grab().save("/tmp/field_check_team.png")
    # bob undoes it (an undo is a new row, made on alice's edit); alice sees the registry position again
    bob.field_check_panel.undo_correction()
    idle(qtbot, bob.field_check_panel)
    undo = bob.field_check_panel.last_edit
    assert (undo.action, undo.who, undo.undoes, undo.base) == ("undo", "李四", edit.edit_id, edit.edit_id)
    alice.field_check_panel.refresh_store()
    idle(qtbot, alice.field_check_panel)
    back = alice.document.layer(CORRECTED_LAYER).data.set_index("id").loc["P001"].geometry
    assert (back.x, back.y) == pytest.approx(REGISTRY[0][2:])
    assert [r[:2] for r in rows(postgis_server, table)] == [("P001", "张三"), ("P001", "李四")]


def test_a_stale_correction_is_refused_naming_who_changed_it_and_theirs_is_shown(qtbot, team, store_url, obs_file,
                                                                                 postgis_server):
    alice, bob = team
    url, table = store_url
    for win in team:
        open_store(qtbot, win, url)
        check_and_select(qtbot, win, obs_file)
    alice.field_check_panel.correct_selected(reason="alice GPS")
    idle(qtbot, alice.field_check_panel)
    won = alice.field_check_panel.last_edit

    panel = bob.field_check_panel  # bob still sees the registry as P001's base
    panel.correct_selected(reason="bob GPS")
    idle(qtbot, panel)
    text = panel.store_errors[-1]
    assert "张三" in text and won.when in text and f"#{won.edit_id}" in text and "未写入" in text
    boxes = [b for b in panel.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == [text]
    assert rows(postgis_server, table) == [("P001", "张三", 0, "editor")]  # nothing of bob's written
    assert panel.last_edit is None
    # the store was re-read: alice's correction is on bob's map and in his list, and his refusal stays in view
    moved = bob.document.layer(CORRECTED_LAYER).data.set_index("id").loc["P001"].geometry
    assert (moved.x, moved.y) == pytest.approx((won.new_lon, won.new_lat))
    assert listed(panel) == [("P001", "张三", "alice GPS")] and "张三" in panel.summary.text()
    # now that bob has seen it, his correction is made on alice's edit
    panel.correct_selected(reason="bob GPS again")
    idle(qtbot, panel)
    assert (panel.last_edit.who, panel.last_edit.base) == ("李四", won.edit_id)


def test_a_read_only_role_gets_a_clear_refusal_and_nothing_is_written(qtbot, team, store_url, obs_file,
                                                                      postgis_server, tmp_path):
    alice, viewer = team
    url, table = store_url
    open_store(qtbot, alice, url)
    check_and_select(qtbot, alice, obs_file)
    alice.field_check_panel.correct_selected(reason="by the editor")
    idle(qtbot, alice.field_check_panel)
    viewer_url = url.replace("editor@", "viewer@")
    open_store(qtbot, viewer, viewer_url, VIEWER_PASSWORD)
    assert listed(viewer.field_check_panel) == [("P001", "张三", "by the editor")]  # viewers see corrections
    check_and_select(qtbot, viewer, obs_file, row=1)
    viewer.field_check_panel.correct_selected(reason="viewer tries")
    idle(qtbot, viewer.field_check_panel)
    text = viewer.field_check_panel.store_errors[-1]
    assert "viewer" in text and "nothing written" in text and "\n" not in text
    assert [b.windowTitle() for b in viewer.field_check_panel.findChildren(QMessageBox) if b.isVisible()] == ["只读"]
    assert rows(postgis_server, table) == [("P001", "张三", 0, "editor")]
    # a first correction that opens the store as it goes: refused the same way, and the store stays open
    fresh = make_window(qtbot, tmp_path, "viewer2")
    check_and_select(qtbot, fresh, obs_file, row=1)
    fresh.field_check_panel.open_store(viewer_url, password=VIEWER_PASSWORD,
                                       then=lambda store: store.move("P002", 104.07, 30.66, "viewer tries"))
    idle(qtbot, fresh.field_check_panel)
    assert fresh.field_check_panel.edit_store is not None and "viewer" in fresh.field_check_panel.store_errors[-1]
    assert rows(postgis_server, table) == [("P001", "张三", 0, "editor")]
    fresh.canvas.shutdown()


def test_a_wrong_password_is_one_line_and_the_panel_keeps_working(qtbot, team, store_url):
    alice, _ = team
    url, _table = store_url
    panel = alice.field_check_panel
    panel.open_store(url, password="wrong-one")
    idle(qtbot, panel)
    assert panel.edit_store is None
    text = panel.store_errors[-1]
    assert "password" in text and "\n" not in text and "wrong-one" not in text and "Traceback" not in text
    open_store(qtbot, alice, url)  # the right one works in the same window
    assert panel.edit_store.target.endswith(_table)


def test_no_password_in_settings_or_project_and_the_store_dialog_masks_it(qtbot, team, store_url, obs_file, tmp_path):
    alice, _ = team
    url, table = store_url
    open_store(qtbot, alice, url)
    check_and_select(qtbot, alice, obs_file)
    alice.field_check_panel.correct_selected(reason="GPS")
    idle(qtbot, alice.field_check_panel)
    alice.save_settings()
    alice.settings.sync()
    ini = open(alice.settings.fileName(), encoding="utf-8").read()
    assert table in ini and EDITOR_PASSWORD not in ini
    saved = alice.data_actions.save_project(tmp_path / "field.cyproj")
    text = saved.read_text(encoding="utf-8")
    assert EDITOR_PASSWORD not in text and CORRECTED_LAYER in text

    dialog = EditsStoreDialog(alice, alice.settings)  # offers the remembered store and name, no password
    qtbot.addWidget(dialog)
    assert dialog.use_postgis.isChecked() and dialog.table.text() == table and dialog.who.text() == "张三"
    assert dialog.connection.password.text() == ""
    dialog.connection.password.setText(EDITOR_PASSWORD)
    choice = dialog.choice()
    assert isinstance(choice.target, PostgisSource) and EDITOR_PASSWORD not in choice.target.public_url
    assert choice.target.fragment == table and choice.who == "张三"
    dialog.show()
    dialog.grab().save("/tmp/edits_store_dialog.png")


def test_showing_the_dock_again_reads_the_teams_corrections(qtbot, team, store_url, obs_file):
    alice, bob = team
    url, _table = store_url
    open_store(qtbot, alice, url)
    open_store(qtbot, bob, url)
    bob.show()
    qtbot.waitExposed(bob)
    bob.identify_dock.raise_()  # the field-check tab is hidden behind Identify
    check_and_select(qtbot, alice, obs_file)
    alice.field_check_panel.correct_selected(reason="while bob looked elsewhere")
    idle(qtbot, alice.field_check_panel)
    assert listed(bob.field_check_panel) == []
    bob.field_check_panel.dock.raise_()
    qtbot.waitUntil(lambda: listed(bob.field_check_panel) == [("P001", "张三", "while bob looked elsewhere")],
                    timeout=30000)


def test_a_project_refers_to_the_shared_store_and_reopens_it_with_the_teams_corrections(qtbot, tmp_path, store_url,
                                                                                       monkeypatch):
    from geodata.bundle.loader import load_layer

    url, table = store_url
    first = load_layer("projects").iloc[0]
    lon, lat = first.geometry.x + 0.003, first.geometry.y
    obs = tmp_path / "obs_bundle.csv"
    obs.write_text(f"编号,名称,经度,纬度\n{first['id']},{first['name_zh']},{lon:.7f},{lat:.7f}\n", encoding="utf-8")

    def bundle_window(who: str) -> MainWindow:
        doc = MapDocument.from_bundle(names=["districts", "projects"])
        win = MainWindow(document=doc, settings=QSettings(str(tmp_path / f"{who}.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.field_check_panel.editor = who
        return win

    alice = bundle_window("张三")
    open_store(qtbot, alice, url)
    check_and_select(qtbot, alice, obs)
    alice.field_check_panel.correct_selected(reason="GPS")
    idle(qtbot, alice.field_check_panel)
    assert alice.document.layer(CORRECTED_LAYER).data_ref == {"kind": "edits", "url": url}
    saved = alice.data_actions.save_project(tmp_path / "team.cyproj")
    assert EDITOR_PASSWORD not in saved.read_text(encoding="utf-8")

    monkeypatch.setenv("PGPASSWORD", EDITOR_PASSWORD)  # how libpq gets it when a project opens
    carol = bundle_window("王五")
    carol.data_actions.open_project(saved)
    assert carol.data_actions.wait_idle(60000)
    idle(qtbot, carol.field_check_panel)
    panel = carol.field_check_panel
    assert panel.edit_store is not None and panel.edit_store.target == url
    assert listed(panel) == [(first["id"], "张三", "GPS")]
    moved = carol.document.layer(CORRECTED_LAYER).data.set_index("id").loc[first["id"]].geometry
    assert (moved.x, moved.y) == pytest.approx((lon, lat), abs=1e-7)
    for win in (alice, carol):
        win.field_check_panel.jobs.wait_idle(20000)
        win.canvas.shutdown()

"""Layer → Add PostGIS layer… on a real server (tests/postgis_cluster.py): tables listed off the GUI
thread, a table added as a layer like a file import, one-line errors, no password kept anywhere."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox

from explorer.actions.postgis_dialog import LARGE_TABLE_ROWS
from geodata.coords.projection import lonlat_bounds_to_display
from tests.postgis_cluster import EDITOR_PASSWORD

# 大足石刻 in CGCS2000 3-degree Gauss–Krüger zone 35 (EPSG:4523): the engine tests' literal
GK35 = (35578226.403, 3292419.797, 105.8087, 29.7477)
SITES = [("大足石刻", 105.8087, 29.7477), ("天府广场", 104.0657, 30.6595), ("解放碑", 106.5775, 29.5577),
         ("资阳站", 104.6270, 30.1220)]


@pytest.fixture(scope="module")
def team_db(postgis_server):
    s = postgis_server
    s.sql("DROP SCHEMA IF EXISTS team CASCADE")
    s.sql("CREATE SCHEMA team")
    s.sql("GRANT USAGE ON SCHEMA team TO editor, viewer")
    s.sql("CREATE TABLE team.sites (id serial PRIMARY KEY, name_zh text, geom geometry(Point, 4326))")
    values = ", ".join(f"('{n}', ST_SetSRID(ST_MakePoint({x}, {y}), 4326))" for n, x, y in SITES)
    s.sql(f"INSERT INTO team.sites (name_zh, geom) VALUES {values}")
    s.sql("CREATE TABLE team.cgcs_sites (name_zh text, geom geometry(Point, 4490))")
    s.sql("INSERT INTO team.cgcs_sites SELECT name_zh, ST_SetSRID(geom, 4490) FROM team.sites")
    s.sql("CREATE TABLE team.gk35 (name_zh text, geom geometry(Point, 4523))")
    s.sql(f"INSERT INTO team.gk35 VALUES ('大足石刻', ST_SetSRID(ST_MakePoint({GK35[0]}, {GK35[1]}), 4523))")
    s.sql("GRANT SELECT ON ALL TABLES IN SCHEMA team TO editor, viewer")
    yield s
    s.sql("DROP SCHEMA team CASCADE")  # the server is the session's: other modules expect only their own tables


def listed(qtbot, window, url: str, password: str = ""):
    dialog = window.postgis_actions.open_dialog()
    dialog.form.address.setText(url)
    dialog.form.password.setText(password)
    with qtbot.waitSignal(dialog.tables_listed, timeout=30000):
        dialog.connect_button.click()
    return dialog


def test_the_dialog_lists_the_spatial_tables_with_type_and_srid(qtbot, window, team_db):
    dialog = listed(qtbot, window, team_db.url())
    rows = {dialog.tree.topLevelItem(i).text(0): [dialog.tree.topLevelItem(i).text(c) for c in range(5)]
            for i in range(dialog.tree.topLevelItemCount())}
    assert rows["team.sites"][1:3] == ["POINT", "4326"]
    assert rows["team.cgcs_sites"][2] == "4490" and "China Geodetic Coordinate System 2000" == rows["team.cgcs_sites"][3]
    assert rows["team.gk35"][2] == "4523" and "zone 35" in rows["team.gk35"][3]
    # the password typed into the address went to the masked field; the address no longer shows it
    assert EDITOR_PASSWORD not in dialog.form.address.text() and dialog.form.password.text() == EDITOR_PASSWORD
    assert dialog.form.password.echoMode() == QLineEdit.EchoMode.Password
    dialog.grab().save("/tmp/postgis_dialog.png")


def test_adding_a_table_shows_its_features_in_the_layer_panel_and_table(qtbot, window, team_db):
    dialog = listed(qtbot, window, team_db.url(password=None), EDITOR_PASSWORD)
    dialog.choose("team.gk35")
    assert dialog.whole.isChecked()  # a small table is read whole, as QGIS shows a whole layer
    with qtbot.waitSignal(window.data_actions.imported, timeout=30000) as added:
        dialog.add_button.click()
    name = added.args[0]
    assert name == "team.gk35"
    titles = [window.layer_panel.list.item(i).text() for i in range(window.layer_panel.list.count())]
    assert "team.gk35" in titles
    point = window.document.layer(name).data.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(GK35[2:], abs=1e-5)  # within a metre of the known position

    dialog = listed(qtbot, window, team_db.url(password=None), EDITOR_PASSWORD)
    dialog.choose("team.sites")
    with qtbot.waitSignal(window.data_actions.imported, timeout=30000):
        dialog.add_button.click()
    window.table.set_layer("team.sites")
    assert window.table.row_count() == len(SITES)
    layer = window.document.layer("team.sites")
    got = {r.name_zh: (r.geometry.x, r.geometry.y) for r in layer.data.itertuples()}
    assert got == {n: pytest.approx((x, y)) for n, x, y in SITES}
    assert layer.data_ref == {"kind": "postgis", "url": f"postgresql://editor@127.0.0.1:{team_db.port}/gis",
                              "layer": "team.sites"}
    item = next(window.layer_panel.list.item(i) for i in range(window.layer_panel.list.count())
                if window.layer_panel.list.item(i).text() == "team.sites")
    assert "PostGIS postgresql://editor@127.0.0.1" in item.toolTip() and EDITOR_PASSWORD not in item.toolTip()


def test_only_the_visible_extent_is_read_when_asked_and_the_layer_says_so(qtbot, window, team_db, tmp_path):
    # the view around 大足 and 解放碑 only: 天府广场 and 资阳站 lie west of it
    window.canvas.zoom_to_extent(lonlat_bounds_to_display((105.5, 29.3, 106.9, 29.9)), margin=0.0)
    dialog = listed(qtbot, window, team_db.url())
    dialog.choose("team.cgcs_sites")
    dialog.visible_only.setChecked(True)
    with qtbot.waitSignal(window.data_actions.imported, timeout=30000):
        dialog.add_button.click()
    layer = window.document.layer("team.cgcs_sites")
    assert sorted(layer.data["name_zh"]) == ["大足石刻", "解放碑"]
    assert "只含视图范围" in layer.source and "only the view" in layer.source
    assert any("only features within the view" in m.en for m in window.data_actions.last_report)
    # a project keeps that extent (no password) and reopens with the same two features
    saved = window.data_actions.save_project(tmp_path / "team.cyproj")
    text = saved.read_text(encoding="utf-8")
    assert EDITOR_PASSWORD not in text
    ref = next(e["data_ref"] for e in json.loads(text)["document"]["layers"] if e["name"] == "team.cgcs_sites")
    assert ref["kind"] == "postgis" and len(ref["bbox"]) == 4 and "Xq7" not in ref["url"]
    from layers.model.project_file import load_project

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", EDITOR_PASSWORD)
        loaded = load_project(saved)
    assert sorted(loaded.document.layer("team.cgcs_sites").data["name_zh"]) == ["大足石刻", "解放碑"]


def _make_many(server) -> None:
    server.sql("DROP TABLE IF EXISTS team.many")
    server.sql("CREATE TABLE team.many (id int, geom geometry(Point, 4326))")
    server.sql(f"INSERT INTO team.many SELECT i, ST_SetSRID(ST_MakePoint(105 + i * 1e-5, 29.5), 4326) "
               f"FROM generate_series(1, {LARGE_TABLE_ROWS + 1000}) i")
    server.sql("ANALYZE team.many")
    server.sql("GRANT SELECT ON team.many TO editor")


def test_a_big_table_defaults_to_the_view(qtbot, window, team_db):
    _make_many(team_db)
    dialog = listed(qtbot, window, team_db.url())
    dialog.choose("team.many")
    assert dialog.visible_only.isChecked()
    dialog.choose("team.sites")
    assert dialog.whole.isChecked()


def test_a_wrong_password_is_one_line_in_a_box_and_the_window_keeps_running(qtbot, window, team_db):
    dialog = window.postgis_actions.open_dialog()
    dialog.form.address.setText(team_db.url(password=None))
    dialog.form.password.setText("not-the-password")
    with qtbot.waitSignal(dialog.failed, timeout=30000) as failed:
        dialog.connect_button.click()
    text = failed.args[0]
    assert "\n" not in text and "Traceback" not in text and "not-the-password" not in text
    assert "密码" in text and "password" in text
    boxes = [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == text
    assert dialog.tree.topLevelItemCount() == 0 and dialog.connect_button.isEnabled()
    # the window still answers: a table of the same server is listed with the right password
    boxes[0].close()
    dialog.form.password.setText(EDITOR_PASSWORD)
    with qtbot.waitSignal(dialog.tables_listed, timeout=30000):
        dialog.connect_button.click()
    assert window.isVisible() and dialog.tree.topLevelItemCount() >= 3


def test_a_server_that_is_down_and_a_database_without_postgis_are_one_line(qtbot, window, team_db):
    dialog = window.postgis_actions.open_dialog()
    for url, words in ((team_db.url(db="plain"), "PostGIS"),
                       (f"postgresql://editor:{EDITOR_PASSWORD}@127.0.0.1:1/gis", "not running")):
        dialog.form.address.setText(url)
        dialog.form.password.clear()
        with qtbot.waitSignal(dialog.failed, timeout=30000) as failed:
            dialog.connect_button.click()
        assert words in failed.args[0] and "\n" not in failed.args[0] and EDITOR_PASSWORD not in failed.args[0]


def test_the_password_is_in_no_settings_file_and_no_saved_project(qtbot, window, team_db, settings, tmp_path):
    dialog = listed(qtbot, window, team_db.url())
    dialog.choose("team.sites")
    with qtbot.waitSignal(window.data_actions.imported, timeout=30000):
        dialog.add_button.click()
    window.save_settings()
    settings.sync()
    ini = open(settings.fileName(), encoding="utf-8").read()
    assert f"127.0.0.1:{team_db.port}/gis" in ini and EDITOR_PASSWORD not in ini
    saved = window.data_actions.save_project(tmp_path / "p.cyproj")
    assert EDITOR_PASSWORD not in saved.read_text(encoding="utf-8")
    # the next dialog offers the remembered address, with an empty password
    again = window.postgis_actions.open_dialog()
    assert again.form.address.text() == f"postgresql://editor@127.0.0.1:{team_db.port}/gis"
    assert again.form.password.text() == ""


def test_cancel_while_rows_arrive_adds_nothing_and_says_nothing(qtbot, window, team_db):
    _make_many(team_db)
    job = window.postgis_actions.add_table(team_db.url(), "team.many", visible_only=False)
    seen: list[float] = []

    def on_progress(fraction, _message):
        seen.append(fraction)
        if fraction > 0:
            job.cancel()  # what the progress dialog's Cancel does

    job.progress.connect(on_progress)
    assert window.data_actions.wait_idle(60000)
    assert job.outcome == "cancelled" and seen
    assert "team.many" not in window.document and window.data_actions.errors == []


def test_a_bare_libpq_service_name_connects_with_the_password_typed_in_the_dialog(qtbot, window, team_db, tmp_path,
                                                                                   monkeypatch):
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[team]\nhost=127.0.0.1\nport={team_db.port}\ndbname=gis\nuser=editor\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    dialog = listed(qtbot, window, "team", EDITOR_PASSWORD)
    assert "team.sites" in [t.name for t in dialog.tables]
    assert dialog.source.public == "service=team" and EDITOR_PASSWORD not in dialog.source.public_url
    dialog.choose("team.sites")
    with qtbot.waitSignal(window.data_actions.imported, timeout=30000):
        dialog.add_button.click()
    assert window.document.layer("team.sites").data_ref["url"] == "service=team"


def test_opening_a_project_asks_the_password_once_per_database_and_keeps_it_nowhere(qtbot, window, team_db,
                                                                                    tmp_path, monkeypatch):
    from layers.model.project_file import PASSWORD_NEEDED

    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pgpass of the machine's
    for table in ("team.sites", "team.gk35"):
        dialog = listed(qtbot, window, team_db.url())
        dialog.choose(table)
        with qtbot.waitSignal(window.data_actions.imported, timeout=30000):
            dialog.add_button.click()
    saved = window.data_actions.save_project(tmp_path / "shared.cyproj")
    assert EDITOR_PASSWORD not in saved.read_text(encoding="utf-8")
    data = window.data_actions
    for name in ("team.sites", "team.gk35"):
        window.document.remove_layer(name)

    asked: list = []
    data.ask_password = lambda missing: (asked.append(missing), "wrong-password")[1]
    data.open_project(saved)
    assert data.wait_idle(60000)
    assert len(asked) == 1 and asked[0].reason is PASSWORD_NEEDED and EDITOR_PASSWORD not in asked[0].path
    assert "team.sites" not in window.document and "password" in data.errors[-1]
    assert "wrong-password" not in data.errors[-1] and "Traceback" not in data.errors[-1]

    asked.clear()
    data.ask_password = lambda missing: (asked.append(missing), EDITOR_PASSWORD)[1]
    data.open_project(saved)
    assert data.wait_idle(60000)
    assert len(asked) == 1  # one question for the two layers of one database
    assert len(window.document.layer("team.sites").data) == len(SITES)
    point = window.document.layer("team.gk35").data.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(GK35[2:], abs=1e-5)
    data.save_project(saved)
    assert EDITOR_PASSWORD not in saved.read_text(encoding="utf-8")

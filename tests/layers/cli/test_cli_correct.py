"""`python main.py correct` (exit 0 / 2 / 3), `check --edits URL` and `import URL#schema.table`
against a real PostGIS server, with real concurrent processes; passwords never printed."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest

import main
from geodata.bundle import loader
from tests.postgis_cluster import EDITOR_PASSWORD, VIEWER_PASSWORD

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def project_ids() -> list[str]:
    return [str(v) for v in loader.load_layer("projects")["id"]]


@pytest.fixture()
def table(postgis_server, request) -> str:
    name = "field.cli_" + request.node.name.lower()[:40]
    postgis_server.sql(f"DROP TABLE IF EXISTS {name} CASCADE")
    return name


def _correct(*args: str) -> subprocess.CompletedProcess:
    """One real `python main.py correct …` process."""
    return subprocess.run([sys.executable, "main.py", "correct", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _audit(server, table: str) -> list[tuple]:
    with psycopg.connect(server.admin_url()) as conn:
        return conn.execute(f"SELECT project_id, who, base_edit_id, edited_at FROM {table} ORDER BY edit_id").fetchall()


def test_correct_into_a_geopackage_prints_the_edit_id_and_refuses_a_stale_base(tmp_path, project_ids, capsys):
    edits, pid = tmp_path / "mine.gpkg", project_ids[0]
    assert main.main(["correct", pid, "105.72,29.71", "--edits", str(edits), "--by", "张三", "--reason", "GPS",
                      "--base", "registry"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"correction #1 recorded", out) and "张三" in out
    assert main.main(["correct", pid, "105.73,29.72", "--edits", str(edits), "--by", "李四", "--reason", "GPS",
                      "--base", "registry"]) == 3
    err = capsys.readouterr().err
    assert "张三" in err and "#1" in err and err.count("\n") == 1
    assert main.main(["correct", pid, "105.73,29.72", "--edits", str(edits), "--by", "李四", "--reason", "GPS",
                      "--base", "1"]) == 0
    capsys.readouterr()
    for bad in (["nope-project", "105.7,29.7"], [pid, "not a place"], [pid, "105.7,29.7", "--base", "latest"]):
        assert main.main(["correct", *bad, "--edits", str(edits), "--by", "x", "--reason", "r"]) == 2
        assert capsys.readouterr().err.count("\n") == 1
    layer = gpd.read_file(edits, layer="projects_corrected").set_index("id")
    assert (layer.loc[pid].geometry.x, layer.loc[pid, "corrected_by"]) == (105.73, "李四")


def test_concurrent_processes_on_different_projects_all_land(postgis_server, table, project_ids):
    url = postgis_server.url(fragment=table)
    assert _correct(project_ids[0], "105.7,29.7", "--edits", url, "--by", "setup", "--reason", "table").returncode == 0
    chosen = project_ids[1:7]
    with ThreadPoolExecutor(len(chosen)) as pool:  # six processes started together
        runs = list(pool.map(lambda k: _correct(chosen[k], f"105.{70 + k},29.7", "--edits", url, "--by", f"editor{k}",
                                                "--reason", "GPS", "--base", "registry"), range(len(chosen))))
    assert [r.returncode for r in runs] == [0] * len(chosen), [r.stderr for r in runs]
    assert sorted(r[0] for r in _audit(postgis_server, table)) == sorted([project_ids[0], *chosen])
    assert not any(EDITOR_PASSWORD in r.stdout + r.stderr for r in runs)


def test_concurrent_processes_on_one_project_from_one_base_one_wins(postgis_server, table, project_ids):
    url, pid = postgis_server.url(fragment=table), project_ids[0]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda k: _correct(pid, f"105.7{k},29.7", "--edits", url, "--by", f"editor{k}",
                                                "--reason", "GPS", "--base", "registry"), range(4)))
    codes = sorted(r.returncode for r in runs)
    assert codes == [0, 3, 3, 3], [r.stderr for r in runs]
    (row,) = _audit(postgis_server, table)
    winner, stamp = row[1], row[3]
    for r in runs:
        if r.returncode == 3:
            assert winner in r.stderr and stamp.strftime("%Y-%m-%dT%H:%M") in r.stderr
            assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_a_read_only_role_is_refused_with_one_line_and_nothing_is_written(postgis_server, table, project_ids):
    url = postgis_server.url(fragment=table)
    assert _correct(project_ids[0], "105.7,29.7", "--edits", url, "--by", "a", "--reason", "GPS").returncode == 0
    viewer = postgis_server.url("viewer", VIEWER_PASSWORD, fragment=table)
    run = _correct(project_ids[1], "105.7,29.7", "--edits", viewer, "--by", "v", "--reason", "GPS")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "viewer" in run.stderr
    assert VIEWER_PASSWORD not in run.stderr + run.stdout
    assert len(_audit(postgis_server, table)) == 1


def test_connection_errors_are_one_line_exit_2(postgis_server, project_ids, capsys):
    down = postgis_server.url().replace(f":{postgis_server.port}/", ":1/")
    cases = ((down, "not running"), (postgis_server.url(password="x" + EDITOR_PASSWORD), "password"),
             (postgis_server.url(db="plain"), "no PostGIS"))
    for url, words in cases:
        assert main.main(["correct", project_ids[0], "105.7,29.7", "--edits", url, "--by", "a", "--reason", "r"]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and EDITOR_PASSWORD not in err
        assert main.main(["import", url + "#survey.sites"]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and EDITOR_PASSWORD not in err


def test_check_reads_corrections_from_postgis_as_a_viewer(postgis_server, table, project_ids, tmp_path, capsys):
    registry = loader.load_layer("projects").set_index("id")
    pid = project_ids[0]
    x, y = float(registry.loc[pid].geometry.x), float(registry.loc[pid].geometry.y)
    obs = tmp_path / "obs.csv"
    obs.write_text(f"id,name,lon,lat\n{pid},,{x},{y}\n", encoding="utf-8")
    url = postgis_server.url(fragment=table)
    assert main.main(["correct", pid, f"{x + 0.01},{y}", "--edits", url, "--by", "a", "--reason", "GPS"]) == 0
    viewer = postgis_server.url("viewer", VIEWER_PASSWORD, fragment=table)
    out = tmp_path / "r.csv"
    assert main.main(["check", str(obs), "--edits", viewer, "--report", str(out)]) == 0
    with open(out, encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    # the registry point was moved ~970 m east: the observation at the old place is now far off
    assert row["status"] == "flagged" and 900 < float(row["distance_m"]) < 1050
    assert VIEWER_PASSWORD not in capsys.readouterr().out


def test_import_a_postgis_table_to_a_geopackage(postgis_server, tmp_path, capsys):
    postgis_server.sql("CREATE SCHEMA IF NOT EXISTS survey")
    postgis_server.sql("DROP TABLE IF EXISTS survey.cli_points")
    postgis_server.sql("CREATE TABLE survey.cli_points (name text, geom geometry(Point, 4545))")
    postgis_server.sql("INSERT INTO survey.cli_points VALUES ('重庆', ST_SetSRID(ST_MakePoint(359474.087, 3272217.299), 4545)),"
                       " ('远处', ST_SetSRID(ST_MakePoint(500000, 3500000), 4545))")
    postgis_server.sql("GRANT USAGE ON SCHEMA survey TO editor")
    postgis_server.sql("GRANT SELECT ON survey.cli_points TO editor")
    url, out = postgis_server.url(fragment="survey.cli_points"), tmp_path / "x.gpkg"
    assert main.main(["import", url, "--out", str(out), "--bbox", "106.5,29.5,106.6,29.6", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "survey.cli_points: 1 feature" in printed and EDITOR_PASSWORD not in printed
    (point,) = gpd.read_file(out).geometry
    assert (point.x, point.y) == pytest.approx((106.55, 29.56), abs=1e-5)
    assert main.main(["import", postgis_server.url(), "--list-layers"]) == 0
    assert "survey.cli_points" in capsys.readouterr().out.split()

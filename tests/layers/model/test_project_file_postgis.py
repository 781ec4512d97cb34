"""A PostGIS layer in a project file: saved by address without the password, reopened with the
password from PGPASSWORD or a .pgpass file; a refused password leaves that layer missing, not the project."""
from __future__ import annotations

import json

import pytest

from geodata.io.importer import import_file
from layers.model.document import MapDocument, MapLayer
from layers.model.project_file import load_project, save_project
from tests.postgis_cluster import EDITOR_PASSWORD


@pytest.fixture()
def shared_table(postgis_server):
    postgis_server.sql("CREATE SCHEMA IF NOT EXISTS survey")
    postgis_server.sql("DROP TABLE IF EXISTS survey.project_sites")
    postgis_server.sql("CREATE TABLE survey.project_sites (name_zh text, geom geometry(Point, 4490))")
    postgis_server.sql("INSERT INTO survey.project_sites VALUES ('大足石刻', ST_SetSRID(ST_MakePoint(105.8087, 29.7477), 4490)),"
                       " ('资阳', ST_SetSRID(ST_MakePoint(104.63, 30.13), 4490))")
    postgis_server.sql("GRANT USAGE ON SCHEMA survey TO editor")
    postgis_server.sql("GRANT SELECT ON survey.project_sites TO editor")
    return postgis_server.url(fragment="survey.project_sites")


def test_saved_project_holds_no_password_and_reopens_from_pgpassword_or_pgpass(shared_table, postgis_server,
                                                                              tmp_path, monkeypatch):
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pgpass of the machine's
    result = import_file(shared_table)
    layer = MapLayer(name="sites", data=result.gdf, title_zh="共享点", title_en="Shared sites", data_ref=result.data_ref)
    layer.data_ref["url"] = shared_table.split("#")[0]  # even a caller that kept the password in the ref
    path = save_project(MapDocument(layers=[layer]), tmp_path / "team.cyproj")
    text = path.read_text(encoding="utf-8")
    assert EDITOR_PASSWORD not in text
    ref = json.loads(text)["document"]["layers"][0]["data_ref"]
    assert ref == {"kind": "postgis", "url": f"postgresql://editor@127.0.0.1:{postgis_server.port}/gis",
                   "layer": "survey.project_sites"}

    refused = load_project(path)  # no password anywhere: that layer is listed missing, in one line
    assert refused.document.layer_names() == [] and len(refused.missing) == 1
    assert "password" in refused.missing[0].reason.text("en") and EDITOR_PASSWORD not in refused.missing[0].reason.text("en")

    pgpass = tmp_path / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{postgis_server.port}:gis:editor:{EDITOR_PASSWORD}\n")
    pgpass.chmod(0o600)
    loaded = load_project(path)
    assert loaded.missing == [] and sorted(loaded.document.layer("sites").data["name_zh"]) == ["大足石刻", "资阳"]
    pgpass.unlink()
    monkeypatch.setenv("PGPASSWORD", EDITOR_PASSWORD)
    point = load_project(path).document.layer("sites").data.set_index("name_zh").loc["大足石刻"].geometry
    assert (point.x, point.y) == pytest.approx((105.8087, 29.7477))
    save_project(load_project(path).document, path)
    assert EDITOR_PASSWORD not in path.read_text(encoding="utf-8")


def test_a_postgis_reference_is_never_a_file_path_in_disguise(tmp_path):
    secret = tmp_path / "secret.geojson"
    secret.write_text('{"type": "FeatureCollection", "features": []}')
    project = tmp_path / "hostile.cyproj"
    project.write_text(json.dumps({"format": "chengyu-explorer-project", "format_version": 1, "document": {
        "layers": [{"name": "x", "data_ref": {"kind": "postgis", "url": str(secret)}}]}}), encoding="utf-8")
    loaded = load_project(project)
    assert loaded.document.layer_names() == [] and any("postgresql://" in m.text("en") for m in loaded.report)

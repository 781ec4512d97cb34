"""PostGIS sources through `import_file`: tables listed, any SRID to WGS84, bbox by the index, chunks,
cancel, and every connection failure one line without the password (a real server: tests/postgis_cluster.py)."""
from __future__ import annotations

import logging
import threading

import pytest

from geodata.core.feedback import Cancelled, Feedback
from geodata.io.errors import DataImportError, LayerChoiceRequired
from geodata.io.importer import import_file, list_layers
from geodata.io.postgis_source import PostgisError, parse_source, public_url
from geodata.io.read_postgis import CHUNK_ROWS, list_tables
from tests.postgis_cluster import EDITOR_PASSWORD

# Known positions: 大足石刻 (105.8087, 29.7477) in CGCS2000 zone 35 (EPSG:4523, zone number in front),
# 重庆 (106.55, 29.56) on the CM 108E grid (EPSG:4545); eastings/northings from PROJ, kept as literals.
GK35 = (35578226.403, 3292419.797, 105.8087, 29.7477)
GK108 = (359474.087, 3272217.299, 106.55, 29.56)
BIG_ROWS = 100_000


@pytest.fixture(scope="module")
def gis(postgis_server):
    s = postgis_server
    s.sql("DROP SCHEMA IF EXISTS survey CASCADE")
    s.sql("CREATE SCHEMA survey")
    s.sql("GRANT USAGE ON SCHEMA survey TO editor, viewer")
    s.sql("""CREATE TABLE survey.sites (id serial PRIMARY KEY, name_zh text, year int, cost numeric, ok boolean,
             geom geometry(Point, 4326))""")
    s.sql("""INSERT INTO survey.sites (name_zh, year, cost, ok, geom) VALUES
             ('大足石刻', 2023, 1.5, true, ST_SetSRID(ST_MakePoint(105.8087, 29.7477), 4326)),
             ('天府广场', NULL, NULL, false, ST_SetSRID(ST_MakePoint(104.0657, 30.6595), 4326)),
             ('解放碑', 2020, 3, NULL, ST_SetSRID(ST_MakePoint(106.5775, 29.5577), 4326))""")
    s.sql("CREATE TABLE survey.cgcs (name text, geom geometry(Point, 4490))")
    s.sql("INSERT INTO survey.cgcs VALUES ('大足石刻', ST_SetSRID(ST_MakePoint(105.8087, 29.7477), 4490))")
    s.sql("CREATE TABLE survey.gk35 (name text, geom geometry(Point, 4523))")
    s.sql(f"INSERT INTO survey.gk35 VALUES ('大足石刻', ST_SetSRID(ST_MakePoint({GK35[0]}, {GK35[1]}), 4523))")
    s.sql("CREATE TABLE survey.gk108 (name text, geom geometry(Polygon, 4545))")
    e, n = GK108[:2]
    s.sql(f"""INSERT INTO survey.gk108 VALUES ('重庆', ST_SetSRID(ST_Buffer(ST_MakePoint({e}, {n}), 500, 16), 4545))""")
    s.sql("CREATE TABLE survey.nosrid (name text, geom geometry)")
    s.sql("INSERT INTO survey.nosrid VALUES ('x', ST_MakePoint(105.8, 29.7))")
    # 100 000 points on a 0.01° grid over 102–112°E, 26–36°N, indexed and analysed like a real table.
    s.sql("CREATE TABLE survey.big (id int PRIMARY KEY, geom geometry(Point, 4490))")
    s.sql(f"""INSERT INTO survey.big SELECT i, ST_SetSRID(ST_MakePoint(102 + (i % 1000) * 0.01,
              26 + (i / 1000) * 0.1), 4490) FROM generate_series(0, {BIG_ROWS - 1}) i""")
    s.sql("CREATE INDEX big_geom ON survey.big USING gist (geom)")
    s.sql("CREATE INDEX sites_geom ON survey.sites USING gist (geom)")
    s.sql("ANALYZE survey.big")
    s.sql("GRANT SELECT ON ALL TABLES IN SCHEMA survey TO editor, viewer")
    return s


def test_tables_are_listed_with_geometry_type_srid_crs_and_row_estimate(gis):
    tables = {t.name: t for t in list_tables(gis.url())}
    assert {"survey.sites", "survey.cgcs", "survey.gk35", "survey.gk108", "survey.big", "survey.nosrid"} <= set(tables)
    big, gk = tables["survey.big"], tables["survey.gk35"]
    assert (big.geometry_column, big.geometry_type, big.srid, big.rows_estimate) == ("geom", "POINT", 4490, BIG_ROWS)
    assert gk.srid == 4523 and "zone 35" in gk.crs_name and tables["survey.gk108"].geometry_type == "POLYGON"
    assert tables["survey.nosrid"].srid == 0
    assert "survey.sites" in list_layers(gis.url())


def test_a_table_reads_into_wgs84_with_its_attributes(gis):
    result = import_file(gis.url(fragment="survey.sites"))
    gdf = result.gdf.set_index("name_zh")
    assert len(gdf) == 3 and gdf.crs.to_epsg() == 4326
    assert (gdf.loc["大足石刻"].geometry.x, gdf.loc["大足石刻"].geometry.y) == pytest.approx((105.8087, 29.7477))
    assert str(gdf["year"].dtype) == "Int64" and gdf.loc["大足石刻", "year"] == 2023 and gdf["year"].isna().sum() == 1
    assert gdf.loc["大足石刻", "cost"] == 1.5 and bool(gdf.loc["天府广场", "ok"]) is False
    assert result.layer == "survey.sites" and result.name == "survey.sites"
    assert any("survey.sites" in m.en and "3 features" in m.en for m in result.report)
    # --layer does the same as the #fragment; a bare table name is enough when it is unique
    assert len(import_file(gis.url(), layer="sites").gdf) == 3


@pytest.mark.parametrize("table, known", [("survey.gk35", GK35), ("survey.gk108", GK108), ("survey.cgcs", GK35)])
def test_cgcs2000_and_gauss_kruger_tables_land_on_the_known_wgs84_position(gis, table, known):
    from geodata.coords.projection import geodesic_distance_m

    geom = import_file(gis.url(fragment=table)).gdf.geometry.iloc[0]
    point = geom.centroid
    assert geodesic_distance_m(point.x, point.y, known[2], known[3]) < 1.0


def test_bbox_reads_only_the_view_and_uses_the_spatial_index(gis):
    import psycopg

    bbox = (105.0, 29.0, 106.0, 30.0)  # 101 columns (0.01°) x 11 rows (0.1°) of the grid, edges included
    result = import_file(gis.url(fragment="survey.big"), bbox=bbox)
    xs, ys = result.gdf.geometry.x, result.gdf.geometry.y
    assert len(result.gdf) == 101 * 11
    assert xs.between(105.0, 106.0).all() and ys.between(29.0, 30.0).all()
    assert any("within the view" in m.en for m in result.report)
    with psycopg.connect(gis.url()) as conn:
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT 1 FROM survey.big WHERE geom && ST_Transform(ST_Segmentize(ST_MakeEnvelope("
            "105, 29, 106, 30, 4326), 0.03), 4490)"))
    assert "big_geom" in plan  # the GiST index answers the bbox, not a scan of every row
    projected = import_file(gis.url(fragment="survey.gk35"), bbox=(105.7, 29.7, 105.9, 29.8))
    assert len(projected.gdf) == 1  # the bbox is transformed into the table's Gauss–Krüger grid
    empty = import_file(gis.url(fragment="survey.gk35"), bbox=(104.0, 29.0, 104.1, 29.1))
    assert len(empty.gdf) == 0 and empty.gdf.crs.to_epsg() == 4326


def test_rows_arrive_in_chunks_with_progress_and_cancel_stops(gis):
    seen: list[float] = []
    feedback = Feedback(lambda fraction, message: seen.append(fraction))
    assert len(import_file(gis.url(fragment="survey.big"), feedback=feedback).gdf) == BIG_ROWS
    inner = [f for f in seen if 0 < f < 0.85]
    assert len(inner) >= BIG_ROWS // CHUNK_ROWS - 1 and inner == sorted(inner) and seen[-1] == 1.0

    stop = Feedback()

    def cancel_after_first_chunk(fraction, message):
        if "rows read" in message.en:
            stop.cancel()

    stop._on_progress = cancel_after_first_chunk
    with pytest.raises(Cancelled):
        import_file(gis.url(fragment="survey.big"), feedback=stop)


def test_cancel_from_another_thread_stops_a_running_query(gis):
    import psycopg

    with psycopg.connect(gis.admin_url(), autocommit=True) as conn:
        conn.execute("CREATE OR REPLACE VIEW survey.slow AS SELECT id, geom FROM survey.big "
                     "WHERE id < 20000 AND pg_sleep(0.0005)::text = ''")  # 0.5 ms a row: 10 s in all
        conn.execute("GRANT SELECT ON survey.slow TO editor")
    messages: list[str] = []
    feedback = Feedback(lambda fraction, message: messages.append(message.en))
    threading.Timer(0.5, feedback.cancel).start()
    with pytest.raises(Cancelled):
        import_file(gis.url(fragment="survey.slow"), feedback=feedback)
    # cancelled inside the first fetch (5 000 rows, 2.5 s on the server): no chunk ever arrived
    assert not any("rows read" in m for m in messages)


def test_a_table_without_srid_is_read_whole_and_said_so(gis):
    result = import_file(gis.url(fragment="survey.nosrid"), bbox=(105, 29, 106, 30))
    assert len(result.gdf) == 1 and any("declares no SRID" in m.en for m in result.report)
    assert any("WGS84" in m.en for m in result.report)  # degrees in China: guessed like a file without .prj


def test_several_tables_and_no_fragment_ask_which(gis):
    with pytest.raises(LayerChoiceRequired) as info:
        import_file(gis.url())
    assert "survey.sites" in info.value.layers


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and EDITOR_PASSWORD not in text
    return text


def test_connection_failures_are_one_line_without_the_password(gis, postgis_server, caplog):
    caplog.set_level(logging.DEBUG)  # nothing the driver or we log may hold it either
    down = postgis_server.url().replace(f":{postgis_server.port}/", ":1/")
    with pytest.raises(PostgisError) as info:
        import_file(down + "#survey.sites")
    assert "not running or not reachable" in _one_line(info.value)
    with pytest.raises(PostgisError) as info:
        import_file(postgis_server.url(password="wrong-" + EDITOR_PASSWORD, fragment="survey.sites"))
    assert "password authentication failed" in _one_line(info.value) and "wrong-" not in str(info.value)
    with pytest.raises(PostgisError) as info:
        import_file(postgis_server.url(db="plain", fragment="survey.sites"))
    assert "no PostGIS extension" in _one_line(info.value)
    with pytest.raises(PostgisError) as info:
        import_file(postgis_server.url(fragment="survey.nothere"))
    assert "no table survey.nothere" in _one_line(info.value)
    with pytest.raises(PostgisError) as info:
        import_file(postgis_server.url(db="nodb", fragment="x.y"))
    assert "does not exist" in _one_line(info.value)
    assert isinstance(info.value, DataImportError)  # callers of import_file catch one error type
    assert EDITOR_PASSWORD not in caplog.text


def test_public_url_never_holds_the_password_and_a_libpq_service_works(gis, postgis_server, tmp_path, monkeypatch):
    url = postgis_server.url(fragment="survey.sites")
    assert EDITOR_PASSWORD not in public_url(url) and public_url(url).endswith("/gis#survey.sites")
    assert EDITOR_PASSWORD not in repr(parse_source(url))
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[team]\nhost=127.0.0.1\nport={postgis_server.port}\ndbname=gis\nuser=editor\n"
                        f"password={EDITOR_PASSWORD}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    result = import_file("service=team#survey.sites")
    assert len(result.gdf) == 3 and result.data_ref == {"kind": "postgis", "url": "service=team", "layer": "survey.sites"}
    # no password in the address: PGPASSWORD (or ~/.pgpass) gives it at open time
    monkeypatch.setenv("PGPASSWORD", EDITOR_PASSWORD)
    bare = postgis_server.url(password=None, fragment="survey.sites")
    assert len(import_file(bare).gdf) == 3
    monkeypatch.setenv("PGPASSWORD", "not-it-" + EDITOR_PASSWORD)
    with pytest.raises(PostgisError) as info:
        import_file(bare)
    assert "password authentication failed" in str(info.value) and EDITOR_PASSWORD not in str(info.value)


def test_rows_whose_coordinates_are_not_coordinates_are_skipped_and_named(gis):
    """The one rule of coordinate_check.py on a PostGIS table: NaN, infinite and out-of-range rows are
    skipped with their numbers; a collection nested too deep for GEOS has no geometry (no crash)."""
    gis.sql("DROP TABLE IF EXISTS survey.hostile")
    gis.sql("CREATE TABLE survey.hostile (id int PRIMARY KEY, geom geometry(Geometry, 4326))")
    gis.sql("""INSERT INTO survey.hostile VALUES
             (1, ST_SetSRID(ST_MakePoint(105.8087, 29.7477), 4326)),
             (2, ST_SetSRID(ST_MakePoint('NaN', 29.7), 4326)),
             (3, ST_SetSRID(ST_MakePoint(105.8, 'Infinity'), 4326)),
             (4, ST_SetSRID(ST_MakePoint(1e308, 29.7), 4326)),
             (5, ST_SetSRID(ST_MakePoint(104.0657, 30.6595), 4326))""")
    gis.sql("GRANT SELECT ON survey.hostile TO editor, viewer")
    result = import_file(gis.url(fragment="survey.hostile"))
    assert sorted(result.gdf["id"]) == [1, 5]
    lines = [line.text("en") for line in result.report]
    assert any("features skipped (features 2, 3): coordinates are NaN or infinite" in line for line in lines)
    assert any("coordinates are outside longitude" in line for line in lines)

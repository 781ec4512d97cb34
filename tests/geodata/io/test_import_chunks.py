"""Big GeoPackage tables and shapefiles are read in chunks (geodata/io/read_chunks.py): the frame is
the one a single read gives, progress is features read / count, and a cancel between chunks stops
the read with nothing returned and nothing left behind.  GeoJSON, views and small files keep one read."""
from __future__ import annotations

import datetime as dt
import struct

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.scratch import scratch_dir
from geodata.io import read_chunks
from geodata.io.importer import import_file
from tests.geodata.io import bad_corpus
from tests.geodata.io.cancelling import cancel_at_first

NAMES = ["大足区", "资阳市", "川渝高竹新区", "重庆市规划展览馆", "长安汽车全球研发中心"]


@pytest.fixture
def reads(monkeypatch):
    """Every pyogrio.read_dataframe call, as the kwargs it got."""
    calls: list[dict] = []
    real = pyogrio.read_dataframe

    def counting(path, **kwargs):
        calls.append(kwargs)
        return real(path, **kwargs)

    monkeypatch.setattr(pyogrio, "read_dataframe", counting)
    return calls


def chunks_of(monkeypatch, n: int) -> None:
    """Chunks of exactly `n` features, whatever the file's size and the machine's speed."""
    monkeypatch.setattr(read_chunks, "SMALL_BYTES", 0)
    monkeypatch.setattr(read_chunks, "FIRST_CHUNK_BYTES", 1)
    monkeypatch.setattr(read_chunks, "MIN_CHUNK", n)
    monkeypatch.setattr(read_chunks, "GROWTH", 1.0)


def mixed_frame(n: int = 50) -> gpd.GeoDataFrame:
    """Columns whose dtype a chunk could get wrong: an integer null only near the end (float in one
    read), a boolean and a string with nulls, dates and times; one missing geometry."""
    ints = pd.array([i if i != n - 2 else None for i in range(n)], dtype="Int64")
    geoms = [shapely.Point(105 + i / 100, 29.5 + i / 200).buffer(0.01) for i in range(n)]
    geoms[7] = None
    return gpd.GeoDataFrame({
        "name": [NAMES[i % 5] if i % 9 else None for i in range(n)],
        "count": ints,
        "ok": pd.array([bool(i % 2) if i % 11 else None for i in range(n)], dtype="boolean"),
        "area": np.linspace(0.5, 9.5, n),
        "day": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        "at": pd.to_datetime([dt.datetime(2024, 5, 1, 8, 0) + dt.timedelta(minutes=7 * i) for i in range(n)]),
    }, geometry=geoms, crs=4326).to_crs(4547)  # projected CGCS2000: the import converts it


def test_a_geopackage_read_in_chunks_is_the_frame_one_read_gives(tmp_path, monkeypatch, reads):
    path = tmp_path / "mixed.gpkg"
    mixed_frame().to_file(path, layer="mixed", engine="pyogrio")
    one = pyogrio.read_dataframe(path, layer="mixed", on_invalid="ignore")
    reads.clear()
    chunks_of(monkeypatch, 7)
    steps: list[float] = []
    chunked = read_chunks.read_in_chunks(path, Feedback(lambda f, m: steps.append(f)), "mixed.gpkg", layer="mixed")
    assert len(reads) == 8  # 7 × 7 features, then the last one
    assert all("skip_features" not in r for r in reads)  # after a FID, not by OFFSET (it grows with every chunk)
    pd.testing.assert_frame_equal(chunked, one)
    assert chunked.crs == one.crs and list(chunked.index) == list(range(50))
    assert steps == sorted(steps) and steps[-1] == 1.0 and len(steps) == 8


def test_the_import_of_a_chunked_geopackage_matches_the_import_in_one_read(tmp_path, monkeypatch, reads):
    path = tmp_path / "mixed.gpkg"
    mixed_frame().to_file(path, layer="mixed", engine="pyogrio")
    whole = import_file(path)
    assert len(reads) == 1  # a small file: one read
    reads.clear()
    chunks_of(monkeypatch, 9)
    chunked = import_file(path)
    assert len(reads) == 6
    pd.testing.assert_frame_equal(chunked.gdf, whole.gdf)  # projected CGCS2000 → WGS84 the same way
    assert [m.text("en") for m in chunked.report] == [m.text("en") for m in whole.report]
    assert chunked.gdf.crs.to_epsg() == 4326


def _delete_records(dbf, records) -> None:
    """Mark dBASE records deleted ('*'), as an editor that does not repack leaves them."""
    data = bytearray(dbf.read_bytes())
    _, header, size = struct.unpack("<IHH", data[4:12])
    for r in records:
        data[header + r * size] = ord("*")
    dbf.write_bytes(bytes(data))


@pytest.mark.parametrize("shx", ["kept", "missing"])
def test_a_gbk_shapefile_with_deleted_records_in_chunks_gives_each_feature_once(tmp_path, monkeypatch, reads, shx):
    shp = tmp_path / "gbk.shp"
    gpd.GeoDataFrame({"名称": [NAMES[i % 5] + str(i) for i in range(23)], "id": range(23)},
                     geometry=[shapely.Point(105 + i / 10, 29.5) for i in range(23)], crs=4326).to_file(shp, encoding="gbk")
    shp.with_suffix(".cpg").unlink()  # the encoding is detected, then passed to every chunk
    _delete_records(shp.with_suffix(".dbf"), [2, 3, 9])  # inside the first and the second chunk of 4
    if shx == "missing":
        shp.with_suffix(".shx").unlink()  # rebuilt in a copy: every chunk reads the copy
    before = sorted(p.name for p in tmp_path.iterdir())
    whole = import_file(shp)
    reads.clear()
    chunks_of(monkeypatch, 4)
    chunked = import_file(shp)
    expected = [i for i in range(23) if i not in (2, 3, 9)]
    assert list(whole.gdf["id"]) == expected and list(chunked.gdf["id"]) == expected
    assert list(chunked.gdf["名称"]) == [NAMES[i % 5] + str(i) for i in expected]
    assert len(reads) == 6 and all(r["encoding"] in ("gb18030", "gbk") for r in reads)
    pd.testing.assert_frame_equal(chunked.gdf, whole.gdf)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the user's folder is untouched


@pytest.fixture(scope="module")
def million_vertices(tmp_path_factory):
    """20,000 polygons of 50 vertices (1,020,000 with the closing ones) in a GeoPackage, ~18 MB."""
    rng = np.random.default_rng(7)
    n, k = 20_000, 50
    centres = np.column_stack([rng.uniform(103.5, 107.5, n), rng.uniform(28.5, 31.5, n)])
    angles = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    radius = rng.uniform(0.002, 0.02, (n, 1)) * rng.uniform(0.7, 1.0, (n, k))
    ring = np.stack([centres[:, :1] + radius * np.cos(angles), centres[:, 1:] + radius * np.sin(angles)], axis=2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    path = tmp_path_factory.mktemp("big") / "parcels.gpkg"
    gpd.GeoDataFrame({"name": [f"地块{i}" for i in range(n)]}, geometry=shapely.polygons(ring), crs=4326).to_file(
        path, layer="parcels", engine="pyogrio")
    assert shapely.get_num_coordinates(pyogrio.read_dataframe(path).geometry.values).sum() == n * (k + 1)
    return path


def test_a_million_vertex_import_reports_features_read_rising_to_one(million_vertices, reads):
    seen: list[tuple[float, str]] = []
    result = import_file(million_vertices, feedback=Feedback(lambda f, m: seen.append((f, m.text("en")))))
    assert len(result.gdf) == 20_000
    assert len(reads) >= 2  # the default sizes: a file this big is not one read
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    counts = [int(m.split(": ")[1].split(" / ")[0].replace(",", "")) for _, m in seen if m.endswith(" / 20,000 features")]
    assert len(counts) == len(reads) and counts == sorted(counts) and counts[-1] == 20_000 and counts[0] < 20_000


def test_a_cancel_after_the_first_chunk_stops_the_read_and_leaves_nothing(million_vertices, reads):
    feedback, chunks = cancel_at_first("features")
    folder = sorted(p.name for p in million_vertices.parent.iterdir())
    scratch = sorted(p.name for p in scratch_dir().iterdir())
    with pytest.raises(Cancelled):
        import_file(million_vertices, feedback=feedback)
    assert len(chunks) == 1 and len(reads) == 1  # no second chunk was read
    assert int(chunks[0].split(": ")[1].split(" / ")[0].replace(",", "")) < 20_000
    assert sorted(p.name for p in million_vertices.parent.iterdir()) == folder
    assert sorted(p.name for p in scratch_dir().iterdir()) == scratch  # the import's temporary folder is gone


def test_small_files_geojson_and_views_keep_one_read(tmp_path, monkeypatch, reads):
    small = tmp_path / "small.gpkg"
    mixed_frame().to_file(small, engine="pyogrio")
    import_file(small, feedback=Feedback())
    assert len(reads) == 1  # default sizes: far below SMALL_BYTES
    chunks_of(monkeypatch, 4)
    reads.clear()
    geojson = tmp_path / "sites.geojson"
    mixed_frame().to_crs(4326).to_file(geojson, driver="GeoJSON", engine="pyogrio")
    assert len(import_file(geojson, datum="wgs84", feedback=Feedback()).gdf) == 49  # less the one without geometry
    assert len(reads) == 1  # GDAL parses a GeoJSON whole at every open: chunks would parse it once each
    reads.clear()
    view = bad_corpus._gpkg_with(tmp_path / "view.gpkg", [
        "CREATE VIEW v AS SELECT fid, geom, name FROM pts",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('v','features','v',4326)",
        "INSERT INTO gpkg_geometry_columns VALUES ('v','geom','POINT',4326,0,0)"])
    assert len(import_file(view, layer="v", datum="wgs84", feedback=Feedback()).gdf) == 3
    assert len(reads) == 1  # a view's query would run again for every chunk
    reads.clear()
    assert len(import_file(view, layer="pts", datum="wgs84", feedback=Feedback()).gdf) == 3
    assert len(reads) == 1  # 3 features, chunks of 4: one read

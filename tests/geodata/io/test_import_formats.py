"""Every supported format reads into WGS84 with its names and positions intact."""
from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest
import shapely

from geodata.io.errors import DataImportError, LayerChoiceRequired
from geodata.io.importer import import_file, list_layers
from tests.geodata.io.cancelling import cancel_at_first

DAZU = (105.7208, 29.7075)  # 大足区 seat
ZIYANG = (104.6276, 30.1289)  # 资阳市 seat


def sample(crs=4326) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"name_zh": ["大足区", "资阳市"], "themes": ["culture_tourism", "industry"], "n": [1, 2]},
        geometry=[shapely.Point(*DAZU), shapely.Point(*ZIYANG)], crs=4326,
    )
    return gdf.to_crs(crs)


def assert_positions(gdf, tol=1e-6):
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["name_zh"]) == ["大足区", "资阳市"]
    got = [(round(p.x, 6), round(p.y, 6)) for p in gdf.geometry]
    for (x, y), (ex, ey) in zip(got, [DAZU, ZIYANG]):
        assert abs(x - ex) < tol and abs(y - ey) < tol


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".kml"])
def test_ogr_formats_round_trip_names_and_positions(tmp_path, suffix):
    path = tmp_path / f"pts{suffix}"
    sample().to_file(path, driver="KML" if suffix == ".kml" else None)
    result = import_file(path)
    assert_positions(result.gdf)
    assert result.report[-1].text("en") == "2 features (Point), lon 104.6276–105.7208, lat 29.7075–30.1289"
    assert result.report[-1].text("zh") == "2 个要素（Point），经度 104.6276–105.7208，纬度 29.7075–30.1289"
    assert result.gdf.attrs["source_path"] == str(path.resolve())


def test_zipped_shapefile_is_read_from_inside_the_archive(tmp_path):
    sample().to_file(tmp_path / "pts.shp")
    archive = tmp_path / "pts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("pts.*"):
            if part != archive:
                zf.write(part, f"folder/{part.name}")
    result = import_file(archive)
    assert_positions(result.gdf)
    assert any("inside pts.zip" in line.text("en") for line in result.report)


def test_kmz_reads_its_doc_kml(tmp_path):
    sample().to_file(tmp_path / "doc.kml", driver="KML")
    kmz = tmp_path / "pts.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(tmp_path / "doc.kml", "doc.kml")
    result = import_file(kmz)
    assert_positions(result.gdf)
    assert any(line.text("en") == "doc.kml read from inside pts.kmz" for line in result.report)


def test_geopackage_with_two_layers_asks_for_a_choice_then_reads_the_chosen_one(tmp_path):
    path = tmp_path / "two.gpkg"
    sample().to_file(path, layer="seats")
    sample().iloc[:1].to_file(path, layer="one", mode="w")
    assert sorted(list_layers(path)) == ["one", "seats"]
    with pytest.raises(LayerChoiceRequired) as info:
        import_file(path)
    assert sorted(info.value.layers) == ["one", "seats"]
    assert len(import_file(path, layer="seats").gdf) == 2
    assert len(import_file(path, layer="one").gdf) == 1
    with pytest.raises(DataImportError, match="no layer"):
        import_file(path, layer="nope")


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="29.7075" lon="105.7208"><name>大足石刻</name></wpt>
  <trk><name>骑行</name><trkseg>
    <trkpt lat="29.70" lon="105.70"><time>2024-01-08T08:00:00Z</time></trkpt>
    <trkpt lat="29.71" lon="105.71"><time>2024-01-08T08:10:00Z</time></trkpt>
    <trkpt lat="29.72" lon="105.73"><time>2024-01-08T08:20:00Z</time></trkpt>
  </trkseg></trk>
</gpx>"""


def test_gpx_gives_tracks_by_default_and_waypoints_on_request(tmp_path):
    path = tmp_path / "ride.gpx"
    path.write_text(GPX, encoding="utf-8")
    tracks = import_file(path)
    assert list(tracks.gdf.geom_type) == ["MultiLineString"]
    assert tracks.gdf["name"][0] == "骑行"
    assert tracks.gdf["start_time"][0].startswith("2024-01-08T08:00")
    assert any("waypoints (1)" in line.text("en") for line in tracks.report)
    waypoints = import_file(path, layer="waypoints")
    assert waypoints.gdf["name"][0] == "大足石刻"
    assert waypoints.gdf.geometry[0].x == pytest.approx(105.7208)
    assert list_layers(path) == ["tracks", "waypoints"]


def test_csv_with_chinese_column_names_and_dms_values(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("名称,纬度,经度\n大足,29°42′27\"N,105°43'15\"E\n资阳,30.1289,104.6276\n", encoding="utf-8")
    result = import_file(path)
    assert list(result.gdf["名称"]) == ["大足", "资阳"]
    p = result.gdf.geometry[0]
    assert p.x == pytest.approx(105 + 43 / 60 + 15 / 3600) and p.y == pytest.approx(29 + 42 / 60 + 27 / 3600)
    assert any("degrees-minutes-seconds" in line.text("en") for line in result.report)
    assert any("assumed WGS84" in line.text("en") for line in result.report)


@pytest.mark.parametrize("lon,lat", [("lng", "lat"), ("Longitude", "Latitude"), ("X", "Y"), ("经度_GCJ02", "纬度_GCJ02"), ("POINT_X", "POINT_Y")])
def test_csv_coordinate_columns_are_found_by_many_names(tmp_path, lon, lat):
    path = tmp_path / "t.csv"
    path.write_text(f"id,{lon},{lat}\n1,105.72,29.70\n", encoding="utf-8")
    g = import_file(path).gdf.geometry[0]
    assert (g.x, g.y) == (105.72, 29.70)


def test_csv_full_width_digits_are_read(tmp_path):
    path = tmp_path / "fw.csv"
    path.write_text("名称,经度,纬度\n大足,１０５．７２,２９．７０\n", encoding="utf-8")
    g = import_file(path).gdf.geometry[0]
    assert (g.x, g.y) == (105.72, 29.70)


def test_csv_semicolon_separated_gbk_is_read_with_right_names(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("名称;经度;纬度\n重庆市规划展览馆;106.5866;29.5636\n广阳岛;106.6706;29.5862\n".encode("gbk"))
    result = import_file(path)
    assert list(result.gdf["名称"]) == ["重庆市规划展览馆", "广阳岛"]
    assert any("GB18030" in line.text("en") for line in result.report)


def test_csv_with_wkt_column(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('name,WKT\nA,"LINESTRING (105.7 29.7, 104.6 30.1)"\n', encoding="utf-8")
    gdf = import_file(path).gdf
    assert gdf.geom_type[0] == "LineString" and "WKT" not in gdf.columns


def test_csv_without_coordinate_columns_names_what_it_expects(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataImportError, match="经度/纬度 or lon/lat"):
        import_file(path)


def test_xlsx_first_sheet_with_coordinates(tmp_path):
    import pandas as pd

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"说明": ["无坐标"]}).to_excel(xl, sheet_name="说明", index=False)
        pd.DataFrame({"名称": ["大足"], "经度": [105.7208], "纬度": [29.7075]}).to_excel(xl, sheet_name="点位", index=False)
    result = import_file(path)
    assert result.layer == "点位"
    assert result.gdf.geometry[0].x == pytest.approx(105.7208)
    assert list_layers(path) == ["说明", "点位"]


def test_geojson_feature_collection_keeps_properties(tmp_path):
    path = tmp_path / "fc.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name_zh": "大足区"}, "geometry": {"type": "Point", "coordinates": list(DAZU)}}]}),
        encoding="utf-8")
    assert import_file(path).gdf["name_zh"][0] == "大足区"


def test_wrong_extension_with_known_content_is_read_by_content(tmp_path):
    path = tmp_path / "really_a_gpkg.geojson"
    sample().to_file(path.with_suffix(".gpkg"))
    path.with_suffix(".gpkg").rename(path)
    result = import_file(path)
    assert len(result.gdf) == 2
    assert any("holds GPKG data" in line.text("en") for line in result.report)


def test_csv_progress_reports_and_cancel_stops(tmp_path):
    from geodata.core.feedback import Cancelled, Feedback
    from geodata.io.read_table import CSV_CHUNK_ROWS

    path = tmp_path / "big.csv"
    rows = "\n".join(f"{i},{105 + (i % 1000) / 1000:.4f},{29 + (i % 997) / 1000:.4f}" for i in range(120_000))
    path.write_text("id,lon,lat\n" + rows + "\n", encoding="utf-8")
    seen: list[tuple[float, str]] = []
    result = import_file(path, feedback=Feedback(lambda f, m: seen.append((f, m.text("en")))))
    assert len(result.gdf) == 120_000
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert [m for _, m in seen if "rows" in m] == ["reading big.csv: 50,000 rows", "reading big.csv: 100,000 rows",
                                                  "reading big.csv: 120,000 rows"]
    assert seen[0][1] == "reading big.csv" and seen[-1][1] == "done"

    feedback, chunks = cancel_at_first("rows")
    with pytest.raises(Cancelled):
        import_file(path, feedback=feedback)
    assert chunks == ["reading big.csv: 50,000 rows"] and CSV_CHUNK_ROWS == 50_000  # stopped between chunks


def test_csv_dms_pair_in_the_wrong_columns_is_skipped_not_silently_swapped(tmp_path):
    # 经度 holds 29°42′, 纬度 holds 105°43′: the header decides, so the row is unreadable, and said so.
    path = tmp_path / "swapped.csv"
    path.write_text("名称,经度,纬度\n大足,29°42′27\",105°43'15\"\n资阳,104°37′39\",30°7′44\"\n", encoding="utf-8")
    result = import_file(path)
    assert list(result.gdf["名称"]) == ["资阳"]
    assert any("1 of 2 features skipped (rows 2): coordinates cannot be read" in line.text("en") for line in result.report)

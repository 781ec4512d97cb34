"""CRS: declared ones are honoured (CGCS2000, GK zones, Xi'an 1980, Beijing 1954, UTM);
missing ones are guessed only when unambiguous, and the report says so."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geodata.io import crs_detect
from geodata.io.errors import DataImportError
from geodata.io.importer import import_file

DAZU = (105.7208, 29.7075)
GEOD = Geod(ellps="WGS84")


def one_point(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["大足"]}, geometry=[shapely.Point(*DAZU)], crs=4326).to_crs(crs)


def metres_from_dazu(gdf) -> float:
    p = gdf.geometry[0]
    return GEOD.inv(DAZU[0], DAZU[1], p.x, p.y)[2]


@pytest.mark.parametrize("epsg", [4490, 4523, 4536, 4499, 2379, 32648, 4610])
def test_declared_crs_from_prj_is_reprojected_to_wgs84(tmp_path, epsg):
    path = tmp_path / f"p{epsg}.shp"
    one_point(epsg).to_file(path)
    result = import_file(path)
    assert metres_from_dazu(result.gdf) < 0.01
    assert any("declared by the file" in line.text("en") for line in result.report)
    if epsg != 4326:
        assert any("reprojected from" in line.text("en") for line in result.report)


def test_beijing_1954_gets_a_real_datum_shift_and_xian80_a_ballpark_warning(tmp_path):
    one_point(4214).to_file(tmp_path / "bj54.gpkg")
    one_point(2379).to_file(tmp_path / "xa80.gpkg")
    bj = import_file(tmp_path / "bj54.gpkg")
    xa = import_file(tmp_path / "xa80.gpkg")
    assert metres_from_dazu(bj.gdf) < 1 and metres_from_dazu(xa.gdf) < 1
    assert any("Xian 1980" in line.text("en") and "~100 m" in line.text("en") for line in xa.report)


def test_missing_prj_with_gk_zone_prefix_is_read_as_that_zone_and_the_user_told(tmp_path):
    path = tmp_path / "gk.shp"
    one_point(4523).to_file(path)  # 3-degree zone 35: eastings 35 xxx xxx
    path.with_suffix(".prj").unlink()
    result = import_file(path)
    assert metres_from_dazu(result.gdf) < 0.01
    assert any("zone prefix 35" in line.text("en") and "EPSG:4523" in line.text("en") for line in result.report)


def test_missing_prj_with_degrees_in_china_is_assumed_wgs84_and_said(tmp_path):
    path = tmp_path / "deg.shp"
    one_point(4326).to_file(path)
    path.with_suffix(".prj").unlink()
    result = import_file(path)
    assert metres_from_dazu(result.gdf) < 0.01
    assert any("assumed WGS84" in line.text("en") for line in result.report)


def test_missing_prj_with_unprefixed_metres_is_refused_with_advice(tmp_path):
    path = tmp_path / "utm.shp"
    one_point(32648).to_file(path)  # easting ~572 000: the zone is not in the numbers
    path.with_suffix(".prj").unlink()
    with pytest.raises(DataImportError, match="--crs"):
        import_file(path)
    assert metres_from_dazu(import_file(path, crs="EPSG:32648").gdf) < 0.01


def test_swapped_lat_lon_is_detected_and_fixed(tmp_path):
    path = tmp_path / "swapped.csv"
    path.write_text("name,lon,lat\n大足,29.7075,105.7208\n资阳,30.1289,104.6276\n", encoding="utf-8")
    result = import_file(path)
    assert metres_from_dazu(result.gdf) < 0.01
    assert any("swapped" in line.text("en") for line in result.report)


def test_only_the_swapped_rows_of_a_point_table_are_swapped(tmp_path):
    path = tmp_path / "some.csv"
    path.write_text("name,lon,lat\n大足,105.7208,29.7075\n错,30.1289,104.6276\n", encoding="utf-8")
    result = import_file(path)
    xs = sorted(round(p.x, 4) for p in result.gdf.geometry)
    assert xs == [104.6276, 105.7208]
    assert any("1 points had latitude and longitude swapped" in line.text("en") for line in result.report)


def test_gcj02_datum_is_converted_to_wgs84(tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(*DAZU)
    path = tmp_path / "amap.csv"
    path.write_text(f"name,lng,lat\n大足,{gx},{gy}\n", encoding="utf-8")
    plain = import_file(path)
    converted = import_file(path, datum="gcj02")
    assert metres_from_dazu(plain.gdf) > 100  # the obfuscation moves points by hundreds of metres
    assert metres_from_dazu(converted.gdf) < 0.5
    assert any("GCJ-02" in line.text("en") and "prcoords" in line.text("en") for line in converted.report)


def test_unknown_datum_is_a_clear_error(tmp_path):
    with pytest.raises(DataImportError, match="unknown datum"):
        import_file(tmp_path / "x.csv", datum="mars2")


def test_geographic_crs_with_projected_numbers_is_refused(tmp_path):
    path = tmp_path / "lie.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                    '"geometry":{"type":"Point","coordinates":[35500000,3290000]}}]}', encoding="utf-8")
    with pytest.raises(DataImportError, match="outside longitude/latitude range"):
        import_file(path)


def test_gauss_kruger_prefix_guess_rejects_ranges_spanning_two_zones():
    assert crs_detect.gauss_kruger_from_prefix((35_400_000, 3_200_000, 36_400_000, 3_300_000)) is None
    assert crs_detect.gauss_kruger_from_prefix((18_500_000, 3_200_000, 18_600_000, 3_300_000)).to_epsg() == 4496


def test_datum_conversion_reports_progress_and_can_be_cancelled(tmp_path):
    from geodata.core.feedback import Cancelled, Feedback

    path = tmp_path / "many.csv"
    path.write_text("id,lng,lat\n" + "\n".join(f"{i},{105 + i / 1e6:.6f},29.7" for i in range(60_000)) + "\n", encoding="utf-8")
    steps: list[tuple[float, str]] = []

    def cancel_after_the_first_block(fraction, message):
        if "→ WGS84" in message.text("en"):
            steps.append((fraction, message.text("zh")))
            feedback.cancel()

    feedback = Feedback(cancel_after_the_first_block)
    with pytest.raises(Cancelled):
        import_file(path, datum="gcj02", feedback=feedback)
    # stopped after the first of three blocks of 20 000 points: 0.85 + 0.1 * 1/3
    assert steps == [(pytest.approx(0.85 + 0.1 / 3), "GCJ02 → WGS84")]


def _point_file(path, crs, lonlat=(105.72, 29.70)):
    gdf = gpd.GeoDataFrame({"name": ["大足"]}, geometry=[shapely.Point(*lonlat)], crs=4326)
    (gdf if crs == 4326 else gdf.to_crs(crs)).to_file(path)
    return path


def test_datum_is_offered_for_wgs84_like_lonlat_files_only(tmp_path):
    from geodata.io.importer import offers_datum

    csv_path = tmp_path / "t.csv"
    csv_path.write_text("name,lng,lat\n大足,105.72,29.70\n", encoding="utf-8")
    assert offers_datum(csv_path)
    assert offers_datum(_point_file(tmp_path / "a.geojson", 4326))
    assert offers_datum(_point_file(tmp_path / "a.shp", 4326))
    assert offers_datum(_point_file(tmp_path / "c.gpkg", 4490))  # CGCS2000 lon/lat: same question
    assert not offers_datum(_point_file(tmp_path / "gk.gpkg", 4544))  # projected metres: never GCJ-02
    assert not offers_datum(_point_file(tmp_path / "bj.shp", 4214))  # Beijing 1954 lon/lat: another ellipsoid
    noprj = _point_file(tmp_path / "noprj.shp", 4326)
    noprj.with_suffix(".prj").unlink()
    assert offers_datum(noprj)  # no CRS but degrees in China: read as WGS84, so ask
    assert not offers_datum(tmp_path / "missing.geojson")

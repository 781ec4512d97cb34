"""Text encodings: a GBK shapefile without .cpg, and CSVs in GBK and UTF-8, give the right names."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geodata.io.encoding_detect import cjk_plausibility, detect_dbf_encoding, guess_bytes_encoding
from geodata.io.importer import import_file

NAMES = ["大足区", "资阳市", "川渝高竹新区", "重庆市规划展览馆", "长安汽车全球研发中心"]


def write_gbk_shapefile(path):
    gdf = gpd.GeoDataFrame({"名称": NAMES, "备注": ["成渝中线铁路"] * 5},
                           geometry=[shapely.Point(105 + i / 10, 29.5 + i / 10) for i in range(5)], crs=4326)
    gdf.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink(missing_ok=True)  # the common case: no .cpg beside a GBK dbf
    return path


def test_gbk_dbf_without_cpg_is_detected_and_names_come_out_right(tmp_path):
    shp = write_gbk_shapefile(tmp_path / "gbk.shp")
    assert not shp.with_suffix(".cpg").exists()
    guess = detect_dbf_encoding(shp)
    assert guess.encoding in ("gb18030", "gbk")
    result = import_file(shp)
    assert list(result.gdf["名称"]) == NAMES
    assert list(result.gdf.columns[:2]) == ["名称", "备注"]
    assert any("GB18030" in line.text("en") or "GBK" in line.text("en") for line in result.report)


def test_utf8_dbf_without_cpg_stays_utf8(tmp_path):
    path = tmp_path / "utf8.shp"
    gpd.GeoDataFrame({"名称": NAMES}, geometry=[shapely.Point(105, 29.5)] * 5, crs=4326).to_file(path, encoding="utf-8")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert detect_dbf_encoding(path).encoding == "utf-8"
    assert list(import_file(path).gdf["名称"]) == NAMES


def test_cpg_is_trusted_when_present(tmp_path):
    path = tmp_path / "declared.shp"
    gpd.GeoDataFrame({"名称": NAMES}, geometry=[shapely.Point(105, 29.5)] * 5, crs=4326).to_file(path, encoding="gbk")
    path.with_suffix(".cpg").write_text("936")
    guess = detect_dbf_encoding(path)
    assert guess.source == "cpg" and guess.encoding == "gbk"


def test_mojibake_scores_lower_than_real_names():
    raw = "".join(NAMES).encode("gbk")
    assert cjk_plausibility(raw.decode("gb18030")) == 1.0
    assert cjk_plausibility(raw.decode("latin-1")) < 0.2
    assert guess_bytes_encoding(raw)[0] == "gb18030"
    assert guess_bytes_encoding("".join(NAMES).encode("utf-8"))[0] == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_names_survive_each_common_encoding(tmp_path, encoding):
    path = tmp_path / f"{encoding}.csv"
    rows = "\n".join(f"{n},{105 + i / 10},{29.5 + i / 10}" for i, n in enumerate(NAMES))
    path.write_bytes(f"名称,经度,纬度\n{rows}\n".encode(encoding))
    assert list(import_file(path).gdf["名称"]) == NAMES


GPX_NAMES = ["大足石刻宝顶山", "北山摩崖造像", "龙水湖度假区", "双桥经开区"]


def _gbk_gpx(declaration: str) -> bytes:
    body = "".join(f'<wpt lat="29.{70 + i}" lon="105.{72 + i}"><name>{n}</name><desc>现场核查点位{i + 1}</desc></wpt>'
                   for i, n in enumerate(GPX_NAMES))
    xml = f'{declaration}<gpx version="1.1" creator="测试" xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>'
    return xml.encode("gbk")


@pytest.mark.parametrize(("declaration", "said"), [
    ('<?xml version="1.0" encoding="GBK"?>\n', "declared in the file"),
    ('<?xml version="1.0"?>\n', "no encoding declared"),
    ("", "no encoding declared"),
    ('<?xml version="1.0" encoding="UTF-8"?>\n', "declared UTF-8 does not fit the bytes"),  # a lying app
])
def test_gbk_gpx_names_come_out_right_declared_or_not(tmp_path, declaration, said):
    from geodata.fieldcheck.check import read_observations

    path = tmp_path / "survey.gpx"
    path.write_bytes(_gbk_gpx(declaration))
    result = import_file(path)
    assert list(result.gdf["name"]) == GPX_NAMES
    assert result.gdf["description"].iloc[0] == "现场核查点位1"
    assert any("GB18030" in line.text("en") and said in line.text("en") for line in result.report), result.report
    assert list(read_observations(path)["obs_name"]) == GPX_NAMES  # the field check reads it the same way


def test_utf8_gpx_stays_utf8(tmp_path):
    path = tmp_path / "survey.gpx"
    path.write_bytes(_gbk_gpx('<?xml version="1.0" encoding="UTF-8"?>\n').decode("gbk").encode("utf-8"))
    result = import_file(path)
    assert list(result.gdf["name"]) == GPX_NAMES
    assert any("UTF-8 (declared in the file)" in line.text("en") for line in result.report)

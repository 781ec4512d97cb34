"""Report lines are Messages: Chinese (shown first in the window) and English, each complete."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geodata.core.message import Message
from geodata.io.export_vector import save_layer
from geodata.io.importer import import_file


def has_cjk(s: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in s)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")  # no .prj is the point of the test
def test_every_line_of_a_busy_import_has_chinese_and_english(tmp_path):
    shp = tmp_path / "busy.shp"
    gdf = gpd.GeoDataFrame({"名称": ["大足", "坏"]}, geometry=[
        shapely.Polygon([(29.5, 105.5), (29.9, 105.9), (29.5, 105.9), (29.9, 105.5)]),  # bow-tie, lat/lon order
        shapely.Polygon([(29.6, 105.6), (29.7, 105.6), (29.7, 105.7)]),
    ])
    gdf.to_file(shp, encoding="gbk")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    result = import_file(shp)
    assert any("swapped" in line.text("en") for line in result.report) and any("repaired" in line.text("en") for line in result.report)
    for line in result.report:
        assert isinstance(line, Message), line
        assert has_cjk(line.text("zh")) and not has_cjk(line.text("en").replace("大足", "")), line
    saved = save_layer(result.gdf, tmp_path / "out.shp")
    assert all(isinstance(line, Message) and has_cjk(line.text("zh")) for line in saved.report)


def test_single_feature_import_report_says_feature_not_features(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("name,经度,纬度\n大足,105.72,29.70\n", encoding="utf-8")
    report = import_file(path).report
    assert report[-1].text("en") == "1 feature (Point), lon 105.7200–105.7200, lat 29.7000–29.7000"
    assert report[-1].text("zh") == "1 个要素（Point），经度 105.7200–105.7200，纬度 29.7000–29.7000"


def test_the_report_counts_thousands_with_separators(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("id,经度,纬度\n" + "".join(f"{i},105.{i:04d},29.7\n" for i in range(1200)), encoding="utf-8")
    assert import_file(path).report[-1].text("en").startswith("1,200 features (Point), lon 105.0000–105.1199")


def test_zip_without_a_shapefile_says_so_first(tmp_path):
    import zipfile

    import pytest

    from geodata.io.errors import DataImportError

    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "")
    with pytest.raises(DataImportError) as caught:
        import_file(archive)
    assert str(caught.value) == ("docs.zip 中没有 Shapefile，其中的 readme.txt 也无法读取 / holds no shapefile, and "
                                 "readme.txt inside it could not be read: readme.txt 没有数据行 / has no rows")
    assert caught.value.message.text("zh") == "docs.zip 中没有 Shapefile，其中的 readme.txt 也无法读取"

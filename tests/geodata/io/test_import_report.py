"""Report lines carry Chinese (shown first in the window) and English (CLI, logs)."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geodata.io.export_vector import save_layer
from geodata.io.import_report import Note, text
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
    assert any("swapped" in line for line in result.report) and any("repaired" in line for line in result.report)
    for line in result.report:
        assert isinstance(line, Note), line
        assert has_cjk(text(line, "zh")) and not has_cjk(text(line, "en").replace("大足", "")), line
    saved = save_layer(result.gdf, tmp_path / "out.shp")
    assert all(isinstance(line, Note) and has_cjk(line.zh) for line in saved.report)


def test_text_passes_plain_strings_through():
    assert text("plain", "zh") == "plain" and text(Note("中文", "English"), "en") == "English"


@pytest.mark.parametrize("n, zh, en", [(0, "0 个要素", "0 features"), (1, "1 个要素", "1 feature"),
                                       (2, "2 个要素", "2 features")])
def test_feature_count_is_singular_for_one_in_english(n, zh, en):
    from geodata.io.import_report import feature_count

    assert (feature_count(n, "zh"), feature_count(n, "en")) == (zh, en)


def test_single_feature_import_report_says_feature_not_features(tmp_path):
    from geodata.io.importer import import_file

    path = tmp_path / "one.csv"
    path.write_text("name,经度,纬度\n大足,105.72,29.70\n", encoding="utf-8")
    lines = [str(note) for note in import_file(path).report]  # a Note is its English text
    assert any(line.startswith("1 feature (") for line in lines), lines
    assert not any("1 features" in line for line in lines)


def test_zip_without_a_shapefile_says_so_first(tmp_path):
    import zipfile

    import pytest

    from geodata.io.importer import DataImportError, import_file

    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "")
    with pytest.raises(DataImportError) as caught:
        import_file(archive)
    message = str(caught.value)
    assert message.startswith("docs.zip 中没有 Shapefile") and "holds no shapefile" in message and "readme.txt" in message

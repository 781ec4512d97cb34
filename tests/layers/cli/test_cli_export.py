"""The export CLI: bad input exits 2 with a clear message and writes nothing."""
from __future__ import annotations

import pytest

from tests.layers.cli_run import run_main as _run


def _nothing_written(folder):
    return [p.name for p in folder.iterdir()] == []


def test_unknown_theme_exits_2_names_the_choices_and_writes_nothing(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--theme", "spaceflight"], capsys)
    assert code == 2
    assert "spaceflight" in err and "transport (交通)" in err
    assert _nothing_written(tmp_path)


def test_unknown_format_exits_2_and_writes_nothing(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.bmp")], capsys)
    assert code == 2 and ".bmp" in err
    assert _nothing_written(tmp_path)


def test_unknown_status_and_preset_exit_2(tmp_path, capsys):
    assert _run(["export", str(tmp_path / "m.png"), "--status", "dreaming"], capsys)[0] == 2
    code, _, err = _run(["export", str(tmp_path / "m.pdf"), "--preset", "letter"], capsys)
    assert code == 2 and "a4-portrait" in err
    assert _nothing_written(tmp_path)


@pytest.mark.parametrize("bbox", ["1,2,3", "106,30,105,31", "a,b,c,d"])
def test_bad_bbox_exits_2(tmp_path, capsys, bbox):
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--bbox", bbox], capsys)
    assert code == 2 and "--bbox" in err
    assert _nothing_written(tmp_path)


def test_theme_accepts_keys_chinese_labels_and_commas():
    from layers.cli.export_commands import parse_statuses, parse_themes

    assert parse_themes(["交通", "ecology,文化旅游"]) == ("transport", "ecology", "culture_tourism")
    assert parse_statuses(["建成/运营", "在建"]) == ("operating", "under_construction")


def test_export_with_chinese_theme_writes_png_and_world_file(tmp_path, capsys):
    out = tmp_path / "transport.png"
    code, stdout, _ = _run(["export", str(out), "--theme", "交通", "--preset", "a4-landscape", "--dpi", "40"], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transport.pgw", "transport.png", "transport.prj"]
    assert str(out) in stdout


def test_unknown_district_exits_2_with_a_suggestion_and_writes_nothing(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--district", "大足去"], capsys)
    assert code == 2 and "大足区" in err
    assert _nothing_written(tmp_path)


def test_unknown_extent_layer_exits_2(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.svg"), "--extent-layer", "nope"], capsys)
    assert code == 2 and "nope" in err
    assert _nothing_written(tmp_path)


def test_html_goes_to_the_web_export_with_the_filter_title_and_language(tmp_path, capsys):
    from layers.model.document import MapDocument
    from layers.model.filter import Filter
    from tests.layers.web.test_export_web import drawn, legend_and_title, tile_urls

    out = tmp_path / "m.html"
    code, stdout, err = _run(["export", str(out), "--theme", "transport", "--title", "交通图", "--lang", "en",
                              "--basemap", "none", "--offline"], capsys)
    assert code == 0 and stdout.strip() == str(out) and err == ""
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]
    text = out.read_text(encoding="utf-8")
    document = MapDocument.from_bundle()
    document.set_filter(Filter(themes=("transport",)))
    projects = document.layer("projects")
    assert len(drawn(text, "projects")) == int(projects.data[document.filter.mask(projects)].shape[0]) > 0
    title, legend = legend_and_title(text)
    assert title.startswith("<h1>交通图</h1>") and "Filter: Transport" in title  # the options reached the page
    assert "Scripts are inlined: this page needs no network." in legend and tile_urls(text) == []
    assert "<script src=" not in text


def test_html_with_the_amap_basemap_says_on_stderr_that_coordinates_are_gcj02(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.html"), "--theme", "energy", "--basemap", "amap", "--lang", "en"],
                        capsys)
    assert code == 0 and err.strip() == "note: Basemap Amap/Gaode uses GCJ-02: every feature on this page was " \
        "converted from WGS84 to GCJ-02 so that it aligns; do not read its coordinates as WGS84."


def test_export_batch_writes_one_image_per_theme(tmp_path, capsys):
    from PySide6.QtGui import QImage

    from geodata.core.themes import THEMES

    code, stdout, _ = _run(["export-batch", str(tmp_path), "--dpi", "25"], capsys)
    assert code == 0
    assert stdout.split() == [str(tmp_path / f"{key}.png") for key in THEMES]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{key}.{ext}" for key in THEMES
                                                                 for ext in ("pgw", "png", "prj"))
    for key in THEMES:
        image = QImage(str(tmp_path / f"{key}.png"))
        assert (image.width(), image.height()) == (292, 207), key  # A4 landscape at 25 dpi


def test_batch_titles_name_the_theme_in_the_chosen_language():
    from layers.cli.export_commands import _theme_title

    assert _theme_title("transport", "zh") == "成渝地区双城经济圈 · 交通"
    assert _theme_title("ecology", "en") == "Chengdu–Chongqing Economic Circle · Ecology"


def test_write_sample_writes_the_slide_png_and_prints_its_path(tmp_path, monkeypatch, capsys):
    from PySide6.QtGui import QImage

    from layers.cli.export_commands import write_sample

    monkeypatch.chdir(tmp_path)
    assert write_sample() == 0
    path = tmp_path / "out" / "sample-map.png"
    assert capsys.readouterr().out.strip() == str(path.resolve())
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1920, 1080)


def test_export_to_a_bbox_and_to_a_layer_extent_write_their_files(tmp_path, capsys):
    import re
    import xml.etree.ElementTree as ET

    assert _run(["export", str(tmp_path / "box.pdf"), "--bbox", "105.5,29.4,106.1,29.9", "--dpi", "50"], capsys)[0] == 0
    assert _run(["export", str(tmp_path / "circle.svg"), "--extent-layer", "circle", "--no-inset"], capsys)[0] == 0
    data = (tmp_path / "box.pdf").read_bytes()
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert data.startswith(b"%PDF") and (float(box.group(1)), float(box.group(2))) == pytest.approx((841.89, 595.28), abs=1)
    root = ET.parse(tmp_path / "circle.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("viewBox") == "0 0 3508 2480"  # A4 landscape at the default 300 dpi
    assert len(root.findall(f".//{ns}clipPath")) == 1  # the map frame only: --no-inset


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_the_web_only_option_on_a_page_export_exits_2_names_it_and_writes_nothing(tmp_path, capsys, suffix):
    code, out, err = _run(["export", str(tmp_path / f"m{suffix}"), "--basemap", "none", "--offline"], capsys)
    assert code == 2 and out == ""
    assert "--offline" in err and ".html" in err and "--basemap" not in err  # --basemap works for every format
    assert _nothing_written(tmp_path)


def test_page_only_tile_options_on_a_web_map_are_refused(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.html"), "--tile-cache", str(tmp_path / "c"),
                         "--tile-timeout", "3"], capsys)
    assert code == 2 and "--tile-cache" in err and "--tile-timeout" in err and "png/svg/pdf" in err
    assert _nothing_written(tmp_path)


def test_errors_read_in_both_languages_unless_lang_picks_one(tmp_path, capsys):
    argv = ["export", str(tmp_path / "m.png"), "--bbox", "1,2,3"]
    assert _run(argv, capsys)[2] == ("错误 / error: --bbox '1,2,3'：应为 西,南,东,北 四个数，不是 3 个 / "
                                     "--bbox '1,2,3': expected four numbers W,S,E,N, got 3\n")
    assert _run(argv + ["--lang", "en"], capsys)[2] == "error: --bbox '1,2,3': expected four numbers W,S,E,N, got 3\n"
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--district", "大足去", "--lang", "zh"], capsys)
    assert code == 2 and err == "错误: 未知区县 '大足去'；是否指 大足区？\n"
    assert _nothing_written(tmp_path)


def _square_file(path, lon=105.72, lat=29.70, half=0.15):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame({"name": ["试验地块"]}, geometry=[shapely.box(lon - half, lat - half, lon + half, lat + half)],
                           crs=4326)
    gdf.to_file(path, driver="GeoJSON")
    return path


def _reddish(path):
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return int(((rgb[..., 0] - rgb[..., 1] > 40) & (rgb[..., 0] - rgb[..., 2] > 40)).sum())


def test_export_with_user_layers_draws_them_and_a_bad_file_exits_2(tmp_path, capsys):
    square = _square_file(tmp_path / "square.geojson")
    box = ["--bbox", "105.4,29.4,106.0,29.95", "--dpi", "40", "--no-inset"]
    assert _run(["export", str(tmp_path / "plain.png"), *box], capsys)[0] == 0
    code, out, _ = _run(["export", str(tmp_path / "with.png"), *box, "--layer", str(square)], capsys)
    assert code == 0 and "with.png" in out
    assert _reddish(tmp_path / "with.png") > _reddish(tmp_path / "plain.png") + 2000  # the user's square is drawn
    (tmp_path / "junk.geojson").write_text("not json at all")
    code, _, err = _run(["export", str(tmp_path / "x.png"), *box, "--layer", str(tmp_path / "junk.geojson")], capsys)
    assert code == 2 and "junk" in err and not (tmp_path / "x.png").exists()


def test_export_of_a_saved_project_draws_its_user_layers_and_says_what_is_missing(tmp_path, capsys):
    from layers.cli.user_layers import import_layers, user_map_layers
    from layers.model.document import MapDocument
    from layers.model.filter import Filter
    from layers.model.project_file import save_project

    square = _square_file(tmp_path / "square.geojson")
    doc = MapDocument.from_bundle()
    for layer in user_map_layers(import_layers([(square, None)]), doc.layer_names()):
        doc.add_layer(layer)
    doc.set_filter(Filter(themes=frozenset({"ecology"})))
    project = save_project(doc, tmp_path / "plan.cyproj")
    box = ["--bbox", "105.4,29.4,106.0,29.95", "--dpi", "40", "--no-inset"]
    code, _, _ = _run(["export", str(tmp_path / "proj.png"), *box, "--project", str(project)], capsys)
    assert code == 0
    assert _run(["export", str(tmp_path / "plain.png"), *box], capsys)[0] == 0
    assert _reddish(tmp_path / "proj.png") > _reddish(tmp_path / "plain.png") + 2000
    square.unlink()  # the project's file went missing: said on stderr, the rest exported
    code, _, err = _run(["export", str(tmp_path / "gone.png"), *box, "--project", str(project)], capsys)
    assert code == 0 and "square" in err and (tmp_path / "gone.png").exists()
    code, _, err = _run(["export", str(tmp_path / "n.png"), "--project", str(tmp_path / "none.cyproj")], capsys)
    assert code == 2 and "none.cyproj" in err

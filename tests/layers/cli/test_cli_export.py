"""The export CLI: bad input exits 2 with a clear message and writes nothing."""
from __future__ import annotations

import pytest

import main


def _run(argv, capsys):
    code = main.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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


def test_html_goes_to_the_web_export_or_says_it_is_missing(tmp_path, capsys):
    import importlib.util

    out = tmp_path / "m.html"
    code, _, err = _run(["export", str(out), "--theme", "transport"], capsys)
    if importlib.util.find_spec("layers.web.export_html") is None:
        assert code == 2 and "HTML export is not available" in err
        assert _nothing_written(tmp_path)
    else:
        assert code == 0 and out.stat().st_size > 0


def test_export_batch_writes_one_image_per_theme(tmp_path, capsys):
    from geodata.core.themes import THEMES

    code, stdout, _ = _run(["export-batch", str(tmp_path), "--dpi", "25"], capsys)
    assert code == 0
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(THEMES)
    assert len(stdout.split()) == len(THEMES)


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
    assert _run(["export", str(tmp_path / "box.pdf"), "--bbox", "105.5,29.4,106.1,29.9", "--dpi", "50"], capsys)[0] == 0
    assert _run(["export", str(tmp_path / "circle.svg"), "--extent-layer", "circle", "--no-inset"], capsys)[0] == 0
    assert (tmp_path / "box.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in (tmp_path / "circle.svg").read_bytes()[:400]


@pytest.mark.parametrize("extra, named", [
    (["--basemap", "amap"], "--basemap"),
    (["--basemap", "osm"], "--basemap"),
    (["--tianditu-key", "k123"], "--tianditu-key"),
    (["--offline"], "--offline"),
])
@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_web_only_options_on_a_page_export_exit_2_name_the_option_and_write_nothing(tmp_path, capsys, extra,
                                                                                     named, suffix):
    code, out, err = _run(["export", str(tmp_path / f"m{suffix}"), *extra], capsys)
    assert code == 2 and out == ""
    assert named in err and ".html" in err
    assert _nothing_written(tmp_path)


def test_web_only_options_together_are_all_named(tmp_path, capsys):
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--basemap", "none", "--offline"], capsys)
    assert code == 2 and "--basemap" in err and "--offline" in err
    assert _nothing_written(tmp_path)

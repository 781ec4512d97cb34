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
    from layers.cli_export import parse_statuses, parse_themes

    assert parse_themes(["交通", "ecology,文化旅游"]) == ("transport", "ecology", "culture_tourism")
    assert parse_statuses(["建成/运营", "在建"]) == ("operating", "under_construction")

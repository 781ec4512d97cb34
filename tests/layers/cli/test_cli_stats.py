"""`python main.py stats`: the printed table, the CSV that reopens with the same numbers, the chart."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from tests.layers.cli_run import run_main as _run
from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.model.stats import compute_stats


@pytest.fixture(scope="module")
def document():
    return MapDocument.from_bundle()


def test_table_prints_chinese_labels_and_the_filtered_counts(capsys, document):
    code, out, _ = _run(["stats", "--by", "status", "--theme", "交通", "--lang", "zh"], capsys)
    assert code == 0
    expected = compute_stats(document, "status", Filter(themes=["transport"]))
    assert "按状态统计" in out and "在建" in out and "合计" in out and "重点项目" in out
    total_line = next(line for line in out.splitlines() if "合计" in line)
    numbers = [int(n) for n in total_line.replace("│", " ").split() if n.isdigit()]
    assert numbers[:3] == [expected.total.projects, expected.total.project_lines, expected.total.partnerships]
    assert expected.total.projects == int(Filter(themes=["transport"]).mask(document.layer("projects")).sum())


def test_english_with_lang_en(capsys):
    code, out, _ = _run(["stats", "--by", "theme", "--lang", "en"], capsys)
    assert code == 0 and "By Theme" in out and "Transport" in out and "交通" not in out


def test_csv_reopens_with_the_same_numbers(tmp_path, capsys, document):
    out = tmp_path / "by-district.csv"
    code, _, err = _run(["stats", "--by", "district", "--status", "在建", "--csv", str(out)], capsys)
    assert code == 0 and str(out) in err
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = compute_stats(document, "district", Filter(statuses=["under_construction"]))
    assert len(rows) == len(table.rows) + 1 and rows[-1]["key"] == "total"
    for row, expected in zip(rows, (*table.rows, table.total)):
        assert row["key"] == expected.key and row["label_zh"] == expected.label.text("zh")
        assert (int(row["projects"]), int(row["project_lines"]), int(row["partnerships"])) == \
            (expected.projects, expected.project_lines, expected.partnerships)
        assert int(row["investment_count"]) == 0 and row["investment_yi"] == ""
    assert rows[0]["label_zh"] == "大足区"
    assert [p.name for p in tmp_path.iterdir()] == ["by-district.csv"]  # no temporary file left


def _ink(path):
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return pixels, (np.abs(pixels - 255).sum(axis=2) > 60)


def test_chart_png_has_bars_and_chinese_labels(tmp_path, capsys):
    out = tmp_path / "chart.png"
    code, _, _ = _run(["stats", "--by", "theme", "--chart", str(out)], capsys)
    assert code == 0
    pixels, ink = _ink(out)
    assert ink.mean() > 0.05
    blue = (np.abs(pixels - np.array([0x1f, 0x5f, 0xbf])).sum(axis=2) < 30).sum()
    assert blue > 2000  # the projects series
    # the labels column left of the bars holds glyphs (a missing CJK font draws nothing or boxes)
    left = ink[:, : pixels.shape[1] // 12]
    assert left.sum() > 500


def test_chart_svg_keeps_chinese_as_glyph_paths(tmp_path, capsys):
    out = tmp_path / "chart.svg"
    assert _run(["stats", "--by", "status", "--chart", str(out)], capsys)[0] == 0
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<path" in text and "#1f5fbf" in text


@pytest.mark.parametrize("argv, needle", [
    (["stats", "--by", "theme", "--theme", "spaceflight"], "spaceflight"),
    (["stats", "--by", "theme", "--status", "dreaming"], "dreaming"),
    (["stats", "--by", "district", "--district", "Atlantis"], "Atlantis"),
    (["stats", "--by", "theme", "--chart", "x.pdf"], "--chart"),
    (["stats", "--by", "theme", "--csv", "x.txt"], "--csv"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(argv, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and out == ""
    assert list(tmp_path.iterdir()) == []


def test_unknown_grouping_exits_2(capsys):
    code, _, err = _run(["stats", "--by", "colour"], capsys)
    assert code == 2 and "colour" in err

"""The map year by year: GIF/MP4 frames that reopen, the year in each title, features accumulating."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image, ImageSequence

from tests.layers.cli_run import run_main as _run
from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.model.style import THEME_STYLE
from layers.model.timeline import UP_TO, parse_year_range, timeline_year, up_to
from layers.page.export_animation import export_by_year

THEME_RGB = np.array([[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour, _ in THEME_STYLE.values()])


def theme_pixels(frame) -> int:
    """Pixels within a small distance of a theme colour (projects, project lines, partnerships)."""
    px = np.asarray(frame.convert("RGB")).astype(int)
    distance = np.abs(px[:, :, None, :] - THEME_RGB[None, None]).sum(axis=3).min(axis=2)
    return int((distance < 40).sum())


@pytest.fixture(scope="module")
def document():
    return MapDocument.from_bundle()


def test_gif_has_one_cumulative_frame_per_year(tmp_path, document):
    out = tmp_path / "years.gif"
    result = export_by_year(document, out, years=(2021, 2027), preset="a4-landscape", dpi=72)
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 7 and gif.size == result.size
        counts = [theme_pixels(frame) for frame in ImageSequence.Iterator(gif)]
    # each frame's own adaptive palette moves theme colours by a few units: a palette entry crossing
    # the distance threshold shifts a count by a few per cent (1190 -> 1143 once, from 2026-12 label
    # halos differing in a few antialiased pixels); a frame losing a year's features loses far more
    assert all(later >= earlier * 0.95 for earlier, later in zip(counts, counts[1:])), counts
    assert counts[-1] > counts[0]
    drawn = [d.get("projects", 0) for d in result.drawn]
    projects = document.layer("projects")
    assert drawn == [int(up_to(Filter(), y).mask(projects).sum()) for y in range(2021, 2028)]
    assert drawn[0] < drawn[-1] and sorted(drawn) == drawn
    assert [p.name for p in tmp_path.iterdir()] == ["years.gif"]


def test_cli_gif_title_band_changes_every_frame(tmp_path, capsys):
    # the year in the title makes every frame differ, even where no feature is added (2025–2027):
    # Pillow merges identical frames, and the GIF would have fewer than one a year
    out = tmp_path / "by-year.gif"
    code, stdout, _ = _run(["export", str(out), "--by-year", "2024:2027", "--preset", "a4-landscape", "--dpi", "50"],
                           capsys)
    assert code == 0 and str(out) in stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 4
        bands = [np.asarray(frame.convert("L"))[: gif.size[1] // 12] for frame in ImageSequence.Iterator(gif)]
    assert all((a != b).any() for a, b in zip(bands, bands[1:]))  # the year in the title


def test_mp4_reopens_with_a_frame_per_year(tmp_path, document):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    out = tmp_path / "years.mp4"
    export_by_year(document, out, years=(2022, 2024), preset="a4-landscape", dpi=40)
    frames, _seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 4  # three years, the last shown twice as long


def test_mp4_without_imageio_ffmpeg_exits_2_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails as if not installed
    code, _, err = _run(["export", str(tmp_path / "m.mp4"), "--by-year"], capsys)
    assert code == 2 and "imageio-ffmpeg" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, needle", [
    (["m.gif"], "--by-year"),
    (["m.png", "--by-year"], ".gif or .mp4"),
    (["m.gif", "--by-year", "2027:2021"], "FROM"),
    (["m.gif", "--by-year", "twenty"], "FROM:TO"),
    (["m.gif", "--by-year", "--theme", "spaceflight"], "spaceflight"),
])
def test_bad_animation_options_exit_2(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["export", *argv], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_year_range_and_timeline_rules():
    assert parse_year_range(None) == (2021, 2027) and parse_year_range("") == (2021, 2027)
    assert parse_year_range("2023") == (2023, 2023) and parse_year_range("2022:") == (2022, 2027)
    assert parse_year_range("：2024") == (2021, 2024)
    flt = up_to(Filter(themes=["transport"], year_min=2022, keep_undated=True), 2024)
    assert (flt.year_min, flt.year_max, flt.themes, flt.keep_undated) == (None, 2024, ("transport",), True)
    assert timeline_year(flt) == 2024 and timeline_year(Filter(year_min=2022, year_max=2024)) is None
    assert timeline_year(Filter(year_max=2040)) is None
    assert UP_TO.format(year=2023).text("zh") == "截至 2023 年" and UP_TO.format(year=2023).text("en") == "Up to 2023"


def test_undated_features_follow_keep_undated(document):
    projects = document.layer("projects")
    undated = int(projects.data["year"].isna().sum())
    dated_2023 = int((projects.data["year"] <= 2023).sum())
    assert int(up_to(Filter(), 2023).mask(projects).sum()) == dated_2023
    assert int(up_to(Filter(keep_undated=True), 2023).mask(projects).sum()) == dated_2023 + undated
    partnerships = document.layer("partnerships")  # no year field: a year filter leaves them alone
    assert up_to(Filter(), 2021).mask(partnerships).all()


def test_keep_undated_draws_the_undated_projects_in_every_frame(tmp_path, document):
    doc = document.snapshot()
    doc.set_filter(Filter(keep_undated=True))
    result = export_by_year(doc, tmp_path / "kept.gif", years=(2021, 2022), preset="a4-landscape", dpi=40)
    projects = document.layer("projects").data
    undated = int(projects["year"].isna().sum())
    assert [d["projects"] for d in result.drawn] == [undated + int((projects["year"] <= y).sum()) for y in (2021, 2022)]


def test_cli_keep_undated_flag(tmp_path, capsys):
    frames = {}
    for name, extra in (("kept", ["--keep-undated"]), ("plain", [])):
        out = tmp_path / f"{name}.gif"
        code, _, _ = _run(["export", str(out), "--by-year", "2021", *extra, "--preset", "a4-landscape", "--dpi", "40"],
                          capsys)
        assert code == 0
        with Image.open(out) as gif:
            frames[name] = np.asarray(gif.convert("RGB"))
    assert (frames["kept"] != frames["plain"]).any()
    code, _, err = _run(["export", str(tmp_path / "m.png"), "--keep-undated"], capsys)
    assert code == 2 and "--by-year" in err

"""The field-check PDF: summary table and one map per flagged project with its arrow."""
from __future__ import annotations

import subprocess
import unicodedata

import geopandas as gpd
import pytest
from PySide6.QtGui import QColor, QImage
from pyproj import Geod
from shapely.geometry import Point, box

from geodata.core.feedback import Cancelled, Feedback
from geodata.coords import datums as coords
from geodata.fieldcheck.check import check_file
from layers.model.document import MapDocument, MapLayer
from layers.page.field_check_report import ARROW_COLOR, discrepancy_map, map_extent, write_report
from geodata.coords.projection import lonlat_to_display
from tests.conftest import require_tool

GEOD = Geod(ellps="WGS84")
REGISTRY = [("P001", "大足石刻宝顶山", 105.8087, 29.7477), ("P002", "天府广场", 104.0657, 30.6595),
            ("P003", "解放碑", 106.5770, 29.5576)]


@pytest.fixture()
def document() -> MapDocument:
    areas = gpd.GeoDataFrame({"name_zh": ["大足", "成都", "渝中"], "adcode": ["1", "2", "3"], "in_circle": [1, 1, 1],
                              "partial": [0, 0, 0]},
                             geometry=[box(105.6, 29.6, 106.0, 29.9), box(103.9, 30.5, 104.2, 30.8),
                                       box(106.4, 29.4, 106.7, 29.7)], crs="EPSG:4326")
    return MapDocument(layers=[MapLayer(name="districts", data=areas)])


@pytest.fixture()
def result(tmp_path):
    registry = gpd.GeoDataFrame({"id": [r[0] for r in REGISTRY], "name_zh": [r[1] for r in REGISTRY]},
                                geometry=[Point(r[2], r[3]) for r in REGISTRY], crs="EPSG:4326")
    lines = ["id,name,lon,lat"]
    for pid, name, lon, lat in REGISTRY:
        lon2, lat2, _ = GEOD.fwd(lon, lat, 60.0, 20.0 if pid == "P002" else 500.0)
        x, y = coords.wgs84_to_gcj02(lon2, lat2)
        lines.append(f"{pid},{name},{x:.7f},{y:.7f}")
    path = tmp_path / "obs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return check_file(path, registry, datum="gcj02", tolerance_m=200)


def pdf_text(pdftotext: str, path) -> str:
    # NFKC: poppler maps some Noto CJK glyphs to Kangxi radicals (⽂ for 文).
    out = subprocess.run([pdftotext, "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", out)


def is_arrow_red(color: QColor) -> bool:
    red = QColor(ARROW_COLOR)
    return abs(color.red() - red.red()) < 40 and abs(color.green() - red.green()) < 40 and abs(color.blue() - red.blue()) < 40


def test_map_extent_contains_both_points_with_margin():
    obs, reg = (105.8, 29.75), (105.83, 29.76)
    x0, y0, x1, y1 = map_extent(obs, reg, 1.8)
    xs, ys = lonlat_to_display([obs[0], reg[0]], [obs[1], reg[1]])
    assert all(x0 < x < x1 for x in xs) and all(y0 < y < y1 for y in ys)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.8)


def test_discrepancy_map_draws_the_arrow_between_observed_and_registered(result, document):
    row = result.flagged.iloc[0]
    image = discrepancy_map(document, row, 600, 340, dpi=96)
    assert isinstance(image, QImage) and (image.width(), image.height()) == (600, 340)
    # Arrow pixels lie on the segment observed -> registered, and nowhere near the image corners.
    x0, y0, x1, y1 = map_extent((row["obs_lon"], row["obs_lat"]), (row["reg_lon"], row["reg_lat"]), 600 / 340)
    (ox, rx), (oy, ry) = lonlat_to_display([row["obs_lon"], row["reg_lon"]], [row["obs_lat"], row["reg_lat"]])
    scale = 600 / (x1 - x0)
    px = lambda x, y: (int((x - x0) * scale), int((y1 - y) * scale))
    reds_on_line = 0
    for t in (0.3, 0.4, 0.5, 0.6):
        cx, cy = px(ox + t * (rx - ox), oy + t * (ry - oy))
        reds_on_line += any(is_arrow_red(image.pixelColor(cx + dx, cy + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    assert reds_on_line >= 3
    assert not is_arrow_red(image.pixelColor(10, 10)) and not is_arrow_red(image.pixelColor(590, 330))
    # The district fill is drawn under the arrow (the renderer ran), not the plain background.
    assert image.pixelColor(300, 20).name() == "#fbf1d6"


def test_pdf_has_summary_table_and_a_map_per_flagged_project(tmp_path, result, document):
    pdftotext = require_tool("pdftotext")
    out = write_report(result, tmp_path / "report.pdf", document=document, lang="zh")
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdftotext, out)
    assert "实地核查报告" in text and "超差项目 (2)" in text
    for name in ("大足石刻宝顶山", "天府广场", "解放碑"):
        assert name in text
    assert "P001" in text and "P003" in text and "gcj02" in text  # digits after letters survive extraction
    assert text.count("超差") >= 3  # summary, two table rows, the section heading
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv", "report.pdf"]


def test_pdf_pages_show_red_arrows_when_rasterised(tmp_path, result, document):
    pdftoppm = require_tool("pdftoppm")
    out = write_report(result, tmp_path / "report.pdf", document=document, lang="en")
    subprocess.run([pdftoppm, "-r", "72", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2  # table + first map, then the second map
    for page in pages:  # each page holds one map whose arrow is ~60 px long, ~2 px wide at 72 dpi
        image = QImage(str(page))
        reds = sum(is_arrow_red(image.pixelColor(x, y)) for x in range(image.width()) for y in range(image.height()))
        assert reds > 60, page.name


def test_report_without_flagged_projects_says_so(tmp_path, result, document):
    pdftotext = require_tool("pdftotext")
    result.rows["status"] = "ok"
    out = write_report(result, tmp_path / "ok.pdf", document=document, lang="en")
    text = pdf_text(pdftotext, out)
    assert "No project is beyond the tolerance." in text


@pytest.mark.parametrize("cancel_at", [1, 2])
def test_cancel_during_a_map_leaves_the_old_file_and_no_temporary_one(tmp_path, result, document, cancel_at):
    """Cancelled while the first map (the report goes on to the next) or the last one is drawn."""
    out = tmp_path / "c.pdf"
    out.write_bytes(b"old")
    maps = []

    def progress(fraction, message):
        if message.text("en") != "done":
            maps.append(message.text("en"))
        if len(maps) == cancel_at:
            feedback.cancel()

    feedback = Feedback(progress)
    with pytest.raises(Cancelled):
        write_report(result, out, document=document, feedback=feedback)
    assert maps == ["P001 大足石刻宝顶山", "P003 解放碑"][:cancel_at]  # P002 is within the tolerance
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "obs.csv"]


def test_progress_names_each_flagged_map_then_says_done(tmp_path, result, document):
    seen = []
    write_report(result, tmp_path / "r.pdf", document=document, feedback=Feedback(lambda f, m: seen.append((f, m.text("en")))))
    assert seen == [(0.0, "P001 大足石刻宝顶山"), (0.5, "P003 解放碑"), (1.0, "done")]


def test_wrong_suffix_is_refused(tmp_path, result, document):
    with pytest.raises(ValueError, match=".pdf"):
        write_report(result, tmp_path / "r.png", document=document)


def _with_projects(document: MapDocument, ids_and_points) -> MapDocument:
    projects = gpd.GeoDataFrame({"id": [i for i, _ in ids_and_points], "name_zh": [f"项目{i}" for i, _ in ids_and_points],
                                 "themes": ["industry"] * len(ids_and_points), "status": ["planned"] * len(ids_and_points)},
                                geometry=[p for _, p in ids_and_points], crs="EPSG:4326")
    document.add_layer(MapLayer(name="projects", data=projects))
    return document


def test_flagged_project_map_draws_only_that_project_not_its_neighbours(result, document):
    from layers.model.document import MapDocument as Doc
    from layers.model.filter import Filter
    from layers.render.renderer import render_image
    from layers.render.request import MapRequest

    row = result.flagged.iloc[0]  # P001 (大足石刻宝顶山)
    reg = Point(row["reg_lon"], row["reg_lat"])
    # A district seat's crowd: twelve other projects on the registered point and one 600 m south.
    crowd = [("P001", reg)] + [(f"N{i:02d}", reg) for i in range(12)] + [("S", Point(reg.x, reg.y - 0.0054))]
    crowded = _with_projects(document, crowd)
    crowded.set_filter(Filter(themes=("ecology",)))  # the window's filter hides P001; the report map does not
    alone = _with_projects(Doc(layers=[MapLayer(name="districts", data=document.layer("districts").data)]), crowd[:1])
    focused = discrepancy_map(crowded, row, 600, 340, dpi=96)
    assert focused == discrepancy_map(alone, row, 600, 340, dpi=96)
    # The neighbours are inside that extent: drawn as the document stands, the map differs.
    extent = map_extent((row["obs_lon"], row["obs_lat"]), (row["reg_lon"], row["reg_lat"]), 600 / 340)
    crowded.set_filter(Filter())
    assert render_image(MapRequest(document=crowded, extent=extent, width=600, height=340, dpi=96)) != \
        render_image(MapRequest(document=alone, extent=extent, width=600, height=340, dpi=96))
    assert len(crowded.layer("projects").data) == 14  # the caller's document is unchanged


def test_pdf_table_shows_a_name_tie_note_under_its_row(tmp_path, result, document):
    pdftotext = require_tool("pdftotext")
    result.rows["match_note"] = ""
    result.rows.loc[1, "match_note"] = "名称并列 / name tie among 2, same place, first taken: P002 天府广场, P009 天府广场东"
    text = pdf_text(pdftotext, write_report(result, tmp_path / "zh.pdf", document=document, lang="zh"))
    expected = unicodedata.normalize("NFKC", "备注：名称并列：P002 天府广场, P009 天府广场东")  # as pdf_text reads
    assert expected in text.replace("\n", "")
    text = pdf_text(pdftotext, write_report(result, tmp_path / "en.pdf", document=document, lang="en"))
    assert "Note: name tie among 2, same place, first taken" in text and "名称并列" not in text

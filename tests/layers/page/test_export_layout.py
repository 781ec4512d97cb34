"""Presentation export: files reopen at the asked size/DPI, georeference, measure and list truly."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geodata.core.feedback import Cancelled, Feedback
from geodata.coords.projection import display_to_lonlat, lonlat_bounds_to_display, lonlat_to_display
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.style import LayerStyle, Style
from layers.page.export_map import export_map
from layers.page.extent import resolve_extent
from layers.page.world_file import WorldFile
from tests.conftest import require_tool

PROBE_LON, PROBE_LAT = 105.72, 29.70  # 大足 area, well inside the display projection's sweet spot
MAGENTA = (255, 0, 255)


def _image_array(path):
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return image, arr[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def _probe_document() -> MapDocument:
    gdf = gpd.GeoDataFrame({"name_zh": ["探针"]}, geometry=[Point(PROBE_LON, PROBE_LAT)], crs=4326)
    style = LayerStyle(base=Style(fill="#ff00ff", stroke=None, symbol="square", symbol_size_pt=4))
    return MapDocument(layers=[MapLayer(name="probe", data=gdf, style=style, show_labels=False)])


def _projects_document() -> MapDocument:
    gdf = gpd.GeoDataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "name_zh": ["交通甲", "生态乙", "生态丙"],
            "themes": ["transport", "ecology", "ecology,water"],
            "status": ["operating", "operating", "planned"],
            "year": [2023, 2024, 2027],
        },
        geometry=[Point(105.6, 29.6), Point(105.8, 29.8), Point(105.7, 29.7)],
        crs=4326,
    )
    return MapDocument(layers=[MapLayer(name="projects", data=gdf, title_zh="重点项目", title_en="Projects")])


@pytest.fixture(scope="module")
def bundle_doc():
    return MapDocument.from_bundle()


def test_png_reopens_with_preset_pixels_and_dpi_and_shows_the_renderers_map(tmp_path, bundle_doc):
    from layers.render.renderer import render_image
    from layers.render.request import MapRequest

    out = tmp_path / "map.png"
    steps = []
    result = export_map(bundle_doc, out, preset="a4-portrait", dpi=100,
                        feedback=Feedback(lambda f, m: steps.append((f, m.text("en")))))
    assert steps == [(0.0, "layout"), (0.1, "map"), (0.6, "furniture"), (0.85, "writing PNG"), (1.0, "done")]
    image, arr = _image_array(out)
    assert (image.width(), image.height()) == (827, 1169)
    assert image.dotsPerMeterX() * 0.0254 == pytest.approx(100, abs=0.01)
    left, top, w, h = (int(v) for v in result.layout.map_frame)
    # the map frame holds exactly the window's renderer output for the same extent (pixel for
    # pixel), away from the frame line, the scale bar (lower left) and the north arrow (upper right)
    alone = render_image(MapRequest(document=bundle_doc, extent=result.extent, width=w, height=h, dpi=100,
                                    labels=True, language="zh")).convertToFormat(image.format())
    expected = np.frombuffer(alone.constBits(), np.uint8).reshape(h, alone.bytesPerLine())[:, : w * 3].reshape(h, w, 3)
    inner = (slice(h // 4, 3 * h // 4), slice(w // 4, 3 * w // 4))
    page_frame = arr[top : top + h, left : left + w]
    assert np.array_equal(page_frame[inner], expected[inner])
    assert len(np.unique(expected[inner].reshape(-1, 3), axis=0)) > 50  # and that is a drawn map
    assert tuple(arr[2, 2]) == (255, 255, 255)  # the page margin is white paper
    assert result.files == [out, tmp_path / "map.pgw", tmp_path / "map.prj"]
    assert "Lambert_Conformal_Conic" in (tmp_path / "map.prj").read_text()
    assert result.drawn.get("districts", 0) > 100


def test_slide_preset_is_1920_by_1080(tmp_path, bundle_doc):
    out = tmp_path / "slide.png"
    export_map(bundle_doc, out, preset="slide-16x9", inset=False)
    image, _ = _image_array(out)
    assert (image.width(), image.height()) == (1920, 1080)


def test_world_file_places_a_rendered_point_within_one_pixel(tmp_path):
    doc = _probe_document()
    out = tmp_path / "probe.png"
    bbox = (PROBE_LON - 0.9, PROBE_LAT - 0.4, PROBE_LON + 0.3, PROBE_LAT + 0.5)  # point off-centre on purpose
    result = export_map(doc, out, preset="a4-landscape", dpi=120, extent=bbox, inset=False)
    _, arr = _image_array(out)
    left, top, w, h = (int(v) for v in result.layout.map_frame)
    ys, xs = np.nonzero(np.all(arr[top : top + h, left : left + w] == MAGENTA, axis=2))  # not the legend's swatch
    xs, ys = xs + left, ys + top
    assert len(xs) > 4
    world = WorldFile.parse((tmp_path / "probe.pgw").read_text())
    col, row = world.map_to_pixel(*lonlat_to_display(PROBE_LON, PROBE_LAT))
    assert abs(xs.mean() - col) < 1.0 and abs(ys.mean() - row) < 1.0


def test_scale_bar_drawn_length_matches_geodesic_distance_within_one_percent(tmp_path, bundle_doc):
    out = tmp_path / "bar.png"
    result = export_map(bundle_doc, out, preset="a4-landscape", dpi=150, extent="district:大足区", inset=False)
    _, arr = _image_array(out)
    x0, y0 = result.scale_bar_origin
    bar = result.scale_bar
    row = arr[int(y0) - 3]  # just above the baseline, inside the bar's blocks
    start, stop = int(x0) - 10, int(x0 + bar.pixels) + 10
    dark = np.nonzero(np.all(row[start:stop] < 80, axis=1))[0] + start
    drawn_px = dark.max() - dark.min() + 1
    assert drawn_px == pytest.approx(bar.pixels, abs=2.5)
    # measure the drawn bar independently: world file -> display CRS -> lon/lat -> ellipsoid
    world = WorldFile.parse((tmp_path / "bar.pgw").read_text())
    # outer edges of the first and last dark pixels (world-file indices name pixel centres)
    lon1, lat1 = display_to_lonlat(*world.pixel_to_map(dark.min() - 0.5, y0))
    lon2, lat2 = display_to_lonlat(*world.pixel_to_map(dark.max() + 0.5, y0))
    ground = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]
    assert ground == pytest.approx(bar.length_m, rel=0.01)


def test_folded_legend_lists_one_entry_per_theme_drawn_and_the_status_key_once(tmp_path):
    doc = _projects_document()
    doc.set_filter(Filter(themes=("transport",)))
    bbox = (105.4, 29.4, 106.0, 30.0)
    result = export_map(doc, tmp_path / "legend.png", preset="a4-landscape", dpi=80, extent=bbox, inset=False)
    assert [(e.layer, e.key) for e in result.legend] == [("projects", "transport"), ("status", "operating")]
    assert result.drawn == {"projects": 1}
    doc.set_filter(Filter())
    result = export_map(doc, tmp_path / "all.png", preset="a4-landscape", dpi=80, extent=bbox, inset=False)
    # ecology drawn operating and planned: one ecology entry (the solid symbol), statuses in the key
    assert [(e.layer, e.key, e.count) for e in result.legend] == [
        ("projects", "transport", 1), ("projects", "ecology", 2), ("status", "operating", 2), ("status", "planned", 1)]
    assert result.legend[1].style.fill == "#2b8a3e"  # ecology's solid symbol, not the hollow planned one


def test_svg_is_vector_with_paths_and_text(tmp_path, bundle_doc):
    out = tmp_path / "map.svg"
    export_map(bundle_doc, out, preset="a4-landscape", dpi=72, title="成渝测试图", inset=True)
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}path")) > 100
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{ns}text"))
    assert "成渝测试图" in texts and "图例" in texts
    assert not root.findall(f".//{ns}image")  # the map is not a pasted bitmap
    # the map and the inset are clipped to their frames (Qt's generator writes no clips itself)
    clipped = [g for g in root.iter(f"{ns}g") if g.get("clip-path")]
    assert len(root.findall(f".//{ns}clipPath")) == 2 and len(clipped) == 2
    assert len(clipped[0].findall(f".//{ns}path")) > 100
    assert not [g for g in root.iter(f"{ns}g") if (g.get("fill") or "").startswith("#fe0")]  # markers gone


def _share(pixels, colour, tolerance=3) -> float:
    return float(np.all(np.abs(pixels.astype(int) - np.array(colour)) <= tolerance, axis=-1).mean())


def test_pdf_has_the_preset_page_size_and_rasterises_to_the_map_on_white_paper(tmp_path, bundle_doc):
    out = tmp_path / "map.pdf"
    result = export_map(bundle_doc, out, preset="a3-landscape", dpi=150)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and float(box.group(1)) == pytest.approx(1190.55, abs=1.5) and float(box.group(2)) == pytest.approx(841.89, abs=1.5)
    pdftoppm = require_tool("pdftoppm")
    subprocess.run([pdftoppm, "-r", "20", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    _, arr = _image_array(pages[0])
    assert arr.shape[:2] == (234, 331)  # A3 landscape at 20 dpi
    scale = 20 / 150
    left, top, w, h = (round(v * scale) for v in result.layout.map_frame)
    frame = arr[top + 3 : top + h - 3, left + 3 : left + w - 3]
    # the map frame is the map: the renderer's background (#dfe9f0) around the circle's districts (#fbf1d6)
    assert _share(frame, (0xDF, 0xE9, 0xF0)) > 0.15 and _share(frame, (0xFB, 0xF1, 0xD6)) > 0.05
    assert _share(frame, (255, 255, 255), 0) < 0.02
    margin = round(result.layout.map_frame[0] * scale) - 1  # the page margin, left and top: white paper
    assert _share(arr[:margin], (255, 255, 255), 0) == 1.0 and _share(arr[:, :margin], (255, 255, 255), 0) == 1.0


def test_an_export_cancelled_before_it_starts_writes_nothing(tmp_path, bundle_doc):
    feedback = Feedback()
    feedback.cancel()
    with pytest.raises(Cancelled):
        export_map(bundle_doc, tmp_path / "cancel.pdf", preset="a4-portrait", dpi=72, feedback=feedback)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
@pytest.mark.parametrize("step", ["map", "furniture", "inset", "last"])
def test_an_export_cancelled_while_painting_leaves_the_old_file_and_no_temporary_one(tmp_path, bundle_doc, suffix,
                                                                                  step):
    """Cancelled while the page is being written (inside the atomic write): the file that was
    there stays as it was, and the half-painted page is not left beside it."""
    out = tmp_path / f"map{suffix}"
    out.write_bytes(b"old")
    seen = []

    def progress(fraction, message):
        seen.append(message.text("en"))
        # "last": the last report before the file is complete (PNG: its encoding; SVG/PDF without
        # an inset: the furniture), so only the export's own final check can notice
        last = "writing PNG" if suffix == ".png" else "furniture"
        if message.text("en") == (last if step == "last" else step):
            feedback.cancel()

    feedback = Feedback(progress)
    with pytest.raises(Cancelled):
        export_map(bundle_doc, out, preset="a4-portrait", dpi=40, extent="district:大足区", inset=step != "last",
                   feedback=feedback)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert "done" not in seen


def test_failure_during_the_page_leaves_no_partial_file(tmp_path, bundle_doc):
    calls = []

    def progress(fraction, message):
        calls.append(message.text("en"))
        if message.text("en") == "furniture":
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        export_map(bundle_doc, tmp_path / "half.png", preset="a4-portrait", dpi=72, feedback=Feedback(progress))
    assert list(tmp_path.iterdir()) == []
    assert calls == ["layout", "map", "furniture"]


def test_extent_by_district_layer_and_bbox(bundle_doc):
    dazu = resolve_extent(bundle_doc, "district:大足")
    assert 20_000 < dazu[2] - dazu[0] < 80_000  # a county, not the region
    x, y = lonlat_to_display(105.72, 29.70)
    assert dazu[0] < x < dazu[2] and dazu[1] < y < dazu[3]
    assert resolve_extent(bundle_doc, (105, 29, 106, 30)) == pytest.approx(lonlat_bounds_to_display((105, 29, 106, 30)))
    circle = resolve_extent(bundle_doc, "layer:circle")
    assert circle[2] - circle[0] > 400_000
    with pytest.raises(ValueError, match="did you mean"):
        resolve_extent(bundle_doc, "district:大足去")
    with pytest.raises(ValueError, match="unknown layer"):
        resolve_extent(bundle_doc, "layer:nope")


def test_unsupported_format_is_refused_before_writing(tmp_path, bundle_doc):
    with pytest.raises(ValueError, match="unsupported format"):
        export_map(bundle_doc, tmp_path / "map.gif")
    assert list(tmp_path.iterdir()) == []


def test_inset_appears_by_default_only_when_zoomed_in(tmp_path, bundle_doc):
    whole = export_map(bundle_doc, tmp_path / "whole.png", preset="a4-landscape", dpi=40)
    zoomed = export_map(bundle_doc, tmp_path / "zoom.png", preset="a4-landscape", dpi=40, extent="district:大足区")
    assert whole.layout.inset is None and zoomed.layout.inset is not None
    _, arr = _image_array(tmp_path / "zoom.png")
    left, top, w, h = (int(v) for v in zoomed.layout.inset)
    red = np.all(arr[top : top + h, left : left + w] == (214, 39, 40), axis=2)  # the current-extent box
    assert red.sum() > 10


def test_legend_heads_layers_with_several_classes_and_names_a_one_class_layer_in_its_row():
    from layers.page.layout_geometry import compute_layout, preset
    from layers.page.legend_panel import legend_plan
    from layers.render.request import LegendEntry

    def entry(layer, key, label):
        return LegendEntry(layer, f"{layer}图层", f"{layer} layer", key, label, label, Style(), "point", 1)

    layout = compute_layout(preset("a4-landscape"), 100, inset=False)
    plan = legend_plan(layout, [entry("seats", "city", "市驻地"), entry("seats", "district", "区县驻地"),
                                entry("pairs", "ecology", "生态环保"), entry("circle", "", "经济圈")], "zh")
    rows = [(p.row.kind, p.row.label) for p in plan.rows]
    assert rows == [("heading", "seats图层"), ("entry", "市驻地"), ("entry", "区县驻地"),
                    ("entry", "pairs图层：生态环保"), ("entry", "经济圈")]
    assert [p.row.lead for p in plan.rows if p.row.kind == "entry"] == ["", "", "pairs图层：", "经济圈"]
    assert plan.fits and len({p.column for p in plan.rows}) == 1


def test_plan_page_resolves_the_same_page_the_export_writes(tmp_path, bundle_doc):
    from layers.page.page_plan import plan_page

    bundle_doc.set_filter(Filter(themes=("transport",)))
    try:
        plan = plan_page(bundle_doc, preset="a4-portrait", dpi=50, extent="district:大足区")
        result = export_map(bundle_doc, tmp_path / "p.png", preset="a4-portrait", dpi=50, extent="district:大足区")
    finally:
        bundle_doc.set_filter(Filter())
    assert plan.subtitle == "筛选：交通" and plan.inset is True
    assert plan.layout == result.layout and plan.extent == pytest.approx(result.extent)


def test_english_page_has_english_furniture(tmp_path, bundle_doc):
    out = tmp_path / "en.svg"
    export_map(bundle_doc, out, preset="slide-16x9", language="en", extent="district:Dazu District")
    root = ET.parse(out).getroot()
    texts = "".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Chengdu–Chongqing Economic Circle" in texts and "Legend" in texts and "Sources:" in texts
    assert "图例" not in texts


def test_pdf_title_with_digits_after_letters_extracts_whole(tmp_path):
    pdftotext = require_tool("pdftotext")
    out = tmp_path / "g348.pdf"
    export_map(_projects_document(), out, preset="a4-landscape", title="G348 邮亭过境段", inset=False,
               extent=(105.4, 29.4, 106.0, 30.0))
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "G348 邮亭过境段" in text


def _dazu_transport_ecology_legend(bundle_doc, tmp_path, language="en", preset="a4-portrait"):
    from layers.render.legend import legend_blocks

    bundle_doc.set_filter(Filter(themes=("transport", "ecology"), districts=("500111",)))  # 大足区
    try:
        result = export_map(bundle_doc, tmp_path / "dazu.png", preset=preset, dpi=40, language=language,
                            extent="district:大足区")
    finally:
        bundle_doc.set_filter(Filter())
    return result, legend_blocks(result.legend, language)


def test_legend_for_dazu_transport_ecology_heads_each_group_and_names_one_class_layers(tmp_path, bundle_doc):
    _, blocks = _dazu_transport_ecology_legend(bundle_doc, tmp_path)
    assert [b.heading for b in blocks if b.heading] == [
        "Projects", "Project lines", "Railways", "Expressways", "Districts and counties", "Status"]
    for block in blocks:  # a heading sits only over its own layer's entries
        assert {r.entry.layer for r in block.rows} == {block.layer}
    expressways = next(b for b in blocks if b.heading == "Expressways")
    assert [r.label for r in expressways.rows] == ["Expressway", "National road"]
    singles = [b.rows[0].label for b in blocks if b.heading is None]
    assert "Partnerships: Ecology" in singles and "Stations" in singles
    assert [b.layer for b in blocks].index("partnerships") > [b.layer for b in blocks].index("expressways")


def test_a4_portrait_legend_never_ends_a_column_with_a_heading_nor_splits_the_status_key(tmp_path, bundle_doc):
    from layers.page.legend_panel import legend_plan

    result, _ = _dazu_transport_ecology_legend(bundle_doc, tmp_path)
    plan = legend_plan(result.layout, result.legend, "en")
    columns: dict[int, list] = {}
    for p in plan.rows:
        columns.setdefault(p.column, []).append(p)
    assert all(rows[-1].row.kind == "entry" for rows in columns.values())
    status = {p.column for p in plan.rows if p.row.entry is not None and p.row.entry.layer == "status"}
    heading = next(p for p in plan.rows if p.row.kind == "heading" and p.row.text == "Status")
    assert status == {heading.column} and len([p for p in plan.rows if p.column == heading.column]) >= 4
    assert len([p for p in plan.rows if p.row.kind == "entry"]) == len(result.legend)  # none dropped


PRINT_PRESETS = ("a4-portrait", "a4-landscape", "a3-portrait", "a3-landscape")


def _assert_legend_legible(result, language, minimum_pt):
    from layers.page.furniture import page_font
    from layers.page.legend_panel import legend_plan

    layout = result.layout
    plan = legend_plan(layout, result.legend, language)
    assert plan.printed_pt >= minimum_pt
    # the type really set: the font's pixel size is the printed size on this page (± rounding)
    assert page_font(layout, plan.size_pt).pixelSize() >= layout.pt(minimum_pt) - 0.5
    assert plan.fits
    left, top, width, height = layout.legend
    for p, (x, y, w, h) in zip(plan.rows, plan.boxes):  # every row whole inside the frame, unshortened
        col_right = left + layout.mm(2 * layout.scale) + plan.column_x[p.column] + plan.column_width[p.column]
        assert left <= x and x + w <= col_right <= left + width + 0.5, p
        assert top <= y and y + h <= top + height, p
    assert len([p for p in plan.rows if p.row.kind == "entry"]) == len(result.legend)  # no class dropped


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("name", PRINT_PRESETS)
def test_full_map_legend_is_set_at_seven_points_or_more_with_every_row_inside_its_frame(tmp_path, bundle_doc, name,
                                                                                      language):
    result = export_map(bundle_doc, tmp_path / "full.png", preset=name, dpi=100, language=language)
    assert len(result.legend) > 30  # the full map's legend: every theme, seat, line kind, status
    _assert_legend_legible(result, language, 7.0)


def test_slide_legend_is_set_in_proportion_to_print_with_every_row_inside(tmp_path, bundle_doc):
    result = export_map(bundle_doc, tmp_path / "slide.png", preset="slide-16x9", language="en")
    _assert_legend_legible(result, "en", 7.0 * result.layout.scale)


@pytest.mark.parametrize("name", ["a4-portrait", "a4-landscape"])
def test_filtered_district_legend_is_legible_and_leaves_the_map_its_room(tmp_path, bundle_doc, name):
    from layers.page.layout_geometry import compute_layout

    result, _ = _dazu_transport_ecology_legend(bundle_doc, tmp_path, preset=name)
    _assert_legend_legible(result, "en", 7.0)
    full = export_map(bundle_doc, tmp_path / "full.png", preset=name, dpi=40, language="en").layout
    smallest = compute_layout(result.layout.preset, 40, inset=result.layout.inset is not None,
                              subtitle=True).legend
    # a short legend takes no more room than the full map's
    assert result.layout.legend[2] * result.layout.legend[3] <= full.legend[2] * full.legend[3]
    assert result.layout.legend[2] * result.layout.legend[3] >= smallest[2] * smallest[3] * 0.99


def test_a_wide_cased_line_swatch_ends_clear_of_its_label():
    from PySide6.QtGui import QImage, QPainter

    from layers.page.legend_panel import SWATCH_GAP, draw_legend, legend_plan
    from layers.page.layout_geometry import compute_layout, preset
    from layers.render.request import LegendEntry

    style = Style(stroke="#0000ff", width_pt=3.0, casing="#000000", casing_width_pt=6.0)
    entry = LegendEntry("rail", "铁路", "Railways", "hsr", "高速铁路", "High-speed rail", style, "line", 1)
    layout = compute_layout(preset("a4-landscape"), 150, inset=False)
    image = QImage(layout.width_px, layout.height_px, QImage.Format.Format_RGB888)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    draw_legend(painter, layout, [entry], "en")
    painter.end()
    plan = legend_plan(layout, [entry], "en")
    x, y, w, h = plan.boxes[0]
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    band = arr[int(y) + 1: int(y + h) - 1, : image.width() * 3].reshape(int(y + h) - 1 - int(y) - 1, image.width(), 3)
    inked = (band[:, int(x):int(x + w) + 2].min(axis=2) < 200).any(axis=0)  # columns with ink in the row
    runs, start = [], None  # ink runs along the row: the swatch, then the label's glyphs
    for i, on in enumerate(inked.tolist() + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    swatch_end, text_start = runs[0][1], runs[1][0]
    assert (runs[0][1] - runs[0][0]) > 0.9 * plan.row  # the first run is the swatch's line
    assert text_start - swatch_end >= 0.8 * SWATCH_GAP * plan.row  # a clear gap, not a touch


def test_no_map_label_is_placed_under_the_scale_bar_of_a_page(monkeypatch):
    """A labelled point right under the page's scale bar: its label goes elsewhere or not at all."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from layers.page import furniture, page_plan

    doc = _projects_document()
    plan = page_plan.plan_page(doc, dpi=96, inset=False)
    x, y, w, h = furniture.scale_bar_box(plan.layout, plan.extent, "zh")
    frame = plan.layout.map_frame
    from layers.render.request import ViewTransform

    view = ViewTransform.fit(plan.extent, int(frame[2]), int(frame[3]))
    lon, lat = display_to_lonlat(*view.to_map(x + w * 0.4, y + h / 2))
    under = gpd.GeoDataFrame({"id": ["bar"], "name_zh": ["比例尺下的名称"], "themes": ["transport"],
                              "status": ["planned"]}, geometry=[Point(lon, lat)], crs=4326)
    doc.add_layer(MapLayer(name="under", data=under, label_field="name_zh", show_labels=True))

    def labels_of(keep_clear_too: bool):
        if not keep_clear_too:
            monkeypatch.setattr(page_plan, "scale_bar_box", lambda *a: (0.0, 0.0, 0.0, 0.0))
        image = QImage(plan.layout.width_px, plan.layout.height_px, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:
            result, _, _ = page_plan.paint_page(painter, plan.layout, doc, plan.extent, title="t", subtitle=None,
                                                language="zh", inset=False)
        finally:
            painter.end()
        return [lab.rect for lab in result.labels if lab.feature_id == "bar"]

    box = QRectF(x, y, w, h)
    assert not any(rect.intersects(box) for rect in labels_of(True))
    assert any(rect.intersects(box) for rect in labels_of(False))  # the check can fail

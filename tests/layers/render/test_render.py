import numpy as np
import pytest
from PySide6.QtGui import QColor

from geodata.core.feedback import Feedback

from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from geodata.coords.projection import lonlat_bounds_to_display, lonlat_to_display
from layers.render.renderer import render, render_image, render_with_result
from layers.render.draw_selection import SELECTION_COLOR
from layers.render.request import DEFAULT_BACKGROUND, MapRequest, ViewTransform
from layers.model.style import LayerStyle, Style
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf

EXTENT = lonlat_bounds_to_display((103.9, 28.9, 106.1, 30.1))
RED = "#ff0000"


def doc_with_projects(**kw) -> MapDocument:
    style = LayerStyle(base=Style(fill=RED, stroke=None, symbol="square", symbol_size_pt=12))
    return MapDocument([MapLayer("projects", projects_gdf(), style=style, label_field=None)], **kw)


def pixel_at(image, lon, lat, extent=EXTENT):
    view = ViewTransform.fit(extent, image.width(), image.height())
    x, y = lonlat_to_display(lon, lat)
    px, py = view.to_pixel(x, y)
    return QColor(image.pixel(int(px), int(py)))


def is_red(c: QColor) -> bool:
    return c.red() > 200 and c.green() < 60 and c.blue() < 60


def test_visible_point_is_drawn_and_filtered_out_point_is_gone():
    doc = doc_with_projects()
    image = render_image(MapRequest(doc, extent=EXTENT, width=400, height=300, labels=False))
    assert is_red(pixel_at(image, 104.5, 29.5))
    assert is_red(pixel_at(image, 105.5, 29.5))
    assert not is_red(pixel_at(image, 105.0, 29.9))  # nothing there

    doc.set_filter(Filter(themes=["industry"]))
    image = render_image(MapRequest(doc, extent=EXTENT, width=400, height=300, labels=False))
    assert not is_red(pixel_at(image, 104.5, 29.5))  # culture project filtered out
    assert is_red(pixel_at(image, 105.5, 29.5))  # industry project still there


def test_hidden_layer_draws_nothing():
    doc = doc_with_projects()
    doc.set_visible("projects", False)
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=300))
    assert not is_red(pixel_at(image, 104.5, 29.5))
    assert result.drawn == {} and result.legend == []


def test_drawn_counts_follow_filter_and_extent():
    doc = doc_with_projects()
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=200, height=200))
    assert result.drawn["projects"] == 3
    west_only = lonlat_bounds_to_display((104.2, 29.3, 104.8, 29.7))
    _, result = render_with_result(MapRequest(doc, extent=west_only, width=200, height=200))
    assert result.drawn["projects"] == 1


def test_legend_lists_exactly_the_classes_drawn():
    doc = MapDocument([
        MapLayer("districts", districts_gdf()),
        MapLayer("railways", railway_gdf()),
        MapLayer("projects", projects_gdf()),
    ])
    doc.set_filter(Filter(statuses=["operating", "planned"]))
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=300, height=200))
    got = {(e.layer, e.key) for e in result.legend}
    assert got == {
        ("projects", "culture_tourism|operating"),
        ("projects", "industry|planned"),
        ("railways", "high_speed|operating"),
        ("districts", "1|0"),
    }
    labels = {e.key: e.label_zh for e in result.legend}
    assert labels["industry|planned"] == "产业协作 · 规划"
    # topmost layer first
    assert [e.layer for e in result.legend][0] == "projects"


def test_selection_is_highlighted():
    doc = doc_with_projects()
    req = MapRequest(doc, extent=EXTENT, width=400, height=300, labels=False, selection={"projects": ["p-west"]})
    image = render_image(req)
    plain = render_image(MapRequest(doc, extent=EXTENT, width=400, height=300, labels=False))
    view = ViewTransform.fit(EXTENT, 400, 300)
    ring_px = round(7 * 96 / 72)  # the ring's radius: 7 pt at 96 dpi
    px, py = view.to_pixel(*lonlat_to_display(104.5, 29.5))
    assert QColor(image.pixel(int(px) + ring_px, int(py))).name() == SELECTION_COLOR
    assert QColor(plain.pixel(int(px) + ring_px, int(py))).name() == DEFAULT_BACKGROUND
    ex, ey = view.to_pixel(*lonlat_to_display(105.5, 29.5))  # the unselected project: no ring
    assert QColor(image.pixel(int(ex) + ring_px, int(ey))).name() == DEFAULT_BACKGROUND


def test_dpi_scales_symbol_size():
    doc = doc_with_projects()
    ext = lonlat_bounds_to_display((104.4, 29.4, 104.6, 29.6))

    def red_pixels(dpi, size):
        img = render_image(MapRequest(doc, extent=ext, width=size, height=size, dpi=dpi, labels=False))
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(size, img.bytesPerLine() // 4, 4)[:, :size]
        return int(((arr[..., 2] > 200) & (arr[..., 1] < 60)).sum())  # BGRA

    small, big = red_pixels(96, 200), red_pixels(288, 600)
    assert 7 < big / small < 11  # 3x the dpi: 9x the symbol area


def test_labels_are_placed_without_overlap():
    doc = MapDocument([MapLayer("projects", projects_gdf(), label_field="name_zh")])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=500, height=350))
    assert sorted(p.text for p in result.labels) == sorted(projects_gdf()["name_zh"])  # room for all three
    rects = [p.rect for p in result.labels]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b)


def test_english_labels_when_document_language_is_en():
    doc = MapDocument([MapLayer("projects", projects_gdf(), label_field="name_zh")], language="en")
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=800, height=500))
    assert "East industrial park" in {p.text for p in result.labels}


def test_a_cancelled_feedback_stops_the_render_without_raising():
    doc = doc_with_projects()
    feedback = Feedback()
    feedback.cancel()
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=100, height=100), feedback)
    assert result.cancelled
    assert result.drawn == {} and result.legend == [] and result.labels == []


class _CancelAfter(Feedback):
    """Cancelled from the n-th time the renderer asks (as if the user moved on mid-frame)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.asked = 0
        self.n = n

    def is_cancelled(self) -> bool:
        self.asked += 1
        if self.asked >= self.n:
            self.cancel()
        return super().is_cancelled()


def test_cancelling_mid_frame_stops_before_the_next_layer_and_the_labels():
    doc = MapDocument([MapLayer("districts", districts_gdf(), label_field="name_zh"),
                       MapLayer("railways", railway_gdf(), label_field="name_zh"),
                       MapLayer("projects", projects_gdf(), label_field="name_zh")])
    whole = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=300))[1]
    assert not whole.cancelled and set(whole.drawn) == {"districts", "railways", "projects"} and whole.labels
    feedback = _CancelAfter(2)  # asked once before each layer: the second layer is not drawn
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=300), feedback)
    assert result.cancelled and feedback.asked == 2
    assert result.drawn == {"districts": whole.drawn["districts"]} and result.labels == []
    uncancelled = Feedback()
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=300), uncancelled)
    assert not result.cancelled and result.drawn == whole.drawn


def test_view_transform_round_trips_and_keeps_aspect():
    view = ViewTransform.fit((0, 0, 1000, 500), 400, 400)
    assert view.extent[2] - view.extent[0] == pytest.approx(view.extent[3] - view.extent[1])
    x, y = view.to_map(*view.to_pixel(123.0, 45.0))
    assert (float(x), float(y)) == pytest.approx((123.0, 45.0))
    zoomed = view.zoom(2.0, 100, 100)
    assert np.allclose(zoomed.to_map(100, 100), view.to_map(100, 100))


def test_render_in_a_worker_thread_matches_the_main_thread():
    import threading

    doc = MapDocument([MapLayer("projects", projects_gdf(), label_field="name_zh")])
    request = MapRequest(doc.snapshot(), extent=EXTENT, width=300, height=200)
    here = render_image(request)
    out = []
    worker = threading.Thread(target=lambda: out.append(render_with_result(request)[0]))
    worker.start()
    worker.join()
    assert out and out[0] == here


@pytest.mark.parametrize("layer_name", ["railways", "expressways"])
def test_status_is_drawn_distinctly_operating_solid_construction_dashed_planned_dotted(layer_name):
    ink = {}
    for status in ("operating", "under_construction", "planned"):
        gdf = railway_gdf()
        gdf["status"] = status
        gdf["kind"] = "high_speed" if layer_name == "railways" else "expressway"
        doc = MapDocument([MapLayer(layer_name, gdf)])
        image = render_image(MapRequest(doc, extent=EXTENT, width=400, height=300, labels=False, background="#ffffff"))
        arr = np.frombuffer(image.constBits(), np.uint8).reshape(300, image.bytesPerLine() // 4, 4)[:, :400, :3]
        b, g, r = (arr[..., i].astype(int) for i in range(3))
        if layer_name == "railways":  # dark ink of the black-white line
            ink[status] = int(((r + g + b) < 300).sum())
        else:  # amber of the expressway core (its dark casing stays solid)
            ink[status] = int(((r > 200) & (g > 120) & (g < 215) & (b < 140)).sum())
    assert ink["operating"] > ink["under_construction"] > ink["planned"] > 0


def test_legend_omits_a_class_whose_line_only_has_its_box_in_view():
    from shapely.geometry import LineString

    gdf = railway_gdf()
    # an L-shaped line: its bounding box covers the view's corner, the line itself does not
    gdf.loc[0, "geometry"] = LineString([(104.0, 29.0), (106.0, 29.0), (106.0, 30.0)])
    doc = MapDocument([MapLayer("railways", gdf)])
    corner = lonlat_bounds_to_display((104.1, 29.7, 104.4, 29.9))
    _, result = render_with_result(MapRequest(doc, extent=corner, width=200, height=200))
    assert result.drawn.get("railways", 0) == 0 and result.legend == []


def test_missing_and_empty_geometries_and_empty_layers_render():
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    odd = gpd.GeoDataFrame({"name_zh": ["有", "无", "空"]}, geometry=[Point(104.5, 29.5), None, Polygon()], crs=4326)
    empty = gpd.GeoDataFrame({"name_zh": []}, geometry=[], crs=4326)
    doc = MapDocument([MapLayer("odd", odd, label_field="name_zh"), MapLayer("empty", empty)])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=200, height=150))
    assert result.drawn == {"odd": 1, "empty": 0}
    assert [p.text for p in result.labels] == ["有"]


def test_a_failing_render_restores_the_callers_painter():
    from PySide6.QtGui import QImage, QPainter, QTransform

    doc = doc_with_projects()
    image = QImage(100, 100, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.setTransform(QTransform.fromTranslate(3, 4))
    with pytest.raises(ValueError):
        render(MapRequest(doc, extent=(0, 0, 0, 0), width=100, height=100), painter)
    doc.layer("projects").style = "not a style"  # fails inside the paint loop
    with pytest.raises(AttributeError):
        render(MapRequest(doc, extent=EXTENT, width=100, height=100), painter)
    assert painter.transform() == QTransform.fromTranslate(3, 4)
    assert not painter.hasClipping()
    painter.end()


def test_english_label_falls_back_to_chinese_when_no_english_name():
    gdf = projects_gdf()
    gdf.loc[1, "name_en"] = None
    doc = MapDocument([MapLayer("projects", gdf, label_field="name_zh")], language="en")
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=800, height=500))
    texts = {p.text for p in result.labels}
    assert "东县产业园" in texts and "West culture project" in texts


def _svg_of(doc, tmp_path, name):
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    out = tmp_path / name
    gen = QSvgGenerator()
    gen.setFileName(str(out))
    gen.setSize(QSize(400, 300))
    gen.setViewBox(QRect(0, 0, 400, 300))
    painter = QPainter(gen)
    result = render(MapRequest(doc, extent=EXTENT, width=400, height=300), painter)
    painter.end()
    return out.read_text(encoding="utf-8"), result


def test_vector_output_draws_the_same_features_as_the_screen(tmp_path):
    import xml.etree.ElementTree as ET

    def red_shapes(text):
        root = ET.fromstring(text)
        return sum(1 for g in root.iter() if (g.get("fill") or "").lower() == "#ff0000"
                   for el in g.iter() if el.tag.endswith(("path", "polygon", "rect")))

    doc = doc_with_projects()
    text, result = _svg_of(doc, tmp_path, "all.svg")
    assert result.drawn == {"projects": 3}
    assert red_shapes(text) == 3  # one red symbol per project
    doc.set_filter(Filter(themes=["energy"]))
    text, result = _svg_of(doc, tmp_path, "none.svg")
    assert result.drawn == {"projects": 0}
    assert "#ff0000" not in text.lower()


def test_line_label_follows_the_line_direction():
    from shapely.geometry import LineString

    gdf = railway_gdf()
    gdf.loc[0, "geometry"] = LineString([(104.2, 29.2), (105.8, 29.9)])  # rising to the north-east
    doc = MapDocument([MapLayer("railways", gdf, label_field="name_zh")])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=400))
    (label,) = result.labels
    angle = label.payload[2][label.position]
    assert -40 < angle < -10  # turned counter-clockwise on screen, text stays upright
    assert label.rect.height() > 25  # the turned label's box is taller than one line of text


def test_second_line_on_the_same_track_puts_its_name_further_along():
    import pandas as pd

    one = railway_gdf()
    two = railway_gdf()
    two.loc[0, ["id", "name_zh"]] = ["r2", "并行铁路"]
    doc = MapDocument([MapLayer("railways", pd.concat([one, two], ignore_index=True), label_field="name_zh")])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=400))
    assert sorted(p.text for p in result.labels) == sorted(["东西铁路", "并行铁路"])
    a, b = (p.rect.center() for p in result.labels)
    assert abs(a.x() - b.x()) > 50 and abs(a.y() - b.y()) < 2  # same horizontal line, other slot


def test_turned_label_is_drawn_turned_inside_its_box():
    import math

    from shapely.geometry import LineString

    gdf = railway_gdf()
    gdf.loc[0, "geometry"] = LineString([(104.2, 29.2), (105.8, 29.9)])
    gdf.loc[0, "name_zh"] = "东西向的一条很长的铁路"
    style = LayerStyle(base=Style(stroke="#cccccc", width_pt=1.0, label_size_pt=10, label_color=RED))
    doc = MapDocument([MapLayer("railways", gdf, label_field="name_zh", style=style)])
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=400, background="#ffffff"))
    (label,) = result.labels
    angle = label.payload[2][label.position]
    ys, xs = [], []
    for y in range(image.height()):
        for x in range(image.width()):
            if is_red(QColor(image.pixel(x, y))):
                xs.append(x)
                ys.append(y)
    assert len(xs) > 150  # the glyphs are there
    box = label.rect.adjusted(-3, -3, 3, 3)
    assert all(box.contains(x, y) for x, y in zip(xs, ys))  # and only inside the label's box
    cov = np.cov(np.array([xs, ys], dtype=float))
    vals, vecs = np.linalg.eigh(cov)
    ink = math.degrees(math.atan2(vecs[1, -1], vecs[0, -1]))  # the text's long axis on screen
    ink = ink - 180 if ink > 90 else ink + 180 if ink <= -90 else ink
    assert abs(ink - angle) < 5


def test_polygon_outline_casing_is_drawn_as_a_halo_beside_the_line():
    from tests.layers.engine_fixtures import districts_gdf

    style = LayerStyle(base=Style(fill=None, stroke="#c0392b", width_pt=2.0, casing="#00ff00", casing_width_pt=8.0))
    doc = MapDocument([MapLayer("circle", districts_gdf().iloc[:1], style=style, label_field=None)])
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=300, background="#ffffff"))
    px, py = result.view.to_pixel(*lonlat_to_display(104.0, 29.5))  # on the west edge of the square
    x, y = int(round(float(px))), int(py)
    on_line = QColor(image.pixel(x, y))
    beside = [QColor(image.pixel(x + dx, y)) for dx in (-4, 4)]
    assert on_line.red() > 150 and on_line.green() < 100  # the red outline on top
    assert all(c.green() > 200 and c.red() < 80 for c in beside)  # the halo both sides
    assert QColor(image.pixel(x + 15, y)).name() == "#ffffff"  # and no wider

"""The default map of the bundled data: z-order, every layer drawn, filter on real features."""
import numpy as np
import pytest
import shapely
from PySide6.QtGui import QColor

from geodata.bundle.loader import layer_names
from layers.model.document import BUNDLE_LAYERS, MapDocument
from layers.model.filter import Filter
from geodata.coords.projection import lonlat_to_display, project_geometries
from layers.render.renderer import FOCUS_CLASS, render_with_result
from layers.render.request import MapRequest


def _pixels(image) -> np.ndarray:
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1, 4)[:, :image.width(), :3]


@pytest.fixture(scope="module")
def doc():
    return MapDocument.from_bundle()


def test_default_map_has_every_bundled_layer_in_planning_order(doc):
    expected = [name for name, *_ in BUNDLE_LAYERS if name in layer_names()]
    assert doc.layer_names() == expected
    order = doc.layer_names()
    assert order.index("districts") < order.index("circle")
    if "projects" in order:
        assert order.index("projects") == len(order) - 1
    if "project_lines" in order:  # drawn just under the project points
        assert order.index("project_lines") == order.index("projects") - 1


def test_project_lines_take_their_primary_themes_colour_and_the_status_dash(doc):
    from layers.model.style import THEME_STYLE

    if "project_lines" not in doc.layer_names():
        pytest.skip("bundle without project lines")
    style = doc.layer("project_lines").style
    assert style.fields == ("themes", "status")
    for key, (colour, _symbol) in THEME_STYLE.items():
        built = style.classes[f"{key}|operating"].style
        assert built.stroke == colour and built.width_pt == pytest.approx(1.6) and built.dash == "solid"
        assert built.casing == "#ffffff"  # a white casing tells a project line from a partnership line
        assert style.classes[f"{key}|under_construction"].style.dash == "dash"
        assert style.classes[f"{key}|planned"].style.dash == "dot"


def test_full_extent_render_draws_every_layer_and_legend_matches(doc):
    _, result = render_with_result(MapRequest(doc, width=960, height=540))
    view = shapely.box(*result.view.extent)
    for layer in doc.layers:  # every feature meeting the view, counted here without the engine's index
        meets = shapely.intersects(project_geometries(np.asarray(layer.data.geometry.values, dtype=object)), view)
        assert result.drawn[layer.name] == int(meets.sum()) > 0, layer.name
    assert result.drawn["projects"] == len(doc.layer("projects").data)  # every project is in the circle
    by_layer = {}
    for entry in result.legend:
        by_layer[entry.layer] = by_layer.get(entry.layer, 0) + entry.count
        assert entry.count > 0
    assert by_layer == result.drawn


def test_in_circle_district_is_filled_warm_and_context_county_grey(doc):
    image, result = render_with_result(MapRequest(doc, width=960, height=540, labels=False,
                                                  layers=("districts",)))
    view = result.view

    districts = doc.layer("districts").data

    def colour_inside_largest(in_circle):
        rows = districts[(districts["in_circle"] == in_circle) & (districts["partial"] == 0)]
        for geom in rows.sort_values("area_km2", ascending=False).geometry:
            point = geom.representative_point()
            px, py = view.to_pixel(*lonlat_to_display(point.x, point.y))
            if 5 < px < image.width() - 5 and 5 < py < image.height() - 5:
                return QColor(image.pixel(int(px), int(py)))
        raise AssertionError("no such district in view")

    inside = colour_inside_largest(1)
    context = colour_inside_largest(0)
    assert inside.name() == "#fbf1d6"
    assert context.name() == "#ececea"


def test_dazu_station_found_by_pinyin_initials_on_the_bundle(doc):
    stations = doc.layer("stations")
    for query in ("dazu", "dz", "大足"):
        names = set(stations.data["name_zh"][Filter(text=query).mask(stations)])
        assert "大足石刻站" in names, query
    assert "大足石刻站" not in set(stations.data["name_zh"][Filter(text="chengdu").mask(stations)])


def test_district_filter_keeps_exactly_the_projects_inside_the_polygon(doc):
    districts = doc.layer("districts").data
    dazu = districts[districts["name_zh"] == "大足区"]
    polygon = dazu.geometry.iloc[0]
    projects = doc.layer("projects")
    mask = Filter(districts=[str(dazu["adcode"].iloc[0])]).mask(projects)
    inside = shapely.intersects(np.asarray(projects.data.geometry.values), polygon)
    # spatial: every project inside the polygon is kept; the rest only by their stated district
    assert mask[inside].all()
    stated = projects.data["district_adcode"].astype(str).str.startswith(str(dazu["adcode"].iloc[0]))
    assert (mask == (inside | stated.to_numpy())).all()
    assert not (inside & ~stated.to_numpy()).any()  # the build keeps every point inside its stated district
    assert mask.sum() == stated.sum() > 0


def test_theme_filter_hides_other_themes_but_keeps_boundaries(doc):
    flt = Filter(themes=["culture_tourism"])
    snap = doc.snapshot()
    snap.set_filter(flt)
    _, result = render_with_result(MapRequest(snap, width=960, height=540, labels=False))
    assert result.drawn["districts"] == render_with_result(MapRequest(doc, width=960, height=540, labels=False))[1].drawn["districts"]
    projects = snap.layer("projects").data
    tagged = projects["themes"].str.split(",").apply(lambda ts: "culture_tourism" in ts)
    assert result.drawn["projects"] == int(tagged.sum()) < len(projects)
    # the legend shows the primary themes of exactly those projects
    primaries = set(projects.loc[tagged, "themes"].str.split(",").str[0])
    assert {e.key.split("|")[0] for e in result.legend if e.layer == "projects"} == primaries
    counts = flt.counts([snap.layer("projects")])
    assert counts["themes"]["culture_tourism"] == result.drawn["projects"]


def test_place_filter_keeps_the_base_map_and_outlines_the_selection(doc):
    snap = doc.snapshot()
    snap.set_filter(Filter(districts=["500111"]))
    _, result = render_with_result(MapRequest(snap, width=960, height=540, labels=False))
    unfiltered = render_with_result(MapRequest(doc, width=960, height=540, labels=False))[1]
    assert result.drawn["districts"] == unfiltered.drawn["districts"]
    assert result.drawn["projects"] < unfiltered.drawn["projects"]
    focus = [e for e in result.legend if e.key == "focus"]
    assert [(e.layer, e.count) for e in focus] == [("districts", 1)]
    # the districts alone: the focus outline on 大足区's boundary, its tint inside, nothing changed elsewhere
    only = dict(width=960, height=540, labels=False, layers=("districts",))
    image, result = render_with_result(MapRequest(snap, **only))
    plain, _ = render_with_result(MapRequest(doc, **only))
    districts = doc.layer("districts").data
    dazu = districts[districts["adcode"].astype(str) == "500111"].geometry.iloc[0]
    for f in (0.1, 0.3, 0.6):
        p = dazu.boundary.interpolate(f, normalized=True)
        px, py = result.view.to_pixel(*lonlat_to_display(p.x, p.y))
        assert QColor(image.pixel(int(px), int(py))).name() == FOCUS_CLASS.style.stroke
        assert QColor(plain.pixel(int(px), int(py))).name() != FOCUS_CLASS.style.stroke
    p = dazu.representative_point()
    px, py = result.view.to_pixel(*lonlat_to_display(p.x, p.y))
    assert QColor(plain.pixel(int(px), int(py))).name() == "#fbf1d6"
    assert QColor(image.pixel(int(px), int(py))).name() == "#e7e0d3"  # 10 % of #3b4cc0 over it
    changed = _pixels(image) != _pixels(plain)
    ys, xs = np.nonzero(changed.any(axis=2))
    (x0, x1), (y1, y0) = result.view.to_pixel(*lonlat_to_display(dazu.bounds[0::2], dazu.bounds[1::2]))
    assert x0 - 3 <= xs.min() and xs.max() <= x1 + 3 and y0 - 3 <= ys.min() and ys.max() <= y1 + 3


def test_full_map_labels_every_in_circle_city_without_overlap(doc):
    _, result = render_with_result(MapRequest(doc, width=1920, height=1080))
    texts = {p.text for p in result.labels}
    seats = doc.layer("seats").data
    cities = set(seats[(seats["level"] == "city") & (seats["in_circle"] == 1)]["name_zh"])
    assert {"重庆市", "成都市"} <= cities
    assert cities <= texts
    rects = [p.rect for p in result.labels]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_english_map_uses_english_names(doc):
    snap = doc.snapshot()
    snap.language = "en"
    _, result = render_with_result(MapRequest(snap, width=1920, height=1080))
    texts = {p.text for p in result.labels}
    assert "Chongqing" in texts
    assert not any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t)

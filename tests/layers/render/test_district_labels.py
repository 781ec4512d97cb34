"""District-scale maps say where you are: the focused district's own name and its neighbours'."""
from __future__ import annotations

from collections import Counter

import pytest

from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.page.extent import resolve_extent
from layers.page.page_plan import plan_page
from layers.render.district_labels import FOCUS_LABEL_PT
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest

DAZU = "500111"
NEIGHBOURS = {"铜梁区", "荣昌区", "永川区", "安岳县", "潼南区"}


@pytest.fixture(scope="module")
def doc():
    return MapDocument.from_bundle()


def _labels(doc, extent, language="zh", width=1920, height=1080):
    _, result = render_with_result(MapRequest(document=doc, extent=extent, width=width, height=height, language=language))
    return result


def test_a_district_filter_names_the_district_itself_and_its_neighbours(doc):
    focused = doc.snapshot()
    focused.set_filter(Filter(districts=frozenset({DAZU})))
    result = _labels(focused, resolve_extent(focused, f"district:{DAZU}"))
    names = Counter(label.text for label in result.labels if label.layer in ("districts", "seats"))
    assert names["大足区"] == 1  # once: the seat's label became a spot of the area name
    assert NEIGHBOURS <= set(names)
    dazu = next(label for label in result.labels if label.text == "大足区")
    assert dazu.layer == "districts" and dazu.style.label_bold and dazu.style.label_size_pt == FOCUS_LABEL_PT
    # placed where it covers no project symbol (77 projects sit on the seat, spread round it)
    rect = dazu.rect
    half = 6.0
    for (layer, _row), (x, y) in result.point_positions.items():
        assert not (rect.left() - half < x < rect.right() + half and rect.top() - half < y < rect.bottom() + half), layer


def test_zooming_in_without_a_filter_names_every_district_once(doc):
    result = _labels(doc, resolve_extent(doc, (105.3, 29.3, 106.2, 29.9)))
    names = Counter(label.text for label in result.labels if label.layer in ("districts", "seats"))
    assert {"大足区", "铜梁区", "永川区", "荣昌区"} <= set(names)
    assert all(n == 1 for text, n in names.items() if text.endswith(("区", "县"))), names
    assert not any(label.style.label_size_pt == FOCUS_LABEL_PT for label in result.labels if label.layer == "districts")


def test_english_maps_name_districts_in_english(doc):
    result = _labels(doc, resolve_extent(doc, (105.3, 29.3, 106.2, 29.9)), language="en")
    assert "Dazu District" in {label.text for label in result.labels if label.layer == "districts"}


def test_the_full_circle_has_no_district_names(doc):
    result = _labels(doc, doc.full_extent())
    assert not [label for label in result.labels if label.layer == "districts"]


def test_the_page_title_names_the_filtered_district(doc):
    focused = doc.snapshot()
    focused.set_filter(Filter(districts=frozenset({DAZU})))
    assert plan_page(focused, preset="slide-16x9", extent=f"district:{DAZU}").title == "成渝地区双城经济圈 · 大足区"
    en = plan_page(focused, preset="slide-16x9", extent=f"district:{DAZU}", language="en").title
    assert en == "Chengdu–Chongqing Economic Circle · Dazu District"
    assert plan_page(doc, preset="slide-16x9").title == "成渝地区双城经济圈"


def test_a_focused_name_moves_off_symbols_and_a_seat_name_joins_its_area():
    from layers.render.district_labels import FOCUS_PRIORITY, merge_area_names
    from layers.render.labels import LabelCandidate, place_labels

    area = LabelCandidate("大足区", FOCUS_PRIORITY, [(100, 100, 140, 112), (300, 300, 340, 312)], "districts", "1",
                          payload=(None, None, [0.0, 0.0]))
    seat = LabelCandidate("大足区", 515.0, [(500, 500, 540, 512)], "seats", "9", payload=(None, None, [0.0]))
    other = LabelCandidate("龙水湖", 450.0, [(10, 10, 50, 22)], "projects", "p", payload=(None, None, [0.0]))
    symbols = [((110, 100, 120, 110), 516.5)]  # a spread project symbol on the first spot
    merged = merge_area_names([area, seat, other], symbols)
    assert [c.layer for c in merged] == ["districts", "projects"]
    assert merged[0].positions == [(300, 300, 340, 312), (500, 500, 540, 512), (100, 100, 140, 112)]
    placed = place_labels(merged, 800, 600, symbols)
    assert placed[0].rect.left() == 300

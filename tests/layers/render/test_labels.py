import pytest
from hypothesis import given, strategies as st
from PySide6.QtCore import QRectF

from layers.render.labels import LabelCandidate, place_labels

box = st.tuples(st.floats(-20, 300), st.floats(-20, 200), st.floats(4, 80), st.floats(4, 30)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))
candidates = st.lists(
    st.builds(LabelCandidate, text=st.text(min_size=1, max_size=4), priority=st.floats(0, 100),
              positions=st.lists(box, min_size=1, max_size=4)),
    max_size=40)


@given(candidates)
def test_placed_labels_never_overlap_and_stay_on_the_canvas(cands):
    placed = place_labels(cands, 300, 200)
    rects = [p.rect for p in placed]
    canvas = QRectF(0, 0, 300, 200)
    for i, a in enumerate(rects):
        assert canvas.contains(a)
        for b in rects[i + 1:]:
            assert not a.intersects(b)


@given(candidates)
def test_the_most_important_label_that_fits_is_always_placed(cands):
    placed = place_labels(cands, 300, 200)
    fitting = [c for c in cands if any(p[0] >= 0 and p[1] >= 0 and p[2] <= 300 and p[3] <= 200 for p in c.positions)]
    if fitting:
        best = max(fitting, key=lambda c: c.priority)
        assert any(p.text == best.text and p.rect.getCoords() == pytest.approx(best.positions[p.position])
                   for p in placed if p.position < len(best.positions))


def test_weighted_obstacle_blocks_only_less_important_labels():
    symbol = ((100.0, 100.0, 110.0, 110.0), 50.0)
    over = (95.0, 95.0, 130.0, 108.0)
    low = place_labels([LabelCandidate("low", 40, [over])], 300, 200, [symbol])
    high = place_labels([LabelCandidate("high", 60, [over])], 300, 200, [symbol])
    assert low == [] and [p.text for p in high] == ["high"]


def test_second_position_used_when_the_first_is_taken():
    first = LabelCandidate("A", 10, [(10, 10, 60, 30)])
    second = LabelCandidate("B", 5, [(20, 15, 70, 35), (100, 10, 150, 30)])
    placed = place_labels([second, first], 300, 200)
    assert [(p.text, p.rect.left()) for p in placed] == [("A", 10), ("B", 100)]

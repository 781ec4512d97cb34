"""Page presets: pixel sizes, and the layout's pieces stay on the page without overlapping."""
from __future__ import annotations

import pytest

from layers.layout_geometry import PRESETS, compute_layout, fit_extent, page_pixels, preset


@pytest.mark.parametrize(
    "name, dpi, size",
    [
        ("a4-portrait", 300, (2480, 3508)),
        ("a4-landscape", 150, (1754, 1240)),
        ("a3-portrait", 300, (3508, 4961)),
        ("a3-landscape", 96, (1587, 1123)),
        ("slide-16x9", 300, (1920, 1080)),  # the slide is defined by its pixels
    ],
)
def test_preset_page_pixels(name, dpi, size):
    assert page_pixels(preset(name), dpi)[:2] == size


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="a4-portrait"):
        preset("letter")


def _inside(inner, outer):
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[0] + inner[2] <= outer[0] + outer[2] and inner[1] + inner[3] <= outer[1] + outer[3])


def _overlap(a, b):
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])


@pytest.mark.parametrize("name", list(PRESETS))
def test_layout_pieces_are_on_the_page_and_do_not_overlap(name):
    layout = compute_layout(preset(name), 150)
    page = (0, 0, layout.width_px, layout.height_px)
    pieces = [layout.title, layout.map_frame, layout.legend, layout.inset, layout.footer]
    for piece in pieces:
        assert _inside(piece, page)
        assert piece[2] > 0 and piece[3] > 0
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            assert not _overlap(a, b), (a, b)
    assert all(float(v).is_integer() for v in layout.map_frame)
    assert layout.map_frame[2] * layout.map_frame[3] > 0.45 * layout.width_px * layout.height_px


def test_fit_extent_keeps_the_request_and_matches_the_frame_aspect():
    fitted = fit_extent((0, 0, 100, 10), 400, 200)
    assert fitted == pytest.approx((0, -20, 100, 30))
    assert (fitted[2] - fitted[0]) / 400 == pytest.approx((fitted[3] - fitted[1]) / 200)

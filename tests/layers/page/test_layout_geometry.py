"""Page presets: pixel sizes, and the layout's pieces stay on the page without overlapping."""
from __future__ import annotations

import pytest

from layers.page.layout_geometry import PRESETS, compute_layout, fit_extent, legend_shares, page_pixels, preset


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


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_larger_legend_share_grows_the_legend_and_keeps_every_piece_apart(name):
    p = preset(name)
    layouts = [compute_layout(p, 150, legend_share=share) for share in legend_shares(p)]
    for layout in layouts:
        page = (0, 0, layout.width_px, layout.height_px)
        pieces = [layout.title, layout.map_frame, layout.legend, layout.inset, layout.footer]
        assert all(_inside(piece, page) for piece in pieces)
        assert not any(_overlap(a, b) for i, a in enumerate(pieces) for b in pieces[i + 1:])
        assert layout.map_frame[2] * layout.map_frame[3] > 0.3 * layout.width_px * layout.height_px
    areas = [lay.legend[2] * lay.legend[3] for lay in layouts]
    maps = [lay.map_frame[2] * lay.map_frame[3] for lay in layouts]
    assert areas == sorted(areas) and areas[-1] > 1.3 * areas[0]
    assert maps == sorted(maps, reverse=True)
    if p.landscape:  # a wider side column; in portrait a taller band across the page
        assert layouts[-1].legend[2] > layouts[0].legend[2]
    else:
        assert layouts[-1].legend[3] > layouts[0].legend[3]
        assert layouts[-1].legend[2] == layouts[0].legend[2]  # the inset keeps its size


def test_a_legend_share_outside_the_sensible_range_is_refused():
    with pytest.raises(ValueError, match="legend_share"):
        compute_layout(preset("a4-portrait"), 150, legend_share=0.8)


def test_fit_extent_keeps_the_request_and_matches_the_frame_aspect():
    fitted = fit_extent((0, 0, 100, 10), 400, 200)
    assert fitted == pytest.approx((0, -20, 100, 30))
    assert (fitted[2] - fitted[0]) / 400 == pytest.approx((fitted[3] - fitted[1]) / 200)


# ---- legend column breaking ------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from layers.page.layout_geometry import MIN_ENTRIES_BEFORE_BREAK, MIN_ENTRIES_TO_SPLIT, pack_legend  # noqa: E402
from layers.render.legend import LegendBlock, LegendRow  # noqa: E402


def _block(name: str, n: int, *, headed: bool = True, keep_whole: bool = False) -> LegendBlock:
    rows = tuple(LegendRow("entry", f"{name}{i}") for i in range(n))
    return LegendBlock(name, name.upper() if headed else None, rows, keep_whole=keep_whole)


def _columns(placed):
    cols: dict[int, list] = {}
    for p in placed:
        cols.setdefault(p.column, []).append(p)
    return [cols[c] for c in sorted(cols)]


def test_a_group_that_would_leave_its_heading_at_a_column_foot_starts_the_next_column():
    placed, fits = pack_legend([_block("a", 3), _block("b", 3)], capacity=6)
    assert fits
    assert [(p.column, p.row.text) for p in placed] == [
        (0, "A"), (0, "a0"), (0, "a1"), (0, "a2"), (1, "B"), (1, "b0"), (1, "b1"), (1, "b2")]


def test_a_short_group_moves_whole_rather_than_split_two_and_two():
    placed, fits = pack_legend([_block("a", 5), _block("rail", 4)], capacity=10, gap=0)
    assert fits and {p.column for p in placed if p.row.text.lower().startswith("rail")} == {1}


def test_the_status_key_moves_whole_to_the_next_column_rather_than_split():
    # the A4 portrait case: Railways (5 rows) then the 4-row status key in an 8-row column
    placed, fits = pack_legend([_block("rail", 4), _block("status", 3, keep_whole=True)], capacity=8)
    status = [p for p in placed if p.row.text.lower().startswith("status")]
    assert fits and len(status) == 4 and {p.column for p in status} == {1}


def test_a_long_group_splits_after_two_entries_and_repeats_its_heading():
    placed, fits = pack_legend([_block("a", 2), _block("b", 10)], capacity=8, gap=0)
    assert fits
    col0, col1 = _columns(placed)
    assert [p.row.text for p in col0] == ["A", "a0", "a1", "B", "b0", "b1", "b2", "b3"]
    assert col1[0].row.text == "B" and col1[0].continued and [p.row.text for p in col1[1:]] == [
        f"b{i}" for i in range(4, 10)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.sampled_from(["headed", "single", "key"])), min_size=1,
                max_size=10),
       st.integers(4, 30), st.sampled_from([0.0, 0.35, 0.5]))
def test_column_breaking_keeps_every_entry_in_order_never_orphans_a_heading_nor_splits_the_key(specs, capacity, gap):
    blocks = [_block(f"L{i}_", 1 if kind == "single" else n, headed=kind != "single", keep_whole=kind == "key")
              for i, (n, kind) in enumerate(specs)]
    placed, fits = pack_legend(blocks, capacity=capacity, gap=gap)
    entries = [p.row.text for p in placed if p.row.kind == "entry"]
    assert entries == [r.text for b in blocks for r in b.rows]  # every entry once, in order
    order = [(p.column, p.y) for p in placed]
    assert order == sorted(order)  # top to bottom, column after column
    for column in _columns(placed):
        assert column[-1].row.kind == "entry"  # a heading never ends a column
        assert all(a.y + 1 <= b.y + 1e-9 for a, b in zip(column, column[1:]))  # rows never overlap
        if fits:
            assert column[-1].y + 1 <= capacity + 1e-9
    for block in blocks:
        names = {r.text for r in block.rows}
        cols = [p.column for p in placed if p.row.text in names]
        if (block.keep_whole or len(block.rows) < MIN_ENTRIES_TO_SPLIT) and len(block.rows) + 1 <= capacity:
            assert len(set(cols)) == 1  # the status key and short groups are never split
        for col in set(cols[:-1]):  # any column a group breaks out of holds at least two of its entries
            assert cols.count(col) >= min(MIN_ENTRIES_BEFORE_BREAK, len(block.rows))

"""Simple style edits keep each class's status dashes and casings."""
from __future__ import annotations

import pytest

from explorer.panels.style_edit import main_colour, with_colour, with_width
from layers.model.style import default_layer_style


def test_recolouring_a_railway_changes_its_casing_in_every_class():
    style = default_layer_style("railways")
    red = with_colour(style, "#cc0000", "line")
    assert all(c.style.casing in ("#cc0000", None) for c in red.classes.values())
    assert any(c.style.casing == "#cc0000" for c in red.classes.values())
    assert [c.style.dash for c in red.classes.values()] == [c.style.dash for c in style.classes.values()]
    assert main_colour(red, "line") == "#cc0000"


def test_recolouring_points_fills_the_symbol():
    style = default_layer_style("projects")
    green = with_colour(style, "#00aa00", "point")
    assert green.base.fill == "#00aa00"
    assert main_colour(green, "point") == "#00aa00"


def test_widening_keeps_the_casing_margin():
    style = default_layer_style("expressways")
    wide = with_width(style, 3.0)
    base, new = style.base, wide.base
    assert new.width_pt == 3.0
    assert new.casing_width_pt - new.width_pt == pytest.approx(base.casing_width_pt - base.width_pt)


def test_style_edit_keeps_the_other_layer_style_settings():
    from explorer.panels.style_edit import with_colour, with_width
    from layers.model.document import MapDocument

    doc = MapDocument.from_bundle()
    seats = doc.layer("seats")
    assert seats.style.displace_points is False  # seats stay where they are
    for edited in (with_colour(seats.style, "#123456", "point"), with_width(seats.style, 2.0)):
        assert edited.displace_points is False and edited.label_priority == seats.style.label_priority

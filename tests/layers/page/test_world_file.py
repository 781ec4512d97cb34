"""World files: the six numbers place every map-frame pixel at its map position."""
from __future__ import annotations

import pytest

from layers.page.world_file import WorldFile, world_for_frame, world_path, world_sidecars, write_sidecar_texts


def test_frame_corners_land_on_extent_corners_when_frame_is_offset_in_the_image():
    world = world_for_frame((1000.0, 2000.0, 3000.0, 3000.0), (100, 50, 400, 200))
    assert world.a == pytest.approx(5.0) and world.e == pytest.approx(-5.0)
    # the frame's top-left pixel edge (col 100, row 50 edge = centre - 0.5)
    assert world.pixel_to_map(99.5, 49.5) == pytest.approx((1000.0, 3000.0))
    assert world.pixel_to_map(499.5, 249.5) == pytest.approx((3000.0, 2000.0))
    assert world.map_to_pixel(2000.0, 2500.0) == pytest.approx((299.5, 149.5))


def test_world_file_text_round_trips_and_sits_beside_the_image(tmp_path):
    world = world_for_frame((0.0, 0.0, 10.0, 10.0), (0, 0, 10, 10))
    image = tmp_path / "map.png"
    wld, prj = world_sidecars(image)
    write_sidecar_texts(wld, prj, world, "PROJCS[\"x\"]")
    assert wld == tmp_path / "map.pgw" and prj == tmp_path / "map.prj"
    assert WorldFile.parse(wld.read_text()) == world and prj.read_text() == "PROJCS[\"x\"]"
    assert world.c == pytest.approx(0.5) and world.f == pytest.approx(9.5)


def test_empty_frame_and_unknown_image_type_are_rejected():
    with pytest.raises(ValueError):
        world_for_frame((0, 0, 0, 1), (0, 0, 10, 10))
    with pytest.raises(ValueError):
        world_path("map.svg")

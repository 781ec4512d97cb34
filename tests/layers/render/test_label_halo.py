"""Label sprites' halos are the glyph mask dilated (layers.render.halo), not stroked outlines:
the halo must sit where a stroked one does — halo colour round the glyphs, text colour inside,
nothing beyond the halo radius — for straight and turned names, at screen and print sizes."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter, QTransform

from layers.render.fonts import cjk_family, ensure_gui_app
from layers.render.halo import MAX_DILATE_PX, dilate, glyph_mask
from layers.render.symbols import halo_pen, label_sprite, qcolor, text_path, turned_label_sprite

TEXT, HALO = "#c00000", "#0000ff"  # told apart per channel: red glyphs, blue halo


@pytest.fixture(autouse=True, scope="module")
def _font():
    ensure_gui_app()
    cjk_family()


def _rgba(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888_Premultiplied)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4).astype(int)


def _glyph_distance(glyphs: np.ndarray, least: float) -> np.ndarray:
    """Each pixel's distance (px) to the nearest pixel covered at least `least` by the glyphs."""
    ys, xs = np.nonzero(glyphs >= least)
    gy, gx = np.mgrid[0:glyphs.shape[0], 0:glyphs.shape[1]]
    d2 = (gy[..., None] - ys) ** 2 + (gx[..., None] - xs) ** 2
    return np.sqrt(d2.min(axis=-1))


def _stroked(path, width, height, halo_px, transform) -> np.ndarray:
    """The reference: the halo as Qt strokes it, the text filled over it."""
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setTransform(transform)
    p.strokePath(path, halo_pen(halo_px, HALO))
    p.fillPath(path, qcolor(TEXT))
    p.end()
    return _rgba(image)


@pytest.mark.parametrize("halo_px", [3.2, 4.4, 9.0, 2 * MAX_DILATE_PX + 4])  # the last one is stroked
def test_straight_sprite_has_the_halo_where_a_stroked_one_has_it(halo_px):
    path, box = text_path("大足区", 14, 96, True)
    sprite, pad = label_sprite("大足区", path, box, TEXT, halo_px, HALO)
    px = _rgba(sprite)
    placed = path.translated(pad - box.left(), pad - box.top())
    glyphs = glyph_mask(placed, sprite.width(), sprite.height())
    r = halo_px / 2
    band = (glyphs == 0) & (_glyph_distance(glyphs, 0.5) <= max(1.0, r - 1.0))  # well inside the halo
    beyond = _glyph_distance(glyphs, 1 / 255) >= r + 1.5  # past it (antialiasing included)
    inside = glyphs >= 0.99
    assert inside.sum() > 50 and band.sum() > 50 and beyond.sum() > 50
    assert np.all(np.abs(px[inside] - [192, 0, 0, 255]) <= 2)  # text colour on the glyphs
    assert np.all(np.abs(px[band] - [0, 0, 235, 235]) <= 2)  # the halo's blue (alpha 235) round them
    assert np.all(px[beyond] == 0)  # and nothing past the halo radius
    ref = _stroked(placed, sprite.width(), sprite.height(), halo_px, QTransform())
    assert abs(px[..., 3].sum() / ref[..., 3].sum() - 1) < 0.03  # the same width as a stroked halo
    assert np.abs(px - ref).mean() < 3.0


def test_turned_sprite_has_crisp_glyphs_and_its_halo():
    path, box = text_path("成渝高速", 12, 96, False)
    halo_px, angle = 4.8, 27.5
    sprite, centre = turned_label_sprite("成渝高速", path, box, TEXT, halo_px, angle, HALO)
    px = _rgba(sprite)
    place = QTransform()
    place.translate(centre.x(), centre.y())
    place.rotate(angle)
    placed = path.translated(-box.width() / 2 - box.left(), -box.height() / 2 - box.top())
    ref = _stroked(placed, sprite.width(), sprite.height(), halo_px, place)
    # the glyphs filled turned: text colour pixels as many and where the stroked reference has them
    text_px, ref_text = px[..., 0] > px[..., 2] + 60, ref[..., 0] > ref[..., 2] + 60
    assert ref_text.sum() > 40 and (text_px ^ ref_text).sum() <= 0.1 * ref_text.sum()
    halo_px_mask = (px[..., 2] > 200) & (px[..., 0] < 30)
    assert halo_px_mask.sum() > 100
    assert abs(px[..., 3].sum() / ref[..., 3].sum() - 1) < 0.03
    # the box corners lie outside the turned label: transparent
    assert px[0, 0, 3] == px[-1, -1, 3] == 0


def test_dilate_grows_an_edge_by_the_radius_keeping_its_antialiasing():
    mask = np.zeros((9, 24), np.float32)
    mask[:, :8] = 1.0
    mask[:, 8] = 0.5  # the edge runs through the middle of column 8 (x = 8.5)
    grown = dilate(mask, 2.0)  # edge now at x = 10.5: column 10 half covered
    assert np.allclose(grown[4, :10], 1.0) and grown[4, 10] == pytest.approx(0.5, abs=0.13)
    assert np.all(grown[:, 12:] == 0.0)


def test_dilate_of_a_dot_is_a_disc():
    mask = np.zeros((21, 21), np.float32)
    mask[10, 10] = 1.0
    grown = dilate(mask, 4.0)
    gy, gx = np.mgrid[0:21, 0:21]
    d = np.hypot(gy - 10, gx - 10)
    assert np.all(grown[d <= 4.0] == 1.0) and np.all(grown[d >= 5.5] == 0.0)
    assert grown[10, 15] == grown[15, 10] == grown[10, 5]  # round: the same every way

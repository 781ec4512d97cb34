from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

from layers.render.fonts import cjk_family, map_font


def ink(text: str) -> QImage:
    img = QImage(120, 60, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setFont(map_font(30, 72))
    p.setPen(QColor("black"))
    p.drawText(5, 45, text)
    p.end()
    return img


def dark_pixels(img: QImage) -> set[tuple[int, int]]:
    return {(x, y) for y in range(img.height()) for x in range(img.width()) if QColor(img.pixel(x, y)).lightness() < 128}


def test_bundled_font_has_chinese_glyphs():
    assert cjk_family() == "Noto Sans CJK SC"
    fm = QFontMetricsF(map_font(12))
    assert fm.inFontUcs4(ord("成")) and fm.inFontUcs4(ord("渝"))


def test_chinese_text_draws_real_glyphs_not_boxes():
    a, b = dark_pixels(ink("成渝")), dark_pixels(ink("成都"))
    missing = dark_pixels(ink("\U000F0000\U000F0001"))  # private-use: no glyph in any font here
    xs, ys = [x for x, _ in a], [y for _, y in a]
    # two 30-px ideographs side by side: ink about two em wide (less the side bearings), under one em tall
    assert 52 <= max(xs) - min(xs) <= 60 and 22 <= max(ys) - min(ys) <= 30
    assert a != b  # different characters, different shapes (boxes would be equal)
    assert a != missing


def test_every_qt_enum_owner_the_map_code_uses_is_warmed_before_workers_paint():
    """The enum types are made once on the GUI thread (a race between two threads making one crashed);
    every owner class whose enums the rendering and canvas code names is in the warmed list."""
    import inspect
    import re
    from pathlib import Path

    from layers.render import fonts

    source = inspect.getsource(fonts.warm_qt_enums)
    warmed = set(re.search(r"for owner in \(([^)]*)\)", source).group(1).replace("\n", " ").replace(" ", "").split(","))
    root = Path(fonts.__file__).resolve().parents[2]
    used = set()
    for folder in ("layers/render", "layers/page", "explorer/mapview"):
        for path in (root / folder).rglob("*.py"):
            used |= set(re.findall(r"\b(Q[A-Za-z]+|Qt)\.[A-Z][A-Za-z]+\.[A-Za-z]", path.read_text(encoding="utf-8")))
    import PySide6.QtCore
    import PySide6.QtGui

    painted = {name for name in used if hasattr(PySide6.QtGui, name) or hasattr(PySide6.QtCore, name)}  # not widgets
    assert painted and painted <= warmed, sorted(painted - warmed)
    fonts.ensure_gui_app()
    assert fonts._enums_warmed

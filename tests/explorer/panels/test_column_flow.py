"""The column flow: as many equal columns as the width allows, never clipped."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from explorer.panels.column_flow import ColumnFlowLayout


def _box(qtbot, width: int):
    host = QWidget()
    qtbot.addWidget(host)
    layout = ColumnFlowLayout(host, spacing=4, max_columns=3)
    checks = [QCheckBox(f"Culture & tourism ({i})") for i in range(7)]
    for c in checks:
        layout.addWidget(c)
    host.resize(width, layout.heightForWidth(width))
    host.show()
    qtbot.waitExposed(host)
    return host, layout, checks


def test_a_narrow_box_gets_one_column_and_a_wide_one_three(qtbot):
    cell = QCheckBox("Culture & tourism (0)").sizeHint().width()
    host, layout, checks = _box(qtbot, cell + 20)
    assert len({c.x() for c in checks}) == 1
    assert layout.heightForWidth(cell + 20) > layout.heightForWidth(3 * cell + 40)
    host.resize(3 * cell + 40, layout.heightForWidth(3 * cell + 40))
    qtbot.waitUntil(lambda: len({c.x() for c in checks}) == 3)
    assert {c.y() for c in checks[:3]} == {checks[0].y()}  # row by row, as the old grid


def test_every_box_lies_inside_its_host(qtbot):
    for width in (150, 260, 420, 700):
        host, layout, checks = _box(qtbot, width)
        for c in checks:
            assert c.geometry().right() < max(host.width(), layout.minimumSize().width()), width
            assert c.geometry().bottom() < host.height(), width

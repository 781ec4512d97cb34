"""Label placement without overlaps: greedy by priority over a collision grid.

Candidates are tried best-priority first; each may offer several positions
(right, left, above, below a point symbol); the first position that stays on the
canvas and overlaps no placed label or reserved obstacle wins.  The grid keeps
each test to the few boxes in the cells a rectangle touches.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QRectF


@dataclass
class LabelCandidate:
    text: str
    priority: float
    positions: list[QRectF]  # tried in order
    layer: str = ""
    feature_id: str = ""
    style: object = None
    payload: object = None


@dataclass
class PlacedLabel:
    text: str
    rect: QRectF
    layer: str
    feature_id: str
    style: object = None
    payload: object = None


class CollisionGrid:
    def __init__(self, width: float, height: float, cell: float = 48.0, margin: float = 1.5):
        self.width = width
        self.height = height
        self.cell = max(8.0, cell)
        self.margin = margin
        self.cells: dict[tuple[int, int], list[tuple[QRectF, float]]] = {}

    def _keys(self, r: QRectF):
        c = self.cell
        for i in range(int(r.left() // c), int(r.right() // c) + 1):
            for j in range(int(r.top() // c), int(r.bottom() // c) + 1):
                yield i, j

    def free(self, r: QRectF, priority: float = float("inf")) -> bool:
        """No box in the way, ignoring obstacles less important than `priority`."""
        grown = r.adjusted(-self.margin, -self.margin, self.margin, self.margin)
        for key in self._keys(grown):
            for other, weight in self.cells.get(key, ()):
                if weight >= priority and grown.intersects(other):
                    return False
        return True

    def add(self, r: QRectF, weight: float = float("inf")) -> None:
        for key in self._keys(r):
            self.cells.setdefault(key, []).append((r, weight))

    def inside(self, r: QRectF) -> bool:
        return r.left() >= 0 and r.top() >= 0 and r.right() <= self.width and r.bottom() <= self.height


def place_labels(candidates: list[LabelCandidate], width: float, height: float,
                 obstacles: list | None = None, cell: float = 48.0) -> list[PlacedLabel]:
    """Greedy placement: returns the labels that fit, highest priority first.

    `obstacles`: rects (block every label) or (rect, weight) pairs (a drawn symbol:
    blocks labels whose priority is at most `weight`, so a city name may cover a
    minor project marker but not the other way round).  Placed labels block all.
    """
    grid = CollisionGrid(width, height, cell)
    for item in obstacles or ():
        if isinstance(item, QRectF):
            grid.add(item)
        else:
            grid.add(item[0], item[1])
    placed: list[PlacedLabel] = []
    for cand in sorted(candidates, key=lambda c: -c.priority):
        for rect in cand.positions:
            if grid.inside(rect) and grid.free(rect, cand.priority):
                grid.add(rect)
                placed.append(PlacedLabel(cand.text, rect, cand.layer, cand.feature_id, cand.style, cand.payload))
                break
    return placed

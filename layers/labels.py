"""Label placement without overlaps: greedy by priority over a collision grid.

Candidates are tried best-priority first; each may offer several positions
(right, left, diagonals, above, below a point symbol); the first position that
stays on the canvas and overlaps no placed label or blocking obstacle wins.  The
grid keeps each test to the few boxes in the cells a rectangle touches.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF

INF = float("inf")


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
    """Boxes bucketed by grid cell; boxes are plain (left, top, right, bottom, weight) tuples
    because this test runs thousands of times a frame."""

    def __init__(self, width: float, height: float, cell: float = 48.0, margin: float = 1.5):
        self.width = width
        self.height = height
        self.cell = max(8.0, cell)
        self.margin = margin
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float, float]]] = {}

    def free(self, r: QRectF, priority: float = INF) -> bool:
        """No box in the way, ignoring obstacles less important than `priority`."""
        m, c = self.margin, self.cell
        l, t, rr, b = r.left() - m, r.top() - m, r.right() + m, r.bottom() + m
        cells = self.cells
        for i in range(int(l // c), int(rr // c) + 1):
            for j in range(int(t // c), int(b // c) + 1):
                for ol, ot, orr, ob, weight in cells.get((i, j), ()):
                    if weight >= priority and ol < rr and orr > l and ot < b and ob > t:
                        return False
        return True

    def add(self, r: QRectF, weight: float = INF) -> None:
        c = self.cell
        box = (r.left(), r.top(), r.right(), r.bottom(), weight)
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                self.cells.setdefault((i, j), []).append(box)

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

"""Label placement without overlaps: greedy by priority over a collision grid.

Candidates are tried best-priority first; each may offer several positions
(right, left, diagonals, above, below a point symbol); the first position that
stays on the canvas and overlaps no placed label or blocking obstacle wins.  The
grid keeps each test to the few boxes in the cells a rectangle touches.  Boxes are
plain (left, top, right, bottom) tuples: this runs thousands of times a frame.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF

INF = float("inf")
Box = tuple[float, float, float, float]  # left, top, right, bottom (pixels)


@dataclass
class LabelCandidate:
    text: str
    priority: float
    positions: list[Box]  # tried in order
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
    position: int = 0  # which of the candidate's positions was used


def label_priority(base: float, style) -> float:
    """A label's priority: its layer's base plus twice its size (bigger names win)."""
    return base + style.label_size_pt * 2


def _box(r) -> Box:
    if isinstance(r, QRectF):
        return r.left(), r.top(), r.right(), r.bottom()
    return r


class CollisionGrid:
    def __init__(self, width: float, height: float, cell: float = 48.0, margin: float = 1.5):
        self.width = width
        self.height = height
        self.cell = max(8.0, cell)
        self.margin = margin
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float, float]]] = {}

    def free(self, box: Box, priority: float = INF) -> bool:
        """No box in the way, ignoring obstacles less important than `priority`."""
        m, c = self.margin, self.cell
        l, t, r, b = box[0] - m, box[1] - m, box[2] + m, box[3] + m
        cells = self.cells
        for i in range(int(l // c), int(r // c) + 1):
            for j in range(int(t // c), int(b // c) + 1):
                for ol, ot, orr, ob, weight in cells.get((i, j), ()):
                    if weight >= priority and ol < r and orr > l and ot < b and ob > t:
                        return False
        return True

    def add(self, box: Box, weight: float = INF) -> None:
        c = self.cell
        entry = (box[0], box[1], box[2], box[3], weight)
        cells = self.cells
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                cells.setdefault((i, j), []).append(entry)

    def inside(self, box: Box) -> bool:
        return box[0] >= 0 and box[1] >= 0 and box[2] <= self.width and box[3] <= self.height


def place_labels(candidates: list[LabelCandidate], width: float, height: float,
                 obstacles: list | None = None, cell: float = 48.0) -> list[PlacedLabel]:
    """Greedy placement: returns the labels that fit, highest priority first.

    `obstacles`: boxes/QRectFs (block every label) or (box, weight) pairs (a drawn
    symbol: blocks labels whose priority is at most `weight`, so a city name may cover
    a minor project marker but not the other way round).  Placed labels block all.
    """
    grid = CollisionGrid(width, height, cell)
    for item in obstacles or ():
        if isinstance(item, QRectF) or len(item) == 4:
            grid.add(_box(item))
        else:
            grid.add(_box(item[0]), item[1])
    placed: list[PlacedLabel] = []
    add, cells, c, m = grid.add, grid.cells, grid.cell, grid.margin
    for cand in sorted(candidates, key=lambda k: -k.priority):
        priority = cand.priority
        for n, box in enumerate(cand.positions):
            if box.__class__ is QRectF:
                box = _box(box)
            l, t, r, b = box
            if l < 0 or t < 0 or r > width or b > height:
                continue
            # CollisionGrid.free inlined: this test runs a few thousand times a frame
            l, t, r, b = l - m, t - m, r + m, b + m
            blocked = False
            for i in range(int(l // c), int(r // c) + 1):
                for j in range(int(t // c), int(b // c) + 1):
                    for ol, ot, orr, ob, weight in cells.get((i, j), ()):
                        if weight >= priority and ol < r and orr > l and ot < b and ob > t:
                            blocked = True
                            break
                    if blocked:
                        break
                if blocked:
                    break
            if not blocked:
                add(box)
                rect = QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])
                placed.append(PlacedLabel(cand.text, rect, cand.layer, cand.feature_id, cand.style, cand.payload, n))
                break
    return placed

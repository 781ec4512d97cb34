"""Stacks: points of one layer at one spot (44 projects on 大足区's seat), which the renderer
draws spread on a ring or spiral round a centre marker (`layers.render.displacement`).

A click on the centre marker — nearer to it than to any of the spread symbols — is a click on
the whole stack: `stack_at` names its members so the window can list them to pick one.  No
widgets here: the list is `stack_popup.py`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stack:
    layer: str
    rows: tuple[int, ...]  # positions in the layer's GeoDataFrame, in drawing order
    ids: tuple[str, ...]
    centre: tuple[float, float]  # display metres: the members' true position


def stack_at(document, result, x: float, y: float, tolerance: float) -> Stack | None:
    """The stack whose centre marker is under display point (x, y), or None.

    `result` is the shown frame's RenderResult: its `point_positions` say which points were
    drawn and where; a member is a drawn point whose true position lies within `tolerance`
    display metres of the click and whose symbol was moved off it.  A stack needs two members,
    and the click must be nearer its centre than any of their spread symbols (a click on a
    symbol picks that symbol)."""
    if result is None or not result.point_positions:
        return None
    drawn = result.point_map_positions()
    by_layer: dict[str, list[int]] = {}
    for layer_name, row in drawn:
        by_layer.setdefault(layer_name, []).append(row)
    names = [l.name for l in reversed(document.layers)]  # topmost layer first
    for name in names:
        rows = by_layer.get(name)
        if not rows or name not in document:
            continue
        layer = document.layer(name)
        if not layer.visible:
            continue
        cache = layer.cache
        rows = np.array(sorted(rows))
        keep = np.asarray(document.filter.mask(layer), dtype=bool)
        rows = rows[keep[rows]]
        true = cache.point_xy[rows]
        near = np.hypot(true[:, 0] - x, true[:, 1] - y) <= tolerance
        if near.sum() < 2:
            continue
        members = rows[near]
        spots = np.array([drawn[(name, int(r))] for r in members])
        moved = np.hypot(spots[:, 0] - true[near, 0], spots[:, 1] - true[near, 1]) > tolerance * 0.01
        if moved.sum() < 2:
            continue  # not spread: the symbols themselves are what a click picks
        centre = true[near].mean(axis=0)
        nearest_symbol = float(np.hypot(spots[:, 0] - x, spots[:, 1] - y).min())
        if float(np.hypot(centre[0] - x, centre[1] - y)) > nearest_symbol:
            return None  # the click is on a spread symbol
        ids = tuple(cache.ids[int(r)] for r in members)
        return Stack(name, tuple(int(r) for r in members), ids, (float(centre[0]), float(centre[1])))
    return None

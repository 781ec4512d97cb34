"""District names on a zoomed-in map: the focused district and its neighbours say who they are.

At the full circle the districts are too many and too small for names (the seats carry them).
Zoomed in closer than `DISTRICT_LABEL_MPP` metres per 96-dpi pixel — one prefecture or a
district filling the frame — the bundled `districts` layer names its polygons:
- each name is offered at several spots inside its polygon (the point on surface first, then
  interior grid points far enough from the outline), so a neighbour cut by the frame edge or a
  district whose seat sits under a cluster of project symbols still finds room;
- a district's seat carries the same name: the seat's label spots become extra spots of the
  area name, so the name is shown once;
- a district a place filter selects (`--district`) is named larger and bold, placed before every
  other label, at the first spot that covers no symbol (only if none is free, over a symbol).
"""
from __future__ import annotations

import weakref
from dataclasses import replace

import numpy as np
import shapely

from layers.model.style import StyleClass

DISTRICT_LABEL_MPP = 400.0
FOCUS_KEY = "focus-label"
FOCUS_LABEL_PT = 11.0
FOCUS_LABEL_COLOR = "#1f2a6b"  # marks the emphasised name (the focus outline's dark blue)
FOCUS_PRIORITY = 10_000.0  # above every layer's labels and symbol weights
GRID = 9  # interior sample points per polygon side
MAX_SPOTS = 16

_spots: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def district_scale(view, dpi: float) -> bool:
    """True when the view is zoomed in far enough for district names."""
    return view.map_units_per_pixel * dpi / 96.0 <= DISTRICT_LABEL_MPP


def names_districts(layer, view, dpi: float) -> bool:
    """The bundled districts layer labels its polygons at district scale (whatever show_labels says)."""
    return layer.name == "districts" and bool(layer.label_field) and district_scale(view, dpi)


def focus_label_classes(layer, keys: np.ndarray, classes: dict, idx: np.ndarray, focus: np.ndarray):
    """(keys, classes) with the focused districts' rows given the emphasised label class."""
    if layer.name != "districts" or not len(focus):
        return keys, classes
    keys = keys.copy()
    keys[np.isin(idx, focus)] = FOCUS_KEY
    base = classes[next(iter(classes))].style
    emphasised = replace(base, label_size_pt=FOCUS_LABEL_PT, label_bold=True, label_color=FOCUS_LABEL_COLOR)
    return keys, {**classes, FOCUS_KEY: StyleClass(FOCUS_KEY, "", "", emphasised)}


def interior_spots(cache, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Display-CRS points inside polygon `row` and their distances to its outline (cached)."""
    per = _spots.setdefault(cache, {})
    found = per.get(row)
    if found is None:
        geom = cache.geoms[row]
        x0, y0, x1, y1 = cache.bounds[row]
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID + 2)[1:-1], np.linspace(y0, y1, GRID + 2)[1:-1])
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(geom, gx, gy)
        gx, gy = gx[inside], gy[inside]
        dist = shapely.distance(shapely.boundary(geom), shapely.points(gx, gy)) if len(gx) else np.zeros(0)
        found = per[row] = (gx, gy, np.asarray(dist, dtype=float))
    return found


def area_candidates(layer, cache, idx, keys, classes, col, view, dpi: float) -> list:
    """Label candidates of a districts job: each name at its point on surface (when on screen),
    then at interior spots nearest it with room for the name (see the module doc)."""
    import math

    from layers.render.labels import LabelCandidate, label_priority
    from layers.render.symbols import text_path

    fallback = layer.label_column("zh") if col != layer.label_column("zh") else None
    texts = cache.label_texts(col, fallback)
    base = layer.style.label_priority * 100.0
    anchors = cache.label_anchor[idx]
    ax, ay = view.to_pixel(anchors[:, 0], anchors[:, 1])
    scale2 = view.scale * view.scale
    areas = cache.area
    named = []  # (feature, text, style, path, box, anchor, pixel area) of names that fit their polygon
    for row, i in enumerate(idx.tolist()):
        text = texts[i]
        if not text:
            continue
        st = classes[keys[row]].style
        path, box = text_path(text, st.label_size_pt, dpi, st.label_bold)
        pix_area = float(areas[i]) * scale2
        if pix_area < box.width() * box.height() * 1.2:  # the name would not fit inside the polygon
            continue
        named.append((i, text, st, path, box, (float(ax[row]), float(ay[row])), pix_area))
    out = []
    for (i, text, st, path, box, _, pix_area), positions in zip(named, _area_positions(cache, named, view)):
        if not positions:
            continue
        focus = st.label_color == FOCUS_LABEL_COLOR
        priority = FOCUS_PRIORITY if focus else label_priority(base, st) + min(20.0, math.log10(1 + pix_area))
        out.append(LabelCandidate(text, priority, positions, layer.name, cache.ids[i], st,
                                  (path, box, [0.0] * len(positions))))
    return out


def _area_positions(cache, named: list, view) -> list[list]:
    """Per named polygon, boxes inside it: at the anchor when on screen, then the interior spots
    nearest it (the anchor, else the frame's centre) with room for the name.  The spots of all
    the frame's districts are tested and sorted at once (a numpy pass per district cost ~0.1 ms)."""
    if not named:
        return []
    vw, vh = view.width, view.height
    w = np.array([n[4].width() for n in named])
    h = np.array([n[4].height() for n in named])
    x = np.array([n[5][0] for n in named])
    y = np.array([n[5][1] for n in named])
    on_anchor = (w / 2 <= x) & (x <= vw - w / 2) & (h / 2 <= y) & (y <= vh - h / 2)
    positions = [[(a - b / 2, c - d / 2, a + b / 2, c + d / 2)] if ok else []
                 for a, c, b, d, ok in zip(x.tolist(), y.tolist(), w.tolist(), h.tolist(), on_anchor.tolist())]
    spots = [interior_spots(cache, n[0]) for n in named]
    counts = np.array([len(s[0]) for s in spots])
    if not counts.sum():
        return positions
    owner = np.repeat(np.arange(len(named)), counts)
    gx, gy, dist = (np.concatenate([s[k] for s in spots]) for k in range(3))
    px, py = view.to_pixel(gx, gy)
    sw, sh = w[owner], h[owner]
    ok = ((dist * view.scale >= np.maximum(sw, sh) * 0.6) & (px >= sw / 2) & (px <= vw - sw / 2)
          & (py >= sh / 2) & (py <= vh - sh / 2))
    if not ok.any():
        return positions
    cx, cy = np.where(on_anchor, x, vw / 2), np.where(on_anchor, y, vh / 2)
    px, py, sw, sh, owner = px[ok], py[ok], sw[ok], sh[ok], owner[ok]
    order = np.lexsort(((px - cx[owner]) ** 2 + (py - cy[owner]) ** 2, owner))  # by district, nearest first
    owner = owner[order]
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner)  # place within its district
    keep = order[rank < MAX_SPOTS]
    for k, a, c, b, d in zip(owner[rank < MAX_SPOTS].tolist(), px[keep].tolist(), py[keep].tolist(),
                             sw[keep].tolist(), sh[keep].tolist()):
        positions[k].append((a - b / 2, c - d / 2, a + b / 2, c + d / 2))
    return positions


def _meets(box, obstacles) -> bool:
    l, t, r, b = box
    for item in obstacles:
        o = item[0] if len(item) == 2 else item
        if hasattr(o, "left"):
            o = (o.left(), o.top(), o.right(), o.bottom())
        if o[0] < r and o[2] > l and o[1] < b and o[3] > t:
            return True
    return False


def merge_area_names(candidates: list, obstacles) -> list:
    """A seat's label with its district's name becomes extra spots of the area name (shown once);
    a focused district's name tries the spots that cover no symbol first."""
    areas = {c.text: c for c in candidates if c.layer == "districts"}
    if not areas:
        return candidates
    out = []
    for cand in candidates:
        area = areas.get(cand.text) if cand.layer == "seats" else None
        if area is None:
            out.append(cand)
            continue
        a, b = area.positions[0], cand.positions[0]
        if abs((a[2] - a[0]) - (b[2] - b[0])) < 1.0 and abs((a[3] - a[1]) - (b[3] - b[1])) < 1.0:
            area.positions = list(area.positions) + list(cand.positions)
            area.payload = (area.payload[0], area.payload[1], [0.0] * len(area.positions))
    for cand in out:
        if cand.layer == "districts" and cand.priority == FOCUS_PRIORITY:
            free = [p for p in cand.positions if not _meets(p, obstacles)]
            cand.positions = free + [p for p in cand.positions if p not in free]
    return out

"""Labels of a frame: candidates from every labelled layer, placed together, then drawn.

Each feature offers positions — eight round a point symbol, a few slots along a line
(turned with it), the inside of a polygon big enough for its name — and
`layers.render.labels.place_labels` keeps the best that collide with nothing.  Raster
frames blit cached haloed sprites (turned ones drawn turned); SVG/PDF get a haloing outline under
real text (selectable, searchable: `vector_font`).
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF

from layers.render.district_labels import area_candidates, merge_area_names
from layers.render.labels import LabelCandidate, label_priority, place_labels
from layers.render.symbols import halo_pen, is_raster, label_sprite, qcolor, text_path, turned_label_sprite, vector_font

_NO_TURNS = (0.0,) * 8  # point labels are never turned (one per candidate position)


def draw_labels(painter, jobs, view, dpi, obstacles, feedback=None):
    """Place and draw the labels of `jobs` (one per labelled layer) over `obstacles`; the placed labels."""
    ppt = dpi / 72.0
    candidates = []
    for layer, cache, idx, keys, classes, col, shown in jobs:
        if layer.name == "districts" and cache.kind == "polygon":  # area names: district_labels.py
            candidates.extend(area_candidates(layer, cache, idx, keys, classes, col, view, dpi))
            continue
        # English map, feature without an English name: its Chinese name rather than nothing
        fallback = layer.label_column("zh") if col != layer.label_column("zh") else None
        texts = cache.label_texts(col, fallback)
        line = cache.kind == "line"
        if line:  # several slots along each line (middle first), each with the line's direction
            slots = cache.line_label_slots[idx]
            pxs, pys = view.to_pixel(slots[:, :, 0], slots[:, :, 1])
            angles = -slots[:, :, 2]  # pixel y points down
            angles = np.where(angles > 90, angles - 180, np.where(angles <= -90, angles + 180, angles))
        else:
            if shown is not None:  # point symbols where they are drawn (displaced or not)
                pxs, pys = shown[0][idx], shown[1][idx]
            else:
                anchors = cache.label_anchor[idx]
                pxs, pys = view.to_pixel(anchors[:, 0], anchors[:, 1])
            pxs, pys, angles = pxs[:, None], pys[:, None], np.zeros((len(idx), 1))
        on_screen = (pxs >= -50) & (pxs <= view.width + 50) & (pys >= -50) & (pys <= view.height + 50)
        base_priority = layer.style.label_priority * 100.0
        areas = cache.area if cache.kind == "polygon" else None
        if areas is not None:  # polygons far too small on screen for any name (2 glyphs ~ 300 px²): skip early
            on_screen &= (areas[idx] * view.scale * view.scale >= 300.0)[:, None]
        point = cache.kind == "point"
        ids = cache.ids
        rows_idx, rows_key = idx.tolist(), keys.tolist()
        per_key: dict[str, tuple] = {}
        first_x, first_y = pxs[:, 0].tolist(), pys[:, 0].tolist()
        # rows with an anchor on screen (NaN compares false: no anchor), tested in one go
        for row in np.flatnonzero(on_screen.any(axis=1)).tolist():
            i, key = rows_idx[row], rows_key[row]
            px, py = first_x[row], first_y[row]
            text = texts[i]
            if not text:
                continue
            per = per_key.get(key)
            if per is None:  # per class: style, priority and (points) the gaps round the symbol
                st = classes[key].style
                gap = st.symbol_size_pt * ppt / 2 + 2 * ppt
                per = per_key[key] = (st, label_priority(base_priority, st), gap, gap * 0.7)
            st, priority, gap, d = per  # d: diagonal positions hug the symbol
            path, box = text_path(text, st.label_size_pt, dpi, st.label_bold)
            w, h = box.width(), box.height()
            if point:
                positions = [(px + gap, py - h / 2, px + gap + w, py + h / 2),
                             (px - gap - w, py - h / 2, px - gap, py + h / 2),
                             (px + d, py - d - h, px + d + w, py - d), (px + d, py + d, px + d + w, py + d + h),
                             (px - d - w, py - d - h, px - d, py - d), (px - d - w, py + d, px - d, py + d + h),
                             (px - w / 2, py - gap - h, px + w / 2, py - gap), (px - w / 2, py + gap, px + w / 2, py + gap + h)]
                turns = _NO_TURNS
            elif line:
                positions, turns = [], []
                for x, y, angle, ok in zip(pxs[row].tolist(), pys[row].tolist(), angles[row].tolist(),
                                           on_screen[row].tolist()):
                    if not ok:
                        continue
                    angle = 0.0 if abs(angle) < 3 else angle
                    rad = math.radians(angle)
                    bw = abs(w * math.cos(rad)) + abs(h * math.sin(rad))  # box of the turned label
                    bh = abs(w * math.sin(rad)) + abs(h * math.cos(rad))
                    positions.append((x - bw / 2, y - bh / 2, x + bw / 2, y + bh / 2))
                    turns.append(angle)
            else:
                if areas is not None:
                    pix_area = areas[i] * view.scale * view.scale
                    if pix_area < w * h * 1.2:  # the name would not fit inside the polygon
                        continue
                    priority += min(20.0, math.log10(1 + pix_area))
                positions, turns = [(px - w / 2, py - h / 2, px + w / 2, py + h / 2)], [0.0]
            candidates.append(LabelCandidate(text, priority, positions, layer.name, ids[i], st, (path, box, turns)))
    if feedback is not None and feedback.is_cancelled():
        return []
    candidates = merge_area_names(candidates, obstacles)
    placed = place_labels(candidates, view.width, view.height, obstacles, cell=max(48.0, 36 * ppt))
    painter.resetTransform()
    raster = is_raster(painter)
    for lab in placed:
        path, box, turns = lab.payload
        angle = turns[lab.position]
        st = lab.style
        halo_px = st.label_halo_pt * ppt if st.label_halo_pt else max(1.0, 2.4 * ppt * st.label_size_pt / 8.0)
        halo = st.label_halo
        centre = lab.rect.center()
        if raster:  # a cached sprite: stroking glyph outlines costs ~0.4 ms per label per frame
            if angle:  # turned text drawn turned into its own sprite: a transformed blit costs ~0.15 ms
                sprite, off = turned_label_sprite(lab.text, path, box, st.label_color, halo_px, angle, halo)
                painter.drawImage(QPointF(round(centre.x() - off.x()), round(centre.y() - off.y())), sprite)
            else:
                sprite, pad = label_sprite(lab.text, path, box, st.label_color, halo_px, halo)
                painter.drawImage(QPointF(round(lab.rect.left() - pad), round(lab.rect.top() - pad)), sprite)
            continue
        painter.save()  # vector devices: the glyph outlines themselves
        if angle:
            painter.translate(centre)
            painter.rotate(angle)
        origin = QPointF(-box.width() / 2, -box.height() / 2) if angle else lab.rect.topLeft()
        baseline = QPointF(origin.x() - box.left(), origin.y() - box.top())
        # the halo as an outline, the name itself as text: SVG <text> and PDF text stay selectable
        if halo:
            painter.strokePath(path.translated(baseline), halo_pen(halo_px, halo))
        painter.setFont(vector_font(st.label_size_pt, dpi, st.label_bold))
        painter.setPen(qcolor(st.label_color))
        painter.drawText(baseline, lab.text)
        painter.restore()
    return placed

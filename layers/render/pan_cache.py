"""Pan frames cut out of a larger frame: the window's pans cost a copy, not a render.

`PanCache.frame(request)` answers a request in one of three ways (`RenderResult.frame_source`):
- "cached": the request is at the scale of the kept frame, its view moved and lies inside that
  frame: the view is cut out of it (one image copy; the counts of what the view itself shows are
  taken again, the basemap's credit put in the cut's corner);
- "padded": a moved view the kept frame cannot answer, at the scale of the previous request (a pan
  under way, more will follow): rendered with `PAD` of its size more on every side, kept, and cut;
- "direct": anything else — a new scale (a zoom: a margin would double its cost), the same view
  again (new content, a refresh), or `pad=False`: rendered exactly as asked, as an export is.
`warm(request)` renders and keeps the margin frame around a view without showing it: the window
asks for it once a view has rested, after showing that view's exact frame (explorer/mapview/
canvas.py), so what rests on screen is what an export draws and the pans that follow are cuts.

The kept frame answers only the very same content: a value key of everything a frame depends on
except the extent (each layer's settings and data identity, filter, selection, language, labels,
dpi, background, layer subset, keep-clear boxes, the basemap and the count of tiles it has
received: a tile that arrives makes the kept frame stale, so a tile never stays missing).  A cut differs from
a render of its exact extent only at the edges: names were placed for the larger frame, so one may
run off the edge (as on a web map), and the box kept clear for the scale bar moved with the map.
"""
from __future__ import annotations

import dataclasses
import threading

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from geodata.core.feedback import Feedback
from layers.render.request import MapRequest, RenderResult, ViewTransform

PAD = 0.25  # the kept frame reaches this share of the view's size beyond each side (2.25x its pixels)
_SCALE_TOLERANCE = 1e-7  # relative: the same zoom level up to float rounding of the extent


def content_key(request: MapRequest) -> tuple:
    """Everything but the extent that decides the pixels (values, not object identity, except the
    data: a layer's GeoDataFrame is replaced, never edited in place, when its data change)."""
    doc = request.document
    layers = []
    for layer in doc.layers:
        values = tuple(repr(getattr(layer, f.name)) for f in dataclasses.fields(layer)
                       if f.name != "data" and not f.name.startswith("_"))
        layers.append((id(layer.data), values))
    basemap = request.basemap
    return (tuple(layers), repr(request.filter if request.filter is not None else doc.filter),
            repr(request.selection if request.selection is not None else doc.selection),
            request.language or doc.language, request.labels, round(request.dpi, 6), request.background,
            request.layers, request.keep_clear,
            None if basemap is None else (id(basemap), getattr(basemap, "revision", 0)))


@dataclasses.dataclass
class _Kept:
    key: tuple
    view: ViewTransform
    image: object  # QImage
    result: RenderResult


class PanCache:
    """One kept padded frame (see the module doc).  Used from one rendering thread at a time."""

    def __init__(self, pad: float = PAD) -> None:
        self.pad = pad
        self._kept: _Kept | None = None
        self._last_view: ViewTransform | None = None
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._kept = None
            self._last_view = None

    def frame(self, request: MapRequest, feedback: Feedback | None = None, *, pad: bool | None = None):
        """(QImage of request.width x request.height, RenderResult) — see the module doc.  `pad`
        True/False forces a margin render / an exact render; None decides as the module doc says."""
        from layers.render.renderer import render_with_result

        view = request.view()
        key = content_key(request)
        with self._lock:
            kept, last = self._kept, self._last_view
            self._last_view = view
        if pad is None:
            if last is not None and last.extent == view.extent and (last.width, last.height) == (view.width, view.height):
                pad = False  # the same view again (new content, a refresh): exactly what an export draws
            else:
                offset = _offset_in(kept, key, view)
                if offset is not None:
                    return _cut(kept, request, view, offset, "cached")
                pad = last is not None and _same_scale(last.scale, view.scale)  # a pan under way
        if not pad:
            image, result = render_with_result(request, feedback)
            result.frame_source = "direct"
            return image, result
        kept = self._render_kept(request, view, key, feedback)
        offset = _offset_in(kept, key, view) if kept is not None else None
        if offset is None:  # cancelled (or, not expected, the view not inside its own margin frame)
            image, result = render_with_result(request, feedback)
            result.frame_source = "direct"
            return image, result
        return _cut(kept, request, view, offset, "padded")

    def warm(self, request: MapRequest, feedback: Feedback | None = None) -> bool:
        """Render the margin frame around `request`'s view and keep it (the window does this once
        a view has rested); False when cancelled or not kept."""
        view = request.view()
        key = content_key(request)
        with self._lock:
            self._last_view = view  # the view on screen: the next moved view is a pan
        if _offset_in(self._kept, key, view) == (round(view.width * self.pad), round(view.height * self.pad)):
            return True  # already centred here
        return self._render_kept(request, view, key, feedback) is not None

    def _render_kept(self, request, view, key, feedback) -> _Kept | None:
        from layers.render.renderer import render_with_result

        image, result = render_with_result(padded_request(request, view, self.pad), feedback)
        if result.cancelled:
            return None
        kept = _Kept(key, result.view, image, result)
        with self._lock:
            self._kept = kept
        return kept


def _same_scale(a: float, b: float) -> bool:
    return abs(a - b) <= _SCALE_TOLERANCE * max(abs(a), abs(b))


def _offset_in(kept: _Kept | None, key: tuple, view: ViewTransform) -> tuple[int, int] | None:
    """The whole-pixel offset of `view` in the kept frame, or None when the kept frame cannot
    answer it (other content, other scale, or the view reaches beyond it)."""
    if kept is None or kept.key != key or not _same_scale(kept.view.scale, view.scale):
        return None
    ox = round((view.extent[0] - kept.view.extent[0]) * kept.view.scale)
    oy = round((kept.view.extent[3] - view.extent[3]) * kept.view.scale)
    if ox < 0 or oy < 0 or ox + view.width > kept.view.width or oy + view.height > kept.view.height:
        return None
    return ox, oy


def padded_request(request: MapRequest, view: ViewTransform, pad: float = PAD) -> MapRequest:
    """`request` grown by `pad` of its view's size on every side (same scale, whole pixels)."""
    px, py = round(view.width * pad), round(view.height * pad)
    dx, dy = px / view.scale, py / view.scale
    x0, y0, x1, y1 = view.extent
    keep_clear = tuple((x + px, y + py, w, h) for x, y, w, h in request.keep_clear)
    # the basemap's credit belongs in the corner of each cut, not of the larger frame
    return dataclasses.replace(request, extent=(x0 - dx, y0 - dy, x1 + dx, y1 + dy),
                               width=view.width + 2 * px, height=view.height + 2 * py, keep_clear=keep_clear,
                               attribution=False)


def _cut(kept: _Kept, request: MapRequest, view: ViewTransform, offset: tuple[int, int], source: str):
    """The view's pixels copied out of the kept frame, and a RenderResult in the view's pixels."""
    ox, oy = offset
    image = kept.image.copy(ox, oy, view.width, view.height)
    whole = kept.result
    # the view's exact extent is the kept frame's pixels, so the cut's transform is the kept one moved
    cut_view = ViewTransform((kept.view.extent[0] + ox / kept.view.scale, kept.view.extent[3] - (oy + view.height)
                              / kept.view.scale, kept.view.extent[0] + (ox + view.width) / kept.view.scale,
                              kept.view.extent[3] - oy / kept.view.scale), view.width, view.height, kept.view.scale)
    result = RenderResult(drawn=_drawn_in(whole, cut_view), legend=list(whole.legend),
                          labels=_labels_in(whole.labels, ox, oy, view), symbols=dict(whole.symbols),
                          view=cut_view, basemap=whole.basemap, cancelled=False, frame_source=source)
    result.point_positions = whole.point_positions.shifted(-ox, -oy)
    image.setDotsPerMeterX(kept.image.dotsPerMeterX())
    image.setDotsPerMeterY(kept.image.dotsPerMeterY())
    if request.basemap is not None and request.attribution:
        painter = QPainter(image)
        try:
            request.basemap.draw_attribution(painter, cut_view, request.dpi,
                                             request.language or request.document.language)
        finally:
            painter.end()
    return image, result


def _drawn_in(whole: RenderResult, view: ViewTransform) -> dict[str, int]:
    """Per layer, the features the view itself shows (the kept frame counted its margin too)."""
    counts = {}
    for name, (cache, keep) in whole.counted.items():
        idx = cache.visible(view.extent) if keep is not None else ()
        counts[name] = int(keep[idx].sum()) if len(idx) else 0
    return counts


def _labels_in(labels, ox: int, oy: int, view: ViewTransform) -> list:
    out = []
    for placed in labels:
        rect = placed.rect.translated(-ox, -oy)
        if rect.intersects(QRectF(0, 0, view.width, view.height)):
            out.append(dataclasses.replace(placed, rect=rect))
    return out

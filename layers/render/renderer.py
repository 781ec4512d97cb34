"""The one renderer: the window, every export and the benchmark call this.

`render(request, painter, feedback=None)` paints a `MapRequest` (layers.render.request)
onto any QPainter (QImage, QSvgGenerator, QPdfWriter, QPicture) and returns what it drew
(`RenderResult`: per-layer counts, the legend classes actually shown, placed labels,
where each point symbol went).  Sizes are points scaled by dpi, so a 300-dpi export
looks like the screen.  A cancelled `feedback` stops the frame between layers and before
the labels; the result then says `.cancelled` (nothing is raised).

The frame loop, per visible layer bottom first: query the layer's STRtree for the
features meeting the view (layers.model.layer_cache), keep those the filter passes,
group them by style class, and hand the groups to the painter of their geometry —
`draw_paths` (polygons, lines: cached paths under a world transform at a level of
detail picked from map units per pixel), `draw_points` (sprites, displacement) —
then the selection (`draw_selection`) and all labels at once (`draw_labels`).
"""
from __future__ import annotations


import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from geodata.core.feedback import Feedback
from layers.model.classify import feature_keys
from layers.model.filter import Filter
from layers.model.layer_cache import pick_lod
from layers.model.style import Style, StyleClass
from layers.render.bulk_paths import draw_bulk
from layers.render.bulk_points import bulk_positions, draw_bulk_points
from layers.render.district_labels import FOCUS_KEY, focus_label_classes, names_districts
from layers.render.draw_labels import draw_labels
from layers.render.draw_paths import draw_lines, draw_polygons
from layers.render.draw_points import _draw_clusters, displaced_positions, draw_points
from layers.render.draw_selection import draw_selection
from layers.render.fonts import ensure_gui_app
from layers.render.paths import layer_paths
from layers.render.request import LegendEntry, MapRequest, RenderResult
from layers.render.symbols import is_raster, qcolor

# Boundary layers are not hidden by a place filter (the map would lose its base); the
# selected districts are outlined instead.
FOCUS_CLASS = StyleClass("focus", "筛选地区", "Selected area",
                         Style(fill="#3b4cc0", fill_opacity=0.10, stroke="#2f3e9e", width_pt=1.8))


def _selection_for(request: MapRequest) -> dict[str, set[str]]:
    sel = request.selection if request.selection is not None else request.document.selection
    return {k: {str(i) for i in v} for k, v in (sel or {}).items()}


def render(request: MapRequest, painter: QPainter, feedback: Feedback | None = None) -> RenderResult:
    """Paint the request onto `painter` (device pixels = request width x height)."""
    ensure_gui_app()
    doc = request.document
    view = request.view()
    result = RenderResult(view=view)
    language = request.language or doc.language
    flt = request.filter if request.filter is not None else doc.filter
    ppt = request.px_per_pt
    raster = is_raster(painter)
    world = view.qtransform()
    lod = pick_lod(view.map_units_per_pixel)
    selection = _selection_for(request)
    wanted = None if request.layers is None else set(request.layers)

    painter.save()
    legend_by_layer: list[list[LegendEntry]] = []
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if request.background:
            painter.fillRect(QRectF(0, 0, view.width, view.height), qcolor(request.background))
        painter.setClipRect(QRectF(0, 0, view.width, view.height))
        if request.basemap is not None:  # tiles under every layer (layers/render/basemap/)
            result.basemap = request.basemap.draw(painter, view, request.dpi, feedback, request.background)

        label_jobs = []  # (layer, cache, indices) whose labels are placed after all geometry
        obstacles: list[QRectF] = []
        selected_draws = []

        for layer in doc.layers:
            if feedback is not None and feedback.is_cancelled():
                result.cancelled = True
                break
            if not layer.visible or (wanted is not None and layer.name not in wanted) or layer.data is None:
                continue
            cache = layer.cache
            idx = cache.visible(view.extent)
            keep = None
            if len(idx):
                keep = flt.mask(layer)
                idx = idx[keep[idx]]
            result.counted[layer.name] = (cache, keep)
            result.drawn[layer.name] = int(len(idx))
            if not len(idx):
                continue
            style = layer.style
            keys = feature_keys(style, cache)[idx]  # categorized/graduated: by value, vectorised
            groups = _class_groups(style, keys, idx)
            classes = {key: style.style_class(key, (layer.title_zh, layer.title_en)) for key in groups}
            if request.basemap is not None and cache.kind == "polygon":  # fills thinned: the tiles show
                classes = request.basemap.translucent(classes)

            painter.setOpacity(max(0.0, min(1.0, layer.opacity)))
            shown = None  # point layers: displayed pixel positions (displacement applied)
            col = layer.label_column(language)
            # symbols block labels only when some label is drawn: a layer with its labels off
            # registers no obstacles (other layers' names may then cross its symbols)
            labelled = bool(request.labels and col and layer.show_labels)
            if cache.bulk and cache.kind != "point":  # big layers: flat arrays, paths per class and chunk
                all_keys, keep_all = feature_keys(style, cache), flt.mask(layer)
                if not draw_bulk(painter, cache, groups, classes, world, raster, ppt, view,
                                 lambda key: keep_all & (all_keys == key) if style.fields else keep_all, feedback):
                    painter.setOpacity(1.0)
                    result.cancelled = True
                    break
            elif cache.bulk:  # big point layers: thinned to a symbol a cell, stamped with numpy
                shown = bulk_positions(cache, idx, classes.values(), view, ppt, style.displace_points)
                if shown[2]:
                    boxes = _draw_clusters(painter, shown[2], shown[3], ppt, style.label_priority * 100.0 + 60.0)
                    if labelled:
                        obstacles.extend(boxes)
                result.symbols[layer.name] = draw_bulk_points(painter, groups, classes, ppt, shown, raster,
                                                              view.width, view.height)
                drawn_rows = idx[~np.isnan(shown[0][idx])]
                result.point_positions.add(layer.name, drawn_rows, shown[0][drawn_rows], shown[1][drawn_rows])
                if labelled:
                    obstacles.extend(_symbol_boxes(drawn_rows, shown, groups, classes, ppt, style))
            elif cache.kind == "polygon":
                draw_polygons(painter, layer_paths(cache), groups, classes, lod, world, raster, ppt)
            elif cache.kind == "line":
                draw_lines(painter, layer_paths(cache), groups, classes, lod, world, raster, ppt)
            else:
                shown = displaced_positions(cache, idx, classes.values(), view, ppt, style.displace_points)
                boxes = draw_points(painter, groups, classes, ppt, style.label_priority * 100.0, shown)
                if labelled:
                    obstacles.extend(boxes)
                result.symbols[layer.name] = int((~np.isnan(shown[0][idx])).sum())
                result.point_positions.update(
                    ((layer.name, i), (x, y)) for i, x, y in zip(idx.tolist(), shown[0][idx].tolist(), shown[1][idx].tolist()))
            painter.setOpacity(1.0)

            heading = style.legend_titles(layer.title_zh, layer.title_en)  # 重点项目（状态） when by attribute
            entries = [LegendEntry(layer.name, *heading, key, c.label_zh, c.label_en, c.style,
                                   cache.kind, int(len(groups[key]))) for key, c in classes.items()]
            focus = _focus_indices(layer, cache, idx, flt)
            if len(focus):
                draw_polygons(painter, layer_paths(cache), {"focus": focus}, {"focus": FOCUS_CLASS}, lod, world, raster,
                              ppt)
                entries.insert(0, LegendEntry(layer.name, layer.title_zh, layer.title_en, "focus", FOCUS_CLASS.label_zh,
                                              FOCUS_CLASS.label_en, FOCUS_CLASS.style, cache.kind, int(len(focus))))
            legend_by_layer.append(entries)
            ids = selection.get(layer.name)
            if ids:
                chosen = idx[np.isin(cache.id_array[idx], list(ids))].tolist()
                if chosen:
                    selected_draws.append((cache, chosen, shown))
            if request.labels and col and (layer.show_labels or names_districts(layer, view, request.dpi)):
                label_keys, label_classes = focus_label_classes(layer, keys, classes, idx, focus)
                if not layer.labels.is_default:  # the layer's label settings over its classes' own
                    label_classes = {k: c if k == FOCUS_KEY else StyleClass(c.key, c.label_zh, c.label_en,
                                                                             layer.labels.apply(c.style))
                                     for k, c in label_classes.items()}
                label_jobs.append((layer, cache, idx, label_keys, label_classes, col, shown))

        if not result.cancelled:
            for cache, chosen, shown in selected_draws:
                draw_selection(painter, cache, chosen, lod, world, raster, ppt, shown)
            if label_jobs:
                # furniture over the map blocks every label (an infinite weight outranks any label)
                obstacles.extend((QRectF(*box), float("inf")) for box in request.keep_clear)
                result.labels = draw_labels(painter, label_jobs, view, request.dpi, obstacles, feedback)
                if feedback is not None and feedback.is_cancelled():
                    result.cancelled = True
            if request.basemap is not None and request.attribution:
                request.basemap.draw_attribution(painter, view, request.dpi, language)
        result.legend = [e for entries in reversed(legend_by_layer) for e in entries]
    finally:  # a failing layer must not leave the caller's painter transformed or clipped
        painter.restore()
    return result


def _class_groups(style, keys: np.ndarray, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Feature rows per class key, classes in the style's order (stable drawing and legend
    order), unknown keys after."""
    if len(keys) == 0:
        return {}
    if (keys == keys[0]).all():  # one class (a single-symbol style): nothing to sort
        return {keys[0]: idx}
    order = {k: i for i, k in enumerate(style.classes)}
    groups: dict[str, np.ndarray] = {}
    for key in sorted(set(keys.tolist()), key=lambda k: (order.get(k, len(order)), k)):
        groups[key] = idx[keys == key]
    return groups


def _symbol_boxes(rows, shown, groups, classes, ppt, style) -> list:
    """Label obstacles of a big layer's drawn symbols (only when its labels are on)."""
    from layers.render.labels import label_priority

    boxes = []
    for key, indices in groups.items():
        st = classes[key].style
        half = st.symbol_size_pt * ppt / 2
        weight = label_priority(style.label_priority * 100.0, st) + 0.5
        sel = indices[~np.isnan(shown[0][indices])]
        boxes.extend(((x - half, y - half, x + half, y + half), weight)
                     for x, y in zip(shown[0][sel].tolist(), shown[1][sel].tolist()))
    return boxes


def _focus_indices(layer, cache, idx, flt: Filter) -> np.ndarray:
    """Polygons of a boundary layer that lie wholly in the filter's place selection."""
    dims = layer.filter_dims
    if cache.kind != "polygon" or "adcode" not in cache.gdf.columns or dims is None or "place" in dims:
        return np.zeros(0, dtype=np.int64)
    wanted = flt.place_adcodes(cache._districts)
    if wanted is None:
        return np.zeros(0, dtype=np.int64)
    adcodes = cache.adcodes
    return np.asarray([i for i in idx.tolist() if adcodes[i] and adcodes[i] <= wanted], dtype=np.int64)


def render_image(request: MapRequest, feedback: Feedback | None = None) -> QImage:
    """Render to a new ARGB image of request.width x request.height (dpi recorded in the image)."""
    return render_with_result(request, feedback)[0]


def render_with_result(request: MapRequest, feedback: Feedback | None = None) -> tuple[QImage, RenderResult]:
    """Like render_image, also returning the RenderResult."""
    ensure_gui_app()
    image = QImage(int(request.width), int(request.height), QImage.Format.Format_ARGB32_Premultiplied)
    if not request.background or QColor(request.background).alpha() < 255:  # else render covers every pixel
        image.fill(Qt.GlobalColor.transparent)
    dpm = round(request.dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    painter = QPainter(image)
    try:
        result = render(request, painter, feedback)
    finally:
        painter.end()
    return image, result

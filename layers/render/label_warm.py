"""The bundled layers' label groundwork done before the first frame.

A frame at a place not seen before lays out the names it meets for the first time
(`QPainterPath.addText`, ~0.1-0.2 ms a name) and, zoomed in to district scale, finds the
interior spots of each district it names (`district_labels.interior_spots`, shapely, ~0.25 ms
a district).  The bundle's names are few (~530 distinct outlines, 221 districts: ~110 ms in
all), so `warm_bundle_paths` does both beside the bundle's paths and first visits skip them.
The haloed sprites themselves stay lazy: all ~730 cost ~300 ms, too much for start-up
(`layers.render.halo` makes each ~0.15 ms instead).  English names and user layers stay lazy.
"""
from __future__ import annotations

from layers.model.classify import feature_keys
from layers.render.district_labels import interior_spots
from layers.render.symbols import text_path


def _named(layer) -> bool:
    """A bundled layer whose names frames draw (the districts': zoomed in, whatever show_labels says)."""
    if layer.data is None or (layer.data_ref or {}).get("kind") != "bundle" or not layer.label_column("zh"):
        return False
    return layer.show_labels or layer.name == "districts"


def warm_bundle_labels(document, dpi: float = 96.0) -> int:
    """Glyph outlines of the document's bundled Chinese names at `dpi` (each class's label size
    and weight, the layer's label settings applied as the renderer does) and the districts'
    interior spots; how many names."""
    count = 0
    for layer in document.layers:
        if not _named(layer):
            continue
        cache, style = layer.cache, layer.style
        keys = feature_keys(style, cache).tolist()
        fonts = {}
        for key in set(keys):
            st = style.style_class(key, (layer.title_zh, layer.title_en)).style
            if not layer.labels.is_default:
                st = layer.labels.apply(st)
            fonts[key] = (st.label_size_pt, st.label_bold)
        for text, key in zip(cache.label_texts(layer.label_column("zh")), keys):
            if text:
                size, bold = fonts[key]
                text_path(text, size, dpi, bold)
                count += 1
        if layer.name == "districts" and cache.kind == "polygon":
            for row in range(cache.n):
                interior_spots(cache, row)
    return count

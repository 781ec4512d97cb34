"""What a page shows: the extent an export asks for, and the words for what the filter keeps.

An extent spec is None or "view" (the document's own extent), "selection" (the selected
features), a lon/lat bbox, "layer:NAME" (that layer's features under the filter) or
"district:NAME[,NAME]"; `resolve_extent` turns it into a
display-CRS box.  The web export resolves its extent here too, so both exports agree.
"""
from __future__ import annotations

from geodata.core.message import Message, MessageError, join, plain
from geodata.coords.projection import lonlat_bounds_to_display

FILTER_CAPTION = Message("筛选：{parts}", "Filter: {parts}")


class ExtentError(MessageError, ValueError):
    """An extent, district or layer an export cannot frame; the message says which and why."""


def find_layer(document, name: str):
    """The document's layer called `name`, or None."""
    return document.layer(name) if name in document else None


def pad_extent(extent, fraction: float = 0.05):
    """`extent` grown by `fraction` of its size on every side (a single point: 5 km each way)."""
    xmin, ymin, xmax, ymax = extent
    dx, dy = (xmax - xmin) * fraction, (ymax - ymin) * fraction
    dx = dx or 5000.0
    dy = dy or 5000.0
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


def display_bounds(gdf) -> tuple[float, float, float, float]:
    """The display-CRS box around a lon/lat GeoDataFrame's features."""
    b = gdf.total_bounds
    return lonlat_bounds_to_display((float(b[0]), float(b[1]), float(b[2]), float(b[3])))


def district_rows(document, text: str):
    """Rows of the districts layer matching a name (zh/en, with or without 区/县) or adcode."""
    layer = find_layer(document, "districts")
    if layer is None:
        raise ExtentError(Message("文档中没有区县图层", "the document has no districts layer"))
    gdf = layer.data
    wanted = str(text).strip()
    short = wanted.rstrip("区县市")
    zh = gdf["name_zh"].astype(str)
    hits = gdf[
        (gdf["adcode"].astype(str) == wanted)
        | (zh == wanted)
        | (gdf["name_en"].astype(str).str.lower() == wanted.lower())
        | ((zh.str.rstrip("区县市") == short) & (short != ""))
    ]
    if hits.empty:
        from rapidfuzz import process

        close = [m[0] for m in process.extract(wanted, list(zh.unique()), limit=3, score_cutoff=50)]
        hint = (Message("；是否指 {zh}？", "; did you mean {en}?").format(zh="、".join(close), en=", ".join(close))
                if close else plain(""))
        raise ExtentError(Message("未知区县 {text!r}{hint}", "unknown district {text!r}{hint}").format(text=text, hint=hint))
    return hits


def resolve_extent(document, spec=None) -> tuple[float, float, float, float]:
    """Display-CRS box for `spec`:
    None or "view" -> the document's extent (or the region); "selection" -> the selected
    features (`document.selection`), padded; a 4-tuple -> lon/lat bbox
    (west, south, east, north); "layer:NAME" -> that layer's features after the
    filter; "district:NAME" or a bare district/layer name -> that area, padded."""
    if spec is None:
        extent = document.extent or document.full_extent()
        return tuple(extent)
    if isinstance(spec, (tuple, list)):
        if len(spec) != 4:
            raise ExtentError(Message(f"范围须为 4 个数（西、南、东、北），不是 {len(spec)} 个",
                                      f"a bbox has 4 numbers (west, south, east, north), got {len(spec)}"))
        west, south, east, north = (float(v) for v in spec)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ExtentError(Message("范围 {spec} 须为 西<东、南<北（度）", "bbox {spec} is not west<east, south<north in degrees")
                              .format(spec=spec))
        return lonlat_bounds_to_display((west, south, east, north))
    text = str(spec)
    if text == "view":
        return resolve_extent(document, None)
    if text == "selection":
        return selection_extent(document)
    kind, _, name = text.partition(":")
    if not name:
        kind, name = ("layer", text) if find_layer(document, text) is not None else ("district", text)
    if kind == "layer":
        layer = find_layer(document, name)
        if layer is None:
            names = ", ".join(document.layer_names())
            raise ExtentError(Message("未知图层 {name!r}；现有图层：{names}", "unknown layer {name!r}; layers: {names}")
                              .format(name=name, names=names))
        gdf = layer.data
        gdf = gdf[document.filter.mask(layer)]
        if gdf.empty:
            raise ExtentError(Message("图层 {name!r} 在当前筛选下没有要素", "layer {name!r} has no features under the current filter")
                              .format(name=name))
        return pad_extent(display_bounds(gdf))
    if kind == "district":  # one name or several, comma-separated
        import pandas as pd

        rows = pd.concat([district_rows(document, part) for part in name.split(",") if part.strip()])
        return pad_extent(display_bounds(rows))
    raise ExtentError(Message("范围 {text!r}：请用 layer:图层名、district:区县名 或经纬度范围",
                              "extent {text!r}: use layer:NAME, district:NAME or a lon/lat bbox").format(text=text))


def selection_extent(document) -> tuple[float, float, float, float]:
    """The display-CRS box around the document's selected features, padded (ValueError: none)."""
    import numpy as np

    boxes = []
    for name, ids in (getattr(document, "selection", None) or {}).items():
        layer = find_layer(document, name)
        if layer is None or layer.data is None or layer.data.empty:
            continue
        cache = layer.cache
        rows = np.flatnonzero(np.isin(np.asarray(cache.ids, dtype=object), list(ids)))
        if len(rows):
            b = cache.bounds[rows]
            boxes.append((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
    if not boxes:
        raise ValueError("nothing is selected: select features on the map first")
    box = np.array(boxes, dtype=float)
    return pad_extent((float(box[:, 0].min()), float(box[:, 1].min()), float(box[:, 2].max()), float(box[:, 3].max())))


def filter_caption(document) -> Message | None:
    """What the filter keeps, for a subtitle ("筛选：交通；大足区"); None when nothing is filtered."""
    flt = document.filter
    if flt.is_empty:
        return None
    rest = flt.replace(provinces=[], cities=[], districts=[])
    parts = [] if rest.is_empty else [Message(rest.describe("zh"), rest.describe("en"))]
    places = filter_places(document)
    if places is not None:
        parts.append(places)
    return FILTER_CAPTION.format(parts=join(parts, "；", "; "))


def filter_places(document) -> Message | None:
    """The names of the places the filter keeps (大足区、铜梁区), or None without a place filter."""
    flt = document.filter
    codes = set(flt.provinces + flt.cities + flt.districts)
    if not codes:
        return None
    districts = find_layer(document, "districts")
    if districts is not None:
        gdf = districts.data
        rows = gdf.loc[gdf["adcode"].astype(str).isin(codes)]
        zh = rows["name_zh"].astype(str).tolist()
        en = rows["name_en"].astype(str).tolist() if "name_en" in gdf.columns else zh
        names = [Message(z, e) for z, e in zip(zh, en)]
        if names:
            return join(names)
    return plain(",".join(sorted(codes)))

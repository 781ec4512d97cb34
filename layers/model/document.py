"""The map document: ordered layers, their appearance, the filter and the view.

A plain model (no widgets, no Qt) in the napari manner: views call `subscribe(callback)`
and are told `callback(event)` after every change, with one of the frozen values of
`layers.model.events` (LayerAdded, LayerRemoved, LayersReordered, LayerChanged,
FilterChanged, ExtentChanged, SelectionChanged, LanguageChanged).  A call that changes
nothing sends nothing.

`to_dict()`/`from_dict()` use plain JSON-able values (no pickles): bundled layers
are stored by reference, user layers by their file path or inline GeoJSON.
"""
from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import shapely

from layers.model.events import (DocumentEvent, ExtentChanged, FilterChanged, LanguageChanged, LayerAdded,
                                 LayerChanged, LayerRemoved, LayersReordered, SelectionChanged)
from layers.model.filter import DIMENSIONS, Filter
from layers.model.style import LabelSettings, LayerStyle, default_layer_style

# shapely's type ids -> the names geopandas' geom_type gives
_GEOM_TYPES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
               "GeometryCollection")

log = logging.getLogger(__name__)

Listener = Callable[[DocumentEvent], None]

# Bundled layers, bottom of the drawing order first: (name, title_zh, title_en, label_field, show_labels, filter_dims)
BUNDLE_LAYERS: tuple[tuple[str, str, str, str | None, bool, tuple[str, ...] | None], ...] = (
    ("districts", "区县", "Districts and counties", "name_zh", False, ()),  # never hidden; a place
    ("cities", "地级市", "Prefectures", "name_zh", False, ()),  # filter outlines them instead
    ("rivers", "河流", "Rivers", "name_zh", True, None),
    ("circle", "经济圈范围", "Economic circle", None, False, ()),
    ("partnerships", "合作结对", "Partnerships", None, False, None),
    ("expressways", "高速公路", "Expressways", "name_zh", True, None),
    ("railways", "铁路", "Railways", "name_zh", True, None),
    ("stations", "车站", "Stations", "name_zh", True, None),
    ("seats", "驻地", "Seats", "name_zh", True, ("place", "text")),
    ("project_lines", "项目线路", "Project lines", "name_zh", True, None),
    ("projects", "重点项目", "Projects", "name_zh", True, None),
)


@dataclass
class MapLayer:
    """One layer: data (a WGS84 GeoDataFrame) and how it is shown."""

    name: str
    data: Any  # geopandas.GeoDataFrame, EPSG:4326
    title_zh: str = ""
    title_en: str = ""
    visible: bool = True
    opacity: float = 1.0
    label_field: str | None = None
    show_labels: bool = True
    style: LayerStyle | None = None
    labels: LabelSettings = field(default_factory=LabelSettings)  # size, colour, halo overrides
    source: str = ""
    geometry_quality: str = ""
    theme_tags: tuple[str, ...] = ()
    filter_dims: tuple[str, ...] | None = None  # None: every dimension the data supports
    data_ref: dict[str, Any] | None = None  # how to_dict() refers to the data
    _cache: Any = field(default=None, repr=False, compare=False)
    _districts: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.data is not None and self.data.crs is not None and self.data.crs.to_epsg() != 4326:
            self.data = self.data.to_crs(4326)
        if self.style is None:
            self.style = default_layer_style(self.name, self.geometry_type)
        if not self.title_zh:
            self.title_zh = self.name
        if not self.title_en:
            self.title_en = self.name
        if self.filter_dims is not None:
            self.filter_dims = tuple(self.filter_dims)
            bad = set(self.filter_dims) - set(DIMENSIONS)
            if bad:
                raise ValueError(f"unknown filter dimension(s) {sorted(bad)}; choose from {DIMENSIONS}")
        if not self.source and self.data is not None and "source" in self.data.columns and len(self.data):
            self.source = str(self.data["source"].iloc[0])
        if not self.geometry_quality and self.data is not None and "geometry_quality" in self.data.columns and len(self.data):
            self.geometry_quality = ",".join(sorted(set(map(str, self.data["geometry_quality"].dropna()))))

    @property
    def geometry_type(self) -> str:
        if self.data is None or not len(self.data):
            return ""
        # type ids, not geopandas' per-feature strings (20 ms for a 100k-point import)
        ids = np.unique(shapely.get_type_id(np.asarray(self.data.geometry.values, dtype=object)))
        types = [_GEOM_TYPES[i] for i in ids.tolist() if i >= 0]  # -1: a missing geometry
        return types[0] if len(types) == 1 else ",".join(sorted(types))

    def title(self, language: str = "zh") -> str:
        return self.title_en if language == "en" else self.title_zh

    def label_column(self, language: str = "zh") -> str | None:
        """The label field for a language: `name_zh` becomes `name_en` in English when present."""
        col = self.label_field
        if col and language == "en" and col.endswith("_zh"):
            en = col[:-3] + "_en"
            if en in self.data.columns:
                return en
        return col if col and col in self.data.columns else None

    @property
    def cache(self):
        """Projected, indexed, simplified geometry (built on first use, kept; shared by
        every layer showing the very same GeoDataFrame, e.g. the loader's bundle layers)."""
        if self._cache is None:
            from layers.model.layer_cache import shared_cache

            self._cache = shared_cache(self.data, self._districts)
        return self._cache

    def copy(self) -> "MapLayer":
        """A shallow copy sharing data and cache (for render snapshots; builds the cache once)."""
        if self.data is not None:
            self.cache  # noqa: B018 - build before copying so both share one
        return dataclasses.replace(self)

    def to_dict(self) -> dict[str, Any]:
        ref = self.data_ref
        if ref is None:
            ref = {"kind": "inline", "geojson": json.loads(self.data.to_json(drop_id=True))}
        return {
            "name": self.name,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "visible": self.visible,
            "opacity": self.opacity,
            "label_field": self.label_field,
            "show_labels": self.show_labels,
            "style": self.style.to_dict(),
            "labels": self.labels.to_dict(),
            "source": self.source,
            "geometry_quality": self.geometry_quality,
            "theme_tags": list(self.theme_tags),
            "filter_dims": None if self.filter_dims is None else list(self.filter_dims),
            "data_ref": ref,
        }


def resolve_data_ref(ref: dict[str, Any]):
    """The GeoDataFrame a layer's `data_ref` points to (bundle layer, file, or inline GeoJSON)."""
    import geopandas as gpd

    kind = ref.get("kind")
    if kind == "bundle":
        from geodata.bundle.loader import load_layer

        return load_layer(ref["layer"], ref.get("path"))
    if kind == "inline":
        gj = ref["geojson"]
        return gpd.GeoDataFrame.from_features(gj["features"], crs=4326)
    if kind == "file":
        from geodata.io.importer import import_file

        kwargs = {k: v for k, v in ref.items() if k not in ("kind", "path")}
        return import_file(ref["path"], **kwargs).gdf
    if kind == "postgis":
        from geodata.io.importer import import_file

        kwargs = {k: v for k, v in ref.items() if k not in ("kind", "url")}
        return import_file(ref["url"], **kwargs).gdf
    if kind == "edits":
        from geodata.fieldcheck.edits import corrected_registry

        return corrected_registry(ref["url"])
    raise ValueError(f"cannot load layer data from {ref!r}: kind must be bundle, file, postgis, edits or inline")


class MapDocument:
    """Ordered layers (index 0 drawn first, at the bottom), a filter, a view extent."""

    def __init__(self, layers: list[MapLayer] | None = None, filter: Filter | None = None,
                 extent: tuple[float, float, float, float] | None = None, language: str = "zh"):
        self._listeners: list[Listener] = []
        self.layers: list[MapLayer] = []
        self._filter = filter or Filter()
        self._extent = tuple(extent) if extent else None
        self._language = _check_language(language)
        self._selection: dict[str, tuple[str, ...]] = {}
        for layer in layers or []:
            self._attach(layer)
            self.layers.append(layer)

    # ---- listeners -------------------------------------------------------------
    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call `callback(event)` (a `layers.model.events` value) after every change; returns an
        unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _emit(self, event: DocumentEvent) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # one broken view must not stop the others
                log.exception("listener %r failed on %r", callback, event)

    # ---- layers ----------------------------------------------------------------
    def _attach(self, layer: MapLayer) -> None:
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f"a layer named {layer.name!r} already exists")
        if layer._districts is None:
            layer._districts = layer.data if layer.name == "districts" else self.districts_table()

    def districts_table(self):
        """The districts GeoDataFrame used by the spatial place filter (ours, else the bundle's)."""
        for layer in self.layers:
            if layer.name == "districts":
                return layer.data
        try:
            from geodata.bundle.loader import load_layer

            return load_layer("districts")
        except Exception:  # no bundle (tests, user-only maps): place filter uses adcode prefixes
            return None

    def layer(self, name: str) -> MapLayer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}; layers: {[l.name for l in self.layers]}")

    def __contains__(self, name: str) -> bool:
        return any(l.name == name for l in self.layers)

    def layer_names(self) -> list[str]:
        return [l.name for l in self.layers]

    def add_layer(self, layer: MapLayer, index: int | None = None) -> MapLayer:
        self._attach(layer)
        if index is None:
            self.layers.append(layer)
        else:
            self.layers.insert(index, layer)
        self._emit(LayerAdded(layer.name))
        return layer

    def remove_layer(self, name: str) -> MapLayer:
        layer = self.layer(name)
        self.layers.remove(layer)
        self._selection.pop(name, None)
        self._emit(LayerRemoved(name))
        return layer

    def move_layer(self, name: str, index: int) -> None:
        """Move a layer to position `index` of the drawing order (0 = bottom)."""
        layer = self.layer(name)
        before = self.layer_names()
        self.layers.remove(layer)
        self.layers.insert(max(0, min(index, len(self.layers))), layer)
        if self.layer_names() != before:
            self._emit(LayersReordered(tuple(self.layer_names())))

    def set_layer(self, name: str, **changes) -> None:
        """Change a layer's appearance: visible, opacity, label_field, show_labels, labels, style, titles."""
        layer = self.layer(name)
        allowed = {"visible", "opacity", "label_field", "show_labels", "labels", "style", "title_zh", "title_en",
                   "filter_dims", "theme_tags"}
        bad = set(changes) - allowed
        if bad:
            raise ValueError(f"cannot set {sorted(bad)} on a layer; allowed: {sorted(allowed)}")
        if "opacity" in changes:
            changes["opacity"] = float(max(0.0, min(1.0, changes["opacity"])))
        if "filter_dims" in changes and changes["filter_dims"] is not None:
            changes["filter_dims"] = tuple(changes["filter_dims"])
        changed = frozenset(key for key, value in changes.items() if getattr(layer, key) != value)
        for key in changed:
            setattr(layer, key, changes[key])
        if changed:
            self._emit(LayerChanged(name, changed))

    def set_layer_data(self, name: str, data) -> None:
        """Replace a layer's features (a new GeoDataFrame; never mutate a shown one in place:
        caches are keyed by the frame object)."""
        layer = self.layer(name)
        if data is layer.data:
            return
        if data is not None and data.crs is not None and data.crs.to_epsg() != 4326:
            data = data.to_crs(4326)
        layer.data = data
        layer._cache = None
        if name == "districts":
            for other in self.layers:
                other._districts = data if other is layer else other._districts
        self._emit(LayerChanged(name, frozenset({"data"})))

    def set_visible(self, name: str, visible: bool) -> None:
        self.set_layer(name, visible=bool(visible))

    def set_opacity(self, name: str, opacity: float) -> None:
        self.set_layer(name, opacity=opacity)

    def set_style(self, name: str, style: LayerStyle) -> None:
        self.set_layer(name, style=style)

    # ---- filter, view, language, selection -------------------------------------------
    @property
    def filter(self) -> Filter:
        return self._filter

    @filter.setter
    def filter(self, value: Filter) -> None:
        self.set_filter(value)

    def set_filter(self, value: Filter) -> None:
        if not isinstance(value, Filter):
            raise TypeError("the filter must be a layers.model.filter.Filter")
        if value != self._filter:
            self._filter = value
            self._emit(FilterChanged(value))

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        return self._extent

    @extent.setter
    def extent(self, value) -> None:
        self.set_extent(value)

    def set_extent(self, value) -> None:
        value = tuple(float(v) for v in value) if value is not None else None
        if value is not None and not (value[2] > value[0] and value[3] > value[1]):
            raise ValueError(f"extent {value} is empty (need xmin < xmax and ymin < ymax)")
        if value != self._extent:
            self._extent = value
            self._emit(ExtentChanged(value))

    def full_extent(self, margin: float = 0.03) -> tuple[float, float, float, float]:
        """The region (bundle) or the union of the layers' extents, in the display CRS."""
        if "circle" in self or "districts" in self:
            from geodata.coords.projection import region_extent

            return region_extent()
        boxes = [l.cache.total_bounds for l in self.layers if l.data is not None and len(l.data)]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            from geodata.coords.projection import region_extent

            return region_extent()
        x0 = min(b[0] for b in boxes); y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes); y1 = max(b[3] for b in boxes)
        dx = max(x1 - x0, 1000.0) * margin; dy = max(y1 - y0, 1000.0) * margin
        return x0 - dx, y0 - dy, x1 + dx, y1 + dy

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, value: str) -> None:
        value = _check_language(value)
        if value != self._language:
            self._language = value
            self._emit(LanguageChanged(value))

    @property
    def selection(self) -> dict[str, tuple[str, ...]]:
        return dict(self._selection)

    def set_selection(self, selection: dict[str, Any] | None) -> None:
        """Selected feature ids per layer ({layer: [id, ...]}; ids as in LayerCache.ids)."""
        clean = {k: tuple(str(i) for i in v) for k, v in (selection or {}).items() if v}
        if clean != self._selection:
            self._selection = clean
            self._emit(SelectionChanged(dict(clean)))

    # ---- snapshots and files ----------------------------------------------------------
    def snapshot(self) -> "MapDocument":
        """An independent copy for a render job (layers copied, data and caches shared, no listeners)."""
        doc = MapDocument.__new__(MapDocument)
        doc._listeners = []
        doc.layers = [l.copy() for l in self.layers]
        doc._filter = self._filter
        doc._extent = self._extent
        doc._language = self._language
        doc._selection = dict(self._selection)
        return doc

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "language": self._language,
            "filter": self._filter.to_dict(),
            "extent": list(self._extent) if self._extent else None,
            "selection": {k: list(v) for k, v in self._selection.items()},
            "layers": [l.to_dict() for l in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], resolve: Callable[[dict], Any] | None = None) -> "MapDocument":
        """Rebuild a document; `resolve(data_ref) -> GeoDataFrame` loads layer data (default: bundle/file/inline)."""
        if not isinstance(data, dict) or "layers" not in data:
            raise ValueError("not a map document: expected a mapping with 'layers'")
        from layers.model.project_values import clean_selection, extent_problem, layer_entry_problems

        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError(f"map document version {version!r} is not a number")
        if version > 1:
            raise ValueError(f"map document version {data.get('version')} is newer than this program understands (1)")
        if not isinstance(data["layers"], list) or not all(isinstance(e, dict) for e in data["layers"]):
            raise ValueError("the document's layers are not a list of layer entries")
        problem = extent_problem(data.get("extent"))
        if problem:
            raise ValueError(problem)
        resolve = resolve or resolve_data_ref
        layers = []
        for entry in data["layers"]:  # damaged values are refused here (load_project resets them first)
            if not isinstance(entry.get("name"), str) or not entry["name"].strip():
                raise ValueError(f"a layer has no name: {str(entry.get('name'))[:50]!r}")
            problems = layer_entry_problems(entry)
            if problems:
                raise ValueError(f"layer {entry['name']!r}: {problems[0][1]}")
            ref = entry.get("data_ref") or {}
            try:
                gdf = resolve(ref)
            except Exception as exc:
                raise ValueError(f"layer {entry.get('name')!r}: cannot load its data ({exc})") from exc
            layers.append(MapLayer(
                name=entry["name"], data=gdf, title_zh=entry.get("title_zh", ""), title_en=entry.get("title_en", ""),
                visible=bool(entry.get("visible", True)), opacity=float(entry.get("opacity", 1.0)),
                label_field=entry.get("label_field"), show_labels=bool(entry.get("show_labels", True)),
                style=LayerStyle.from_dict(entry["style"]) if entry.get("style") else None,
                labels=LabelSettings.from_dict(entry.get("labels")),
                source=entry.get("source", ""), geometry_quality=entry.get("geometry_quality", ""),
                theme_tags=tuple(entry.get("theme_tags") or ()),
                filter_dims=None if entry.get("filter_dims") is None else tuple(entry["filter_dims"]),
                data_ref=None if ref.get("kind") == "inline" else ref,
            ))
        doc = cls(layers=_districts_first(layers), filter=Filter.from_dict(data.get("filter")),
                  extent=data.get("extent"), language=data.get("language", "zh"))
        doc.layers = layers  # keep the saved order (districts were attached first for the place filter)
        doc._selection = {k: tuple(v) for k, v in clean_selection(data.get("selection") or {}).items() if v}
        return doc

    @classmethod
    def from_bundle(cls, path=None, names: list[str] | None = None) -> "MapDocument":
        """The default map of the bundled data, in a planning-map z-order.

        Layers missing from the bundle are skipped (the bundle is built in stages).
        """
        from geodata.bundle.loader import layer_names, load_layer

        available = set(layer_names(path))
        layers = []
        for name, zh, en, label, show, dims in BUNDLE_LAYERS:
            if name not in available or (names is not None and name not in names):
                continue
            gdf = load_layer(name, path)
            ref = {"kind": "bundle", "layer": name}
            if path is not None:
                ref["path"] = str(path)
            tags = ()
            if "themes" in gdf.columns:
                from geodata.core.themes import split_themes

                tags = tuple(sorted({t for v in gdf["themes"].tolist() for t in split_themes(v)}))
            layers.append(MapLayer(name=name, data=gdf, title_zh=zh, title_en=en, label_field=label,
                                   show_labels=show, filter_dims=dims, data_ref=ref, theme_tags=tags))
        if not layers:
            raise ValueError(f"the bundle {path or '(default)'} holds none of the map layers")
        doc = cls(layers=_districts_first(layers))._reordered(layers)
        for layer in doc.layers:  # project, index and simplify once, at load, on the loading thread
            layer.cache.simplify_all()
        return doc

    def _reordered(self, layers: list[MapLayer]) -> "MapDocument":
        self.layers = list(layers)
        return self


def _districts_first(layers: list[MapLayer]) -> list[MapLayer]:
    return sorted(layers, key=lambda l: l.name != "districts")


def _check_language(value: str) -> str:
    if value not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', not {value!r}")
    return value

"""Read the bundled GeoPackage (`geodata/bundle/data/chengyu.gpkg`): fast, cached, read-only.

Layers are cached per (file, modification time, layer), so a rebuilt bundle is read
again; `clear_cache()` empties the cache for cold-load measurements.  Cached frames
are shared: callers must `.copy()` before mutating.  pyarrow is not used: the whole
bundle loads in tens of milliseconds through pyogrio's default path (see README).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

BUNDLE_PATH = Path(__file__).resolve().parent / "data" / "chengyu.gpkg"
# Integer-meaning fields: pyogrio reads an integer column that has nulls as float64 (2023.0),
# so they are handed out as pandas' nullable Int64 (2023 / <NA>) whatever the file held.
INTEGER_COLUMNS = ("year", "doc_year", "in_circle", "partial", "cross_border", "a_in_circle", "b_in_circle")

_cache: dict[tuple[str, int, str], gpd.GeoDataFrame] = {}
_lock = threading.Lock()


class BundleError(RuntimeError):
    """The bundle is missing or has no such layer; the message says how to fix it."""


@dataclass(frozen=True)
class LayerInfo:
    name: str
    geometry_type: str
    count: int
    crs: str
    source: str


def _resolve(path: str | os.PathLike | None) -> Path:
    resolved = Path(path) if path is not None else BUNDLE_PATH
    if not resolved.exists():
        raise BundleError(f"GeoPackage not found: {resolved} (build it with `python -m geodata.bundle.build`)")
    return resolved


def _stamp(path: Path) -> tuple[str, int]:
    return str(path.resolve()), path.stat().st_mtime_ns


def clear_cache() -> None:
    """Forget every loaded layer (the next load reads the file again)."""
    with _lock:
        _cache.clear()


def layer_names(path: str | os.PathLike | None = None) -> list[str]:
    """Layer names in the order they were written (boundaries first)."""
    import pyogrio

    return [str(name) for name, _ in pyogrio.list_layers(_resolve(path))]


def load_layer(name: str, path: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """One layer as a GeoDataFrame in EPSG:4326 (cached; `.copy()` before mutating)."""
    return _load(_resolve(path), name, known_names=None)


def _load(resolved: Path, name: str, known_names: list[str] | None) -> gpd.GeoDataFrame:
    import pyogrio

    key = (*_stamp(resolved), name)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    names = known_names if known_names is not None else layer_names(resolved)
    if name not in names:
        raise BundleError(f"{resolved.name} has no layer {name!r}; it has: {', '.join(names)}")
    frame = _with_integer_columns(pyogrio.read_dataframe(resolved, layer=name))
    with _lock:
        _cache[key] = frame
    return frame


def _with_integer_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in INTEGER_COLUMNS:
        if column in frame.columns and frame[column].dtype.kind in "fiu" and str(frame[column].dtype) != "Int64":
            frame[column] = frame[column].astype("Int64")
    return frame


def load_all(path: str | os.PathLike | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the bundle, in file order (the layer list is read once)."""
    resolved = _resolve(path)
    names = layer_names(resolved)
    return {name: _load(resolved, name, names) for name in names}


def _source_summary(frame: gpd.GeoDataFrame) -> str:
    """One line: the single source, or how many and which seed files they cite."""
    sources = frame["source"].dropna().astype(str).unique().tolist() if "source" in frame.columns else []
    if len(sources) <= 1:
        return sources[0] if sources else ""
    if "source_file" in frame.columns:
        seeds = sorted({str(f).split("_")[0] for f in frame["source_file"].dropna()})
        return f"{len(sources)} sources; seed files {', '.join(seeds)} (shared/seeds)"
    return f"{len(sources)} sources, e.g. {sources[0]}"


def layer_info(path: str | os.PathLike | None = None) -> list[LayerInfo]:
    """Name, geometry type, feature count, CRS and source(s) of each layer."""
    import pyogrio

    resolved = _resolve(path)
    infos = []
    for name in layer_names(resolved):
        meta = pyogrio.read_info(resolved, layer=name)
        frame = load_layer(name, resolved)
        infos.append(
            LayerInfo(
                name=name,
                geometry_type=str(meta.get("geometry_type") or "None"),
                count=int(meta.get("features", len(frame))),
                crs=str(meta.get("crs") or ""),
                source=_source_summary(frame),
            )
        )
    return infos

"""Save a layer as GeoPackage, Shapefile, GeoJSON, KML or CSV — atomically, never over its source.

The driver follows the suffix.  Data are WGS84; `datum="gcj02"|"bd09"` shifts the
coordinates for Chinese web maps (PROJ has no such CRS, so the file still says
EPSG:4326 and the report says what was done).  A destination that is the file the
layer was imported from is refused unless `overwrite=True`.
"""
from __future__ import annotations

import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.core.atomic import atomic_group, atomic_path
from geodata.core.message import Message, MessageError
from geodata.io.errors import short

DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".csv": "CSV"}
FILE_FILTER = ("GeoPackage (*.gpkg);;Shapefile (*.shp);;GeoJSON (*.geojson);;KML (*.kml);;CSV (*.csv)")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
SHAPEFILE_EXTRAS = (".qix", ".sbn", ".sbx")  # spatial indexes other programs add


class ExportError(MessageError):
    """A layer could not be saved; the message says why, for a person."""


@dataclass
class SaveResult:
    paths: list[Path]
    report: list[Message]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _source_paths(gdf, source_path) -> list[Path]:
    paths = [source_path, gdf.attrs.get("source_path")]
    return [Path(p) for p in paths if p]


def save_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    driver: str | None = None,
    datum: str | None = None,
    overwrite: bool = False,
    source_path: str | os.PathLike | None = None,
    layer_name: str | None = None,
    csv_geometry: str = "auto",
) -> SaveResult:
    """Write `gdf` to `path`.  csv_geometry: 'wkt', 'lonlat' (points only) or 'auto'
    (lon/lat columns for point layers, WKT otherwise)."""
    path = Path(path)
    suffix = path.suffix.lower()
    driver = driver or DRIVERS.get(suffix)
    if driver is None:
        raise ExportError(Message("不支持的格式", f"unsupported format {suffix or '(no suffix)'}: use {', '.join(DRIVERS)}"))
    if not overwrite:
        for src in _source_paths(gdf, source_path):
            targets = [path.with_suffix(s) for s in SHAPEFILE_PARTS] if driver == "ESRI Shapefile" else [path]
            if any(_same_file(t, src) for t in targets):
                raise ExportError(Message(f"{path.name} 是该图层的源文件，不会覆盖",
                                          f"{path.name} is the file this layer was imported from: "
                                          "choose another name (or overwrite explicitly)"))
    if gdf.crs is None:
        raise ExportError(Message("图层没有坐标参考系", "the layer has no CRS"))
    report: list[Message] = []
    out = gdf.to_crs(4326) if gdf.crs.to_epsg() != 4326 else gdf.copy()
    out = out.loc[~(out.geometry.isna() | out.geometry.is_empty)].reset_index(drop=True)
    if len(out) < len(gdf):
        report.append(Message(f"{len(gdf) - len(out)} 个没有几何的要素未写入", f"{len(gdf) - len(out)} features without geometry not written"))
    out = _plain_columns(out)
    key = (datum or "wgs84").lower().replace("-", "")
    if key in ("gcj02", "bd09"):
        out = _to_obfuscated(out, key)
        report.append(Message(f"坐标已用 prcoords 从 WGS84 转换为 {key.upper()}；文件仍标注 EPSG:4326（PROJ 没有该坐标系）——勿与 WGS84 数据混用",
                           f"coordinates converted from WGS84 to {key.upper()} (prcoords); the file still declares EPSG:4326 "
                           "because PROJ has no CRS for it — do not mix it with WGS84 data"))
    elif key not in ("wgs84", "cgcs2000"):
        raise ExportError(Message("未知坐标基准", f"unknown datum {datum!r}: wgs84, gcj02 or bd09"))
    name = layer_name or gdf.attrs.get("source_layer") or path.stem
    try:
        if driver == "ESRI Shapefile":
            paths = _write_shapefile(out, path, report)
        elif driver == "CSV":
            paths = [_write_csv(out, path, csv_geometry, report)]
        else:
            with atomic_path(path) as tmp:
                if driver == "GPKG" and path.exists():
                    _keep_other_layers(path, tmp, name, report)
                opts = {}
                if driver == "KML":
                    label = next((c for c in ("name_zh", "name", "名称", "NAME", "Name") if c in out.columns), None)
                    if label:
                        opts["dataset_options"] = {"NameField": label}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    # the layer name is also GeoJSON's "name" and KML's folder: the real one, not the temporary file's
                    out.to_file(tmp, driver=driver, layer=name, engine="pyogrio", **opts)
            paths = [path]
    except ExportError:
        raise
    except Exception as exc:  # a person's message; nothing half-written stays behind (atomic)
        raise ExportError(Message("无法保存", f"could not save {path.name}: {short(exc)}")) from exc
    names = ", ".join(p.name for p in paths)
    report.append(Message(f"已写入 {len(out)} 个要素：{names}", f"{len(out)} features written to {names}"))
    return SaveResult(paths, report)


def _keep_other_layers(path: Path, tmp: Path, name: str, report: list[Message]) -> None:
    """Saving into an existing GeoPackage adds (or replaces) one layer in a copy; the others stay."""
    import pyogrio

    shutil.copy2(path, tmp)
    try:
        others = [str(n) for n, _ in pyogrio.list_layers(tmp) if str(n) != name]
    except Exception as exc:  # not a GeoPackage we can add to: say so, leave it untouched
        raise ExportError(Message(f"{path.name} 不是可写入的 GeoPackage", "is not a GeoPackage a layer can be added to")) from exc
    if others:
        report.append(Message(f"图层 {name} 写入已有的 {path.name}；保留其他图层：{'、'.join(others)}",
                           f"layer {name!r} written into the existing {path.name}; other layers kept: {', '.join(others)}"))


def _plain_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lists/dicts (not storable in most formats) become JSON text."""
    for col in gdf.columns:
        if col == gdf.geometry.name or gdf[col].dtype != object:
            continue
        if gdf[col].map(lambda v: isinstance(v, (list, dict, tuple, set))).any():
            gdf[col] = gdf[col].map(lambda v: json.dumps(list(v) if isinstance(v, (set, tuple)) else v, ensure_ascii=False)
                                    if isinstance(v, (list, dict, tuple, set)) else v)
    return gdf


def _to_obfuscated(gdf, key: str):
    from geodata.coords.datums import from_wgs84  # prcoords, shared with the field check

    def convert(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (x, y) in enumerate(coords):
            out[i] = from_wgs84(float(x), float(y), key)
        return out

    out = gdf.copy()
    out.geometry = gpd.GeoSeries(shapely.transform(gdf.geometry.to_numpy(), convert), crs=4326, index=gdf.index)
    return out


def _write_shapefile(gdf, path: Path, report: list[Message]) -> list[Path]:
    kinds = {("Point" if "Point" in t else "Line" if "Line" in t else "Polygon") for t in gdf.geom_type.unique()}
    if len(kinds) > 1:
        raise ExportError(Message(f"Shapefile 只能保存一种几何类型，此图层含 {', '.join(sorted(kinds))}",
                                  f"a Shapefile holds one geometry type and this layer has {', '.join(sorted(kinds))}: "
                                  "save as GeoPackage or GeoJSON"))
    import pyogrio

    # One set: every part is written under a temporary name, then all are renamed together
    # (`atomic_group`: all old or all new, even after a kill), the .shp last; a part of an older
    # save that this one does not write (an index, say) is removed, as it would describe other data.
    parts = [path.with_suffix(s) for s in (".cpg", ".prj", ".dbf", ".shx") + SHAPEFILE_EXTRAS + (".shp",)]
    with atomic_group(parts, optional=[p for p in parts if p.suffix in (".prj", ".cpg") + SHAPEFILE_EXTRAS]) as temps:
        tmp = temps[-1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf.to_file(tmp, driver="ESRI Shapefile", encoding="UTF-8", engine="pyogrio")
        cpg = tmp.with_suffix(".cpg")
        if not cpg.exists():
            cpg.write_text("UTF-8", encoding="ascii")
        written = [str(f) for f in pyogrio.read_info(tmp)["fields"]]
        renamed = [f"{a}→{b}" for a, b in zip([c for c in gdf.columns if c != gdf.geometry.name], written) if a != b]
        if renamed:
            report.append(Message("Shapefile 字段名限 10 字节，已改名：" + "，".join(renamed),
                               "Shapefile field names are limited to 10 bytes; renamed: " + ", ".join(renamed)))
        moved = sorted((p for p, t in zip(parts, temps) if t.exists()), key=lambda p: p.name)
    report.append(Message("Shapefile 已附 .cpg（UTF-8）和 .prj（WGS84）", "Shapefile written with .cpg (UTF-8) and .prj (WGS84)"))
    return moved


def _write_csv(gdf, path: Path, mode: str, report: list[Message]) -> Path:
    points = bool(len(gdf)) and (gdf.geom_type == "Point").all()
    if mode == "lonlat" and not points:
        raise ExportError(Message("只有点图层能保存为经纬度列", "only point layers can be saved as lon/lat columns: use WKT"))
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if mode == "lonlat" or (mode == "auto" and points):
        table["lon"] = np.round(gdf.geometry.x.to_numpy(), 7)
        table["lat"] = np.round(gdf.geometry.y.to_numpy(), 7)
        report.append(Message("CSV 含 lon/lat 经纬度列（WGS84）", "CSV with lon/lat columns (WGS84 degrees)"))
    else:
        table["WKT"] = shapely.to_wkt(gdf.geometry.to_numpy(), rounding_precision=7)
        report.append(Message("CSV 以 WKT 列保存几何（WGS84）", "CSV with geometry as WKT (WGS84 degrees)"))
    with atomic_path(path) as tmp:
        # utf-8-sig: Excel in China opens BOM-less UTF-8 as GBK and garbles the names
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path

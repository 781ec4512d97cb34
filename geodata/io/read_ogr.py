"""Formats GDAL reads (through pyogrio): GeoPackage, GeoJSON, KML and Shapefile with its sidecars.

GDAL's warnings are silenced; what matters for the user (the layer chosen, the encoding,
a rebuilt index, a missing .prj) goes into the report instead.  With a `feedback`, a big
GeoPackage table or shapefile is read in chunks (`read_chunks.py`): progress, and Cancel between chunks.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.core.feedback import Feedback
from geodata.core.message import Message
from geodata.io.encoding_detect import detect_dbf_encoding
from geodata.io.errors import DataImportError, LayerChoiceRequired, short
from geodata.io.shapefile_check import check_parts


def ogr_read(path: Path, feedback: Feedback | None = None, name: str | None = None, **kwargs) -> gpd.GeoDataFrame:
    """One pyogrio read; with `feedback`, in chunks when the file is big (progress names `name`).
    Only for formats whose reopening is cheap: a GeoPackage table or a shapefile (see read_chunks)."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL chatter; what matters goes into the report
        try:
            if feedback is not None:
                from geodata.io.read_chunks import read_in_chunks

                return read_in_chunks(path, feedback, name or Path(path).name, **kwargs)
            return pyogrio.read_dataframe(path, on_invalid="ignore", **kwargs)
        except pyogrio.errors.DataSourceError as exc:
            raise DataImportError(Message("无法打开", f"cannot open {Path(path).name}: file is corrupt, truncated or "
                                                     f"not that format ({short(exc)})")) from exc
        except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
                pyogrio.errors.FeatureError, pyogrio.errors.CRSError) as exc:
            raise DataImportError(Message("无法读取", f"cannot read {Path(path).name}: {short(exc)}")) from exc


def ogr_layers(path: Path) -> list[tuple[str, str]]:
    """(name, geometry type) of each layer."""
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise DataImportError(Message("无法打开", f"cannot open {path.name}: file is corrupt, truncated or not that format")) from exc


def read_ogr_layer(path: Path, kind: str, layer: str | None, report: list[Message], feedback: Feedback | None = None):
    """-> (GeoDataFrame, chosen layer or None when KML folders were merged).  `feedback` (0..1 for
    the read) gets the progress of a big GeoPackage table, which it can cancel between chunks."""
    layers = ogr_layers(path)
    names = [n for n, _ in layers]
    if not names:
        raise DataImportError(Message(f"{path.name} 中没有图层", "holds no layers"))
    if layer is not None:
        if layer not in names:
            raise DataImportError(Message(f"{path.name} 中没有图层 {layer!r}",
                                          f"has no layer {layer!r}; layers: {', '.join(names)}"))
        chosen = layer
    elif len(names) == 1:
        chosen = names[0]
    elif kind == "kml":
        # KML folders are one dataset split for display: read them all, remember the folder.
        frames = []
        for name in names:
            if feedback is not None:
                feedback.check()
            frame = ogr_read(path, layer=name)
            if len(frame):
                frame.insert(0, "kml_folder", name)
                frames.append(frame)
        if not frames:
            raise DataImportError(Message(f"{path.name} 中没有要素", "holds no features"))
        report.append(Message(f"KML 文件夹合并为一个图层（{'、'.join(names)}）；文件夹名保存在 kml_folder 列",
                              f"KML folders merged into one layer ({', '.join(names)}); the folder is kept in column kml_folder"))
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs), None
    else:
        spatial = [n for n, t in layers if t and t.lower() not in ("none", "")]
        if len(spatial) != 1:
            raise LayerChoiceRequired(path, names)
        chosen = spatial[0]
        report.append(Message(f"选用图层 {chosen}：{'、'.join(names)} 中唯一有几何的图层",
                              f"layer {chosen!r} chosen: the only one with geometry among {', '.join(names)}"))
    chunked = None
    if kind == "gpkg":
        from geodata.io.gpkg_guard import check_layer, views

        check_layer(path, chosen)  # a view is counted under a time limit before GDAL reads it
        if chosen not in views(path):  # a view's query would run again for every chunk
            chunked = feedback
    gdf = ogr_read(path, chunked, layer=chosen)
    if kind == "gpkg" or len(names) > 1:
        report.append(Message(f"{path.name} 的图层 {chosen}", f"layer {chosen!r} of {path.name}"))
    return gdf, chosen


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for cand in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if cand.exists():
            return cand
    return None


def read_shapefile(shp: Path, tmp: Path, report: list[Message], feedback: Feedback | None = None):
    """-> (GeoDataFrame, encoding): the .dbf is required, a missing .shx is rebuilt in a copy under `tmp`.
    `feedback` (0..1 for the read) gets the progress of a big one, which it can cancel between chunks."""
    if _sidecar(shp, ".dbf") is None:
        raise DataImportError(Message(f"{shp.name} 缺少属性表 {shp.stem}.dbf",
                                      f"the attribute table {shp.stem}.dbf is missing: "
                                      "copy all files of the shapefile (.shp .shx .dbf .prj .cpg) together"))
    parts = check_parts(shp, _sidecar(shp, ".dbf"), _sidecar(shp, ".shx"))  # refuses parts that do not fit
    enc = detect_dbf_encoding(shp)
    if enc.encoding.startswith("utf_16") or enc.encoding.startswith("utf-16"):
        raise DataImportError(Message(
            f"{shp.stem}.dbf 的文字是 UTF-16 编码，dBASE 表无法可靠保存：请另存为 UTF-8（附 .cpg）",
            f"the text in {shp.stem}.dbf is UTF-16, which a dBASE table cannot hold reliably (GDAL cuts it at the "
            "first NUL byte): save the shapefile again as UTF-8 with a .cpg"))
    report.append(enc.note)
    missing_index = _sidecar(shp, ".shx") is None
    if parts.rebuild_index:
        # GDAL can rebuild the index, but writes it beside the .shp: work on a copy, never the user's folder.
        work = tmp / "shx"
        work.mkdir()
        for suffix in (".shp", ".dbf", ".prj", ".cpg"):
            src = _sidecar(shp, suffix)
            if src is not None:
                shutil.copy2(src, work / f"data{suffix}")
        import pyogrio

        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})
        try:
            gdf = ogr_read(work / "data.shp", feedback, shp.name, encoding=enc.encoding)
        finally:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})
        how = ("缺少", "was missing") if missing_index else ("已损坏或与 .shp 不符", "was damaged or did not fit the .shp")
        report.append(Message(f"{shp.stem}.shx {how[0]}：已在临时副本中重建索引（原文件未改动）",
                              f"{shp.stem}.shx {how[1]}: index rebuilt in a temporary copy (your files are untouched)"))
    else:
        gdf = ogr_read(shp, feedback, encoding=enc.encoding)
    if _sidecar(shp, ".prj") is None:
        report.append(Message(f"{shp.name} 旁没有 {shp.stem}.prj", f"no {shp.stem}.prj beside {shp.name}"))
    return gdf, enc.encoding

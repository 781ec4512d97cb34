"""The one boundary through which every user file enters the explorer.

`import_file(path)` reads Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, GPX,
CSV and XLSX, and returns an `ImportResult`: a GeoDataFrame in WGS84 (EPSG:4326) and a
`report`, one sentence for everything that was detected or changed (CRS and where it
came from, text encoding, swapped lat/lon, repaired or dropped geometries, datum
conversions).  Anything unreadable raises `DataImportError` with a message meant for a
person; no other exception leaves `import_file`.
"""
from __future__ import annotations

import csv
import math
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geodata.io import crs_detect
from geodata.io.encoding_detect import detect_dbf_encoding, guess_bytes_encoding
from geodata.io.import_report import Note, feature_count

Progress = Callable[[float, str], None]  # (fraction 0..1, message)
Cancel = Callable[[], bool]  # True -> stop as soon as possible

SUFFIXES = {
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson",
    ".kml": "kml", ".kmz": "kmz", ".gpx": "gpx", ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
}
FILE_FILTER = "空间数据 / Spatial data (*.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz *.gpx *.csv *.txt *.tsv *.xlsx)"
GPX_LAYERS = ("tracks", "routes", "waypoints")
# Formats people often have, with what to do instead (their readers are absent or unreliable for Chinese text).
SAVE_AS_HINTS = {
    ".xls": "旧版 Excel 文件，请另存为 .xlsx 或 .csv / old Excel format: save it as .xlsx or .csv",
    ".tab": "MapInfo 文件，请在 MapInfo/QGIS 中另存为 GeoPackage 或 Shapefile / MapInfo file: save it as GeoPackage or Shapefile",
    ".mif": "MapInfo 文件，请在 MapInfo/QGIS 中另存为 GeoPackage 或 Shapefile / MapInfo file: save it as GeoPackage or Shapefile",
    ".dwg": "CAD 图纸没有地理坐标，请在 CAD/GIS 软件中导出为 Shapefile 或 GeoPackage / CAD drawing: export it to Shapefile or GeoPackage",
    ".dxf": "CAD 图纸没有地理坐标，请在 CAD/GIS 软件中导出为 Shapefile 或 GeoPackage / CAD drawing: export it to Shapefile or GeoPackage",
}
DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")
CSV_CHUNK_ROWS = 50_000
MAX_UNZIPPED_BYTES = 2 * 1024**3  # refuse zip bombs

# Column names (normalised: lower case, no spaces/underscores/brackets) that hold coordinates.
LON_NAMES = ("经度", "东经", "lon", "lng", "long", "longitude", "x", "pointx", "xcoord", "x坐标", "坐标x", "横坐标")
LAT_NAMES = ("纬度", "北纬", "lat", "latitude", "y", "pointy", "ycoord", "y坐标", "坐标y", "纵坐标")
LON_PARTS = ("经度", "longitude", "lng", "lon")
LAT_PARTS = ("纬度", "latitude", "lat")
WKT_NAMES = ("wkt", "geometry", "geom", "thegeom", "shape", "几何", "空间信息")


class DataImportError(Exception):
    """A user file could not be read; the message says why, for a person."""


class ImportCancelled(DataImportError):
    def __init__(self) -> None:
        super().__init__("导入已取消 / import cancelled")


class LayerChoiceRequired(DataImportError):
    """The file holds several layers and none was chosen; `.layers` lists them."""

    def __init__(self, path: Path, layers: list[str]) -> None:
        self.layers = layers
        super().__init__(
            f"{path.name} 含多个图层，请选择一个 / {path.name} holds {len(layers)} layers, choose one "
            f"(--layer NAME): {', '.join(layers)}"
        )


class CrsUnknown(DataImportError):
    """No CRS declared and none can be guessed; `.bounds` lets a UI offer fitting CRSs."""

    def __init__(self, message: str, bounds: tuple[float, float, float, float]) -> None:
        self.bounds = bounds
        super().__init__(message)


@dataclass
class ImportResult:
    gdf: gpd.GeoDataFrame
    report: list[str]
    source: Path
    layer: str | None = None
    datum: str = "wgs84"
    encoding: str | None = None
    crs_note: str = ""
    crs: str | None = None  # the CRS the caller gave (crs=...), kept so a project can reopen the file
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A layer title for the map: the chosen layer or the file stem."""
        return self.layer or self.source.stem


# --- entry points ----------------------------------------------------------------------------------

def list_layers(path: str | Path) -> list[str]:
    """Layers the user may choose from (GeoPackage tables, KML folders, zipped shapefiles,
    workbook sheets, GPX tracks/routes/waypoints); one-layer formats give one name."""
    path = Path(path)
    try:
        kind = _kind(path, [])
        if kind in ("gpkg", "kml", "geojson"):
            return [str(name) for name, _ in _ogr_layers(path)]
        if kind in ("zip", "kmz"):
            with zipfile.ZipFile(path) as zf:
                members = _zip_members(zf)
            if kind == "zip":
                return [Path(m).stem for m in members if m.lower().endswith(".shp")] or [Path(m).name for m in members]
            return [path.stem]
        if kind == "gpx":
            return [name for name, frame in _read_gpx_all(path).items() if len(frame)]
        if kind == "xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True)
            try:
                return list(wb.sheetnames)
            finally:
                wb.close()
        return [path.stem]
    except DataImportError:
        raise
    except Exception as exc:  # any reader failure becomes a message, never a traceback
        raise DataImportError(f"无法读取 / cannot read {path.name}: {_short(exc)}") from exc


def offers_datum(path: str | Path, layer: str | None = None) -> bool:
    """Whether to ask which datum (WGS84/GCJ-02/BD-09) the coordinates are in before importing:
    yes when they are lon/lat on WGS84 or CGCS2000 — tables of degrees, GeoJSON/KML/GPX, or a file
    declaring such a CRS (or, declaring none, holding degrees in China) — since points digitised
    off Amap or Baidu arrive in any of these formats.  Cheap: reads metadata, not features."""
    path = Path(path)
    try:
        kind = _kind(path, [])
    except (DataImportError, OSError):
        return False  # the import itself will say what is wrong
    if kind in ("csv", "xlsx", "kml", "kmz", "gpx"):  # KML and GPX are WGS84 by definition
        return True
    if kind not in ("shp", "zip", "gpkg", "geojson"):
        return False
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer)
        if not info.get("crs"):  # bounds only then: a GeoJSON would be scanned whole (on the GUI thread)
            info = pyogrio.read_info(path, layer=layer, force_total_bounds=True)
    except Exception:  # a damaged or multi-layer file: the import reports or asks
        return kind == "geojson"
    if info.get("crs"):
        try:
            return crs_detect.wgs84_like(CRS.from_user_input(info["crs"]))
        except Exception:
            return False
    bounds = info.get("total_bounds")
    return bounds is not None and crs_detect.looks_china_lonlat(tuple(float(v) for v in bounds))


def import_file(
    path: str | Path,
    *,
    layer: str | None = None,
    datum: str | None = None,
    crs: str | int | CRS | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Read a user file into WGS84.  `datum` says what the coordinates are when PROJ
    cannot (gcj02/bd09 are converted with prcoords); `crs` overrides a missing or wrong CRS."""
    path = Path(path)
    report: list[str] = []
    progress = progress or (lambda f, m: None)
    cancel = cancel or (lambda: False)
    datum_key = _datum(datum)
    try:
        override = CRS.from_user_input(crs) if crs is not None else None
    except Exception as exc:
        raise DataImportError(f"无法识别坐标参考系 / unknown CRS {crs!r}: {_short(exc)}") from exc
    try:
        _check_file(path)
        progress(0.0, f"读取 / reading {path.name}")
        with tempfile.TemporaryDirectory(prefix="cy-import-") as tmp:
            gdf, declared, encoding, chosen = _read_any(path, layer, Path(tmp), report, progress, cancel)
        if cancel():
            raise ImportCancelled()
        progress(0.85, "检查坐标与几何 / checking coordinates and geometry")
        gdf, crs_note = _normalise(gdf, declared, override, datum_key, report, progress, cancel)
    except DataImportError:
        raise
    except MemoryError as exc:
        raise DataImportError(f"{path.name} 太大，内存不足 / too large to load into memory") from exc
    except Exception as exc:  # the contract: a person's message, not a traceback
        raise DataImportError(f"无法读取 / cannot read {path.name}: {_short(exc)}") from exc
    gdf.attrs["source_path"] = str(path.resolve())
    gdf.attrs["source_layer"] = chosen
    gdf.attrs["datum"] = datum_key
    if cancel():
        raise ImportCancelled()
    progress(1.0, "完成 / done")
    given = override.to_string() if override is not None else None
    return ImportResult(gdf, report, path, chosen, datum_key, encoding, crs_note, given)


# --- detecting what a file is ----------------------------------------------------------------------

def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _datum(datum: str | None) -> str:
    if datum is None:
        return "wgs84"
    key = str(datum).lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in DATUMS:
        raise DataImportError(f"未知坐标基准 / unknown datum {datum!r}: choose one of {', '.join(DATUMS)}")
    return key


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataImportError(f"文件不存在 / file not found: {path}")
    if path.is_dir():
        raise DataImportError(f"这是文件夹，不是文件 / {path.name} is a folder; choose a file inside it")
    if path.stat().st_size == 0:
        raise DataImportError(f"文件为空 / {path.name} is empty (0 bytes)")


def _sniff(path: Path) -> str | None:
    """Format from the first bytes, independent of the suffix."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"SQLite format 3\0"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n.lower() for n in zf.namelist()]
        except zipfile.BadZipFile:
            return "badzip"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.endswith(".shp") for n in names):
            return "zip"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
        return "zip"
    if len(head) >= 4 and head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{") or text.startswith(b"["):
        return "geojson"
    if text.startswith(b"<"):
        low = text.lower()
        if b"<kml" in low:
            return "kml"
        if b"<gpx" in low:
            return "gpx"
        return "xml"
    if b"\0" in head:
        return None
    return "text"


def _kind(path: Path, report: list[str]) -> str:
    by_suffix = SUFFIXES.get(path.suffix.lower())
    sniffed = _sniff(path)
    if by_suffix is None:
        hint = SAVE_AS_HINTS.get(path.suffix.lower())
        if hint:
            raise DataImportError(f"{path.name}: {hint}")
        if sniffed in (None, "xml", "badzip", "text"):
            raise DataImportError(
                f"不支持的文件类型 / unsupported file type {path.suffix or '(no suffix)'} for {path.name}; "
                "supported: Shapefile (.shp/.zip), GeoPackage, GeoJSON, KML/KMZ, GPX, CSV, XLSX"
            )
        report.append(Note(f"{path.name} 的扩展名未知；内容为 {sniffed.upper()}，按此读取",
                           f"{path.name} has no known suffix; its content is {sniffed.upper()}, read as that"))
        return sniffed
    if sniffed == "badzip":
        raise DataImportError(f"{path.name} 是损坏的 ZIP 文件 / is a damaged or truncated ZIP archive")
    compatible = {
        "shp": {"shp"}, "zip": {"zip", "kmz"}, "kmz": {"kmz", "zip"}, "gpkg": {"gpkg"}, "geojson": {"geojson"},
        "kml": {"kml"}, "gpx": {"gpx"}, "csv": {"text"}, "xlsx": {"xlsx"},
    }[by_suffix]
    if sniffed in compatible:
        return by_suffix
    if sniffed in ("gpkg", "zip", "kmz", "xlsx", "kml", "gpx", "geojson", "shp"):
        report.append(Note(f"{path.name} 扩展名为 {path.suffix}，内容却是 {sniffed.upper()}：按 {sniffed.upper()} 读取",
                           f"{path.name} is named {path.suffix} but holds {sniffed.upper()} data: read as {sniffed.upper()}"))
        return sniffed
    expected = {"shp": "Shapefile", "gpkg": "GeoPackage", "geojson": "GeoJSON", "kml": "KML", "gpx": "GPX",
                "csv": "CSV text", "xlsx": "Excel workbook", "zip": "ZIP", "kmz": "KMZ"}[by_suffix]
    raise DataImportError(
        f"{path.name} 不是有效的 {expected} 文件（内容不符或已损坏） / is not a valid {expected} file "
        "(wrong extension, corrupt or truncated)"
    )


# --- readers ---------------------------------------------------------------------------------------

def _read_any(path, layer, tmp, report, progress, cancel):
    """-> (gdf, declared CRS or None, encoding or None, chosen layer name)."""
    kind = _kind(path, report)
    if kind == "shp":
        gdf, enc = _read_shapefile(path, tmp, report)
        return gdf, gdf.crs, enc, None
    if kind in ("zip", "kmz"):
        return _read_zip(path, kind, layer, tmp, report, progress, cancel)
    if kind in ("gpkg", "geojson", "kml"):
        gdf, chosen = _read_ogr_layer(path, kind, layer, report)
        return gdf, gdf.crs, None, chosen
    if kind == "gpx":
        gdf, chosen = _read_gpx(path, layer, report)
        return gdf, gdf.crs, None, chosen
    if kind == "csv":
        gdf, enc = _read_csv(path, report, progress, cancel)
        return gdf, None, enc, None
    if kind == "xlsx":
        gdf, sheet = _read_xlsx(path, layer, report)
        return gdf, None, None, sheet
    raise DataImportError(f"不支持的文件类型 / unsupported content in {path.name}")


def _ogr_read(path: Path, **kwargs) -> gpd.GeoDataFrame:
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL chatter; what matters goes into the report
        try:
            return pyogrio.read_dataframe(path, on_invalid="ignore", **kwargs)
        except pyogrio.errors.DataSourceError as exc:
            raise DataImportError(f"无法打开 / cannot open {Path(path).name}: file is corrupt, truncated or not that format ({_short(exc)})") from exc
        except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
                pyogrio.errors.FeatureError, pyogrio.errors.CRSError) as exc:
            raise DataImportError(f"无法读取 / cannot read {Path(path).name}: {_short(exc)}") from exc


def _ogr_layers(path: Path) -> list[tuple[str, str]]:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise DataImportError(f"无法打开 / cannot open {path.name}: file is corrupt, truncated or not that format") from exc


def _read_ogr_layer(path: Path, kind: str, layer: str | None, report: list[str]):
    layers = _ogr_layers(path)
    names = [n for n, _ in layers]
    if not names:
        raise DataImportError(f"{path.name} 中没有图层 / holds no layers")
    if layer is not None:
        if layer not in names:
            raise DataImportError(f"{path.name} 中没有图层 {layer!r} / has no layer {layer!r}; layers: {', '.join(names)}")
        chosen = layer
    elif len(names) == 1:
        chosen = names[0]
    elif kind == "kml":
        # KML folders are one dataset split for display: read them all, remember the folder.
        frames = []
        for name in names:
            frame = _ogr_read(path, layer=name)
            if len(frame):
                frame.insert(0, "kml_folder", name)
                frames.append(frame)
        if not frames:
            raise DataImportError(f"{path.name} 中没有要素 / holds no features")
        report.append(Note(f"KML 文件夹合并为一个图层（{'、'.join(names)}）；文件夹名保存在 kml_folder 列",
                           f"KML folders merged into one layer ({', '.join(names)}); the folder is kept in column kml_folder"))
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs), None
    else:
        spatial = [n for n, t in layers if t and t.lower() not in ("none", "")]
        if len(spatial) == 1:
            chosen = spatial[0]
            report.append(Note(f"选用图层 {chosen}：{'、'.join(names)} 中唯一有几何的图层",
                               f"layer {chosen!r} chosen: the only one with geometry among {', '.join(names)}"))
        else:
            raise LayerChoiceRequired(path, names)
    gdf = _ogr_read(path, layer=chosen)
    if kind == "gpkg" or len(names) > 1:
        report.append(Note(f"{path.name} 的图层 {chosen}", f"layer {chosen!r} of {path.name}"))
    return gdf, chosen


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for cand in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if cand.exists():
            return cand
    return None


def _read_shapefile(shp: Path, tmp: Path, report: list[str]):
    if _sidecar(shp, ".dbf") is None:
        raise DataImportError(
            f"{shp.name} 缺少属性表 {shp.stem}.dbf / the attribute table {shp.stem}.dbf is missing: "
            "copy all files of the shapefile (.shp .shx .dbf .prj .cpg) together"
        )
    enc = detect_dbf_encoding(shp)
    report.append(enc.note)
    if _sidecar(shp, ".shx") is None:
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
            gdf = _ogr_read(work / "data.shp", encoding=enc.encoding)
        finally:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})
        report.append(Note(f"缺少 {shp.stem}.shx：已在临时副本中重建索引（原文件未改动）",
                           f"{shp.stem}.shx was missing: index rebuilt in a temporary copy (your files are untouched)"))
    else:
        gdf = _ogr_read(shp, encoding=enc.encoding)
    if _sidecar(shp, ".prj") is None:
        report.append(Note(f"{shp.name} 旁没有 {shp.stem}.prj", f"no {shp.stem}.prj beside {shp.name}"))
    return gdf, enc.encoding


def _zip_members(zf: zipfile.ZipFile) -> list[str]:
    infos = [i for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename and not Path(i.filename).name.startswith(".")]
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES or len(infos) > 10_000:
        raise DataImportError("ZIP 解压后过大 / the ZIP archive unpacks to more than 2 GB or 10 000 files")
    return [i.filename for i in infos]


def _read_zip(path, kind, layer, tmp, report, progress, cancel):
    try:
        with zipfile.ZipFile(path) as zf:
            members = _zip_members(zf)
            out = tmp / "zip"
            for name in members:
                target = (out / name).resolve()
                if not str(target).startswith(str(out.resolve())):  # zip-slip: never write outside tmp
                    raise DataImportError(f"{path.name} 含非法路径 / holds an unsafe path {name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise DataImportError(f"{path.name} 是损坏的 ZIP 文件 / is a damaged or truncated ZIP archive") from exc
    extracted = [out / m for m in members]
    shps = [p for p in extracted if p.suffix.lower() == ".shp"]
    if shps:
        if layer is not None:
            match = [p for p in shps if p.stem == layer or p.name == layer]
            if not match:
                raise DataImportError(f"{path.name} 中没有 {layer!r} / holds no shapefile {layer!r}; it holds: {', '.join(p.stem for p in shps)}")
            shp = match[0]
        elif len(shps) == 1:
            shp = shps[0]
        else:
            raise LayerChoiceRequired(path, [p.stem for p in shps])
        report.append(Note(f"读取 {path.name} 中的 {shp.name}", f"shapefile {shp.name} read from inside {path.name}"))
        gdf, enc = _read_shapefile(shp, tmp, report)
        return gdf, gdf.crs, enc, shp.stem
    inner = [p for p in extracted if SUFFIXES.get(p.suffix.lower()) in ("kml", "gpkg", "geojson", "gpx", "csv", "xlsx")]
    if kind == "kmz":
        inner = [p for p in inner if p.suffix.lower() == ".kml"] or inner
        inner.sort(key=lambda p: (p.name.lower() != "doc.kml", len(p.parts)))
        inner = inner[:1]
    if len(inner) != 1:
        found = ", ".join(Path(m).name for m in members[:10]) or "nothing"
        raise DataImportError(f"{path.name} 中找不到唯一的空间数据文件 / holds no single spatial data file (found: {found})")
    report.append(Note(f"读取 {path.name} 中的 {inner[0].name}", f"{inner[0].name} read from inside {path.name}"))
    try:
        gdf, declared, enc, chosen = _read_any(inner[0], layer, tmp, report, progress, cancel)
    except (ImportCancelled, LayerChoiceRequired, CrsUnknown):
        raise  # questions for the user and cancels pass through unchanged
    except DataImportError as exc:
        # Say what the archive lacked first: "readme.txt has no rows" alone hides that it held no shapefile.
        raise DataImportError(f"{path.name} 中没有 Shapefile，其中的 {inner[0].name} 也无法读取 / holds no shapefile, "
                              f"and {inner[0].name} inside it could not be read: {exc}") from exc
    return gdf, declared, enc, chosen


def _read_gpx_all(path: Path, report: list[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    import gpxpy
    import gpxpy.gpx

    from geodata.io.encoding_detect import decode_xml

    try:
        text, note = decode_xml(path.read_bytes())
        if report is not None:
            report.append(note)
        doc = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise DataImportError(f"{path.name} 不是有效的 GPX / is not valid GPX: {_short(exc)}") from exc

    def when(t):
        return t.isoformat() if t else None

    tracks = []
    for trk in doc.tracks:
        lines = [[(p.longitude, p.latitude) for p in seg.points] for seg in trk.segments]
        lines = [ln for ln in lines if len(ln) >= 2]
        if lines:
            start, end = trk.get_time_bounds()
            tracks.append({"name": trk.name, "description": trk.description, "points": sum(len(s.points) for s in trk.segments),
                           "start_time": when(start), "end_time": when(end), "geometry": shapely.MultiLineString(lines)})
    routes = []
    for rte in doc.routes:
        pts = [(p.longitude, p.latitude) for p in rte.points]
        if len(pts) >= 2:
            routes.append({"name": rte.name, "description": rte.description, "points": len(pts), "geometry": shapely.LineString(pts)})
    waypoints = [{"name": w.name, "description": w.description, "elevation": w.elevation, "time": when(w.time),
                  "geometry": shapely.Point(w.longitude, w.latitude)} for w in doc.waypoints]
    out = {}
    for name, rows in (("tracks", tracks), ("routes", routes), ("waypoints", waypoints)):
        out[name] = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(geometry=[], crs=4326)
    return out


def _read_gpx(path: Path, layer: str | None, report: list[str]):
    frames = _read_gpx_all(path, report)
    present = [n for n in GPX_LAYERS if len(frames[n])]
    if not present:
        raise DataImportError(f"{path.name} 中没有轨迹、路线或航点 / holds no tracks, routes or waypoints")
    if layer is not None:
        if layer not in GPX_LAYERS:
            raise DataImportError(f"GPX 图层须为 / GPX layer must be one of {', '.join(GPX_LAYERS)}")
        chosen = layer
    else:
        chosen = present[0]
    others = [f"{n} ({len(frames[n])})" for n in present if n != chosen]
    zh_names = {"tracks": "轨迹", "routes": "路线", "waypoints": "航点"}
    report.append(Note(f"GPX {zh_names[chosen]}：{len(frames[chosen])}" + (f"；文件中还有 {'、'.join(others)}（可选择图层）" if others else ""),
                       f"GPX {chosen}: {len(frames[chosen])}" + (f"; also in the file: {', '.join(others)} (choose with layer)" if others else "")))
    return frames[chosen], chosen


# --- tables with coordinates -----------------------------------------------------------------------

def _norm_col(name: str) -> str:
    text = str(name).strip().lower()
    for ch in " _-()（）[]【】°/.":
        text = text.replace(ch, "")
    return text


def find_coordinate_columns(columns) -> tuple[str | None, str | None, str | None]:
    """(lon column, lat column, wkt column) recognised by name, Chinese or English."""
    norm = {c: _norm_col(c) for c in columns}

    def pick(exact, parts):
        for c, n in norm.items():
            if n in exact:
                return c
        for c, n in norm.items():  # 经度_gcj02, lng_wgs84, longitude(deg) ...
            if any(n.startswith(p) or n.endswith(p) for p in parts):
                return c
        return None

    lon, lat = pick(LON_NAMES, LON_PARTS), pick(LAT_NAMES, LAT_PARTS)
    wkt = next((c for c, n in norm.items() if n in WKT_NAMES), None)
    if lon is not None and lat is not None and lon != lat:
        return lon, lat, wkt
    return None, None, wkt


def _table_to_gdf(df: pd.DataFrame, label: str, report: list[str], first_line: int = 2) -> gpd.GeoDataFrame:
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() or f"column{i + 1}" for i, c in enumerate(df.columns)]
    lon_col, lat_col, wkt_col = find_coordinate_columns(df.columns)
    if lon_col is not None:
        xs, ys, n_dms = _coordinate_values(df[lon_col], df[lat_col])
        ok = np.isfinite(xs) & np.isfinite(ys)
        geometry = shapely.points(np.where(ok, xs, 0.0), np.where(ok, ys, 0.0))
        geometry[~ok] = None
        report.append(Note(f"点位取自列 {lon_col}（经度/x）和 {lat_col}（纬度/y）",
                           f"points from columns {lon_col!r} (x/longitude) and {lat_col!r} (y/latitude)"))
        if n_dms:
            report.append(Note(f"{n_dms} 个度分秒坐标已换算为十进制度",
                               f"{n_dms} coordinates written in degrees-minutes-seconds were converted to decimal degrees"))
    elif wkt_col is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            geometry = shapely.from_wkt(df[wkt_col].astype("string").fillna("").to_numpy(dtype=object), on_invalid="ignore")
        ok = ~shapely.is_missing(geometry)
        df = df.drop(columns=[wkt_col])
        report.append(Note(f"几何取自 WKT 列 {wkt_col}", f"geometries from WKT column {wkt_col!r}"))
    else:
        cols = ", ".join(map(str, df.columns[:12]))
        raise DataImportError(
            f"{label} 中找不到坐标列 / no coordinate columns in {label}: name them 经度/纬度 or lon/lat "
            f"(also lng, longitude, x/y, or a WKT column). Columns found: {cols}"
        )
    bad = np.flatnonzero(~ok)
    if len(bad):
        rows = ", ".join(str(i + first_line) for i in bad[:8]) + (" …" if len(bad) > 8 else "")
        report.append(Note(f"跳过 {len(bad)} 行无法识别坐标的数据（第 {rows} 行）",
                           f"{len(bad)} rows without readable coordinates skipped (rows {rows})"))
    df = df.loc[ok].reset_index(drop=True)
    geometry = geometry[ok]
    df = _numeric_columns(df)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry), crs=None)


def _numeric_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns that are wholly numbers become numbers (tables were read as text)."""
    for col in df.columns:
        series = df[col]
        if series.dtype != object and not pd.api.types.is_string_dtype(series):
            continue
        stripped = series.astype("string").str.strip()
        filled = stripped.replace("", pd.NA)
        if filled.notna().sum() == 0:
            continue
        numbers = pd.to_numeric(filled, errors="coerce")
        if numbers.notna().sum() == filled.notna().sum():
            # keep ids such as 500111 or 0012 as text when they have leading zeros
            if not filled.dropna().str.match(r"^0\d").any():
                df[col] = numbers
    return df


def _coordinate_values(lon_s: pd.Series, lat_s: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Floats from decimal text; the rest tried as DMS pairs (106°43'30"E, 29°41′N, 东经…)."""
    # NFKC: full-width digits and signs typed in Chinese input methods (１０５．７) become ASCII
    lon_t = lon_s.astype("string").str.normalize("NFKC").str.strip().fillna("")
    lat_t = lat_s.astype("string").str.normalize("NFKC").str.strip().fillna("")
    xs = pd.to_numeric(lon_t.replace("", pd.NA), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ys = pd.to_numeric(lat_t.replace("", pd.NA), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    retry = np.flatnonzero((~np.isfinite(xs) | ~np.isfinite(ys)) & (lon_t != "").to_numpy() & (lat_t != "").to_numpy())
    n_dms = 0
    if len(retry):
        from geodata.coords.datums import parse_lonlat  # DMS and Chinese hemisphere words live there

        for i in retry:
            a, b = lon_t.iat[i], lat_t.iat[i]
            try:
                pair = parse_lonlat(f"{a} {b}")
            except ValueError:
                continue
            if pair.swapped:  # the columns say which is longitude: a pair that only reads swapped is skipped
                continue
            lon, lat = pair
            xs[i], ys[i] = lon, lat
            n_dms += 1
    return xs, ys, n_dms


def _text_encoding(sample: bytes) -> tuple[str, Note]:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", Note("UTF-8（带字节顺序标记）", "UTF-8 (with byte-order mark)")
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", Note("UTF-16（字节顺序标记）", "UTF-16 (byte-order mark)")
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            (sample[: len(sample) - cut] if cut else sample).decode("utf-8")
            return "utf-8", Note("UTF-8", "UTF-8")
        except UnicodeDecodeError:
            continue
    name, reason = guess_bytes_encoding(sample)
    return name, reason


def _read_csv(path: Path, report: list[str], progress: Progress, cancel: Cancel):
    size = path.stat().st_size
    with open(path, "rb") as fh:
        sample = fh.read(256 * 1024)
    if b"\0" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataImportError(f"{path.name} 不是文本文件 / is not a text (CSV) file")
    encoding, reason = _text_encoding(sample)
    report.append(Note(f"文本编码 {encoding.upper()}（{getattr(reason, 'zh', reason)}）", f"text encoding {encoding.upper()} ({reason})"))
    text = sample.decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
    if sep != ",":
        shown = "TAB" if sep == chr(9) else repr(sep)
        report.append(Note(f"列分隔符为 {shown}", f"columns separated by {shown}"))
    frames = []
    with open(path, "rb") as raw:
        try:
            reader = pd.read_csv(
                raw, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, encoding_errors="replace",
                chunksize=CSV_CHUNK_ROWS, skipinitialspace=True, on_bad_lines="skip", engine="c",
            )
            for chunk in reader:
                if cancel():
                    raise ImportCancelled()
                frames.append(chunk)
                progress(min(0.8, 0.8 * raw.tell() / max(size, 1)), f"读取 / reading {path.name}: {sum(len(f) for f in frames):,} 行 / rows")
        except pd.errors.EmptyDataError as exc:
            raise DataImportError(f"{path.name} 没有数据行 / has no rows") from exc
        except pd.errors.ParserError as exc:
            raise DataImportError(f"{path.name} 不是有效的 CSV / is not a valid CSV table: {_short(exc)}") from exc
    if not frames:
        raise DataImportError(f"{path.name} 没有数据行 / has no rows")
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        raise DataImportError(f"{path.name} 没有数据行 / has no rows")
    return _table_to_gdf(df, path.name, report), encoding


def _read_xlsx(path: Path, layer: str | None, report: list[str]):
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:
        raise DataImportError(f"{path.name} 不是有效的 Excel 工作簿 / is not a valid .xlsx workbook: {_short(exc)}") from exc
    if not sheets:
        raise DataImportError(f"{path.name} 没有工作表 / has no sheets")
    if layer is not None:
        if layer not in sheets:
            raise DataImportError(f"{path.name} 中没有工作表 {layer!r} / has no sheet {layer!r}; sheets: {', '.join(sheets)}")
        name = layer
    else:
        usable = [n for n, df in sheets.items() if not df.empty and find_coordinate_columns(df.columns) != (None, None, None)]
        name = usable[0] if usable else next(iter(sheets))
    df = sheets[name].fillna("")
    report.append(Note(f"{path.name} 的工作表 {name}" + (f"（共 {len(sheets)} 个）" if len(sheets) > 1 else ""),
                       f"sheet {name!r} of {path.name}" + (f" (of {len(sheets)} sheets)" if len(sheets) > 1 else "")))
    if df.empty:
        raise DataImportError(f"工作表 {name!r} 没有数据行 / sheet {name!r} has no rows")
    return _table_to_gdf(df, f"{path.name} [{name}]", report), name


# --- normalising: CRS, swapped axes, datum, validity ----------------------------------------------

def _swap_xy(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: c[:, ::-1])


def _normalise(gdf, declared, override, datum, report, progress, cancel):
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise DataImportError("文件中没有几何 / the file holds no geometry")
    total = len(gdf)
    if total == 0:
        raise DataImportError("文件中没有要素 / the file holds no features")
    gdf = gdf.reset_index(drop=True)
    empty = gdf.geometry.isna().to_numpy() | shapely.is_empty(gdf.geometry.to_numpy())
    if empty.any():
        report.append(Note(f"{total} 个要素中有 {int(empty.sum())} 个没有几何，已略去",
                           f"{int(empty.sum())} of {total} features had no geometry and were dropped"))
        gdf = gdf.loc[~empty].reset_index(drop=True)
    if len(gdf) == 0:
        raise DataImportError(f"所有 {total} 个要素都没有几何 / none of the {total} features has a geometry")
    geoms = gdf.geometry.to_numpy()
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    if not all(math.isfinite(v) for v in bounds):
        raise DataImportError("坐标含无效数值 / coordinates contain NaN or infinite values")

    if override is not None:
        crs = override
        declared_text = crs_detect.describe(declared) if declared is not None else None
        note = Note(f"用户指定坐标参考系 {crs_detect.describe(crs)}" + (f"（文件声明为 {declared_text}）" if declared_text else ""),
                    f"CRS {crs_detect.describe(crs)} given by the user" + (f" (the file declared {declared_text})" if declared_text else ""))
    else:
        decision = crs_detect.decide(declared, bounds, shapely.get_coordinates(geoms))
        crs, note = decision.crs, decision.note
    if crs is None:
        raise CrsUnknown(
            f"无法确定坐标参考系 / cannot tell the coordinate system: {note}. "
            f"Coordinates range x {bounds[0]:.6g}–{bounds[2]:.6g}, y {bounds[1]:.6g}–{bounds[3]:.6g}; "
            "add a .prj file or give the CRS (e.g. --crs EPSG:4544)",
            bounds,
        )
    report.append(note)

    if crs.is_geographic:
        geoms = _fix_swapped(geoms, report)
    gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gpd.GeoSeries(geoms), crs=crs)
    if crs.is_geographic:
        b = gdf.total_bounds
        if b[0] < -180.0001 or b[2] > 360 or b[1] < -90.0001 or b[3] > 90.0001:
            raise DataImportError(
                f"坐标超出经纬度范围 / coordinates are outside longitude/latitude range (x {b[0]:.6g}–{b[2]:.6g}, "
                f"y {b[1]:.6g}–{b[3]:.6g}) although the CRS is geographic ({crs_detect.describe(crs)}): wrong .prj?"
            )

    if crs.to_epsg() != 4326:
        accuracy = crs_detect.accuracy_note(crs)
        gdf = gdf.to_crs(4326)
        report.append(Note(f"已从 {crs_detect.describe(crs)} 转换到 WGS84（EPSG:4326）" + (f"；{accuracy.zh}" if accuracy else ""),
                           f"reprojected from {crs_detect.describe(crs)} to WGS84 (EPSG:4326)" + (f"; {accuracy}" if accuracy else "")))
        finite = np.isfinite(gdf.geometry.bounds.to_numpy()).all(axis=1)
        if not finite.all():
            report.append(Note(f"{int((~finite).sum())} 个要素超出该坐标系范围、无法转换，已略去",
                               f"{int((~finite).sum())} features could not be reprojected (outside the CRS's area) and were dropped"))
            gdf = gdf.loc[finite].reset_index(drop=True)
            if len(gdf) == 0:
                raise DataImportError("没有要素能转换到 WGS84 / no feature could be converted to WGS84: wrong CRS?")
    gdf = gdf.set_crs(4326, allow_override=True)

    if datum in ("gcj02", "bd09"):
        gdf = _from_obfuscated(gdf, datum, report, progress, cancel)
    elif datum == "cgcs2000":
        report.append(Note("CGCS2000 基准视为 WGS84（相差厘米级）", "datum CGCS2000 treated as WGS84 (they differ by centimetres)"))

    gdf = _repair(gdf, report)
    kinds = gdf.geom_type.value_counts()
    dims = {0 if "Point" in k else 1 if "Line" in k else 2 for k in kinds.index}
    if len(dims) > 1:
        counts = ", ".join(f"{n} {k}" for k, n in kinds.items())
        report.append(Note(f"几何类型混合：{counts}（已保留；Shapefile 只能保存一种类型）",
                           f"mixed geometry types: {counts} (kept; a Shapefile can hold only one type)"))
    b = gdf.total_bounds
    report.append(Note(f"{feature_count(len(gdf), 'zh')}（{', '.join(kinds.index)}），经度 {b[0]:.4f}–{b[2]:.4f}，纬度 {b[1]:.4f}–{b[3]:.4f}",
                       f"{feature_count(len(gdf), 'en')} ({', '.join(kinds.index)}), lon {b[0]:.4f}–{b[2]:.4f}, lat {b[1]:.4f}–{b[3]:.4f}"))
    if not crs_detect.looks_china_lonlat(tuple(b)):
        report.append(Note("注意：数据超出中国范围；若非预期请检查坐标参考系", "note: the data reach outside China; check the CRS if this is unexpected"))
    gdf.columns = [str(c) for c in gdf.columns]
    return gdf, note


def _fix_swapped(geoms: np.ndarray, report: list[str]) -> np.ndarray:
    """Swap lat/lon where x holds latitudes and y longitudes of China."""
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    if crs_detect.looks_swapped_lonlat(bounds):
        report.append(Note("经纬度顺序颠倒（x 为纬度、y 为经度）：已交换回来",
                           "latitude/longitude were swapped (x held latitudes, y longitudes): swapped back"))
        return _swap_xy(geoms)
    types = shapely.get_type_id(geoms)
    if (types == 0).all():  # points: swap the ones that are swapped, leave the rest
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        lon_lo, lon_hi = crs_detect.CHINA_LON
        lat_lo, lat_hi = crs_detect.CHINA_LAT
        swapped = (x >= lat_lo) & (x <= lat_hi) & (y >= lon_lo) & (y <= lon_hi)
        if swapped.any() and not swapped.all():
            geoms = geoms.copy()
            geoms[swapped] = _swap_xy(geoms[swapped])
            report.append(Note(f"{int(swapped.sum())} 个点的经纬度颠倒：已交换回来",
                               f"{int(swapped.sum())} points had latitude and longitude swapped: swapped back"))
    return geoms


def _from_obfuscated(gdf, datum: str, report: list[str], progress: Progress, cancel: Cancel):
    from pyproj import Geod

    from geodata.coords.datums import to_wgs84  # prcoords, shared with the field check

    before = gdf.geometry.to_numpy()
    coords = shapely.get_coordinates(before)
    moved = np.empty_like(coords)
    block = 20_000  # prcoords is per point (~40 µs): report progress and honour cancel between blocks
    for start in range(0, len(coords), block):
        if cancel():
            raise ImportCancelled()
        for i in range(start, min(start + block, len(coords))):
            moved[i] = to_wgs84(float(coords[i, 0]), float(coords[i, 1]), datum)
        progress(0.85 + 0.1 * min(1.0, (start + block) / len(coords)), f"{datum.upper()} → WGS84")
    after = shapely.set_coordinates(before.copy(), moved)
    n = min(len(coords), 200)
    _, _, dist = Geod(ellps="WGS84").inv(coords[:n, 0], coords[:n, 1], moved[:n, 0], moved[:n, 1])
    label = {"gcj02": "GCJ-02 (Amap/Gaode, Tencent)", "bd09": "BD-09 (Baidu)"}[datum]
    label_zh = {"gcj02": "GCJ-02（高德、腾讯）", "bd09": "BD-09（百度）"}[datum]
    shift = float(np.median(dist))
    report.append(Note(f"坐标已用 prcoords 从 {label_zh} 转换为 WGS84（偏移约 {shift:.0f} 米）",
                       f"coordinates converted from {label} to WGS84 with prcoords (shift ~{shift:.0f} m)"))
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(after, crs=4326, index=gdf.index)
    return out


def _repair(gdf, report: list[str]):
    geoms = gdf.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf
    fixed = shapely.make_valid(geoms[invalid])
    orig_dim = shapely.get_dimensions(geoms[invalid])
    for i, (geom, dim) in enumerate(zip(fixed, orig_dim)):
        if geom.geom_type == "GeometryCollection" or shapely.get_dimensions(geom) != dim:
            # keep the parts of the original dimension (a polygon stays polygonal)
            parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim]
            if dim == 2:
                geom = shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.Polygon()
            elif dim == 1:
                geom = shapely.MultiLineString([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.LineString()
            else:
                geom = shapely.MultiPoint([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.Point()
            if len(parts) == 1:
                geom = shapely.get_parts(geom)[0] if not geom.is_empty else geom
            fixed[i] = geom
    geoms = geoms.copy()
    geoms[invalid] = fixed
    gone = shapely.is_empty(geoms)
    report.append(Note(f"已修复 {int(invalid.sum())} 个无效几何（shapely make_valid）" + (f"；其中 {int(gone.sum())} 个变为空，已略去" if gone.any() else ""),
                       f"{int(invalid.sum())} invalid geometries repaired (shapely make_valid)"
                       + (f"; {int(gone.sum())} became empty and were dropped" if gone.any() else "")))
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index)
    return out.loc[~gone].reset_index(drop=True)

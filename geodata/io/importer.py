"""The one boundary through which every user file enters the explorer.

`import_file(path)` reads Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, GPX,
CSV and XLSX, and returns an `ImportResult`: a GeoDataFrame in WGS84 (EPSG:4326) and a
`report`, one `Message` for everything that was detected or changed (CRS and where it
came from, text encoding, swapped lat/lon, repaired or dropped geometries, datum
conversions).  Anything unreadable raises `DataImportError` with a message meant for a
person, and a cancelled `feedback` raises `Cancelled`; no other exception leaves `import_file`.

The work is split by concern: `formats.py` (what the file is), `read_ogr.py`, `read_gpx.py`,
`read_table.py` (the readers), `normalise.py` (CRS, datum, swapped axes, repair); zip
archives are unpacked here, since what they hold goes through the same dispatch.  A PostGIS
source (`postgresql://…#schema.table`, `service=NAME#…`: `postgis_source.py`) is read by
`read_postgis.py`, only within `bbox` when one is given, and normalised the same way.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from pyproj import CRS

from geodata.core.feedback import Cancelled, Feedback, feedback_or_new
from geodata.core.message import Message
from geodata.core.scratch import scratch_dir
from geodata.io import crs_detect, formats, xml_guard
from geodata.io.errors import CrsUnknown, DataImportError, LayerChoiceRequired, cannot_read, short
from geodata.io.normalise import normalise
from geodata.io.postgis_source import PostgisSource, is_postgis_source, parse_source
from geodata.io.read_gpx import read_gpx, read_gpx_all
from geodata.io.read_ogr import ogr_layers, read_ogr_layer, read_shapefile
from geodata.io.read_table import read_csv, read_xlsx

FILE_FILTER = Message("空间数据 (*.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz *.gpx *.csv *.txt *.tsv *.xlsx)",
                      "Spatial data (*.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz *.gpx *.csv *.txt *.tsv *.xlsx)")
DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")


@dataclass
class ImportResult:
    gdf: gpd.GeoDataFrame
    report: list[Message]
    source: Path | PostgisSource  # a PostgisSource prints and saves without its password
    layer: str | None = None
    datum: str = "wgs84"
    encoding: str | None = None
    crs: str | None = None  # the CRS the caller gave (crs=...), kept so a project can reopen the file

    @property
    def name(self) -> str:
        """A layer title for the map: the chosen layer or the file stem."""
        return self.layer or self.source.stem

    @property
    def data_ref(self) -> dict:
        """How a project file refers to this layer: the file's path, or the PostGIS address
        without its password, plus the options that reopen it the same way."""
        if isinstance(self.source, PostgisSource):
            ref = {"kind": "postgis", "url": self.source.public}
        else:
            ref = {"kind": "file", "path": str(Path(self.source).resolve())}
        for key, value in (("layer", self.layer), ("datum", None if self.datum == "wgs84" else self.datum),
                           ("crs", self.crs)):
            if value:
                ref[key] = value
        return ref


# --- entry points ----------------------------------------------------------------------------------

def list_layers(path: str | Path | PostgisSource) -> list[str]:
    """Layers the user may choose from (GeoPackage tables, KML folders, zipped shapefiles,
    workbook sheets, GPX tracks/routes/waypoints, PostGIS "schema.table"s); one-layer formats give one name."""
    if is_postgis_source(path):
        from geodata.io.read_postgis import list_tables

        return [table.name for table in list_tables(path)]
    path = Path(path)
    try:
        kind = formats.kind(path, [])
        if kind == "kml":
            xml_guard.guard_kml(path)  # entities refused before GDAL opens it
        if kind in ("gpkg", "kml", "geojson"):
            return [str(name) for name, _ in ogr_layers(path)]
        if kind in ("zip", "kmz"):
            with zipfile.ZipFile(path) as zf:
                members = _zip_members(zf)
            if kind == "zip":
                return [Path(m).stem for m in members if m.lower().endswith(".shp")] or [Path(m).name for m in members]
            return [path.stem]
        if kind == "gpx":
            return [name for name, frame in read_gpx_all(path).items() if len(frame)]
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
        raise cannot_read(path.name, exc) from exc


def offers_datum(path: str | Path, layer: str | None = None) -> bool:
    """Whether to ask which datum (WGS84/GCJ-02/BD-09) the coordinates are in before importing:
    yes when they are lon/lat on WGS84 or CGCS2000 — tables of degrees, GeoJSON/KML/GPX, or a file
    declaring such a CRS (or, declaring none, holding degrees in China) — since points digitised
    off Amap or Baidu arrive in any of these formats.  Cheap: reads metadata, not features.
    PostGIS tables are not asked here (it would connect): `PostgisTable.srid` tells a dialog."""
    if is_postgis_source(path):
        return False
    path = Path(path)
    try:
        kind = formats.kind(path, [])
    except (DataImportError, OSError):
        return False  # the import itself will say what is wrong
    if kind in ("csv", "xlsx", "kml", "kmz", "gpx"):  # KML and GPX are WGS84 by definition
        return True
    if kind not in ("shp", "zip", "gpkg", "geojson"):
        return False
    import pyogrio

    try:
        if kind == "gpkg":  # read_info counts the layer: a view (any query) is never counted here, on the GUI thread
            from geodata.io.gpkg_guard import view_srs, views

            name = layer if layer is not None else str(pyogrio.list_layers(path)[0][0])
            if name in views(path):
                return view_srs(path, name) in (4326, 4490)
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


# Formats whose axis order is part of the format (GPX attributes, KML/GeoJSON specs): no swap is guessed.
AXES_FIXED = frozenset({".gpx", ".kml", ".kmz", ".geojson"})


def import_file(
    path: str | Path,
    *,
    layer: str | None = None,
    datum: str | None = None,
    crs: str | int | CRS | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    feedback: Feedback | None = None,
) -> ImportResult:
    """Read a user file into WGS84.  `datum` says what the coordinates are when PROJ
    cannot (gcj02/bd09 are converted with prcoords); `crs` overrides a missing or wrong CRS.
    `bbox` (lon0, lat0, lon1, lat1, WGS84) limits a PostGIS query to the view; files are read whole."""
    feedback = feedback_or_new(feedback)
    report: list[Message] = []
    datum_key = _datum(datum)
    try:
        override = CRS.from_user_input(crs) if crs is not None else None
    except Exception as exc:
        raise DataImportError(Message("无法识别坐标参考系", f"unknown CRS {crs!r}: {short(exc)}")) from exc
    if is_postgis_source(path):
        from geodata.io.read_postgis import import_postgis

        return import_postgis(parse_source(path), layer, datum_key, override, bbox, report, feedback)
    path = Path(path)
    try:
        formats.check_readable(path)
        feedback.set_progress(0.0, Message(f"读取 {path.name}", f"reading {path.name}"))
        with tempfile.TemporaryDirectory(prefix="import-", dir=scratch_dir()) as tmp:  # a kill: removed at next start
            gdf, declared, encoding, chosen = _read_any(path, layer, Path(tmp), report, feedback)
        feedback.check()
        feedback.set_progress(0.85, Message("检查坐标与几何", "checking coordinates and geometry"))
        gdf = normalise(gdf, declared, override, datum_key, report, feedback,
                        axes_fixed=path.suffix.lower() in AXES_FIXED)
    except (DataImportError, Cancelled):
        raise
    except MemoryError as exc:
        raise DataImportError(Message(f"{path.name} 太大，内存不足", "too large to load into memory")) from exc
    except Exception as exc:  # the contract: a person's message, not a traceback
        raise cannot_read(path.name, exc) from exc
    gdf.attrs["source_path"] = str(path.resolve())
    gdf.attrs["source_layer"] = chosen
    gdf.attrs["datum"] = datum_key
    feedback.check()
    feedback.set_progress(1.0, Message("完成", "done"))
    given = override.to_string() if override is not None else None
    return ImportResult(gdf, report, path, chosen, datum_key, encoding, given)


def _datum(datum: str | None) -> str:
    if datum is None:
        return "wgs84"
    key = str(datum).lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in DATUMS:
        raise DataImportError(Message("未知坐标基准", f"unknown datum {datum!r}: choose one of {', '.join(DATUMS)}"))
    return key


# --- dispatch --------------------------------------------------------------------------------------

def _read_any(path: Path, layer: str | None, tmp: Path, report: list[Message], feedback: Feedback):
    """-> (gdf, declared CRS or None, encoding or None, chosen layer name)."""
    kind = formats.kind(path, report)
    reading = feedback.sub(0.0, 0.8)  # a big GeoPackage table or shapefile: features read / its count
    if kind == "shp":
        gdf, enc = read_shapefile(path, tmp, report, reading)
        return gdf, gdf.crs, enc, None
    if kind in ("zip", "kmz"):
        return _read_zip(path, kind, layer, tmp, report, feedback)
    if kind == "kml":  # parsed safely first: entities refused, bad placemarks and network links removed
        gdf, chosen = read_ogr_layer(xml_guard.guard_kml(path, tmp / "kml", report), kind, layer, report, reading)
        return gdf, gdf.crs, None, chosen
    if kind in ("gpkg", "geojson"):
        gdf, chosen = read_ogr_layer(path, kind, layer, report, reading)
        return gdf, gdf.crs, None, chosen
    if kind == "gpx":
        gdf, chosen = read_gpx(path, layer, report)
        return gdf, gdf.crs, None, chosen
    if kind == "csv":
        gdf, enc = read_csv(path, report, feedback)
        return gdf, None, enc, None
    if kind == "xlsx":
        gdf, sheet = read_xlsx(path, layer, report)
        return gdf, None, None, sheet
    raise DataImportError(Message("不支持的文件类型", f"unsupported content in {path.name}"))


# --- zip and kmz archives --------------------------------------------------------------------------

def _zip_members(zf: zipfile.ZipFile) -> list[str]:
    infos = formats.check_archive(zf, Path(zf.filename or "ZIP").name)  # zip bombs refused before unpacking
    return [i.filename for i in infos if "__MACOSX" not in i.filename and not Path(i.filename).name.startswith(".")]


def _extract(path: Path, out: Path) -> list[str]:
    """Unpack the archive's members under `out` (never outside it); -> member names."""
    root = out.resolve()
    try:
        with zipfile.ZipFile(path) as zf:
            members = _zip_members(zf)
            for name in members:
                target = (out / name).resolve()
                if not target.is_relative_to(root) or target == root:  # zip slip: never write outside tmp
                    raise DataImportError(Message(f"{path.name} 含非法路径", f"holds an unsafe path {name!r}"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise DataImportError(Message(f"{path.name} 是损坏的 ZIP 文件", "is a damaged or truncated ZIP archive")) from exc
    return members


def _read_zip(path: Path, kind: str, layer: str | None, tmp: Path, report: list[Message], feedback: Feedback):
    """A shapefile inside (chosen by `layer` when there are several), else the one data file inside."""
    out = tmp / "zip"
    members = _extract(path, out)
    extracted = [out / m for m in members]
    shps = [p for p in extracted if p.suffix.lower() == ".shp"]
    if shps:
        if layer is not None:
            match = [p for p in shps if p.stem == layer or p.name == layer]
            if not match:
                raise DataImportError(Message(f"{path.name} 中没有 {layer!r}",
                                              f"holds no shapefile {layer!r}; it holds: {', '.join(p.stem for p in shps)}"))
            shp = match[0]
        elif len(shps) == 1:
            shp = shps[0]
        else:
            raise LayerChoiceRequired(path, [p.stem for p in shps])
        report.append(Message(f"读取 {path.name} 中的 {shp.name}", f"shapefile {shp.name} read from inside {path.name}"))
        gdf, enc = read_shapefile(shp, tmp, report, feedback.sub(0.0, 0.8))
        return gdf, gdf.crs, enc, shp.stem
    inner = [p for p in extracted if formats.SUFFIXES.get(p.suffix.lower()) in ("kml", "gpkg", "geojson", "gpx", "csv", "xlsx")]
    if kind == "kmz":
        inner = [p for p in inner if p.suffix.lower() == ".kml"] or inner
        inner.sort(key=lambda p: (p.name.lower() != "doc.kml", len(p.parts)))
        inner = inner[:1]
    archives = [p for p in extracted if p.suffix.lower() in (".zip", ".kmz")]
    if not inner and archives:
        raise DataImportError(Message(f"{path.name} 中只有压缩包（{archives[0].name}）：请先解压，压缩包中的压缩包不会打开",
                                      f"holds only archives ({archives[0].name}): archives inside archives are not "
                                      "opened, unpack it first"))
    if len(inner) != 1:
        found = ", ".join(Path(m).name for m in members[:10]) or "nothing"
        raise DataImportError(Message(f"{path.name} 中找不到唯一的空间数据文件",
                                      f"holds no single spatial data file (found: {found})"))
    report.append(Message(f"读取 {path.name} 中的 {inner[0].name}", f"{inner[0].name} read from inside {path.name}"))
    try:
        return _read_any(inner[0], layer, tmp, report, feedback)
    except (LayerChoiceRequired, CrsUnknown):
        raise  # questions for the user pass through unchanged
    except DataImportError as exc:
        # Say what the archive lacked first: "readme.txt has no rows" alone hides that it held no shapefile.
        raise DataImportError(Message(f"{path.name} 中没有 Shapefile，其中的 {inner[0].name} 也无法读取",
                                      f"holds no shapefile, and {inner[0].name} inside it could not be read: {exc}")) from exc

"""What a user file is: its format from the first bytes, checked against its suffix.

People rename files, e-mail clients strip suffixes, and Excel saves "CSV" that is really
a workbook: the content decides, and the report says when it disagreed with the name.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from geodata.core.message import Message
from geodata.io.errors import DataImportError

SUFFIXES = {
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson",
    ".kml": "kml", ".kmz": "kmz", ".gpx": "gpx", ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
}
_MAPINFO = Message("MapInfo 文件，请在 MapInfo/QGIS 中另存为 GeoPackage 或 Shapefile",
                   "MapInfo file: save it as GeoPackage or Shapefile")
_CAD = Message("CAD 图纸没有地理坐标，请在 CAD/GIS 软件中导出为 Shapefile 或 GeoPackage",
               "CAD drawing: export it to Shapefile or GeoPackage")
# Formats people often have, with what to do instead (their readers are absent or unreliable for Chinese text).
SAVE_AS_HINTS = {
    ".xls": Message("旧版 Excel 文件，请另存为 .xlsx 或 .csv", "old Excel format: save it as .xlsx or .csv"),
    ".tab": _MAPINFO, ".mif": _MAPINFO, ".dwg": _CAD, ".dxf": _CAD,
}
# Content each suffix may hold without comment (a .zip may be a KMZ and the other way round).
_COMPATIBLE = {
    "shp": {"shp"}, "zip": {"zip", "kmz"}, "kmz": {"kmz", "zip"}, "gpkg": {"gpkg"}, "geojson": {"geojson"},
    "kml": {"kml"}, "gpx": {"gpx"}, "csv": {"text"}, "xlsx": {"xlsx"},
}
_EXPECTED = {"shp": "Shapefile", "gpkg": "GeoPackage", "geojson": "GeoJSON", "kml": "KML", "gpx": "GPX",
             "csv": "CSV text", "xlsx": "Excel workbook", "zip": "ZIP", "kmz": "KMZ"}


MAX_UNZIPPED_BYTES = 2 * 1024**3  # what an archive (ZIP, KMZ, XLSX) may unpack to
MAX_ARCHIVE_MEMBERS = 10_000
MAX_RATIO = 1000  # deflate tops out near 1030:1; beyond it a member is made to explode
RATIO_FLOOR_BYTES = 100 * 1024**2  # small members may compress as well as they like


def check_archive(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The archive's file members, or DataImportError for a ZIP bomb (by its directory, before
    anything is unpacked: total size, member count, compression ratio)."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    total = sum(i.file_size for i in infos)
    bomb = [i for i in infos if i.file_size > RATIO_FLOOR_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1)]
    if total > MAX_UNZIPPED_BYTES or len(infos) > MAX_ARCHIVE_MEMBERS or bomb:
        raise DataImportError(Message(
            f"{name} 解压后过大（ZIP 炸弹？），已拒绝",
            f"{name} would unpack to {total / 2**20:,.0f} MB in {len(infos):,} files"
            + (f", {bomb[0].filename!r} compressed {bomb[0].file_size // max(bomb[0].compress_size, 1):,}:1" if bomb else "")
            + f": more than the limits ({MAX_UNZIPPED_BYTES // 2**30} GB, {MAX_ARCHIVE_MEMBERS:,} files, "
              f"{MAX_RATIO}:1), refused as a ZIP bomb"))
    return infos


def check_readable(path: Path) -> None:
    """A file that exists, is not a folder and is not empty."""
    if not path.exists():
        raise DataImportError(Message("文件不存在", f"file not found: {path}"))
    if path.is_dir():
        raise DataImportError(Message("这是文件夹，不是文件", f"{path.name} is a folder; choose a file inside it"))
    if path.stat().st_size == 0:
        raise DataImportError(Message("文件为空", f"{path.name} is empty (0 bytes)"))


def sniff(path: Path) -> str | None:
    """Format from the first bytes, independent of the suffix ("text" for anything textual)."""
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
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark: judge the text
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
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


def kind(path: Path, report: list[Message]) -> str:
    """The reader to use ("shp", "zip", "kmz", "gpkg", "geojson", "kml", "gpx", "csv", "xlsx")."""
    by_suffix = SUFFIXES.get(path.suffix.lower())
    sniffed = sniff(path)
    if by_suffix is None:
        hint = SAVE_AS_HINTS.get(path.suffix.lower())
        if hint:
            raise DataImportError(Message(f"{path.name}: {hint.text('zh')}", hint.text("en")))
        if sniffed in (None, "xml", "badzip", "text"):
            raise DataImportError(Message(
                "不支持的文件类型",
                f"unsupported file type {path.suffix or '(no suffix)'} for {path.name}; "
                "supported: Shapefile (.shp/.zip), GeoPackage, GeoJSON, KML/KMZ, GPX, CSV, XLSX"))
        report.append(Message(f"{path.name} 的扩展名未知；内容为 {sniffed.upper()}，按此读取",
                              f"{path.name} has no known suffix; its content is {sniffed.upper()}, read as that"))
        return sniffed
    if sniffed == "badzip":
        raise DataImportError(Message(f"{path.name} 是损坏的 ZIP 文件", "is a damaged or truncated ZIP archive"))
    if sniffed in _COMPATIBLE[by_suffix]:
        return by_suffix
    if sniffed in ("gpkg", "zip", "kmz", "xlsx", "kml", "gpx", "geojson", "shp"):
        report.append(Message(f"{path.name} 扩展名为 {path.suffix}，内容却是 {sniffed.upper()}：按 {sniffed.upper()} 读取",
                              f"{path.name} is named {path.suffix} but holds {sniffed.upper()} data: read as {sniffed.upper()}"))
        return sniffed
    expected = _EXPECTED[by_suffix]
    raise DataImportError(Message(f"{path.name} 不是有效的 {expected} 文件（内容不符或已损坏）",
                                  f"is not a valid {expected} file (wrong extension, corrupt or truncated)"))

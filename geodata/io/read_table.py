"""Tables with coordinates: CSV (any Chinese encoding, any separator, read in chunks) and XLSX.

Coordinate columns are found by name, Chinese or English (经度/纬度, lon/lat, POINT_X …), or a
WKT column; values may be decimal or DMS (106°43'30"E, 北纬29°41′), full-width digits too.
Text columns that hold only numbers become numbers; ids with leading zeros stay text.
"""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.core.feedback import Feedback
from geodata.core.message import Message
from geodata.io.coordinate_check import FEATURE_COLUMN, UNREADABLE, skip_features
from geodata.io.encoding_detect import text_encoding
from geodata.io.errors import DataImportError, short
from geodata.io.nesting import wkt_ok

CSV_CHUNK_ROWS = 50_000
# Excel's own limit; a header of 10^6 columns would take pandas minutes and gigabytes to refuse.
MAX_COLUMNS = 16_384
HEADER_SCAN_BYTES = 4 * 1024 * 1024  # the header line is looked for in this much of the file

# Column names (normalised: lower case, no spaces/underscores/brackets) that hold coordinates.
LON_NAMES = ("经度", "东经", "lon", "lng", "long", "longitude", "x", "pointx", "xcoord", "x坐标", "坐标x", "横坐标")
LAT_NAMES = ("纬度", "北纬", "lat", "latitude", "y", "pointy", "ycoord", "y坐标", "坐标y", "纵坐标")
LON_PARTS = ("经度", "longitude", "lng", "lon")
LAT_PARTS = ("纬度", "latitude", "lat")
_XY_NAMES = ("x", "pointx", "xcoord", "x坐标", "坐标x", "横坐标")
WKT_NAMES = ("wkt", "geometry", "geom", "thegeom", "shape", "几何", "空间信息")


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


def table_to_gdf(df: pd.DataFrame, label: str, report: list[Message]) -> gpd.GeoDataFrame:
    """Rows with readable coordinates as a GeoDataFrame without CRS (the caller decides it)."""
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() or f"column{i + 1}" for i, c in enumerate(df.columns)]
    lon_col, lat_col, wkt_col = find_coordinate_columns(df.columns)
    labels = np.arange(len(df)) + 2  # line 1 is the header: a person finds "row 5" on line 5
    if lon_col is not None:
        xs, ys, n_dms = coordinate_values(df[lon_col], df[lat_col])
        ok = np.isfinite(xs) & np.isfinite(ys)
        geometry = shapely.points(np.where(ok, xs, 0.0), np.where(ok, ys, 0.0))
        geometry[~ok] = None
        report.append(Message(f"点位取自列 {lon_col}（经度/x）和 {lat_col}（纬度/y）",
                              f"points from columns {lon_col!r} (x/longitude) and {lat_col!r} (y/latitude)"))
        if n_dms:
            report.append(Message(f"{n_dms} 个度分秒坐标已换算为十进制度",
                                  f"{n_dms} coordinates written in degrees-minutes-seconds were converted to decimal degrees"))
    elif wkt_col is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            texts = df[wkt_col].astype("string").fillna("").to_numpy(dtype=object)
            # WKT nested deeper than any real geometry would crash GEOS (stack overflow): unreadable
            texts = np.array([t if wkt_ok(t) else "" for t in texts], dtype=object)
            geometry = shapely.from_wkt(texts, on_invalid="ignore")
        ok = ~shapely.is_missing(geometry)
        df = df.drop(columns=[wkt_col])
        report.append(Message(f"几何取自 WKT 列 {wkt_col}", f"geometries from WKT column {wkt_col!r}"))
    else:
        cols = ", ".join(map(str, df.columns[:12]))
        raise DataImportError(Message(
            f"{label} 中找不到坐标列",
            f"no coordinate columns in {label}: name them 经度/纬度 or lon/lat "
            f"(also lng, longitude, x/y, or a WKT column). Columns found: {cols}"))
    df = _numeric_columns(df)
    df[FEATURE_COLUMN] = labels  # normalise names skipped rows by these numbers, then drops the column
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry), crs=None)
    # Columns named 经度/纬度, lon/lat (not x/y) hold degrees: a value beyond ±180/±90 there is a bad
    # row to skip, not a hint that the table is in metres (normalise's CRS guess reads this).
    gdf.attrs["degree_columns"] = lon_col is not None and _norm_col(lon_col) not in _XY_NAMES
    return skip_features(gdf, ~ok, UNREADABLE, report)  # the one rule: coordinate_check.py


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


def coordinate_values(lon_s: pd.Series, lat_s: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Floats from decimal text; the rest read as DMS, each cell on its own and as its column says
    (106°43'30"E in 经度, 北纬29°41′ in 纬度): two cells are never joined into a pair, so "-" and
    "0E0" cannot become a point."""
    from geodata.coords.parse import parse_degrees  # DMS and Chinese hemisphere words live there

    # NFKC: full-width digits and signs typed in Chinese input methods (１０５．７) become ASCII
    lon_t = lon_s.astype("string").str.normalize("NFKC").str.strip().fillna("")
    lat_t = lat_s.astype("string").str.normalize("NFKC").str.strip().fillna("")
    xs = pd.to_numeric(lon_t.replace("", pd.NA), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ys = pd.to_numeric(lat_t.replace("", pd.NA), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    retry = np.flatnonzero((~np.isfinite(xs) | ~np.isfinite(ys)) & (lon_t != "").to_numpy() & (lat_t != "").to_numpy())
    n_dms = 0
    for i in retry:
        try:
            x = xs[i] if np.isfinite(xs[i]) else parse_degrees(lon_t.iat[i], "lon")
            y = ys[i] if np.isfinite(ys[i]) else parse_degrees(lat_t.iat[i], "lat")
        except ValueError:
            xs[i] = ys[i] = np.nan
            continue
        xs[i], ys[i] = x, y
        n_dms += 1
    return xs, ys, n_dms


def read_csv(path: Path, report: list[Message], feedback: Feedback):
    """-> (GeoDataFrame, encoding); reports progress in 0..0.8 per chunk and stops between chunks."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        sample = fh.read(256 * 1024)
    if b"\0" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataImportError(Message(f"{path.name} 不是文本文件", "is not a text (CSV) file"))
    encoding, reason = text_encoding(sample)
    report.append(Message(f"文本编码 {encoding.upper()}（{reason.text('zh')}）",
                          f"text encoding {encoding.upper()} ({reason.text('en')})"))
    text = sample.decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
    if sep != ",":
        shown = "TAB" if sep == chr(9) else repr(sep)
        report.append(Message(f"列分隔符为 {shown}", f"columns separated by {shown}"))
    _check_header(path, encoding, sep)
    if not encoding.startswith("utf-16"):
        _check_nul(path)
    no_rows = DataImportError(Message(f"{path.name} 没有数据行", "has no rows"))
    frames = []
    with open(path, "rb") as raw:
        try:
            reader = pd.read_csv(
                raw, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, encoding_errors="replace",
                chunksize=CSV_CHUNK_ROWS, skipinitialspace=True, on_bad_lines="skip", engine="c",
            )
            for chunk in reader:
                feedback.check()
                frames.append(chunk)
                rows = sum(len(f) for f in frames)
                feedback.set_progress(min(0.8, 0.8 * raw.tell() / max(size, 1)),
                                      Message(f"读取 {path.name}：{rows:,} 行", f"reading {path.name}: {rows:,} rows"))
        except pd.errors.EmptyDataError as exc:
            raise no_rows from exc
        except pd.errors.ParserError as exc:
            raise DataImportError(Message(f"{path.name} 不是有效的 CSV", f"is not a valid CSV table: {short(exc)}")) from exc
    if not frames:
        raise no_rows
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        raise no_rows
    return table_to_gdf(df, path.name, report), encoding


def _check_header(path: Path, encoding: str, sep: str) -> None:
    """Refuse a header of more than MAX_COLUMNS columns before pandas builds them."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_SCAN_BYTES)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    line = text.split("\n", 1)[0]
    columns = line.count(sep) + 1  # quoted separators may overcount a little: the limit is far away
    if columns > MAX_COLUMNS or ("\n" not in text and len(head) == HEADER_SCAN_BYTES):
        shown = f"{columns:,}" + ("+" if "\n" not in text else "")
        raise DataImportError(Message(f"{path.name} 的表头有 {shown} 列，超过上限 {MAX_COLUMNS:,} 列",
                                      f"its header has {shown} columns, more than the limit of {MAX_COLUMNS:,}"))


def _check_nul(path: Path) -> None:
    """NUL bytes past the first 256 KB: a binary file that began like text (cheap: memchr per MB)."""
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            if b"\0" in block:
                raise DataImportError(Message(f"{path.name} 含 NUL 字节，不是文本文件",
                                              "holds NUL bytes: it is not a text (CSV) file"))


def read_xlsx(path: Path, layer: str | None, report: list[Message]):
    """-> (GeoDataFrame, sheet): `layer`, else the first sheet with coordinate columns."""
    import zipfile

    from geodata.io.formats import check_archive

    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, path.name)  # a workbook is a ZIP: a bomb is refused before openpyxl unpacks it
    except zipfile.BadZipFile as exc:
        raise DataImportError(Message(f"{path.name} 不是有效的 Excel 工作簿", f"is not a valid .xlsx workbook: {short(exc)}")) from exc
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:
        raise DataImportError(Message(f"{path.name} 不是有效的 Excel 工作簿", f"is not a valid .xlsx workbook: {short(exc)}")) from exc
    if not sheets:
        raise DataImportError(Message(f"{path.name} 没有工作表", "has no sheets"))
    if layer is not None:
        if layer not in sheets:
            raise DataImportError(Message(f"{path.name} 中没有工作表 {layer!r}",
                                          f"has no sheet {layer!r}; sheets: {', '.join(sheets)}"))
        name = layer
    else:
        usable = [n for n, df in sheets.items() if not df.empty and find_coordinate_columns(df.columns) != (None, None, None)]
        name = usable[0] if usable else next(iter(sheets))
    df = sheets[name].fillna("")
    report.append(Message(f"{path.name} 的工作表 {name}" + (f"（共 {len(sheets)} 个）" if len(sheets) > 1 else ""),
                          f"sheet {name!r} of {path.name}" + (f" (of {len(sheets)} sheets)" if len(sheets) > 1 else "")))
    if df.empty:
        raise DataImportError(Message(f"工作表 {name!r} 没有数据行", f"sheet {name!r} has no rows"))
    return table_to_gdf(df, f"{path.name} [{name}]", report), name

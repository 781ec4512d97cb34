"""A big GeoPackage table or shapefile is read in chunks: the import shows "N / M features read"
and Cancel stops it between chunks (GDAL cannot be interrupted inside one read).

Only where skipping ahead is cheap on a freshly opened file: a GeoPackage table (a rowid range)
and a shapefile (its .shx index).  GDAL parses a GeoJSON or KML whole each time it opens one, so
chunks would parse it once per chunk (a 48 MB GeoJSON: 1.2 s in one read, 9.7 s in ten); those,
GeoPackage views (the query would run again for every chunk) and small files keep one read.

Every chunk reopens the file (~7 ms for a GeoPackage, ~17 ms for a shapefile of 1M records, whose
.shx is read whole at each open, on the 2-core test machine), so chunks follow time, not a fixed
count: the first is sized from the file's bytes per feature, each next one to take about
CHUNK_SECONDS of this thread's CPU, which keeps the reopening to a few per cent of a big read and
Cancel within about that long.  CPU, not wall time: on a busy machine wall time would shrink the
chunks and multiply the reopening just when the machine has the least to spare.  The chunks are
concatenated in file order into the frame one read gives (same columns, dtypes, CRS and a fresh
0..n-1 index).
"""
from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.core.feedback import Feedback
from geodata.core.message import Message

SMALL_BYTES = 8 * 2**20  # below this a file is one read (~0.1 s here): nothing worth showing or cancelling
FIRST_CHUNK_BYTES = 8 * 2**20  # the first chunk's share of the file, before any read was timed
CHUNK_SECONDS = 0.5
MIN_CHUNK = 1000  # features; fewer would be mostly reopening
GROWTH = 4.0  # a chunk is at most this many times the last one (or that divided by it)


def data_bytes(path: Path) -> int:
    """What GDAL reads of the file: a shapefile's .shp and .dbf, else the file."""
    size = path.stat().st_size
    if path.suffix.lower() == ".shp":
        for suffix in (".dbf", ".DBF"):
            if path.with_suffix(suffix).exists():
                return size + path.with_suffix(suffix).stat().st_size
    return size


def first_chunk(total: int, nbytes: int) -> int:
    """Features in the first chunk; `total` (one read) for a small file."""
    if total <= 0 or nbytes < SMALL_BYTES:
        return max(total, 0)
    return min(total, max(MIN_CHUNK, int(total * FIRST_CHUNK_BYTES / nbytes)))


def next_chunk(size: int, elapsed_s: float) -> int:
    """The next chunk's size from how long (CPU) the last one took: about CHUNK_SECONDS' worth."""
    wanted = size * CHUNK_SECONDS / max(elapsed_s, 1e-3)
    return int(max(MIN_CHUNK, size / GROWTH, min(wanted, size * GROWTH)))


def read_in_chunks(path: Path, feedback: Feedback, name: str, **kwargs) -> gpd.GeoDataFrame:
    """`pyogrio.read_dataframe(path, on_invalid="ignore", **kwargs)`, in chunks when the file is big.

    Progress goes 0..1 on `feedback` as features read / the layer's count; `feedback.check()`
    runs before every chunk, so a cancel raises `Cancelled` and the chunks read are dropped.
    The caller keeps GeoPackage views out (read_info would count one: the whole query)."""
    import pyogrio

    info = pyogrio.read_info(path, layer=kwargs.get("layer"), encoding=kwargs.get("encoding"))
    total = int(info.get("features") or 0)
    size = first_chunk(total, data_bytes(path))
    if size >= total:  # small, or a count the driver does not know (-1)
        return pyogrio.read_dataframe(path, on_invalid="ignore", **kwargs)
    after = _continue_after(info)
    if after is None:
        return pyogrio.read_dataframe(path, on_invalid="ignore", **kwargs)
    frames: list[gpd.GeoDataFrame] = []
    last_fid, done = None, 0
    while True:
        feedback.check()
        # One more than is left: a short chunk ends the loop without a last empty read, and a
        # count that is out of date (more features than it says) only means more chunks.
        asked = min(size, max(total - done, 0) + 1)
        started = time.thread_time()
        frame = pyogrio.read_dataframe(path, on_invalid="ignore", max_features=asked, fid_as_index=True,
                                       **(after(last_fid) if last_fid is not None else {}), **kwargs)
        elapsed = time.thread_time() - started
        if len(frame) or not frames:
            frames.append(frame)  # an empty first one still carries the columns
        if len(frame) < asked:
            break
        last_fid, done = int(frame.index[-1]), done + len(frame)
        feedback.set_progress(min(1.0, done / total), _progress(name, done, total))
        size = next_chunk(asked, elapsed)
    feedback.check()
    # geopandas keeps the geometry column and the (shared) CRS; a table without geometry stays a DataFrame
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    feedback.set_progress(1.0, _progress(name, len(gdf), max(total, len(gdf))))
    return gdf


def _continue_after(info: dict):
    """How to ask for the features after FID n, or None (one read).  Not by a running count
    (skip_features): a shapefile counts deleted records there, so a deleted record would shift
    every later chunk, and SQLite skips an OFFSET row by row, which grows with every chunk.  A
    shapefile's FID is its record number, a GeoPackage's its rowid: both are in file order."""
    if info.get("driver") == "ESRI Shapefile":
        return lambda fid: {"skip_features": fid + 1}
    column = info.get("fid_column")
    if info.get("driver") == "GPKG" and column:
        quoted = '"' + str(column).replace('"', '""') + '"'
        return lambda fid: {"where": f"{quoted} > {fid}"}
    return None


def _progress(name: str, done: int, total: int) -> Message:
    return Message(f"读取 {name}：{done:,} / {total:,} 个要素", f"reading {name}: {done:,} / {total:,} features")

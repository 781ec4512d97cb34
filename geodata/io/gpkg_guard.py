"""A GeoPackage layer that is a view is computed by SQLite when read: bound it before GDAL does.

A view can be any query, a recursive one that never ends included (`WITH RECURSIVE n(x) AS
(SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT … FROM n`): GDAL would count and read it
for ever.  Before a view is read it is counted here through Python's sqlite3 on a read-only,
immutable connection (nothing is written beside the file, triggers never fire) under a time
limit (a progress handler) and a heap limit; a view that does not finish is refused, naming it.
Tables are read as they are.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from geodata.core.message import Message
from geodata.io.errors import DataImportError

VIEW_TIME_LIMIT_S = 10.0
VIEW_HEAP_LIMIT_BYTES = 512 * 1024 * 1024


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _damaged(path: Path, exc: Exception) -> DataImportError:
    return DataImportError(Message(f"{path.name} 是损坏的 GeoPackage", f"is a damaged GeoPackage (SQLite: {exc})"))


def views(path: Path) -> set[str]:
    """Names of the views in the GeoPackage."""
    try:
        with _connect(path) as conn:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from exc


def view_srs(path: Path, layer: str) -> int | None:
    """The srs_id a view's geometry column is registered with (gpkg_geometry_columns), without running it."""
    try:
        with _connect(path) as conn:
            row = conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(row[0]) if row and isinstance(row[0], int) else None


def check_layer(path: Path, layer: str, time_limit_s: float | None = None) -> None:
    """Raise DataImportError when `layer` is a view that SQLite cannot compute within the limits."""
    if layer not in views(path):
        return
    time_limit_s = VIEW_TIME_LIMIT_S if time_limit_s is None else time_limit_s
    deadline = time.monotonic() + time_limit_s
    conn = _connect(path)
    previous = None
    try:
        previous = conn.execute("PRAGMA hard_heap_limit").fetchone()[0]
        conn.execute(f"PRAGMA hard_heap_limit = {VIEW_HEAP_LIMIT_BYTES}")
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        quoted = '"' + layer.replace('"', '""') + '"'
        conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()
    except (sqlite3.OperationalError, MemoryError) as exc:  # interrupted, out of heap, or a broken query
        raise DataImportError(Message(
            f"{path.name} 的视图 {layer!r} 无法在 {time_limit_s:g} 秒、{VIEW_HEAP_LIMIT_BYTES // 2**20} MB 内算出（递归查询？），已拒绝",
            f"the view {layer!r} in {path.name} cannot be computed within {time_limit_s:g} s and "
            f"{VIEW_HEAP_LIMIT_BYTES // 2**20} MB (a recursive query?): refused ({exc})")) from exc
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from exc
    finally:
        if previous is not None:
            try:
                conn.execute(f"PRAGMA hard_heap_limit = {int(previous)}")
            except sqlite3.Error:
                pass
        conn.close()

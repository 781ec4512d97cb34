"""The SQLite side of a corrections GeoPackage: read and append edits, move a corrected point in place.

Plain `sqlite3` inside the caller's transaction (GDAL cannot join one): the GeoPackage geometry
blob is written by hand (header + WKB), and the `ST_IsEmpty`/`ST_MinX`… functions that GDAL's
R-tree triggers call are registered on each connection, so the layer's spatial index follows a move.
"""
from __future__ import annotations

import sqlite3
import struct
from dataclasses import asdict
from pathlib import Path

import shapely
from shapely.geometry import Point

from geodata.core.message import Message
from geodata.fieldcheck.edits import CORRECTED_LAYER, EDITS_TABLE, Edit, EditsError, EditsReadOnly, with_bases

LOCK_TIMEOUT_S = 30
_EDIT_COLUMNS = ("edit_id", "project_id", "action", "old_lon", "old_lat", "new_lon", "new_lat", "who", "when",
                 "reason", "undoes")


def sqlite_error(path: Path, exc: sqlite3.OperationalError) -> EditsError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return EditsReadOnly(Message(f"{path.name} 只读，未写入", f"{path.name} is read-only: nothing written"))
    if "locked" in text or "busy" in text:
        return EditsError(Message(f"{path.name} 正被他人修改（锁定超过 {LOCK_TIMEOUT_S} 秒），未写入，请重试",
                                  f"{path.name} stayed locked by another editor for {LOCK_TIMEOUT_S} s: "
                                  "nothing written, try again"))
    return EditsError(Message(f"无法写入 {path.name}：{text}", f"cannot write {path.name}: {text}"))


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    for name, fn in _GPKG_FUNCTIONS.items():  # the R-tree triggers GDAL put on the layer call these
        con.create_function(name, 1, fn, deterministic=True)
    return con


def connect_readonly(path: Path) -> sqlite3.Connection:
    settle(path)
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT_S)


def settle(path: Path) -> None:
    """Clear what a killed writer left: taking the write lock replays a hot journal (a read-only
    connection reads past it but leaves it), and a journal still there once we hold that lock is one
    SQLite never made hot (the writer died before it changed the file), so it can go.  Someone
    writing now (the lock not free at once), or a file we may not write: left as it is."""
    journal = path.with_name(path.name + "-journal")
    if not journal.exists():
        return
    try:
        con = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            journal.unlink(missing_ok=True)
            con.execute("ROLLBACK")
        finally:
            con.close()
    except (sqlite3.Error, OSError):
        pass


def has_tables(con: sqlite3.Connection) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")} if _table_exists(con, "gpkg_contents") else set()
    return {EDITS_TABLE, CORRECTED_LAYER} <= names


def _table_exists(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def read_edits(con: sqlite3.Connection) -> list[Edit]:
    if not _table_exists(con, EDITS_TABLE):
        return []
    has_base = "base" in _columns(con, EDITS_TABLE)
    wanted = ", ".join(f'"{c}"' for c in (*_EDIT_COLUMNS, *(("base",) if has_base else ())))
    out = []
    for r in con.execute(f'SELECT {wanted} FROM "{EDITS_TABLE}" ORDER BY edit_id'):
        out.append(Edit(int(r[0]), str(r[1]), str(r[2]), float(r[3]), float(r[4]), float(r[5]), float(r[6]),
                        str(r[7]), str(r[8]), str(r[9]), int(r[10] or 0), int(r[11] or 0) if has_base else 0))
    return with_bases(out)


def insert_edit(con: sqlite3.Connection, edit: Edit) -> None:
    values = asdict(edit)
    columns = [c for c in _columns(con, EDITS_TABLE) if c in values]  # a file from before `base` lacks it
    con.execute(f'INSERT INTO "{EDITS_TABLE}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                f'VALUES ({", ".join("?" for _ in columns)})', [values[c] for c in columns])


def update_corrected(con: sqlite3.Connection, project_id: str, values: dict) -> None:
    geom_col, srs = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                [CORRECTED_LAYER]).fetchone()
    point = shapely.to_wkb(Point(values.pop("lon"), values.pop("lat")), byte_order=1)
    present = set(_columns(con, CORRECTED_LAYER))
    sets = {geom_col: b"GP\x00\x01" + struct.pack("<i", int(srs)) + point}  # GeoPackage header, no envelope
    sets.update({k: v for k, v in values.items() if k in present})
    assignments = ", ".join(f'"{k}" = ?' for k in sets)
    con.execute(f'UPDATE "{CORRECTED_LAYER}" SET {assignments} WHERE "id" = ?', [*sets.values(), project_id])


def _gpkg_geometry(blob):
    """The shapely geometry of a GeoPackage geometry blob (header, optional envelope, WKB)."""
    if blob is None or len(blob) < 8:
        return None
    from geodata.io.nesting import wkb_ok

    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((blob[3] >> 1) & 7, 0)
    wkb = bytes(blob[8 + envelope:])
    return shapely.from_wkb(wkb) if wkb_ok(wkb) else None  # nested too deep for GEOS: no geometry


def _bound(k: int):
    def fn(blob):
        geom = _gpkg_geometry(blob)
        return None if geom is None or geom.is_empty else float(geom.bounds[k])
    return fn


_GPKG_FUNCTIONS = {
    "ST_IsEmpty": lambda blob: 1 if (g := _gpkg_geometry(blob)) is None or g.is_empty else 0,
    "ST_MinX": _bound(0), "ST_MinY": _bound(1), "ST_MaxX": _bound(2), "ST_MaxY": _bound(3),
}

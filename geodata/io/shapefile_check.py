"""Do the parts of a shapefile belong together?  Checked before GDAL reads them.

GDAL pairs shape i with record i and stops at the shorter part: a `.dbf` of 2 records beside
a `.shp` of 5 shapes imports 2 features without a word, and a `.dbf` of random bytes imports
the shapes with no attributes at all.  Here the headers are read (a few bytes each; the
`.shx` with numpy) and:
- a `.dbf` whose header is not dBASE, or that is shorter than its header says → refused;
- a `.shp` shorter than its header says (a copy that stopped) → refused;
- shapes and records that differ in number → refused, naming both counts;
- a `.shx` that is damaged or disagrees with the `.shp` → the index is rebuilt in a
  temporary copy (`ShapefileParts.rebuild_index`), as for a missing one.
"""
from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geodata.core.message import Message
from geodata.io.errors import DataImportError

# dBASE versions GDAL and the common writers use (III, IV, 5, FoxPro, Visual FoxPro, with/without memo).
_DBF_VERSIONS = {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB}
_FIELD_TYPES = set(b"CNFLDMBGIYTP0@+OVWX")


@dataclass(frozen=True)
class ShapefileParts:
    shapes: int
    records: int
    rebuild_index: bool  # the .shx is missing, damaged or stale


def _damaged_dbf(dbf: Path, why: str) -> DataImportError:
    return DataImportError(Message(f"{dbf.name} 已损坏（不是 dBASE 属性表）：属性无法读取",
                                   f"{dbf.name} is damaged ({why}): the attributes cannot be read; "
                                   "copy the shapefile's files again"))


def dbf_records(dbf: Path) -> int:
    """The number of records of a sound `.dbf`, else DataImportError naming the file."""
    size = dbf.stat().st_size
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            raise _damaged_dbf(dbf, "shorter than a dBASE header")
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        if head[0] not in _DBF_VERSIONS or header_len < 33 or record_len < 1:
            raise _damaged_dbf(dbf, "not a dBASE header")
        fields = fh.read(header_len - 32)
    widths, pos = 0, 0
    while pos + 32 <= len(fields) and fields[pos] != 0x0D:
        desc = fields[pos:pos + 32]
        if desc[11] not in _FIELD_TYPES:
            raise _damaged_dbf(dbf, f"unknown field type {desc[11]:#04x}")
        widths += desc[16]
        pos += 32
    if pos >= len(fields) or fields[pos] != 0x0D or widths + 1 != record_len:
        raise _damaged_dbf(dbf, "its field list does not match its record length")
    if size < header_len + n_records * record_len:
        have = max(0, (size - header_len) // record_len)
        raise DataImportError(Message(f"{dbf.name} 不完整：文件头写有 {n_records} 条记录，实际只有 {have} 条",
                                      f"{dbf.name} is truncated: its header promises {n_records} records, "
                                      f"the file holds {have}; copy it again"))
    return n_records


def _truncated_shp(shp: Path, have: int, want: int) -> DataImportError:
    return DataImportError(Message(f"{shp.name} 不完整（{have:,} / {want:,} 字节）：请重新复制",
                                   f"{shp.name} is truncated ({have:,} of {want:,} bytes): copy it again"))


def _scan_shapes(shp: Path, size: int) -> int:
    """Records of a .shp counted by walking their headers (only when no usable .shx)."""
    if size <= 100:
        return 0
    with open(shp, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos, n = 100, 0
        while pos + 8 <= size:
            _, words = struct.unpack_from(">ii", data, pos)
            if words < 0:
                raise _truncated_shp(shp, size, pos)
            pos += 8 + 2 * words
            if pos > size:
                raise _truncated_shp(shp, size, pos)
            n += 1
    return n


def _index_entries(shx: Path | None, shp_size: int) -> int | None:
    """Entries of a sound .shx (every one pointing inside the .shp), else None."""
    if shx is None:
        return None
    raw = shx.read_bytes()
    if len(raw) < 100 or (len(raw) - 100) % 8 or struct.unpack(">i", raw[:4])[0] != 9994:
        return None
    entries = np.frombuffer(raw, dtype=">i4", offset=100).reshape(-1, 2).astype(np.int64)
    ends = entries[:, 0] * 2 + 8 + entries[:, 1] * 2
    if len(entries) and ((entries[:, 0] < 50).any() or (entries[:, 1] < 0).any() or (ends > shp_size).any()):
        return None
    return len(entries)


def check_parts(shp: Path, dbf: Path, shx: Path | None) -> ShapefileParts:
    """Raise DataImportError when the parts cannot be read together; say whether to rebuild the index."""
    size = shp.stat().st_size
    with open(shp, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100:
        raise _truncated_shp(shp, size, 100)
    declared = struct.unpack(">i", head[24:28])[0] * 2
    if size < declared:
        raise _truncated_shp(shp, size, declared)
    records = dbf_records(dbf)
    indexed = _index_entries(shx, size)
    if indexed is not None and indexed == records:
        return ShapefileParts(indexed, records, rebuild_index=False)
    shapes = _scan_shapes(shp, size)
    if shapes != records:
        raise DataImportError(Message(
            f"{shp.name} 有 {shapes} 个图形，{dbf.name} 却有 {records} 条记录：这些文件不属于同一个 Shapefile",
            f"{shp.name} holds {shapes} shapes but {dbf.name} {records} records: the files do not belong "
            "together (copied from different versions?), so no shape can be matched to its attributes"))
    return ShapefileParts(shapes, records, rebuild_index=True)

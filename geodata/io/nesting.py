"""Geometry text and binary nested deeper than any real geometry: refused before GEOS parses it.

GEOS reads WKT and WKB recursively, and a GEOMETRYCOLLECTION nested 50 000 deep (a few hundred
kilobytes in a CSV cell or a PostGIS row) overflows the C stack: the whole program dies with a
segmentation fault, past every `except`.  Real geometries nest a few levels (a collection of
multipolygons of rings: 4); these checks walk the structure without recursion and say whether it
stays within `MAX_DEPTH`.  (GDAL's own readers have such a limit: GeoPackage, GeoJSON, KML and
shapefiles are safe already.)
"""
from __future__ import annotations

import struct

MAX_DEPTH = 32
_COLLECTIONS = {4, 5, 6, 7, 15, 16, 17}  # multi*, GeometryCollection, PolyhedralSurface, TIN, Triangle
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


def wkt_ok(text, limit: int = MAX_DEPTH) -> bool:
    """False when the brackets of a WKT text nest deeper than `limit`."""
    if not isinstance(text, str) or text.count("(") <= limit:
        return True
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
            if depth > limit:
                return False
        elif ch == ")":
            depth -= 1
    return True


def wkb_ok(blob, limit: int = MAX_DEPTH) -> bool:
    """False when a WKB/EWKB geometry nests collections deeper than `limit` (or is cut short
    inside its collection headers); simple geometries are answered from their first 5 bytes."""
    if blob is None:
        return True
    data = blob if isinstance(blob, (bytes, bytearray, memoryview)) else bytes(blob)
    pos, pending = 0, [1]  # children still to read at each open level
    try:
        while pending:
            if pending[-1] == 0:
                pending.pop()
                continue
            pending[-1] -= 1
            order = "<" if data[pos] == 1 else ">"
            kind = struct.unpack_from(order + "I", data, pos + 1)[0]
            pos += 5
            dims = 2 + bool(kind & _EWKB_Z) + bool(kind & _EWKB_M)
            if kind & _EWKB_SRID:
                pos += 4
            base = kind & 0x0FFFFFFF
            if base >= 1000:  # ISO Z / M / ZM
                dims, base = 2 + (1 if base // 1000 in (1, 2) else 2), base % 1000
            if base not in _COLLECTIONS:
                if len(pending) == 1 and pending[0] == 0:
                    return True  # the top level is a simple geometry: GEOS is not deep in it
                pos = _skip_simple(data, pos, order, base, dims)
                continue
            count = struct.unpack_from(order + "I", data, pos)[0]
            pos += 4
            if len(pending) >= limit:
                return False
            pending.append(count)
    except (IndexError, struct.error):
        return False
    return True


def _skip_simple(data: bytes, pos: int, order: str, base: int, dims: int) -> int:
    """The offset after a point, line or polygon body."""
    size = 8 * dims
    if base == 1:
        return pos + size
    n = struct.unpack_from(order + "I", data, pos)[0]
    pos += 4
    if base in (2, 8, 13):  # LineString, CircularString, Curve-like runs of points
        return pos + n * size
    for _ in range(n):  # Polygon: rings of points
        points = struct.unpack_from(order + "I", data, pos)[0]
        pos += 4 + points * size
    return pos

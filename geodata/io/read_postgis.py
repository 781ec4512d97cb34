"""Read a PostGIS table: its tables listed, the rows in a view's bbox fetched in chunks.

Only what is asked for is queried: with a `bbox` (WGS84 lon/lat) the query is
`geom && ST_Transform(envelope, srid)`, which the table's GiST index answers, and rows arrive
through a server-side cursor `CHUNK_ROWS` at a time, so progress is reported and a cancel stops
between chunks — or at once, as `Feedback.cancel()` also cancels the running query on the server.
Geometry travels as WKB (`ST_AsBinary`) in the table's own SRID; the CRS comes from
`spatial_ref_sys`, and `geodata.io.normalise` reprojects to WGS84 like any file (CGCS2000 4490,
its Gauss–Krüger zones 4491–4554, UTM …).
"""
from __future__ import annotations

import decimal
import json
import uuid
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import Message, count
from geodata.io.errors import DataImportError, LayerChoiceRequired, cannot_read
from geodata.io.normalise import normalise
from geodata.io.postgis_source import PostgisError, PostgisSource, connect, failure, parse_source, require_postgis

CHUNK_ROWS = 5000
BBOX_DENSIFY = 32  # envelope edges cut into this many pieces so a projected bbox still covers the view
DATUM_PAD_DEG = 0.02  # GCJ-02/BD-09 coordinates sit up to ~1 km from WGS84: widen the bbox by this much
_INTEGER_TYPES = {"int2", "int4", "int8", "oid"}
_SKIP_TYPES = {"geometry", "geography", "raster", "box2d", "box3d"}


@dataclass(frozen=True)
class PostgisTable:
    """One geometry column of a table or view, as `geometry_columns` describes it."""

    schema: str
    table: str
    geometry_column: str
    geometry_type: str  # POINT, MULTIPOLYGON, GEOMETRY …
    srid: int  # 0: the column declares none
    rows_estimate: int | None  # planner statistics (pg_class.reltuples); None for views or never analysed
    crs_name: str = ""  # e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 105E"

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


def list_tables(source: "str | PostgisSource") -> list[PostgisTable]:
    """Every geometry column the connecting role may read, ordered by schema and table."""
    source = parse_source(source)
    with connect(source) as conn:
        require_postgis(conn, source)
        try:
            rows = conn.execute(
                """SELECT g.f_table_schema, g.f_table_name, g.f_geometry_column, g.type, g.srid,
                          CASE WHEN c.relkind IN ('r', 'p', 'm') AND c.reltuples >= 0 THEN c.reltuples::bigint END,
                          s.auth_name, s.auth_srid, s.srtext
                   FROM geometry_columns g
                   JOIN pg_namespace n ON n.nspname = g.f_table_schema
                   JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = g.f_table_name
                   LEFT JOIN spatial_ref_sys s ON s.srid = g.srid
                   WHERE has_table_privilege(c.oid, 'SELECT')
                   ORDER BY 1, 2, 3""").fetchall()
        except Exception as exc:  # psycopg.Error: any driver failure is one line
            raise failure(source, exc, Message("列出图层", "listing the tables")) from None
    out = []
    for schema, table, column, gtype, srid, estimate, auth, code, wkt in rows:
        crs = _crs(int(srid or 0), auth, code, wkt)
        out.append(PostgisTable(schema, table, column, str(gtype), int(srid or 0),
                                None if estimate is None else int(estimate), crs.name if crs is not None else ""))
    return out


def _crs(srid: int, auth: str | None, code: int | None, wkt: str | None) -> CRS | None:
    if srid <= 0:
        return None
    try:
        if auth and str(auth).upper() == "EPSG" and code:
            return CRS.from_epsg(int(code))
        if wkt:
            return CRS.from_wkt(wkt)
        return CRS.from_epsg(srid)
    except Exception:  # an SRID PROJ does not know: the import asks for --crs, like a file without .prj
        return None


def find_table(tables: list[PostgisTable], wanted: str | None, source: PostgisSource) -> PostgisTable:
    """The table `wanted` names ("schema.table", "table", or "schema.table.column"); asks when several."""
    if not tables:
        raise PostgisError(Message(f"{source.name} 中没有可读的空间表", f"{source.public} has no table with a geometry "
                                                                f"column that this role may read"))
    if not wanted:
        if len(tables) == 1:
            return tables[0]
        raise LayerChoiceRequired(_Named(source.public), [t.name for t in tables])
    wanted = wanted.strip().strip('"')
    for candidates in (
        [t for t in tables if f"{t.name}.{t.geometry_column}" == wanted],
        [t for t in tables if t.name == wanted],
        [t for t in tables if t.table == wanted],
        [t for t in tables if t.name.lower() == wanted.lower() or t.table.lower() == wanted.lower()],
    ):
        if len(candidates) == 1 or (candidates and len({c.name for c in candidates}) == 1):
            return candidates[0]  # a table with two geometry columns: the first, unless one was named
        if len(candidates) > 1:
            raise LayerChoiceRequired(_Named(source.public), [f"{t.name}" for t in candidates])
    names = ", ".join(t.name for t in tables[:20])
    raise PostgisError(Message(f"{source.database} 中没有表 {wanted}", f"no table {wanted} with a geometry column in "
                                                                   f"{source.public}; tables: {names}"))


class _Named:
    """LayerChoiceRequired wants something with a .name."""

    def __init__(self, name: str) -> None:
        self.name = name


def read_table(source: "str | PostgisSource", layer: str | None, bbox, datum: str, report: list[Message],
               feedback: Feedback):
    """-> (GeoDataFrame in the table's CRS, that CRS or None, the table's "schema.table")."""
    from psycopg import errors, sql

    source = parse_source(source)
    with connect(source) as conn:
        require_postgis(conn, source)
        try:
            table = find_table(_tables_for(conn, source), layer or source.fragment or None, source)
            columns = _columns(conn, table)
            crs = _table_crs(conn, table)
        except errors.Error as exc:  # a catalogue query refused: one line, like every other failure
            raise failure(source, exc, Message("读取表结构", "reading the table's columns")) from None
        geom = sql.Identifier(table.geometry_column)
        select = sql.SQL("SELECT ST_AsBinary({g}){extra} FROM {s}.{t}").format(
            g=geom, s=sql.Identifier(table.schema), t=sql.Identifier(table.table),
            extra=sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c, _ in columns))
        params: list = []
        if bbox is not None:
            x0, y0, x1, y1 = _bbox(bbox, datum)
            if table.srid > 0:
                step = max(x1 - x0, y1 - y0) / BBOX_DENSIFY
                envelope = sql.SQL("ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, 4326), %s)")
                if table.srid != 4326:
                    envelope = sql.SQL("ST_Transform({e}, %s)").format(e=envelope)
                select += sql.SQL(" WHERE {g} && {e}").format(g=geom, e=envelope)
                params = [x0, y0, x1, y1, step] + ([table.srid] if table.srid != 4326 else [])
                report.append(Message(f"只读取视图范围 {x0:.4f},{y0:.4f} – {x1:.4f},{y1:.4f} 内的要素",
                                      f"only features within the view {x0:.4f},{y0:.4f} – {x1:.4f},{y1:.4f} were read"))
            else:
                report.append(Message("该表未声明 SRID，已读取全部要素", "the table declares no SRID: every feature was read, "
                                                                 "not only those in view"))
        expected = _estimate(conn, select, params, table)
        done = {"flag": False}

        def cancel_query() -> None:  # on the cancelling thread: stop the server's work too
            if not done["flag"]:
                try:
                    conn.cancel_safe(timeout=3)
                except Exception:  # already finished or the connection is gone: nothing left to stop
                    pass

        feedback.on_cancel(cancel_query)
        rows: list[tuple] = []
        try:
            feedback.check()
            with conn.cursor(name="chengyu_import") as cur:
                cur.itersize = CHUNK_ROWS
                cur.execute(select, params)
                while True:
                    feedback.check()
                    chunk = cur.fetchmany(CHUNK_ROWS)
                    if not chunk:
                        break
                    rows.extend(chunk)
                    n = len(rows)
                    feedback.set_progress(min(0.95, n / max(expected, n + 1)),
                                          Message(f"已读取 {n:,} 行", f"{n:,} rows read"))
        except errors.QueryCanceled:
            raise Cancelled() from None
        except Cancelled:
            raise
        except Exception as exc:  # psycopg.Error while fetching: one line
            if feedback.is_cancelled():
                raise Cancelled() from None
            raise failure(source, exc, Message(f"读取 {table.name}", f"reading {table.name}")) from None
        finally:
            done["flag"] = True
    feedback.set_progress(1.0, Message(f"已读取 {len(rows):,} 行", f"{len(rows):,} rows read"))
    report.append(Message(f"从 PostGIS 表 {table.name}（SRID {table.srid}）读取 {count(len(rows), '个要素', 'feature').zh}",
                          f"{count(len(rows), '个要素', 'feature').en} read from PostGIS table {table.name} (SRID {table.srid})"))
    return _frame(rows, columns, crs), crs, table.name


def import_postgis(source: PostgisSource, layer, datum_key: str, override, bbox, report: list[Message],
                   feedback: Feedback):
    """`importer.import_file` for a PostGIS source: read (within `bbox`), then normalise like a file."""
    from geodata.io.importer import ImportResult

    gdf, declared, chosen = read_table(source, layer, bbox, datum_key, report, feedback.sub(0.0, 0.85))
    feedback.check()
    if len(gdf) == 0:  # nothing in view (or an empty table) is a layer too, not an error
        gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    else:
        feedback.set_progress(0.85, Message("检查坐标与几何", "checking coordinates and geometry"))
        try:
            gdf = normalise(gdf, declared, override, datum_key, report, feedback)
        except (DataImportError, Cancelled):
            raise
        except Exception as exc:  # the contract: a person's message, not a traceback
            raise cannot_read(chosen, exc) from exc
    source = source.with_fragment(chosen)
    gdf.attrs["source_path"] = None  # nothing on disk to protect from being overwritten
    gdf.attrs["source_url"] = source.public_url
    gdf.attrs["source_layer"] = chosen
    gdf.attrs["datum"] = datum_key
    feedback.set_progress(1.0, Message("完成", "done"))
    return ImportResult(gdf, report, source, chosen, datum_key, None, override.to_string() if override is not None else None)


def _tables_for(conn, source: PostgisSource) -> list[PostgisTable]:
    rows = conn.execute(
        """SELECT g.f_table_schema, g.f_table_name, g.f_geometry_column, g.type, g.srid
           FROM geometry_columns g ORDER BY 1, 2, 3""").fetchall()
    return [PostgisTable(s, t, c, str(gt), int(srid or 0), None) for s, t, c, gt, srid in rows]


def _columns(conn, table: PostgisTable) -> list[tuple[str, str]]:
    """(name, type) of the attribute columns, in table order; geometry-like columns left out."""
    rows = conn.execute(
        """SELECT a.attname, t.typname FROM pg_attribute a
           JOIN pg_type t ON t.oid = a.atttypid
           WHERE a.attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""", [table.schema, table.table]).fetchall()
    return [(name, typ) for name, typ in rows if typ not in _SKIP_TYPES and name != table.geometry_column]


def _table_crs(conn, table: PostgisTable) -> CRS | None:
    srid = table.srid
    if srid <= 0:
        return None
    row = conn.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", [srid]).fetchone()
    crs = _crs(srid, *(row or (None, None, None)))
    if crs is None:
        raise PostgisError(Message(f"无法识别 SRID {srid}", f"SRID {srid} of {table.name} is not a CRS that PROJ "
                                                          f"knows; give one with --crs"))
    return crs


def _bbox(bbox, datum: str) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise PostgisError(Message("视图范围无效", f"the bbox must be four numbers lon0,lat0,lon1,lat1, not {bbox!r}")) from None
    if not (x0 < x1 and y0 < y1 and -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90):
        raise PostgisError(Message("视图范围无效", f"the bbox {x0},{y0},{x1},{y1} is not lon0<lon1, lat0<lat1 in degrees"))
    if datum in ("gcj02", "bd09"):  # stored offset from WGS84: query a little wider
        x0, y0, x1, y1 = x0 - DATUM_PAD_DEG, y0 - DATUM_PAD_DEG, x1 + DATUM_PAD_DEG, y1 + DATUM_PAD_DEG
    return x0, y0, x1, y1


def _estimate(conn, select, params, table: PostgisTable) -> int:
    """The planner's row estimate for the query (progress only; never a count(*) scan)."""
    from psycopg import sql

    try:
        plan = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) ") + select, params).fetchone()[0]
        return max(1, int(plan[0]["Plan"]["Plan Rows"]))
    except Exception:  # EXPLAIN refused (some poolers): progress is then only approximate
        conn.rollback()
        return max(1, table.rows_estimate or 1)


def _cell(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _frame(rows: list[tuple], columns: list[tuple[str, str]], crs: CRS | None) -> gpd.GeoDataFrame:
    from geodata.io.nesting import wkb_ok

    # a collection nested 10^5 deep would crash GEOS (stack overflow): such a row has no geometry
    wkb = np.array([r[0] if wkb_ok(r[0]) else None for r in rows], dtype=object)
    geoms = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    data = {}
    for k, (name, typ) in enumerate(columns, start=1):
        values = [_cell(r[k]) for r in rows]
        if typ in _INTEGER_TYPES:
            data[name] = pd.array(values, dtype="Int64")  # 2023, never 2023.0, with nulls kept as <NA>
        elif typ == "bool":
            data[name] = pd.array(values, dtype="boolean")
        else:
            data[name] = values
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)

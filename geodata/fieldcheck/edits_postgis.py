"""The corrections log in PostgreSQL/PostGIS, shared by a team (`EditLog` over a database table).

Target: `postgresql://user@host:port/db` (table `public.field_edits`), `…#schema` or
`…#schema.table`, or `service=NAME#…`.  The table is made by the first correction of a role that
may create tables in that schema; viewers need SELECT on it, editors INSERT as well.

- **No lost update**: each correction is one transaction that reads the project's edits, refuses
  unless its latest is the given base (`EditConflict` names who changed it when), and inserts;
  the constraint UNIQUE (project_id, base_edit_id) makes the database itself refuse the second of
  two correctors who passed that check at the same moment from the same base.
- **Append-only audit**: a trigger refuses UPDATE, DELETE and TRUNCATE on the table (whoever asks),
  and those privileges are revoked from PUBLIC; `db_role` records the role that wrote each row.
- **Read-only roles** read and check; a correction is refused up front (`EditsReadOnly`), nothing written.
- Each row carries `geom` (the new position, EPSG:4326) so QGIS or a team's own tools can draw it.
"""
from __future__ import annotations

from datetime import timezone

import geopandas as gpd

from geodata.core.message import Message
from geodata.fieldcheck.edits import (
    EditConflict,
    EditLog,
    EditsError,
    EditsReadOnly,
    Edit,
    head_conflict,
)
from geodata.io.postgis_source import PostgisError, connect, failure, parse_source, require_postgis

DEFAULT_SCHEMA = "public"
DEFAULT_TABLE = "field_edits"
_FIELDS = ("edit_id, project_id, action, old_lon, old_lat, new_lon, new_lat, who, edited_at, reason, "
           "undoes, base_edit_id")


def _ddl(schema: str, table: str):
    from psycopg import sql

    t = sql.Identifier(schema, table)
    guard = sql.Identifier(schema, f"{table}_append_only")
    return [
        sql.SQL("""CREATE TABLE {t} (
            edit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id text NOT NULL,
            action text NOT NULL CHECK (action IN ('move', 'undo')),
            old_lon double precision NOT NULL, old_lat double precision NOT NULL,
            new_lon double precision NOT NULL CHECK (new_lon BETWEEN -180 AND 180),
            new_lat double precision NOT NULL CHECK (new_lat BETWEEN -90 AND 90),
            who text NOT NULL,
            edited_at timestamptz NOT NULL DEFAULT now(),
            reason text NOT NULL CHECK (btrim(reason) <> ''),
            undoes bigint NOT NULL DEFAULT 0,
            base_edit_id bigint NOT NULL DEFAULT 0,
            db_role text NOT NULL DEFAULT current_user,
            geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(new_lon, new_lat), 4326)) STORED,
            UNIQUE (project_id, base_edit_id))""").format(t=t),
        sql.SQL("CREATE INDEX ON {t} (project_id, edit_id)").format(t=t),
        sql.SQL("""CREATE FUNCTION {g}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the corrections table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                  USING ERRCODE = 'insufficient_privilege'; END $$""").format(g=guard),
        sql.SQL("CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {g}()")
        .format(t=t, g=guard),
        sql.SQL("CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION {g}()")
        .format(t=t, g=guard),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {t} FROM PUBLIC").format(t=t),
    ]


class PostgisEditStore(EditLog):
    """The corrections in one PostGIS table, over a registry of projects (default: the bundle's)."""

    def __init__(self, target: str, registry: gpd.GeoDataFrame | None = None):
        try:
            self.source = parse_source(target)
        except PostgisError as exc:
            raise EditsError(exc.message) from None
        parts = [p for p in self.source.fragment.split(".") if p] if self.source.fragment else []
        if len(parts) > 2:
            raise EditsError(Message(f"修正表写作 #schema 或 #schema.table，不是 #{self.source.fragment}",
                                     f"name the corrections table as #schema or #schema.table, "
                                     f"not #{self.source.fragment}"))
        self.schema = parts[0] if parts else DEFAULT_SCHEMA
        self.table = parts[1] if len(parts) == 2 else DEFAULT_TABLE
        self.target = f"{self.source.public}#{self.schema}.{self.table}"
        super().__init__(registry)
        self.refresh()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    def _connect(self):
        try:
            conn = connect(self.source)
            require_postgis(conn, self.source)
            return conn
        except PostgisError as exc:
            raise EditsError(exc.message) from None

    def _fail(self, exc: BaseException, doing: Message) -> EditsError:
        return EditsError(failure(self.source, exc, doing).message)

    def _exists(self, conn) -> bool:
        # The catalog itself, not to_regclass: its cache may still say "no such table" after
        # another session created it while we waited for the lock below.
        return conn.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = %s AND c.relname = %s", [self.schema, self.table]).fetchone() is not None

    def _load(self) -> list[Edit]:
        import psycopg
        from psycopg import sql

        with self._connect() as conn:
            try:
                if not self._exists(conn):
                    return []  # no correction made yet: the registry as it is
                rows = conn.execute(sql.SQL(f"SELECT {_FIELDS} FROM {{t}} ORDER BY edit_id").format(
                    t=sql.Identifier(self.schema, self.table))).fetchall()
            except psycopg.Error as exc:
                raise self._fail(exc, Message(f"读取 {self.qualified}", f"reading {self.qualified}")) from None
        return [_edit(r) for r in rows]

    def _ensure_table(self, conn) -> None:
        """Make the table on first use (serialised: two first correctors do not both create it)."""
        import psycopg

        if self._exists(conn):
            return
        try:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.qualified])
            if not self._exists(conn):
                for statement in _ddl(self.schema, self.table):
                    conn.execute(statement)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction):
            raise self._read_only(conn, Message(f"不能创建 {self.qualified}", f"may not create {self.qualified}")) from None

    def _may_not_write(self) -> Message:
        return Message(f"不能写入 {self.qualified}", f"may not write to {self.qualified}")

    def _read_only(self, conn, what: Message) -> EditsReadOnly:
        try:
            conn.rollback()
            role = conn.execute("SELECT current_user").fetchone()[0]
        except Exception:  # the connection is gone too: the role is in the address
            role = "this role"
        return EditsReadOnly(Message("{role} {what}：只能查看修正，未写入（请申请 {table} 的 INSERT 权限）",
                                     "role {role} {what}: it may view and check but not correct "
                                     "(nothing written; ask for INSERT on {table})")
                             .format(role=role, what=what, table=self.qualified))

    def _commit(self, project_id: str, base: int, make) -> Edit:
        import psycopg
        from psycopg import sql

        t = sql.Identifier(self.schema, self.table)
        with self._connect() as conn:
            try:
                self._ensure_table(conn)
                may = conn.execute("SELECT has_table_privilege(%s, 'INSERT'), current_setting('transaction_read_only')",
                                   [f'"{self.schema}"."{self.table}"']).fetchone()
                if not may[0] or may[1] == "on":
                    raise self._read_only(conn, self._may_not_write())
                rows = conn.execute(sql.SQL(f"SELECT {_FIELDS} FROM {{t}} WHERE project_id = %s ORDER BY edit_id")
                                    .format(t=t), [project_id]).fetchall()
                project_edits = [_edit(r) for r in rows]
                head_conflict(project_id, base, project_edits)
                draft = make(project_edits)
                try:
                    row = conn.execute(sql.SQL(
                        "INSERT INTO {t} (project_id, action, old_lon, old_lat, new_lon, new_lat, who, edited_at, reason, "
                        "undoes, base_edit_id) VALUES (%s, %s, %s, %s, %s, %s, %s, coalesce(%s::timestamptz, now()), %s, "
                        f"%s, %s) RETURNING {_FIELDS}").format(t=t),
                        [draft.project_id, draft.action, draft.old_lon, draft.old_lat, draft.new_lon, draft.new_lat,
                         draft.who, draft.when or None, draft.reason, draft.undoes, draft.base]).fetchone()
                except psycopg.errors.UniqueViolation:
                    # Someone from the same base committed between our check and our insert: theirs stands.
                    conn.rollback()
                    won = conn.execute(sql.SQL(f"SELECT {_FIELDS} FROM {{t}} WHERE project_id = %s AND base_edit_id = %s")
                                       .format(t=t), [project_id, base]).fetchone()
                    raise EditConflict(project_id, base, _edit(won) if won else None) from None
                conn.commit()
                return _edit(row)
            except (EditsError, EditConflict):
                raise
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction):
                raise self._read_only(conn, self._may_not_write()) from None
            except psycopg.Error as exc:
                raise self._fail(exc, Message(f"写入 {self.qualified}", f"writing to {self.qualified}")) from None


def _edit(row) -> Edit:
    edit_id, pid, action, old_lon, old_lat, new_lon, new_lat, who, when, reason, undoes, base = row
    stamp = when.astimezone(timezone.utc).isoformat(timespec="seconds") if hasattr(when, "astimezone") else str(when)
    return Edit(int(edit_id), str(pid), str(action), float(old_lon), float(old_lat), float(new_lon), float(new_lat),
                str(who), stamp, str(reason), int(undoes or 0), int(base or 0))

"""Location corrections after a field check: an append-only log of edits over the project registry.

The bundled GeoPackage is never modified.  `EditLog` is the one interface (what the CLI and the
explorer call); it has two stores:

- `EditStore` — a GeoPackage of the user's (a project file points to it) with the table ``edits``
  and the layer ``projects_corrected`` (below);
- `geodata.fieldcheck.edits_postgis.PostgisEditStore` — a table in PostgreSQL/PostGIS that a whole
  team writes to at once.  `open_edit_store(target)` picks one from the target's text.

``edits`` holds every change, never rewritten: project id, action (``move`` or ``undo``), old and
new position (WGS84), who, when (UTC, ISO 8601), reason, the edit it reverses (an undo), and the
edit it was made on (``base``: 0 = the registry itself).  Optimistic concurrency: a change names
the base it was made from (default: the latest edit this store has seen) and is refused with
`EditConflict` — naming who changed the project when — unless that base is still the project's
latest edit, so two people correcting one project from the same base cannot both win and no
update is lost.  ``projects_corrected`` is the registry with the corrections applied (points,
EPSG:4326; ``corrected``, ``corrected_by``, ``corrected_at``, ``correction_reason``,
``original_lon``, ``original_lat``); a corrected point's ``geometry_quality`` becomes ``surveyed``.

The GeoPackage is created atomically (`atomic_path`); afterwards each change is one SQLite
transaction taken with ``BEGIN IMMEDIATE`` (check the base, append the edit, update the corrected
point), so a crash or a concurrent editor never leaves it half written.
"""
from __future__ import annotations

import getpass
import math
import os
import shutil
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geodata.core.atomic import atomic_path
from geodata.core.message import Message, MessageError

EDITS_TABLE = "edits"
CORRECTED_LAYER = "projects_corrected"
REGISTRY_BASE = 0  # `--base registry`: the project has no edit yet
NOTHING_TO_UNDO = Message("没有可撤销的修正", "nothing to undo")


class EditsError(MessageError, ValueError):
    """A correction that cannot be made, or a store that cannot hold corrections (a `Message`)."""


class EditConflict(EditsError):
    """The project changed since the given base: `.winner` is the edit that got there first."""

    def __init__(self, project_id: str, base: int, winner: "Edit | None") -> None:
        self.project_id, self.base, self.winner = project_id, base, winner
        since = "登记" if base == REGISTRY_BASE else f"#{base}"
        since_en = "the registry" if base == REGISTRY_BASE else f"edit #{base}"
        if winner is None:
            super().__init__(Message(f"{project_id} 的基准 {since} 已不是最新",
                                     f"base {since_en} of {project_id} is not its latest edit"))
        else:
            super().__init__(Message(
                f"{project_id} 已于 {winner.when} 被 {winner.who} 修改（#{winner.edit_id}），未写入",
                f"{project_id} was changed by {winner.who} at {winner.when} (edit #{winner.edit_id}) "
                f"after {since_en}; nothing written: look at it and correct again with --base {winner.edit_id}"))


class EditsReadOnly(EditsError):
    """The store may be read but not written (a read-only role or file)."""


@dataclass(frozen=True)
class Edit:
    edit_id: int
    project_id: str
    action: str  # "move" or "undo"
    old_lon: float
    old_lat: float
    new_lon: float
    new_lat: float
    who: str
    when: str
    reason: str
    undoes: int = 0  # edit_id reversed by an undo; 0 for a move
    base: int = REGISTRY_BASE  # the project's latest edit when this one was made (0: none)


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def parse_base(text: str | int | None) -> int | None:
    """`--base`: "registry" (no edit yet) -> 0, an edit id -> that id, None -> None (the latest seen)."""
    if text is None:
        return None
    value = str(text).strip().lstrip("#").lower()
    if value == "registry":
        return REGISTRY_BASE
    if value.isdigit():
        return int(value)
    raise EditsError(Message(f"基准须为 registry 或修正编号，不是 {text!r}",
                              f"--base must be 'registry' or an edit id, not {text!r}"))


def _iso(when: datetime | None) -> str:
    when = when or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def with_bases(edits: list[Edit]) -> list[Edit]:
    """Fill `base` from each project's order (files written before bases were stored)."""
    last: dict[str, int] = {}
    out = []
    for e in edits:
        out.append(e if e.base else replace(e, base=last.get(e.project_id, REGISTRY_BASE)))
        last[e.project_id] = e.edit_id
    return out


class EditLog:
    """The corrections of one store over a registry of projects: read, move, undo, refresh."""

    target: str = ""  # what the store is, for messages (never a password)

    def __init__(self, registry: gpd.GeoDataFrame | None):
        if registry is None:
            from geodata.bundle import loader

            registry = loader.load_layer("projects")
        if "id" not in registry:
            raise EditsError(Message("项目图层缺少 id 列", "the projects layer has no id column"))
        self.registry = registry.copy()
        self._index = {str(v): i for i, v in enumerate(self.registry["id"])}
        self._edits: list[Edit] = []

    # --- the store ------------------------------------------------------------------------------------
    def _load(self) -> list[Edit]:
        raise NotImplementedError

    def _commit(self, project_id: str, base: int, make: Callable[[list[Edit]], Edit]) -> Edit:
        """Atomically: read the project's edits, refuse unless its head is `base`, append make(edits)."""
        raise NotImplementedError

    def refresh(self) -> list[Edit]:
        """Re-read the store: corrections others made since show up."""
        self._edits = self._load()
        return self.edits

    # --- reading -------------------------------------------------------------------------------------
    @property
    def edits(self) -> list[Edit]:
        return list(self._edits)

    def history(self, project_id: str | None = None) -> pd.DataFrame:
        rows = [asdict(e) for e in self._edits if project_id is None or e.project_id == str(project_id)]
        return pd.DataFrame(rows, columns=list(Edit.__dataclass_fields__))

    def original_position(self, project_id: str) -> tuple[float, float]:
        geom = self.registry.geometry.iloc[self._row(project_id)]
        return float(geom.x), float(geom.y)

    def position(self, project_id: str) -> tuple[float, float]:
        """Where the project is now: the last edit's new position, else the registry's."""
        return self._position_in(self._edits, str(project_id))

    def head(self, project_id: str) -> int:
        """The project's latest edit id as this store last saw it (REGISTRY_BASE when none)."""
        return next((e.edit_id for e in reversed(self._edits) if e.project_id == str(project_id)), REGISTRY_BASE)

    def undone_ids(self) -> set[int]:
        """Ids of the moves an undo has taken back (the window's undo picks the latest move not among them)."""
        return {e.undoes for e in self._edits if e.action == "undo"}

    def can_undo(self, project_id: str | None = None) -> bool:
        return _last_move(self._edits, project_id) is not None

    def corrected(self) -> gpd.GeoDataFrame:
        """The registry with every correction applied."""
        gdf = self.registry.copy()
        gdf["corrected"] = 0
        for column in ("corrected_by", "corrected_at", "correction_reason"):
            gdf[column] = ""
        gdf["original_lon"] = gdf.geometry.x.to_numpy()
        gdf["original_lat"] = gdf.geometry.y.to_numpy()
        geoms = list(gdf.geometry)
        last: dict[str, Edit] = {}
        for e in self._edits:
            last[e.project_id] = e
        for pid, e in last.items():
            i = self._index.get(pid)
            if i is None:
                continue  # the registry lost this project since the edit: the edits table still has it
            values = self._applied(pid, e)
            geoms[i] = Point(values.pop("lon"), values.pop("lat"))
            for column, value in values.items():
                if column in gdf.columns:
                    gdf.iloc[i, gdf.columns.get_loc(column)] = value
        return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs or "EPSG:4326"))

    def _applied(self, project_id: str, last: Edit | None) -> dict:
        """The corrected row's values after `last` (the project's latest edit, or None)."""
        i = self._index[project_id]
        ox, oy = self.original_position(project_id)
        quality = self.registry["geometry_quality"].iloc[i] if "geometry_quality" in self.registry else None
        if last is None:
            return {"lon": ox, "lat": oy, "corrected": 0, "corrected_by": "", "corrected_at": "",
                    "correction_reason": "", "geometry_quality": quality}
        moved = not (math.isclose(last.new_lon, ox, abs_tol=1e-12) and math.isclose(last.new_lat, oy, abs_tol=1e-12))
        return {"lon": last.new_lon, "lat": last.new_lat, "corrected": int(moved),
                "corrected_by": last.who if moved else "", "corrected_at": last.when if moved else "",
                "correction_reason": last.reason if moved else "",
                # measured in the field now, no longer hand-placed
                "geometry_quality": "surveyed" if moved else quality}

    def _position_in(self, edits: list[Edit], project_id: str) -> tuple[float, float]:
        for e in reversed(edits):
            if e.project_id == project_id:
                return e.new_lon, e.new_lat
        return self.original_position(project_id)

    def _row(self, project_id: str) -> int:
        try:
            return self._index[str(project_id)]
        except KeyError:
            raise EditsError(Message(f"登记中没有项目 {project_id!r}", f"no project {project_id!r} in the registry")) from None

    # --- changing ------------------------------------------------------------------------------------
    def move(self, project_id: str, lon: float, lat: float, reason: str, who: str | None = None,
             when: datetime | None = None, base: int | None = None) -> Edit:
        """Move a project to (lon, lat) WGS84, recording why; refused (EditConflict) unless the
        project's latest edit is still `base` (default: the latest this store has seen)."""
        pid = str(project_id)
        self._row(pid)
        if not reason or not reason.strip():
            raise EditsError(Message("请说明修正原因", "give a reason for the correction"))
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise EditsError(Message(f"坐标超出范围：{lon}, {lat}", f"position out of range: {lon}, {lat}"))
        base = self.head(pid) if base is None else int(base)
        who, stamp = (who or current_user()).strip() or current_user(), _iso(when) if when else ""

        def make(project_edits: list[Edit]) -> Edit:
            old_lon, old_lat = self._position_in(project_edits, pid)
            return Edit(0, pid, "move", old_lon, old_lat, float(lon), float(lat), who, stamp, reason.strip(), 0, base)

        return self._change(pid, base, make)

    def undo(self, project_id: str | None = None, who: str | None = None, when: datetime | None = None,
             base: int | None = None) -> Edit:
        """Reverse the latest move not yet undone (of `project_id`, or of any project)."""
        if project_id is None:
            target = _last_move(self._edits, None)
            if target is None:
                raise EditsError(NOTHING_TO_UNDO)
            project_id = target.project_id
        pid = str(project_id)
        base = self.head(pid) if base is None else int(base)
        who, stamp = who or current_user(), _iso(when) if when else ""

        def make(project_edits: list[Edit]) -> Edit:
            target = _last_move(project_edits, pid)
            if target is None:
                raise EditsError(NOTHING_TO_UNDO)
            now_lon, now_lat = self._position_in(project_edits, pid)
            return Edit(0, pid, "undo", now_lon, now_lat, target.old_lon, target.old_lat, who, stamp,
                        f"撤销 / undo #{target.edit_id}", target.edit_id, base)

        return self._change(pid, base, make)

    def _change(self, pid: str, base: int, make) -> Edit:
        edit = self._commit(pid, base, make)
        try:
            self.refresh()  # with whatever others wrote meanwhile
        except EditsError:
            self._edits.append(edit)  # written; only the re-read failed
        return edit


def _last_move(edits: list[Edit], project_id: str | None) -> Edit | None:
    undone = {e.undoes for e in edits if e.action == "undo"}
    for e in reversed(edits):
        if e.action == "move" and e.edit_id not in undone and (project_id is None or e.project_id == str(project_id)):
            return e
    return None


def head_conflict(project_id: str, base: int, project_edits: list[Edit]) -> None:
    """Raise EditConflict unless `base` is the project's latest edit (REGISTRY_BASE: it has none)."""
    head = project_edits[-1].edit_id if project_edits else REGISTRY_BASE
    if head != base:
        winner = next((e for e in project_edits if e.base == base), project_edits[-1] if project_edits else None)
        raise EditConflict(project_id, base, winner)


def open_edit_store(target: str | os.PathLike, registry: gpd.GeoDataFrame | None = None) -> EditLog:
    """The store `target` names: a PostGIS address (postgresql://…, service=…) or a .gpkg file."""
    from geodata.io.postgis_source import is_postgis_source

    if is_postgis_source(target):
        from geodata.fieldcheck.edits_postgis import PostgisEditStore

        return PostgisEditStore(str(target), registry)
    return EditStore(target, registry)


def corrected_registry(target: str | os.PathLike) -> gpd.GeoDataFrame:
    """The registry with the corrections of `target` applied (to check or draw against): the
    `projects_corrected` layer of a .gpkg, or the bundle's registry plus a PostGIS store's edits."""
    from geodata.io.postgis_source import is_postgis_source

    if is_postgis_source(target):
        return open_edit_store(target).corrected()
    import pyogrio

    path = Path(target)
    if not path.exists():
        raise EditsError(Message(f"文件不存在：{path}", f"file not found: {path}"))
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        raise EditsError(Message(f"无法读取 {path.name}：{exc}", f"cannot read {path.name}: {exc}")) from exc
    if CORRECTED_LAYER not in layers:
        raise EditsError(Message(f"{path.name} 中没有 {CORRECTED_LAYER} 图层", f"{path.name} has no {CORRECTED_LAYER} layer"))
    return gpd.read_file(path, layer=CORRECTED_LAYER)


# --- the GeoPackage store ----------------------------------------------------------------------------

def _is_bundle(path: Path) -> bool:
    from geodata.bundle import loader

    try:
        return path.resolve() == Path(loader.BUNDLE_PATH).resolve()
    except OSError:
        return False


class EditStore(EditLog):
    """The corrections kept in one user's GeoPackage, over a registry of projects."""

    def __init__(self, path: str | os.PathLike, registry: gpd.GeoDataFrame | None = None):
        self.path = Path(path)
        self.target = str(self.path)
        if self.path.suffix.lower() != ".gpkg":
            raise EditsError(Message(f"修正须存入 GeoPackage（.gpkg），不是 {self.path.name}",
                                     f"corrections are kept in a .gpkg file, not {self.path.name}"))
        if _is_bundle(self.path):
            raise EditsError(Message("不能修改内置数据：请选择你自己的文件",
                                     "the bundled GeoPackage is never modified: choose your own file"))
        super().__init__(registry)
        self.refresh()

    def _load(self) -> list[Edit]:
        from geodata.fieldcheck import gpkg_sql

        if not self.path.exists():
            return []
        try:
            con = gpkg_sql.connect_readonly(self.path)
            try:
                return gpkg_sql.read_edits(con)
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise EditsError(Message(f"无法读取修正文件 {self.path.name}：{exc}",
                                     f"cannot read edits file {self.path.name}: {exc}")) from exc

    def save(self) -> Path:
        """Write the whole file (edits table and corrected layer; other layers kept), atomically."""
        import pyogrio

        with atomic_path(self.path) as tmp:
            if self.path.exists():
                shutil.copy2(self.path, tmp)
            pyogrio.write_dataframe(self.history(), tmp, layer=EDITS_TABLE, driver="GPKG")
            self.corrected().to_file(tmp, layer=CORRECTED_LAYER, driver="GPKG")
        return self.path

    def _create(self) -> None:
        from geodata.fieldcheck import gpkg_sql

        """Add the two tables: a new file appears whole or not at all (a racing creator loses
        cleanly); an existing file of the user's is locked while its copy gains them."""
        if not self.path.exists():
            self._edits = []
            try:
                with atomic_path(self.path, exclusive=True) as tmp:
                    import pyogrio

                    pyogrio.write_dataframe(self.history(), tmp, layer=EDITS_TABLE, driver="GPKG")
                    self.corrected().to_file(tmp, layer=CORRECTED_LAYER, driver="GPKG")
            except FileExistsError:
                pass  # another editor created it first: use theirs
            return
        con = gpkg_sql.connect(self.path)
        try:
            con.execute("BEGIN IMMEDIATE")  # nobody appends to the old file while its copy is made
            if not gpkg_sql.has_tables(con):
                self._edits = gpkg_sql.read_edits(con)
                self.save()
            con.execute("ROLLBACK")
        finally:
            con.close()

    def _commit(self, project_id: str, base: int, make) -> Edit:
        from geodata.fieldcheck import gpkg_sql

        for _ in range(5):  # the file may be replaced (created, converted) while we wait for its lock
            try:
                if not self.path.exists() or not self._tables_present():
                    self._create()
                inode = os.stat(self.path).st_ino
                con = gpkg_sql.connect(self.path)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    if os.stat(self.path).st_ino != inode or not gpkg_sql.has_tables(con):
                        con.execute("ROLLBACK")
                        continue
                    edits = gpkg_sql.read_edits(con)
                    project_edits = [e for e in edits if e.project_id == project_id]
                    head_conflict(project_id, base, project_edits)
                    draft = make(project_edits)
                    edit = replace(draft, edit_id=max((e.edit_id for e in edits), default=0) + 1,
                                   when=draft.when or _iso(None))
                    gpkg_sql.insert_edit(con, edit)
                    gpkg_sql.update_corrected(con, project_id, self._applied(project_id, edit))
                    con.execute("COMMIT")
                    return edit
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
                finally:
                    con.close()
            except sqlite3.OperationalError as exc:
                raise gpkg_sql.sqlite_error(self.path, exc) from exc
        raise EditsError(Message(f"{self.path.name} 正被反复替换，请重试", f"{self.path.name} keeps being replaced; try again"))

    def _tables_present(self) -> bool:
        from geodata.fieldcheck import gpkg_sql

        try:
            con = gpkg_sql.connect_readonly(self.path)
            try:
                return gpkg_sql.has_tables(con)
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise EditsError(Message(f"无法读取修正文件 {self.path.name}：{exc}",
                                     f"cannot read edits file {self.path.name}: {exc}")) from exc

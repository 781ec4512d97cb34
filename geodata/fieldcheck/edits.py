"""Location corrections after a field check, kept in the user's own GeoPackage.

The bundled GeoPackage is never modified.  Corrections live in a GeoPackage of the
user's (a project file points to it) with two layers:

- ``edits`` — a table of every change, never rewritten in place: project id, action
  (``move`` or ``undo``), old and new position (WGS84), who, when (UTC, ISO 8601), reason,
  and for an undo the edit it reverses.
- ``projects_corrected`` — the registry with the corrections applied (point layer,
  EPSG:4326), with ``corrected``, ``corrected_by``, ``corrected_at``,
  ``correction_reason``, ``original_lon``, ``original_lat`` columns; a corrected point's
  ``geometry_quality`` becomes ``surveyed`` (measured in the field, no longer hand-placed).

Every save rewrites the file through `atomic_path` (other layers of the user's file
are carried over), so a crash never leaves it half written.
"""
from __future__ import annotations

import getpass
import math
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geodata.core.atomic import atomic_path

EDITS_TABLE = "edits"
CORRECTED_LAYER = "projects_corrected"


class EditsError(ValueError):
    """A correction that cannot be made or a file that cannot hold corrections."""


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


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _is_bundle(path: Path) -> bool:
    from geodata.bundle import loader

    try:
        return path.resolve() == Path(loader.BUNDLE_PATH).resolve()
    except OSError:
        return False


def _read_edits(path: Path) -> list[Edit]:
    import pyogrio

    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    if EDITS_TABLE not in layers:
        return []
    df = pyogrio.read_dataframe(path, layer=EDITS_TABLE, read_geometry=False)
    out = []
    for r in df.itertuples(index=False):
        out.append(Edit(int(r.edit_id), str(r.project_id), str(r.action), float(r.old_lon), float(r.old_lat),
                        float(r.new_lon), float(r.new_lat), str(r.who), str(r.when), str(r.reason),
                        int(r.undoes or 0)))
    return out


class EditStore:
    """The corrections of one user's edits file, over a registry of projects."""

    def __init__(self, path: str | Path, registry: gpd.GeoDataFrame | None = None):
        self.path = Path(path)
        if self.path.suffix.lower() != ".gpkg":
            raise EditsError(f"修正须存入 GeoPackage / corrections are kept in a .gpkg file, not {self.path.name}")
        if _is_bundle(self.path):
            raise EditsError("不能修改内置数据 / the bundled GeoPackage is never modified: choose your own file")
        if registry is None:
            from geodata.bundle import loader

            registry = loader.load_layer("projects")
        if "id" not in registry:
            raise EditsError("项目图层缺少 id 列 / the projects layer has no id column")
        self.registry = registry.copy()
        self._index = {str(v): i for i, v in enumerate(self.registry["id"])}
        try:
            self._edits: list[Edit] = _read_edits(self.path) if self.path.exists() else []
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise EditsError(f"无法读取修正文件 / cannot read edits file {self.path.name}: {exc}") from exc

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
        for e in reversed(self._edits):
            if e.project_id == str(project_id):
                return e.new_lon, e.new_lat
        return self.original_position(project_id)

    def undone_ids(self) -> set[int]:
        return {e.undoes for e in self._edits if e.action == "undo"}

    def can_undo(self, project_id: str | None = None) -> bool:
        return self._last_move(project_id) is not None

    def corrected(self) -> gpd.GeoDataFrame:
        """The registry with every correction applied."""
        gdf = self.registry.copy()
        orig_x = gdf.geometry.x.to_numpy()
        orig_y = gdf.geometry.y.to_numpy()
        gdf["corrected"] = 0
        gdf["corrected_by"] = ""
        gdf["corrected_at"] = ""
        gdf["correction_reason"] = ""
        gdf["original_lon"] = orig_x
        gdf["original_lat"] = orig_y
        geoms = list(gdf.geometry)
        last: dict[str, Edit] = {}
        for e in self._edits:
            last[e.project_id] = e
        for pid, e in last.items():
            i = self._index.get(pid)
            if i is None:
                continue  # the registry lost this project since the edit: the edits table still has it
            geoms[i] = Point(e.new_lon, e.new_lat)
            moved = not (math.isclose(e.new_lon, orig_x[i], abs_tol=1e-12) and math.isclose(e.new_lat, orig_y[i], abs_tol=1e-12))
            gdf.iloc[i, gdf.columns.get_loc("corrected")] = int(moved)
            if moved:
                if "geometry_quality" in gdf.columns:  # measured in the field now, no longer hand-placed
                    gdf.iloc[i, gdf.columns.get_loc("geometry_quality")] = "surveyed"
                gdf.iloc[i, gdf.columns.get_loc("corrected_by")] = e.who
                gdf.iloc[i, gdf.columns.get_loc("corrected_at")] = e.when
                gdf.iloc[i, gdf.columns.get_loc("correction_reason")] = e.reason
        return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs or "EPSG:4326"))

    # --- changing ------------------------------------------------------------------------------------
    def _row(self, project_id: str) -> int:
        try:
            return self._index[str(project_id)]
        except KeyError:
            raise EditsError(f"登记中没有项目 / no project {project_id!r} in the registry") from None

    def _last_move(self, project_id: str | None) -> Edit | None:
        undone = self.undone_ids()
        for e in reversed(self._edits):
            if e.action == "move" and e.edit_id not in undone and (project_id is None or e.project_id == str(project_id)):
                return e
        return None

    def _append(self, edit: Edit, save: bool) -> Edit:
        self._edits.append(edit)
        if save:
            try:
                self.save()
            except Exception:
                self._edits.pop()  # the file was not changed: neither is the store
                raise
        return edit

    def move(self, project_id: str, lon: float, lat: float, reason: str, who: str | None = None,
             when: datetime | None = None, save: bool = True) -> Edit:
        """Move a project to (lon, lat) WGS84, recording why; saved at once unless save=False."""
        self._row(project_id)
        if not reason or not reason.strip():
            raise EditsError("请说明修正原因 / give a reason for the correction")
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise EditsError(f"坐标超出范围 / position out of range: {lon}, {lat}")
        old_lon, old_lat = self.position(project_id)
        edit = Edit(self._next_id(), str(project_id), "move", old_lon, old_lat, float(lon), float(lat),
                    who or current_user(), _iso(when), reason.strip())
        return self._append(edit, save)

    def undo(self, project_id: str | None = None, who: str | None = None, when: datetime | None = None,
             save: bool = True) -> Edit:
        """Reverse the latest move not yet undone (of `project_id`, or of any project)."""
        target = self._last_move(project_id)
        if target is None:
            raise EditsError("没有可撤销的修正 / nothing to undo")
        now_lon, now_lat = self.position(target.project_id)
        edit = Edit(self._next_id(), target.project_id, "undo", now_lon, now_lat, target.old_lon, target.old_lat,
                    who or current_user(), _iso(when), f"撤销 / undo #{target.edit_id}", target.edit_id)
        return self._append(edit, save)

    def _next_id(self) -> int:
        return max((e.edit_id for e in self._edits), default=0) + 1

    def save(self) -> Path:
        """Write the edits table and the corrected layer; other layers of the file are kept."""
        import pyogrio

        with atomic_path(self.path) as tmp:
            if self.path.exists():
                shutil.copy2(self.path, tmp)
            pyogrio.write_dataframe(self.history(), tmp, layer=EDITS_TABLE, driver="GPKG")
            self.corrected().to_file(tmp, layer=CORRECTED_LAYER, driver="GPKG")
        return self.path


def _iso(when: datetime | None) -> str:
    when = when or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def corrected_registry(path: str | Path) -> gpd.GeoDataFrame:
    """The `projects_corrected` layer of a user's edits file (to check or draw against)."""
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise EditsError(f"文件不存在 / file not found: {path}")
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        raise EditsError(f"无法读取 / cannot read {path.name}: {exc}") from exc
    if CORRECTED_LAYER not in layers:
        raise EditsError(f"{path.name} 中没有 {CORRECTED_LAYER} 图层 / has no {CORRECTED_LAYER} layer")
    return gpd.read_file(path, layer=CORRECTED_LAYER)

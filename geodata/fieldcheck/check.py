"""Field check: compare observed positions (CSV or GPX) with the registry of projects.

The registry is the bundle's `projects` points and its `project_lines` (roads, pipelines,
canals): an observation of a line is measured to the nearest point of the line.

Each observation is converted to WGS84 from the datum the user names, then matched to
a registered project — by project id, else by name (exact, close, or contained; Chinese,
pinyin, pinyin initials or English), else the nearest project within a search radius — and
the geodesic distance between the two is measured.  When several registered names match
equally well the tie is written to `match_note` (and only the tied projects are then
considered, nearest first), never resolved silently.  Beyond the tolerance a match is
flagged; observations that match nothing are listed as unmatched.  Nothing here writes to the registry: corrections are `edits.py`.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geodata.coords import datums as coords
from geodata.core.atomic import atomic_write_text
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, MessageError, plain
from geodata.core.values import is_blank, raw_text
from geodata.fieldcheck.name_match import NameMatcher

GEOD = Geod(ellps="WGS84")
DEFAULT_TOLERANCE_M = 200.0
DEFAULT_RADIUS_M = 1000.0

# Accepted column names (lower-cased, spaces/underscores removed), Chinese or English.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "obs_id": ("obsid", "id", "编号", "序号", "点号", "观测编号", "no", "number", "fid"),
    "project_id": ("projectid", "项目编号", "项目id", "registryid", "ref"),
    "obs_name": ("obsname", "name", "名称", "项目名称", "点名", "地点", "title", "namezh"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "东经"),
    "lat": ("lat", "latitude", "y", "纬度", "北纬"),
}
CSV_FIELDS = ["obs_id", "obs_name", "obs_lon", "obs_lat", "raw_x", "raw_y", "datum", "project_id",
              "project_name_zh", "match_method", "match_score", "reg_lon", "reg_lat", "reg_geometry_quality",
              "distance_m", "status", "match_note"]


class ObservationError(MessageError, ValueError):
    """An observation file that cannot be read; the `Message` says what and where."""


@dataclass
class CheckResult:
    """All rows (matched and unmatched), the discrepancy lines, and the settings used."""

    rows: pd.DataFrame
    lines: gpd.GeoDataFrame  # LineString observed -> registered, one per matched observation
    tolerance_m: float
    datum: str
    source: str = ""

    @property
    def flagged(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] == "flagged"]

    def counts(self) -> dict[str, int]:
        return {s: int((self.rows["status"] == s).sum()) for s in ("ok", "flagged", "unmatched")}

    def summary(self, lang: str = "zh") -> str:
        c, n, tol = self.counts(), len(self.rows), f"{self.tolerance_m:g}"
        return Message(f"共 {n} 个观测点：符合 {c['ok']}，超差 {c['flagged']}（>{tol} m），未匹配 {c['unmatched']}",
                       f"{n} observations: {c['ok']} ok, {c['flagged']} flagged (>{tol} m), {c['unmatched']} unmatched"
                       ).text(lang)


# --- reading observations --------------------------------------------------------------------------

def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower().lstrip("\ufeff")


def _pick_columns(header: list[str]) -> dict[str, str]:
    keys = {_key(h): h for h in header}
    found: dict[str, str] = {}
    for role, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in keys and keys[alias] not in found.values():
                found[role] = keys[alias]
                break
    return found


MAX_OBSERVATION_BYTES = 256 * 1024 * 1024  # ~4 million observations; a file is read whole
MAX_COLUMNS = 16_384  # Excel's limit, as for imported tables


def _decode(raw: bytes, name: str) -> str:
    """Text of an observation file: BOM (UTF-8, UTF-16), UTF-8, else the detected Chinese encoding."""
    from geodata.io.encoding_detect import guess_bytes_encoding, text_encoding

    codec, _ = text_encoding(raw[: 256 * 1024])
    if b"\0" in raw and not codec.startswith("utf-16"):
        raise ObservationError(Message(f"{name} 不是文本文件（含 NUL 字节）", f"{name} is not a text (CSV) file: it holds NUL bytes"))
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        codec, _ = guess_bytes_encoding(raw)  # the start fitted, the rest does not: judge the whole
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise ObservationError(Message(f"{name}：文本编码无法识别（{exc.reason}）",
                                               f"{name}: cannot tell the text encoding ({exc.reason})")) from exc


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_OBSERVATION_BYTES:
            raise ObservationError(Message(f"{path.name} 超过观测文件上限 {MAX_OBSERVATION_BYTES // 2**20} MB",
                                           f"{path.name} is larger than the limit of {MAX_OBSERVATION_BYTES // 2**20} MB "
                                           "for observation files"))
        return path.read_bytes()
    except OSError as exc:
        raise ObservationError(Message(f"无法读取 {path.name}：{exc.strerror or exc}",
                                       f"cannot read {path.name}: {exc.strerror or exc}")) from exc


def _degrees(text: str, axis: str) -> float:
    """A cell of the lon or lat column: a finite decimal or DMS (106°43'30"E, 北纬29°41′)."""
    from geodata.coords.parse import parse_degrees

    try:
        value = float(text)
    except ValueError:
        return parse_degrees(text, axis)
    if not math.isfinite(value):
        raise ObservationError(Message(f"不是有限数：{text!r}", f"not a finite number: {text!r}"))
    return value


def read_csv_observations(path: str | Path) -> pd.DataFrame:
    """obs_id, obs_name, project_id, raw_x, raw_y from a CSV (any Chinese encoding, UTF-16 too).
    A row whose coordinates cannot be read refuses the file, naming its line: an observation is
    never dropped quietly."""
    path = Path(path)
    text = _decode(_read_bytes(path), path.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = next(reader, [])
        if len(header) > MAX_COLUMNS:
            raise ObservationError(Message(f"{path.name}：表头有 {len(header):,} 列，超过上限 {MAX_COLUMNS:,}",
                                           f"{path.name}: the header has {len(header):,} columns, "
                                           f"more than the limit of {MAX_COLUMNS:,}"))
        cols = {role: header.index(name) for role, name in _pick_columns(header).items()}
        missing = [r for r in ("lon", "lat") if r not in cols]
        if missing:
            shown = [h[:40] for h in header[:12]]
            raise ObservationError(Message(
                f"{path.name}：缺少经纬度列（现有 {shown}）。请用 经度/纬度（lon/lat），并可有 编号、名称",
                f"{path.name}: no {' and '.join(missing)} column; found {shown}. "
                "Use lon/lat (经度/纬度), with id (编号) and name (名称)."))
        rows = [_observation(path.name, reader.line_num, rec, cols, n_rows) for n_rows, rec in
                enumerate(r for r in reader if any(v.strip() for v in r))]
    except csv.Error as exc:  # a cell beyond csv's 128 KB field limit, a broken quote …
        why = (Message("某格超过 128 KB", "a cell is longer than 128 KB") if "field limit" in str(exc)
               else plain(str(exc)))
        raise ObservationError(Message("{name} 第 {line} 行无法读取（{why}）", "{name} line {line}: cannot read ({why})")
                               .format(name=path.name, line=reader.line_num, why=why)) from exc
    if not rows:
        raise ObservationError(Message(f"{path.name}：没有观测点", f"{path.name}: no observations"))
    return pd.DataFrame(rows)


def _observation(name: str, line: int, rec: list[str], cols: dict[str, int], n_rows: int) -> dict:
    def get(role: str) -> str:
        i = cols.get(role)
        return rec[i].strip() if i is not None and i < len(rec) else ""

    x_text, y_text = get("lon"), get("lat")
    try:
        x, y = _degrees(x_text, "lon"), _degrees(y_text, "lat")
    except ValueError as exc:
        why = exc.message if isinstance(exc, MessageError) else plain(str(exc)[:120])
        raise ObservationError(Message("{name} 第 {line} 行：坐标无法识别 {x!r}, {y!r}（{why}）",
                                       "{name} line {line}: cannot read coordinate {x!r}, {y!r} ({why})")
                               .format(name=name, line=line, x=x_text[:40], y=y_text[:40], why=why)) from None
    return {"obs_id": get("obs_id") or str(n_rows + 1), "obs_name": get("obs_name"), "project_id": get("project_id"),
            "raw_x": x, "raw_y": y, "line": line}


def read_gpx_observations(path: str | Path) -> pd.DataFrame:
    """Waypoints of a GPX file: name -> obs_name (and id when it is a project id), cmt -> project_id."""
    import gpxpy
    import gpxpy.gpx

    from geodata.io.encoding_detect import decode_xml
    from geodata.io.errors import DataImportError
    from geodata.io.xml_guard import guard_gpx

    path = Path(path)
    try:
        text = guard_gpx(decode_xml(_read_bytes(path))[0], path.name, refuse=True)  # no entities, no bad points
        gpx = gpxpy.parse(text)  # GBK from Chinese units and apps, too
    except DataImportError as exc:
        raise ObservationError(exc.message) from exc
    except (UnicodeDecodeError, gpxpy.gpx.GPXException) as exc:
        raise ObservationError(Message(f"无法读取 GPX {path.name}：{str(exc)[:200]}",
                                       f"cannot read GPX {path.name}: {str(exc)[:200]}")) from exc
    rows = []
    for i, wpt in enumerate(gpx.waypoints, start=1):
        rows.append({"obs_id": str(i), "obs_name": (wpt.name or "").strip(),
                     "project_id": (wpt.comment or "").strip(),
                     "raw_x": float(wpt.longitude), "raw_y": float(wpt.latitude), "line": i})
    if not rows:
        raise ObservationError(Message(f"{path.name}：GPX 中没有航点", f"{path.name}: the GPX file has no waypoints"))
    return pd.DataFrame(rows)


def read_observations(path: str | Path, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """Observations in WGS84 (geometry, lon, lat) with the raw values and datum kept."""
    path = Path(path)
    if not path.exists():
        raise ObservationError(Message(f"文件不存在：{path}", f"file not found: {path}"))
    if path.is_dir():
        raise ObservationError(Message(f"{path.name} 是文件夹，不是观测文件", f"{path.name} is a folder, not an observation file"))
    datum = coords.datum_key(datum)
    if datum not in coords.GEOGRAPHIC_DATUMS:
        raise ObservationError(Message("观测文件须为经纬度：请用 wgs84、gcj02、bd09 或 cgcs2000",
                                       "observation files hold lon/lat: use wgs84, gcj02, bd09 or cgcs2000"))
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        df = read_gpx_observations(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        df = read_csv_observations(path)
    else:
        raise ObservationError(Message(f"不支持的格式 {suffix!r}：请用 .csv 或 .gpx",
                                       f"unsupported file type {suffix!r}: use .csv or .gpx"))
    bad = df[~(df["raw_x"].between(-180, 180) & df["raw_y"].between(-90, 90))]
    if len(bad):
        first = bad.iloc[0]
        where = f"({first['raw_x']}, {first['raw_y']})"
        raise ObservationError(Message(f"{path.name} 第 {first['line']} 行：坐标超出范围 {where}，经纬度是否颠倒？",
                                       f"{path.name} line {first['line']}: coordinate out of range {where} "
                                       "— lon/lat swapped?"))
    lon, lat = _to_wgs84(df["raw_x"].to_numpy(dtype=float), df["raw_y"].to_numpy(dtype=float), datum)
    df["lon"], df["lat"] = lon, lat
    df["datum"] = datum
    return gpd.GeoDataFrame(df, geometry=shapely.points(lon, lat), crs="EPSG:4326")


def _to_wgs84(xs: np.ndarray, ys: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    if datum in ("wgs84", "cgcs2000"):  # CGCS2000 is WGS84 at this accuracy (datums.py)
        return xs.copy(), ys.copy()
    pairs = [coords.to_wgs84(float(x), float(y), datum) for x, y in zip(xs, ys)]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)


# --- matching ---------------------------------------------------------------------------------------

def _tie_note(zh: str, en: str, tied: str) -> str:
    """'中文 / English: the tied projects' — one cell in the CSV; `note_text` picks one language."""
    return f"{zh} / {en}: {tied}"


def note_text(note: str, language: str = "zh") -> str:
    """One language of a `match_note` (for tables that show the UI language)."""
    head, sep, rest = str(note).partition(": ")
    zh, slash, en = head.partition(" / ")
    if not slash:
        return str(note)
    return f"{zh if language == 'zh' else en}{'：' if language == 'zh' else ': '}{rest}" if sep else (
        zh if language == "zh" else en)


ROW_BLOCK = 5000  # progress and cancel between blocks of observations


def with_project_lines(projects: gpd.GeoDataFrame, lines: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """`projects` plus the project lines (default: the bundle's) whose ids it does not already hold."""
    if lines is None:
        from geodata.bundle import loader

        if "project_lines" not in loader.layer_names():
            return projects
        lines = loader.load_layer("project_lines")
    known = set(projects["id"].astype(str)) if "id" in projects else set()
    extra = lines[~lines["id"].astype(str).isin(known)] if "id" in lines else lines
    if not len(extra):
        return projects
    extra = extra.to_crs(projects.crs) if projects.crs is not None else extra
    extra = extra.rename_geometry(projects.geometry.name) if extra.geometry.name != projects.geometry.name else extra
    return gpd.GeoDataFrame(pd.concat([projects, extra], ignore_index=True), geometry=projects.geometry.name,
                            crs=projects.crs)


def bundle_registry() -> gpd.GeoDataFrame:
    """What a field check compares with by default: the bundle's projects and project lines."""
    from geodata.bundle import loader

    return with_project_lines(loader.load_layer("projects"))


class _Positions:
    """Where an observation meets each registered feature: a point itself, a line its nearest point
    (found in the metric display projection after densifying, measured geodesically by the caller)."""

    def __init__(self, geoms) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        self.is_point = shapely.get_type_id(self.geoms) == 0
        xs = np.full(len(self.geoms), np.nan)
        ys = np.full(len(self.geoms), np.nan)
        if self.is_point.any():
            xs[self.is_point] = shapely.get_x(self.geoms[self.is_point])
            ys[self.is_point] = shapely.get_y(self.geoms[self.is_point])
        self.px, self.py = xs, ys
        self._projected = None

    def nearest(self, reg: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) on registered feature reg[k] nearest to observation (lon[k], lat[k])."""
        from geodata.coords.projection import project_geometries, to_display_transformer, to_wgs84_transformer

        reg = np.asarray(reg, dtype=np.int64)
        rlon, rlat = self.px[reg].copy(), self.py[reg].copy()
        other = ~self.is_point[reg]
        if not other.any():
            return rlon, rlat
        if self._projected is None:
            self._projected = project_geometries(shapely.segmentize(self.geoms, 0.005))
        x, y = to_display_transformer().transform(lon[other], lat[other])
        start = shapely.get_point(shapely.shortest_line(self._projected[reg[other]], shapely.points(x, y)), 0)
        blon, blat = to_wgs84_transformer().transform(shapely.get_x(start), shapely.get_y(start))
        blon, blat = np.asarray(blon, dtype=float), np.asarray(blat, dtype=float)
        lost = ~(np.isfinite(blon) & np.isfinite(blat))  # far outside the projection's region: degrees will do
        if lost.any():
            start = shapely.get_point(shapely.shortest_line(self.geoms[reg[other][lost]],
                                                            shapely.points(lon[other][lost], lat[other][lost])), 0)
            blon[lost], blat[lost] = shapely.get_x(start), shapely.get_y(start)
        rlon[other], rlat[other] = blon, blat
        return rlon, rlat

    def distance(self, reg: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        rlon, rlat = self.nearest(reg, lon, lat)
        return np.asarray(GEOD.inv(lon, lat, rlon, rlat)[2], dtype=float)


def check_observations(observations: gpd.GeoDataFrame, projects: gpd.GeoDataFrame, *,
                       tolerance_m: float = DEFAULT_TOLERANCE_M, radius_m: float = DEFAULT_RADIUS_M,
                       feedback: Feedback | None = None) -> CheckResult:
    """Match each observation (WGS84) to a project and measure the geodesic discrepancy.

    Vectorised: names are scored once per distinct name (`name_match.py`), the nearest project
    comes from an STRtree query with an exact geodesic check, distances are one pyproj call.
    Progress goes to `feedback` between blocks of observations; cancelling it stops the check (`Cancelled`).
    """
    feedback = feedback_or_new(feedback)
    if not (math.isfinite(tolerance_m) and math.isfinite(radius_m)) or tolerance_m <= 0 or radius_m < 0:
        raise ObservationError(Message("容差须为正数，搜索半径不能为负",
                                       "tolerance must be a positive number and radius not negative"))
    total = len(observations)
    ids = {str(v): i for i, v in enumerate(projects["id"])} if "id" in projects else {}
    names = NameMatcher(projects)
    where = _Positions(projects.geometry.values)
    quality = [str(v) for v in projects["geometry_quality"]] if "geometry_quality" in projects else [""] * len(projects)
    lon = observations["lon"].to_numpy(dtype=float)
    lat = observations["lat"].to_numpy(dtype=float)
    obs_ids = [str(v) for v in observations["obs_id"]]
    obs_names = [str(v) for v in observations["obs_name"]]
    project_ids = [str(v) for v in observations["project_id"]] if "project_id" in observations else [""] * total
    step = Message("正在匹配名称", "matching names")

    index = np.full(total, -1, dtype=np.int64)
    method = np.full(total, "", dtype=object)
    score = np.full(total, np.nan)
    note = np.full(total, "", dtype=object)
    for n in range(total):  # by id: project_id, else the observation's id or name
        for candidate in (project_ids[n], obs_ids[n], obs_names[n]):
            if candidate and candidate in ids:
                index[n], method[n], score[n] = ids[candidate], "id", 100.0
                break
    feedback.check()
    feedback.set_progress(0.05, step)
    pending = np.flatnonzero(index < 0)
    hits = names.match_many([obs_names[n] for n in pending])
    feedback.check()
    feedback.set_progress(0.5, step)
    for n in pending:
        hit = hits.get(obs_names[n])
        if hit is None:
            continue
        if hit.index is not None:
            index[n], score[n], method[n] = hit.index, hit.score, "name"
            continue
        # equal best scores: say so, and let position decide among the tied only
        tied = ", ".join(f"{names.ids[i]} {names.zh[i]}" for i in hit.tied)
        dist = where.distance(np.asarray(hit.tied), np.full(len(hit.tied), lon[n]), np.full(len(hit.tied), lat[n]))
        k = int(np.argmin(dist))
        if dist[k] <= radius_m:
            index[n], score[n], method[n] = hit.tied[k], hit.score, "name"
            # Registered at the same place (e.g. a station and its forecourt): the distance and
            # status are the same whichever is taken, but the note must not pretend one was nearer.
            same = int((dist <= dist[k] + 1.0).sum()) > 1
            how_zh, how_en = ("位置相同，取第一项", "same position, first taken") if same else ("取最近", "nearest taken")
            note[n] = _tie_note(f"名称并列 {len(hit.tied)} 项，{how_zh}", f"name tie among {len(hit.tied)}, {how_en}", tied)
        else:
            note[n] = _tie_note(f"名称并列 {len(hit.tied)} 项，均不在 {radius_m:g} m 内",
                                f"name tie among {len(hit.tied)}, none within {radius_m:g} m", tied)
    feedback.check()
    unnamed = np.flatnonzero((index < 0) & (note == ""))
    if len(unnamed) and len(projects):
        nearest, _ = _nearest_within(lon[unnamed], lat[unnamed], where, radius_m)
        found = nearest >= 0
        index[unnamed[found]] = nearest[found]
        method[unnamed[found]] = "nearest"
    feedback.set_progress(0.7, Message("正在测量距离", "measuring distances"))

    matched = index >= 0
    reg_lon = np.full(total, np.nan)
    reg_lat = np.full(total, np.nan)
    distance = np.full(total, np.nan)
    if matched.any():
        reg_lon[matched], reg_lat[matched] = where.nearest(index[matched], lon[matched], lat[matched])
        distance[matched] = GEOD.inv(lon[matched], lat[matched], reg_lon[matched], reg_lat[matched])[2]
    status = np.where(~matched, "unmatched", np.where(distance <= tolerance_m, "ok", "flagged")).astype(object)
    table = pd.DataFrame({
        "obs_id": obs_ids, "obs_name": obs_names, "obs_lon": lon, "obs_lat": lat,
        "raw_x": observations["raw_x"].to_numpy(dtype=float), "raw_y": observations["raw_y"].to_numpy(dtype=float),
        "datum": observations["datum"].astype(str).to_numpy() if "datum" in observations else [""] * total,
        "project_id": [names.ids[i] if i >= 0 else "" for i in index],
        "project_name_zh": [names.zh[i] if i >= 0 else "" for i in index],
        "match_method": method, "match_score": score, "reg_lon": reg_lon, "reg_lat": reg_lat,
        "reg_geometry_quality": [quality[i] if i >= 0 else "" for i in index],
        "distance_m": distance, "status": status, "match_note": note,
    }, columns=CSV_FIELDS)
    for start in range(0, total, ROW_BLOCK):  # cancel and progress between blocks
        feedback.check()
        done = min(total, start + ROW_BLOCK)
        feedback.set_progress(0.7 + 0.3 * done / total, Message(f"已核查 {done}/{total} 个观测点", f"checked {done} of {total} observations"))
    rows = np.flatnonzero(matched)
    lines = gpd.GeoDataFrame(
        table.loc[rows, ["obs_id", "obs_name", "project_id", "project_name_zh", "match_method", "distance_m", "status"]]
        .reset_index(drop=True),
        geometry=shapely.linestrings(np.stack([np.stack([lon[rows], reg_lon[rows]], axis=1),
                                               np.stack([lat[rows], reg_lat[rows]], axis=1)], axis=2)) if len(rows) else [],
        crs="EPSG:4326")
    datum = str(observations["datum"].iloc[0]) if "datum" in observations and total else "wgs84"
    return CheckResult(table, lines, float(tolerance_m), datum)


def _nearest_within(lon: np.ndarray, lat: np.ndarray, where: _Positions,
                    radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest project within `radius_m` or -1, its geodesic distance) per observation.
    An STRtree of the projects (points and lines) answers boxes that surely hold every project within the
    radius (degrees of latitude are ≥ 110.5 km, of longitude ≥ 111.2 km·cos φ); the geodesic distance then
    decides among those, lowest project index first on equal distances, as argmin would."""
    tree = shapely.STRtree(where.geoms)
    dlat = radius_m / 110_500.0 + 1e-6
    far = np.minimum(np.abs(lat) + dlat, 90.0)
    with np.errstate(divide="ignore"):
        dlon = np.where(far >= 89.9, 360.0, radius_m / (111_200.0 * np.cos(np.radians(far))) + 1e-6)
    boxes = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    obs_i, proj_i = tree.query(boxes, predicate="intersects")
    best = np.full(len(lon), -1, dtype=np.int64)
    best_d = np.full(len(lon), np.inf)
    if len(obs_i):
        dist = where.distance(proj_i, lon[obs_i], lat[obs_i])
        keep = dist <= radius_m
        obs_i, proj_i, dist = obs_i[keep], proj_i[keep], dist[keep]
        order = np.lexsort((proj_i, dist, obs_i))
        obs_i, proj_i, dist = obs_i[order], proj_i[order], dist[order]
        first = np.concatenate([[True], obs_i[1:] != obs_i[:-1]]) if len(obs_i) else np.array([], dtype=bool)
        best[obs_i[first]], best_d[obs_i[first]] = proj_i[first], dist[first]
    return best, best_d


def check_file(path: str | Path, projects: gpd.GeoDataFrame | None = None, *, datum: str = "wgs84",
               tolerance_m: float = DEFAULT_TOLERANCE_M, radius_m: float = DEFAULT_RADIUS_M,
               feedback: Feedback | None = None) -> CheckResult:
    """Read an observation file and check it against `projects` (default: the bundle's projects and lines)."""
    if projects is None:
        projects = bundle_registry()
    result = check_observations(read_observations(path, datum), projects, tolerance_m=tolerance_m,
                                radius_m=radius_m, feedback=feedback)
    result.source = str(path)
    return result


# The CSV is a file format: measured columns keep fixed decimals (decimetres, ~1 cm in degrees).
_CSV_DECIMALS = {"distance_m": 1, "obs_lon": 7, "obs_lat": 7, "reg_lon": 7, "reg_lat": 7, "match_score": 0}


def _csv_cell(name: str, value) -> str:
    if is_blank(value):
        return ""
    if not isinstance(value, float):
        return raw_text(value)
    if name in _CSV_DECIMALS:
        return f"{value:.{_CSV_DECIMALS[name]}f}"
    # raw_x/raw_y as typed: no trailing zeros beyond the 7th decimal
    return f"{value:.2f}" if abs(value) > 1000 or value == round(value, 2) else f"{value:.7f}".rstrip("0")


def write_csv(result: CheckResult, out_path: str | Path) -> Path:
    """The result table as UTF-8 CSV with BOM (Excel opens Chinese correctly), written atomically."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    writer.writerows(zip(*(_csv_column(name, result.rows[name]) for name in CSV_FIELDS)))
    return atomic_write_text(out_path, "\ufeff" + buf.getvalue())


def _csv_column(name: str, column: pd.Series) -> list[str]:
    """`_csv_cell` for a whole column, with the common cases (text, numbers) taken without a call each."""
    values = column.tolist()
    if pd.api.types.is_float_dtype(column):
        return ["" if v != v else _csv_cell(name, v) for v in values]
    return [(v if v.strip() else "") if type(v) is str else _csv_cell(name, v) for v in values]

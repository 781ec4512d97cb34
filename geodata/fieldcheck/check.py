"""Field check: compare observed positions (CSV or GPX) with the `projects` registry.

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
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point

from geodata.coords import datums as coords
from geodata.coords.parse import parse_lonlat
from geodata.core.atomic import atomic_write_text
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message
from geodata.core.values import is_blank, raw_text

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


class ObservationError(ValueError):
    """An observation file that cannot be read; the message says what and where."""


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


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig")
    from geodata.io.encoding_detect import guess_bytes_encoding

    codec, _ = guess_bytes_encoding(raw)
    return raw.decode(codec, errors="strict")


def read_csv_observations(path: str | Path) -> pd.DataFrame:
    """obs_id, obs_name, project_id, raw_x, raw_y from a CSV (any Chinese encoding)."""
    path = Path(path)
    try:
        text = _decode(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise ObservationError(f"无法读取 / cannot read {path.name}: {exc}") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = reader.fieldnames or []
    cols = _pick_columns(header)
    missing = [r for r in ("lon", "lat") if r not in cols]
    if missing:
        raise ObservationError(
            f"{path.name}: 缺少经纬度列 / no {' and '.join(missing)} column; found {header}. "
            "Use lon/lat (经度/纬度), with id (编号) and name (名称).")
    rows = []
    for n, rec in enumerate(reader, start=2):  # line 1 is the header
        x_text, y_text = (rec.get(cols["lon"]) or "").strip(), (rec.get(cols["lat"]) or "").strip()
        if not x_text and not y_text and not any((v or "").strip() for v in rec.values() if isinstance(v, str)):
            continue  # blank line
        try:
            x, y = float(x_text), float(y_text)
        except ValueError:
            try:  # DMS in either cell: parse the pair as one coordinate
                x, y = parse_lonlat(f"E{x_text} N{y_text}")
            except ValueError:
                raise ObservationError(f"{path.name} 第 {n} 行 / line {n}: 坐标无法识别 / cannot read "
                                       f"coordinate {x_text!r}, {y_text!r}") from None
        rows.append({
            "obs_id": (rec.get(cols.get("obs_id", ""), "") or "").strip() or str(len(rows) + 1),
            "obs_name": (rec.get(cols.get("obs_name", ""), "") or "").strip(),
            "project_id": (rec.get(cols.get("project_id", ""), "") or "").strip(),
            "raw_x": x, "raw_y": y, "line": n,
        })
    if not rows:
        raise ObservationError(f"{path.name}: 没有观测点 / no observations")
    return pd.DataFrame(rows)


def read_gpx_observations(path: str | Path) -> pd.DataFrame:
    """Waypoints of a GPX file: name -> obs_name (and id when it is a project id), cmt -> project_id."""
    import gpxpy
    import gpxpy.gpx

    from geodata.io.encoding_detect import decode_xml

    path = Path(path)
    try:
        gpx = gpxpy.parse(decode_xml(path.read_bytes())[0])  # GBK from Chinese units and apps, too
    except (OSError, UnicodeDecodeError, gpxpy.gpx.GPXException) as exc:
        raise ObservationError(f"无法读取 GPX / cannot read GPX {path.name}: {exc}") from exc
    rows = []
    for i, wpt in enumerate(gpx.waypoints, start=1):
        rows.append({"obs_id": str(i), "obs_name": (wpt.name or "").strip(),
                     "project_id": (wpt.comment or "").strip(),
                     "raw_x": float(wpt.longitude), "raw_y": float(wpt.latitude), "line": i})
    if not rows:
        raise ObservationError(f"{path.name}: GPX 中没有航点 / the GPX file has no waypoints")
    return pd.DataFrame(rows)


def read_observations(path: str | Path, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """Observations in WGS84 (geometry, lon, lat) with the raw values and datum kept."""
    path = Path(path)
    if not path.exists():
        raise ObservationError(f"文件不存在 / file not found: {path}")
    datum = coords.datum_key(datum)
    if datum not in coords.GEOGRAPHIC_DATUMS:
        raise ObservationError("观测文件须为经纬度 / observation files hold lon/lat: use wgs84, gcj02, bd09 or cgcs2000")
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        df = read_gpx_observations(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        df = read_csv_observations(path)
    else:
        raise ObservationError(f"不支持的格式 / unsupported file type {suffix!r}: use .csv or .gpx")
    bad = df[~(df["raw_x"].between(-180, 180) & df["raw_y"].between(-90, 90))]
    if len(bad):
        first = bad.iloc[0]
        raise ObservationError(f"{path.name} 第 {first['line']} 行 / line {first['line']}: 坐标超出范围 / "
                               f"coordinate out of range ({first['raw_x']}, {first['raw_y']}) — lon/lat swapped?")
    lonlat = [coords.to_wgs84(x, y, datum) for x, y in zip(df["raw_x"], df["raw_y"])]
    df["lon"] = [p[0] for p in lonlat]
    df["lat"] = [p[1] for p in lonlat]
    df["datum"] = datum
    return gpd.GeoDataFrame(df, geometry=[Point(p) for p in lonlat], crs="EPSG:4326")


# --- matching ---------------------------------------------------------------------------------------

# Whole-name similarity (rapidfuzz ratio) that counts as the same name with a typo or two.
NAME_SCORE_CUTOFF = 85.0
# Containment: the shorter name found inside the longer (partial_ratio) or the same words in any order
# (token_set_ratio); 90 keeps "大足石刻站" (100 in 大足石刻文化城（大足石刻站站城一体）) apart from
# "大足石刻研究院" (89: only 大足石刻 shared).
PARTIAL_SCORE_CUTOFF = 90.0
# Containment needs enough text to mean something: 3 Chinese characters, 5 Latin letters (pinyin),
# 4 initials ("dzsk").
MIN_PARTIAL_CJK, MIN_PARTIAL_LATIN, MIN_PARTIAL_INITIALS = 3, 5, 4
# Match tiers, best first; within a tier the higher score wins and equal scores are a tie.
TIER_EXACT, TIER_FUZZY, TIER_PARTIAL = 3, 2, 1
_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return _latin("".join(lazy_pinyin(text)))


def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return _latin("".join(lazy_pinyin(text, style=Style.FIRST_LETTER)))


def _latin(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _plain(text: str) -> str:
    """Chinese name without spaces and punctuation (“”·—（） etc.), for exact comparison."""
    return re.sub(r"[\W_]", "", text).lower()


def _name_forms(name_zh: str) -> list[str]:
    """The whole name, the part before a bracket and each bracketed part: 大足高新区（川渝…园区） is
    written in the field as 大足高新区, and sometimes by its bracketed alias."""
    forms = [name_zh, _BRACKETS.sub("", name_zh), *_BRACKETS.findall(name_zh)]
    return [f for f in dict.fromkeys(_plain(f) for f in forms) if f]


@dataclass
class NameMatch:
    """The chosen project index (None when the best candidates tie), its score and the tied indices."""

    index: int | None
    score: float
    tier: int
    tied: list[int] = field(default_factory=list)


class NameMatcher:
    """Name lookup over the registry the way field staff write names: exact first, then a close
    whole-name match, then containment / same words — on Chinese, full pinyin, pinyin initials and
    the English name.  Equal best scores are reported as a tie, never silently resolved."""

    def __init__(self, projects: gpd.GeoDataFrame):
        n = len(projects)
        self.ids = [str(v) for v in projects.get("id", pd.Series(range(n)))]
        self.zh = [str(v or "") for v in projects.get("name_zh", pd.Series([""] * n))]
        en = [str(v or "") for v in projects.get("name_en", pd.Series([""] * n))]
        # One flat list of (project index, text) per script, so one rapidfuzz call scores them all.
        self.zh_forms = [(i, f) for i, z in enumerate(self.zh) for f in _name_forms(z)]
        self.pinyin_forms = [(i, p) for i, f in self.zh_forms if (p := _pinyin(f))]
        self.initial_forms = [(i, p) for i, f in self.zh_forms if _CJK.search(f) and (p := _initials(f))]
        self.en_forms = [(i, e) for i, e in enumerate(_latin(x) for x in en) if e]
        self.en_words = [(i, " ".join(re.findall(r"[0-9a-z]+", x.lower()))) for i, x in enumerate(en) if x]

    @staticmethod
    def _score(query: str, forms: list[tuple[int, str]], best: dict[int, tuple[int, float]],
               min_partial: int, scorers=("exact", "ratio", "partial")) -> None:
        from rapidfuzz import fuzz, process

        if not query or not forms:
            return
        texts = [t for _, t in forms]

        def offer(i: int, tier: int, score: float) -> None:
            if (tier, score) > best.get(i, (0, 0.0)):
                best[i] = (tier, score)

        if "exact" in scorers:
            for i, t in forms:
                if t == query:
                    offer(i, TIER_EXACT, 100.0)
        if "ratio" in scorers:
            for _, score, k in process.extract(query, texts, scorer=fuzz.ratio, score_cutoff=NAME_SCORE_CUTOFF,
                                               limit=None):
                offer(forms[k][0], TIER_FUZZY, float(score))
        if "partial" in scorers and len(query) >= min_partial:
            for _, score, k in process.extract(query, texts, scorer=fuzz.partial_ratio,
                                               score_cutoff=PARTIAL_SCORE_CUTOFF, limit=None):
                if len(texts[k]) >= min_partial:
                    offer(forms[k][0], TIER_PARTIAL, float(score))
        if "token_set" in scorers:
            for _, score, k in process.extract(query, texts, scorer=fuzz.token_set_ratio,
                                               score_cutoff=PARTIAL_SCORE_CUTOFF, limit=None):
                offer(forms[k][0], TIER_PARTIAL, float(score))

    def match(self, name: str) -> NameMatch | None:
        name = (name or "").strip()
        if not name:
            return None
        best: dict[int, tuple[int, float]] = {}
        if _CJK.search(name):
            self._score(_plain(name), self.zh_forms, best, MIN_PARTIAL_CJK)
            # A mis-typed character that sounds alike (石克 for 石刻) still matches by pinyin.
            self._score(_pinyin(name), self.pinyin_forms, best, 2 * MIN_PARTIAL_LATIN)
        else:
            latin = _latin(name)
            self._score(latin, self.pinyin_forms, best, MIN_PARTIAL_LATIN)
            self._score(latin, self.en_forms, best, MIN_PARTIAL_LATIN, scorers=("exact", "ratio"))
            words = re.findall(r"[0-9a-z]+", name.lower())
            if len(words) >= 2:  # one shared word ("park") is not a name match
                self._score(" ".join(words), self.en_words, best, MIN_PARTIAL_LATIN, scorers=("token_set",))
            # Initials ("dzskz"): exact, or contained when long enough; never a fuzzy ratio (too noisy).
            self._score(latin, self.initial_forms, best, MIN_PARTIAL_INITIALS, scorers=("exact", "partial"))
        if not best:
            return None
        top = max(best.values())
        winners = sorted(i for i, v in best.items() if v == top)
        if len(winners) == 1:
            return NameMatch(winners[0], top[1], top[0])
        return NameMatch(None, top[1], top[0], winners)


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


def check_observations(observations: gpd.GeoDataFrame, projects: gpd.GeoDataFrame, *,
                       tolerance_m: float = DEFAULT_TOLERANCE_M, radius_m: float = DEFAULT_RADIUS_M,
                       feedback: Feedback | None = None) -> CheckResult:
    """Match each observation (WGS84) to a project and measure the geodesic discrepancy.

    Progress is reported to `feedback` as rows finish; cancelling it stops the check (`Cancelled`).
    """
    feedback = feedback_or_new(feedback)
    if tolerance_m <= 0 or radius_m < 0:
        raise ValueError("容差须为正数 / tolerance must be positive and radius not negative")
    ids = {str(v): i for i, v in enumerate(projects["id"])} if "id" in projects else {}
    names = NameMatcher(projects)
    px = np.asarray(shapely.get_x(projects.geometry.values), dtype=float)
    py = np.asarray(shapely.get_y(projects.geometry.values), dtype=float)
    quality = [str(v) for v in projects["geometry_quality"]] if "geometry_quality" in projects else [""] * len(px)
    rows, lines = [], []
    total = len(observations)
    for n, obs in enumerate(observations.itertuples(index=False), start=1):
        feedback.check()
        lon, lat = float(obs.lon), float(obs.lat)
        idx, method, score = None, "", float("nan")
        for candidate in (getattr(obs, "project_id", ""), obs.obs_id, obs.obs_name):
            if candidate and str(candidate) in ids:
                idx, method, score = ids[str(candidate)], "id", 100.0
                break
        note = ""
        if idx is None:
            hit = names.match(obs.obs_name)
            if hit is not None and hit.index is not None:
                idx, score, method = hit.index, hit.score, "name"
            elif hit is not None:  # equal best scores: say so, and let position decide among them only
                tied = ", ".join(f"{names.ids[i]} {names.zh[i]}" for i in hit.tied)
                _, _, dist = GEOD.inv(np.full(len(hit.tied), lon), np.full(len(hit.tied), lat),
                                      px[hit.tied], py[hit.tied])
                k = int(np.argmin(dist))
                if dist[k] <= radius_m:
                    idx, score, method = hit.tied[k], hit.score, "name"
                    # Registered at the same place (e.g. a station and its forecourt): the distance and
                    # status are the same whichever is taken, but the note must not pretend one was nearer.
                    same = int((dist <= dist[k] + 1.0).sum()) > 1
                    how_zh, how_en = (("位置相同，取第一项", "same position, first taken") if same
                                      else ("取最近", "nearest taken"))
                    note = _tie_note(f"名称并列 {len(hit.tied)} 项，{how_zh}",
                                     f"name tie among {len(hit.tied)}, {how_en}", tied)
                else:
                    note = _tie_note(f"名称并列 {len(hit.tied)} 项，均不在 {radius_m:g} m 内",
                                     f"name tie among {len(hit.tied)}, none within {radius_m:g} m", tied)
        if idx is None and len(px) and not note:
            _, _, dist = GEOD.inv(np.full(len(px), lon), np.full(len(py), lat), px, py)
            nearest = int(np.argmin(dist))
            if dist[nearest] <= radius_m:
                idx, method, score = nearest, "nearest", float("nan")
        row = {"obs_id": str(obs.obs_id), "obs_name": str(obs.obs_name), "obs_lon": lon, "obs_lat": lat,
               "raw_x": float(obs.raw_x), "raw_y": float(obs.raw_y), "datum": getattr(obs, "datum", ""),
               "project_id": "", "project_name_zh": "", "match_method": "", "match_score": float("nan"),
               "reg_lon": float("nan"), "reg_lat": float("nan"), "reg_geometry_quality": "",
               "distance_m": float("nan"), "status": "unmatched", "match_note": note}
        if idx is not None:
            reg_lon, reg_lat = float(px[idx]), float(py[idx])
            distance = float(GEOD.inv(lon, lat, reg_lon, reg_lat)[2])
            status = "ok" if distance <= tolerance_m else "flagged"
            row.update(project_id=names.ids[idx], project_name_zh=names.zh[idx], match_method=method,
                       match_score=score, reg_lon=reg_lon, reg_lat=reg_lat, reg_geometry_quality=quality[idx],
                       distance_m=distance, status=status)
            lines.append({**{k: row[k] for k in ("obs_id", "obs_name", "project_id", "project_name_zh",
                                                 "match_method", "distance_m", "status")},
                          "geometry": LineString([(lon, lat), (reg_lon, reg_lat)])})
        rows.append(row)
        feedback.set_progress(n / total, Message(f"已核查 {n}/{total} 个观测点", f"checked {n} of {total} observations"))
    table = pd.DataFrame(rows, columns=CSV_FIELDS)
    line_gdf = gpd.GeoDataFrame(lines, geometry="geometry", crs="EPSG:4326") if lines else gpd.GeoDataFrame(
        {k: [] for k in ("obs_id", "obs_name", "project_id", "project_name_zh", "match_method", "distance_m",
                         "status")}, geometry=[], crs="EPSG:4326")
    datum = str(observations["datum"].iloc[0]) if "datum" in observations and len(observations) else "wgs84"
    return CheckResult(table, line_gdf, float(tolerance_m), datum)


def check_file(path: str | Path, projects: gpd.GeoDataFrame | None = None, *, datum: str = "wgs84",
               tolerance_m: float = DEFAULT_TOLERANCE_M, radius_m: float = DEFAULT_RADIUS_M,
               feedback: Feedback | None = None) -> CheckResult:
    """Read an observation file and check it against `projects` (default: the bundle's registry)."""
    if projects is None:
        from geodata.bundle import loader

        projects = loader.load_layer("projects")
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
    for rec in result.rows.itertuples(index=False):
        values = rec._asdict()
        writer.writerow([_csv_cell(name, values[name]) for name in CSV_FIELDS])
    return atomic_write_text(out_path, "\ufeff" + buf.getvalue())

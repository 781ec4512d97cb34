"""The one rule for features whose coordinates are not coordinates, in every import format.

A feature (a CSV/XLSX row, a KML placemark, a GPX waypoint/track/route, a GeoJSON feature, a
shapefile record, a GeoPackage or PostGIS row) whose coordinates do not parse, are NaN or
infinite, or lie outside ±180° / ±90° when the CRS is geographic is SKIPPED, never turned into
0, 0 or clamped: the report counts the skipped features and names the first of them (row
numbers for tables, feature numbers in file order otherwise).  When no feature is left the
import fails with a `DataImportError` that names the first bad ones.

Readers that know better numbers than "position in the file" (tables: the line of the row)
put them in the column `FEATURE_COLUMN`; `normalise` drops it at the end.
"""
from __future__ import annotations

import numpy as np
import shapely

from geodata.core.message import Message
from geodata.io.errors import DataImportError

FEATURE_COLUMN = "__cy_feature_label__"
SHOWN = 8  # how many numbers a report line names before "…"


def feature_labels(gdf, positions: np.ndarray) -> tuple[Message, list[str]]:
    """('第 … 行' / 'rows …' or '第 … 个要素' / 'features …', the numbers) for these row positions."""
    if FEATURE_COLUMN in gdf.columns:
        numbers = [str(v) for v in gdf[FEATURE_COLUMN].to_numpy()[positions]]
        noun = Message("行", "rows")
    else:
        numbers = [str(int(p) + 1) for p in positions]
        noun = Message("个要素", "features")
    return noun, numbers


def _list(numbers: list[str], lang: str) -> str:
    shown = numbers[:SHOWN]
    more = " …" if len(numbers) > SHOWN else ""
    return ("、".join(shown) if lang == "zh" else ", ".join(shown)) + more


def skip_features(gdf, bad: np.ndarray, why: Message, report: list[Message]):
    """`gdf` without the rows where `bad` is True, said in `report`; all bad → DataImportError."""
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return gdf
    positions = np.flatnonzero(bad)
    noun, numbers = feature_labels(gdf, positions)
    zh_where = f"第 {_list(numbers, 'zh')} {noun.zh}" if noun.zh == "行" else f"第 {_list(numbers, 'zh')} 个"
    en_where = f"{noun.en} {_list(numbers, 'en')}"
    if bad.all():
        raise DataImportError(Message(f"全部 {len(bad)} 个要素都无法使用：{why.zh}（{zh_where}）",
                                      f"no feature is usable: {why.en} ({en_where})"))
    report.append(Message(f"跳过 {len(positions)} 个要素（{zh_where}）：{why.zh}",
                          f"{len(positions)} of {len(bad)} features skipped ({en_where}): {why.en}"))
    return gdf.loc[~bad].reset_index(drop=True)


def not_finite(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: some x or y is NaN or infinite."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    if len(coords):
        rows = ~np.isfinite(coords).all(axis=1)
        bad[np.unique(index[rows])] = True
    return bad


def outside_degrees(geoms: np.ndarray, tolerance: float = 1e-4) -> np.ndarray:
    """Per geometry: beyond longitude ±180° or latitude ±90° (a geographic CRS's range)."""
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        return ((bounds[:, 0] < -180 - tolerance) | (bounds[:, 2] > 180 + tolerance)
                | (bounds[:, 1] < -90 - tolerance) | (bounds[:, 3] > 90 + tolerance))


NOT_FINITE = Message("坐标不是有限数（NaN 或无穷大）", "coordinates are NaN or infinite")
OUT_OF_RANGE = Message("坐标超出经纬度范围（±180°/±90°）", "coordinates are outside longitude ±180° / latitude ±90°")
UNREADABLE = Message("坐标无法识别", "coordinates cannot be read")

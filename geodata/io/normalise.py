"""From what a file holds to a clean WGS84 layer: CRS, swapped lat/lon, datum, validity.

Every step that changes or guesses something adds one sentence to the report; nothing is
dropped or moved silently.
"""
from __future__ import annotations


import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geodata.core.feedback import Feedback
from geodata.core.message import Message, count
from geodata.io import coordinate_check, crs_detect
from geodata.io.errors import CrsUnknown, DataImportError

def normalise(gdf, declared: CRS | None, override: CRS | None, datum: str, report: list[Message],
              feedback: Feedback, axes_fixed: bool = False) -> gpd.GeoDataFrame:
    """The layer in WGS84 (EPSG:4326), every change said in `report`.  `axes_fixed`: the format
    itself says which number is the longitude (GPX names lat/lon; KML and GeoJSON are lon,lat by
    their specs), so no swapped lat/lon is guessed — (3, 73) there is a point near Svalbard."""
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise DataImportError(Message("文件中没有几何", "the file holds no geometry"))
    total = len(gdf)
    if total == 0:
        raise DataImportError(Message("文件中没有要素", "the file holds no features"))
    gdf = gdf.reset_index(drop=True)
    empty = gdf.geometry.isna().to_numpy() | shapely.is_empty(gdf.geometry.to_numpy())
    if empty.all():
        raise DataImportError(Message(f"所有 {total} 个要素都没有几何", f"none of the {total} features has a geometry"))
    if empty.any():
        noun, numbers = coordinate_check.feature_labels(gdf, np.flatnonzero(empty))
        shown = ", ".join(numbers[:coordinate_check.SHOWN]) + (" …" if len(numbers) > coordinate_check.SHOWN else "")
        report.append(Message(f"{total} 个要素中有 {int(empty.sum())} 个没有几何（或几何无法读取），已略去（{shown}）",
                              f"{int(empty.sum())} of {total} features had no geometry (or none that could be read) "
                              f"and were dropped ({noun.en} {shown})"))
        gdf = gdf.loc[~empty].reset_index(drop=True)
    # The one rule (coordinate_check.py): a feature with NaN/infinite coordinates is skipped and named.
    gdf = coordinate_check.skip_features(gdf, coordinate_check.not_finite(gdf.geometry.to_numpy()),
                                         coordinate_check.NOT_FINITE, report)
    geoms = gdf.geometry.to_numpy()
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))

    if override is not None:
        crs = override
        declared_text = crs_detect.describe(declared) if declared is not None else None
        note = Message(f"用户指定坐标参考系 {crs_detect.describe(crs)}" + (f"（文件声明为 {declared_text}）" if declared_text else ""),
                       f"CRS {crs_detect.describe(crs)} given by the user" + (f" (the file declared {declared_text})" if declared_text else ""))
    else:
        crs, note = _decide(declared, geoms, bounds, degrees=bool(gdf.attrs.get("degree_columns")))
    if crs is None:
        raise CrsUnknown(Message(
            "无法确定坐标参考系",
            f"cannot tell the coordinate system: {note.text('en')}. "
            f"Coordinates range x {bounds[0]:.6g}–{bounds[2]:.6g}, y {bounds[1]:.6g}–{bounds[3]:.6g}; "
            "add a .prj file or give the CRS (e.g. --crs EPSG:4544)"), bounds)
    report.append(note)

    if crs.is_geographic and not axes_fixed:
        geoms = _fix_swapped(geoms, report)
    gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gpd.GeoSeries(geoms), crs=crs)
    if crs.is_geographic:
        outside = coordinate_check.outside_degrees(geoms)
        if outside.all():
            b = gdf.total_bounds
            raise DataImportError(Message(
                "坐标超出经纬度范围",
                f"coordinates are outside longitude/latitude range (x {b[0]:.6g}–{b[2]:.6g}, "
                f"y {b[1]:.6g}–{b[3]:.6g}) although the CRS is geographic ({crs_detect.describe(crs)}): wrong .prj?"))
        gdf = coordinate_check.skip_features(gdf, outside, coordinate_check.OUT_OF_RANGE, report)

    if crs.to_epsg() != 4326:
        gdf = _reproject(gdf, crs, report)
    gdf = gdf.set_crs(4326, allow_override=True)

    if datum in ("gcj02", "bd09"):
        gdf = _from_obfuscated(gdf, datum, report, feedback)
    elif datum == "cgcs2000":
        report.append(Message("CGCS2000 基准视为 WGS84（相差厘米级）", "datum CGCS2000 treated as WGS84 (they differ by centimetres)"))

    gdf = _repair(gdf, report)
    kinds = gdf.geom_type.value_counts()
    dims = {0 if "Point" in k else 1 if "Line" in k else 2 for k in kinds.index}
    if len(dims) > 1:
        counts = ", ".join(f"{n} {k}" for k, n in kinds.items())
        report.append(Message(f"几何类型混合：{counts}（已保留；Shapefile 只能保存一种类型）",
                              f"mixed geometry types: {counts} (kept; a Shapefile can hold only one type)"))
    b = gdf.total_bounds
    n = count(len(gdf), "个要素", "feature")
    report.append(Message(f"{n.text('zh')}（{', '.join(kinds.index)}），经度 {b[0]:.4f}–{b[2]:.4f}，纬度 {b[1]:.4f}–{b[3]:.4f}",
                          f"{n.text('en')} ({', '.join(kinds.index)}), lon {b[0]:.4f}–{b[2]:.4f}, lat {b[1]:.4f}–{b[3]:.4f}"))
    if not crs_detect.looks_china_lonlat(tuple(b)):
        report.append(Message("注意：数据超出中国范围；若非预期请检查坐标参考系",
                              "note: the data reach outside China; check the CRS if this is unexpected"))
    gdf = gdf.drop(columns=[coordinate_check.FEATURE_COLUMN], errors="ignore")
    gdf.columns = [str(c) for c in gdf.columns]
    return gdf


def _decide(declared: CRS | None, geoms: np.ndarray, bounds, degrees: bool = False) -> tuple[CRS | None, Message]:
    """The CRS to read the data in.  With none declared, a few values no degree can be (1e308 in a
    table of 经度/纬度) must not hide that the rest are lon/lat in China: they are left out of the
    guess (at most 10 %, or any number in columns named as degrees), and the range check then
    skips them by name."""
    decision = crs_detect.decide(declared, bounds, shapely.get_coordinates(geoms))
    if decision.crs is not None or declared is not None:
        return decision.crs, decision.note
    outside = coordinate_check.outside_degrees(geoms)
    if 0 < outside.sum() < len(geoms) and (degrees or outside.sum() <= 0.1 * len(geoms)):
        inner = geoms[~outside]
        retry = crs_detect.decide(None, tuple(float(v) for v in shapely.total_bounds(inner)), shapely.get_coordinates(inner))
        if retry.crs is not None and retry.crs.is_geographic:
            return retry.crs, retry.note
    return decision.crs, decision.note


def _reproject(gdf: gpd.GeoDataFrame, crs: CRS, report: list[Message]) -> gpd.GeoDataFrame:
    """To WGS84 with PROJ, saying how exact the datum shift is and dropping what cannot move."""
    accuracy = crs_detect.accuracy_note(crs)
    gdf = gdf.to_crs(4326)
    report.append(Message(f"已从 {crs_detect.describe(crs)} 转换到 WGS84（EPSG:4326）" + (f"；{accuracy.text('zh')}" if accuracy else ""),
                          f"reprojected from {crs_detect.describe(crs)} to WGS84 (EPSG:4326)" + (f"; {accuracy.text('en')}" if accuracy else "")))
    failed = coordinate_check.not_finite(gdf.geometry.to_numpy())
    if failed.all():
        raise DataImportError(Message("没有要素能转换到 WGS84", "no feature could be converted to WGS84: wrong CRS?"))
    return coordinate_check.skip_features(gdf, failed, Message("超出该坐标系范围、无法转换到 WGS84",
                                                               "they could not be reprojected (outside the CRS's area)"), report)


def _swap_xy(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: c[:, ::-1])


def _fix_swapped(geoms: np.ndarray, report: list[Message]) -> np.ndarray:
    """Swap lat/lon where x holds latitudes and y longitudes of China."""
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    if crs_detect.looks_swapped_lonlat(bounds):
        report.append(Message("经纬度顺序颠倒（x 为纬度、y 为经度）：已交换回来",
                              "latitude/longitude were swapped (x held latitudes, y longitudes): swapped back"))
        return _swap_xy(geoms)
    types = shapely.get_type_id(geoms)
    if (types == 0).all():  # points: swap the ones that are swapped, leave the rest
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        lon_lo, lon_hi = crs_detect.CHINA_LON
        lat_lo, lat_hi = crs_detect.CHINA_LAT
        swapped = (x >= lat_lo) & (x <= lat_hi) & (y >= lon_lo) & (y <= lon_hi)
        if swapped.any() and not swapped.all():
            geoms = geoms.copy()
            geoms[swapped] = _swap_xy(geoms[swapped])
            report.append(Message(f"{int(swapped.sum())} 个点的经纬度颠倒：已交换回来",
                                  f"{int(swapped.sum())} points had latitude and longitude swapped: swapped back"))
    return geoms


def _from_obfuscated(gdf, datum: str, report: list[Message], feedback: Feedback):
    from pyproj import Geod

    from geodata.coords.datums import DATUMS, to_wgs84  # prcoords, shared with the field check

    before = gdf.geometry.to_numpy()
    coords = shapely.get_coordinates(before)
    moved = np.empty_like(coords)
    block = 20_000  # prcoords is per point (~40 µs): report progress and honour cancel between blocks
    step = Message(f"{datum.upper()} → WGS84", f"{datum.upper()} → WGS84")
    for start in range(0, len(coords), block):
        feedback.check()
        for i in range(start, min(start + block, len(coords))):
            moved[i] = to_wgs84(float(coords[i, 0]), float(coords[i, 1]), datum)
        feedback.set_progress(0.85 + 0.1 * min(1.0, (start + block) / len(coords)), step)
    after = shapely.set_coordinates(before.copy(), moved)
    n = min(len(coords), 200)
    _, _, dist = Geod(ellps="WGS84").inv(coords[:n, 0], coords[:n, 1], moved[:n, 0], moved[:n, 1])
    label = DATUMS[datum]
    shift = float(np.median(dist))
    report.append(Message(f"坐标已用 prcoords 从 {label.text('zh')} 转换为 WGS84（偏移约 {shift:.0f} 米）",
                          f"coordinates converted from {label.text('en')} to WGS84 with prcoords (shift ~{shift:.0f} m)"))
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(after, crs=4326, index=gdf.index)
    return out


def _repair(gdf, report: list[Message]):
    """make_valid, keeping each geometry's dimension (a polygon stays polygonal); emptied ones are dropped."""
    geoms = gdf.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf
    fixed = shapely.make_valid(geoms[invalid])
    orig_dim = shapely.get_dimensions(geoms[invalid])
    for i, (geom, dim) in enumerate(zip(fixed, orig_dim)):
        if geom.geom_type == "GeometryCollection" or shapely.get_dimensions(geom) != dim:
            parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim]
            if dim == 2:
                geom = shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.Polygon()
            elif dim == 1:
                geom = shapely.MultiLineString([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.LineString()
            else:
                geom = shapely.MultiPoint([q for p in parts for q in shapely.get_parts(p)]) if parts else shapely.Point()
            if len(parts) == 1:
                geom = shapely.get_parts(geom)[0] if not geom.is_empty else geom
            fixed[i] = geom
    geoms = geoms.copy()
    geoms[invalid] = fixed
    gone = shapely.is_empty(geoms)
    report.append(Message(f"已修复 {int(invalid.sum())} 个无效几何（shapely make_valid）" + (f"；其中 {int(gone.sum())} 个变为空，已略去" if gone.any() else ""),
                          f"{int(invalid.sum())} invalid geometries repaired (shapely make_valid)"
                          + (f"; {int(gone.sum())} became empty and were dropped" if gone.any() else "")))
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index)
    return out.loc[~gone].reset_index(drop=True)

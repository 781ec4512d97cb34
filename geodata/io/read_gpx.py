"""GPX (gpxpy): tracks, routes and waypoints, each a layer; GBK files from handheld units decode right."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geodata.core.message import Message
from geodata.io.errors import DataImportError, short

GPX_LAYERS = ("tracks", "routes", "waypoints")
_ZH = {"tracks": "轨迹", "routes": "路线", "waypoints": "航点"}


def read_gpx_all(path: Path, report: list[Message] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """{tracks, routes, waypoints: GeoDataFrame (WGS84, perhaps empty)}; the decoding goes into `report`."""
    import gpxpy
    import gpxpy.gpx

    from geodata.io.encoding_detect import decode_xml
    from geodata.io.xml_guard import MAX_XML_BYTES, guard_gpx

    if path.stat().st_size > MAX_XML_BYTES:
        raise DataImportError(Message(f"{path.name} 超过 {MAX_XML_BYTES // 2**20} MB 上限",
                                      f"is larger than the limit of {MAX_XML_BYTES // 2**20} MB for GPX files"))
    try:
        text, note = decode_xml(path.read_bytes())
        if report is not None:
            report.append(note)
        # entities refused, points that are not coordinates removed with their feature, and named
        doc = gpxpy.parse(guard_gpx(text, path.name, report))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise DataImportError(Message(f"{path.name} 不是有效的 GPX", f"is not valid GPX: {short(exc)}")) from exc

    def when(t):
        return t.isoformat() if t else None

    tracks = []
    for trk in doc.tracks:
        lines = [[(p.longitude, p.latitude) for p in seg.points] for seg in trk.segments]
        lines = [ln for ln in lines if len(ln) >= 2]
        if lines:
            start, end = trk.get_time_bounds()
            tracks.append({"name": trk.name, "description": trk.description, "points": sum(len(s.points) for s in trk.segments),
                           "start_time": when(start), "end_time": when(end), "geometry": shapely.MultiLineString(lines)})
    routes = []
    for rte in doc.routes:
        pts = [(p.longitude, p.latitude) for p in rte.points]
        if len(pts) >= 2:
            routes.append({"name": rte.name, "description": rte.description, "points": len(pts), "geometry": shapely.LineString(pts)})
    waypoints = [{"name": w.name, "description": w.description, "elevation": w.elevation, "time": when(w.time),
                  "geometry": shapely.Point(w.longitude, w.latitude)} for w in doc.waypoints]
    out = {}
    for name, rows in (("tracks", tracks), ("routes", routes), ("waypoints", waypoints)):
        out[name] = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(geometry=[], crs=4326)
    return out


def read_gpx(path: Path, layer: str | None, report: list[Message]):
    """-> (GeoDataFrame, chosen part): `layer`, else the first non-empty of tracks, routes, waypoints."""
    frames = read_gpx_all(path, report)
    present = [n for n in GPX_LAYERS if len(frames[n])]
    if not present:
        raise DataImportError(Message(f"{path.name} 中没有轨迹、路线或航点", "holds no tracks, routes or waypoints"))
    if layer is not None:
        if layer not in GPX_LAYERS:
            raise DataImportError(Message("GPX 图层须为", f"GPX layer must be one of {', '.join(GPX_LAYERS)}"))
        chosen = layer
    else:
        chosen = present[0]
    others = [f"{n} ({len(frames[n])})" for n in present if n != chosen]
    report.append(Message(f"GPX {_ZH[chosen]}：{len(frames[chosen])}" + (f"；文件中还有 {'、'.join(others)}（可选择图层）" if others else ""),
                          f"GPX {chosen}: {len(frames[chosen])}" + (f"; also in the file: {', '.join(others)} (choose with layer)" if others else "")))
    return frames[chosen], chosen

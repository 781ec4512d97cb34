"""What is here: the district a point is in, nearby projects (points and project lines), and the nearest lines.

Containment is tested in WGS84; "nearest" lines are found with an STRtree over the
lines in the metric display projection (near-conformal over the region), and the
distance reported is geodesic (pyproj.Geod, WGS84 ellipsoid) from the point to the
nearest point of the line.  A few candidates near the planar minimum are compared
geodesically, so the projection's small scale error cannot pick the wrong line.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point
from shapely.ops import nearest_points

from geodata.coords.datums import CoordinateError
from geodata.coords.projection import GEOD, lonlat_to_display, project_geometries, to_wgs84_transformer
from geodata.core.message import Message, plain
from geodata.core.values import raw_text

LINE_LAYERS = ("railways", "expressways", "rivers")
PROJECT_LAYERS = ("projects", "project_lines")  # a project road, pipeline or canal is a nearby project too
# Beyond this, a "nearest" project or line says nothing about the place asked about (the bundle only
# covers Sichuan and Chongqing), so it is left out rather than listed as if it were nearby.
RELEVANT_M = 50_000.0
_LINE_LABELS = {"railways": Message("铁路", "railway"), "expressways": Message("高速公路", "expressway"),
                "rivers": Message("河流", "river")}


@dataclass
class NearbyProject:
    id: str
    name_zh: str
    name_en: str
    distance_m: float
    lon: float
    lat: float
    status: str = ""
    themes: str = ""
    geometry_quality: str = ""
    layer: str = "projects"  # or "project_lines": lon/lat is then the line's nearest point


@dataclass
class NearestLine:
    layer: str
    id: str
    name_zh: str
    name_en: str
    distance_m: float
    lon: float  # nearest point on the line (WGS84)
    lat: float
    geometry_quality: str = ""


@dataclass
class HereReport:
    lon: float
    lat: float
    province_zh: str = ""
    city_zh: str = ""
    district_zh: str = ""
    district_en: str = ""
    district_adcode: str = ""
    in_circle: bool = False
    partial_district: bool = False
    in_data_area: bool = True  # inside a known district, i.e. inside Sichuan or Chongqing
    circle_distance_m: float = 0.0  # geodesic distance to the circle's edge; 0 inside
    relevant_m: float = RELEVANT_M  # projects and lines farther than this are omitted
    projects: list[NearbyProject] = field(default_factory=list)
    lines: dict[str, NearestLine | None] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def text_lines(self, lang: str = "zh") -> list[str]:
        """Human-readable summary, Chinese first (lang='zh') or English."""
        return [line.text(lang) for line in self.messages()]

    def messages(self) -> list[Message]:
        """The summary, one Message a line."""
        out = [plain(f"{self.lon:.6f}, {self.lat:.6f} (WGS84)")]
        if self.district_zh:
            place_zh = " ".join(dict.fromkeys(p for p in (self.province_zh, self.city_zh, self.district_zh) if p))  # 重庆市 重庆市 -> once
            code = f" ({self.district_adcode})" if self.district_adcode else ""
            out.append(Message(f"位置：{place_zh}{code}", f"Place: {self.district_en or self.district_zh}{code}"))
        elif not self.in_data_area:
            out.append(Message("位置：不在四川省、重庆市境内（本数据只覆盖川渝两省市）",
                               "Place: outside Sichuan and Chongqing (the data covers only these two provinces)"))
        else:
            out.append(Message("位置：不在已知区县内", "Place: outside the known districts"))
        if self.in_circle:
            circle = Message("在成渝地区双城经济圈内", "Inside the Chengdu–Chongqing economic circle")
            if self.partial_district:
                circle += Message("（所在区县部分纳入）", " (district partly included)")
        else:
            circle = Message("不在成渝地区双城经济圈内", "Outside the Chengdu–Chongqing economic circle")
            if self.circle_distance_m > 0:
                far = format_distance(self.circle_distance_m)
                circle += Message(f"（距经济圈边界约 {far}）", f" (about {far} from its edge)")
        out.append(circle)
        within = f"{self.relevant_m / 1000:g} km"
        for layer, line in self.lines.items():
            label = _LINE_LABELS.get(layer, Message(layer, layer))
            if line is None:
                out.append(Message(f"最近{label.zh}：{within} 内没有", f"Nearest {label.en}: none within {within}"))
            else:
                far = format_distance(line.distance_m)
                out.append(Message(f"最近{label.zh}：{line.name_zh} {far}",
                                   f"Nearest {label.en}: {line.name_en or line.name_zh} {far}"))
        if self.projects:
            out.append(Message("附近项目：", "Nearby projects:"))
            for p in self.projects:
                far = format_distance(p.distance_m)
                line_zh, line_en = ("（线路）", " (line)") if p.layer == "project_lines" else ("", "")
                out.append(Message(f"  {p.id} {p.name_zh}{line_zh} {far}",
                                   f"  {p.id} {p.name_en or p.name_zh}{line_en} {far}"))
        elif self.lines or not self.in_data_area:
            out.append(Message(f"附近项目：{within} 内没有", f"Nearby projects: none within {within}"))
        hand_placed = [x for x in (*self.lines.values(), *self.projects) if x is not None and x.geometry_quality == "schematic"]
        if hand_placed:
            out.append(Message("注：项目与线路为示意位置（按控制点手工放置），距离为近似值。",
                               "Note: projects and lines are schematic (hand-placed through control points); "
                               "distances are approximate."))
        return out


def format_distance(metres: float) -> str:
    if metres >= 100_000:  # hundreds of km: metre digits would be false precision
        return f"{metres / 1000:,.0f} km"
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def _text(row, name: str) -> str:
    """A field of a feature as text ("" when blank or absent; 2023.0 -> "2023")."""
    return raw_text(row.get(name))


class PlaceIndex:
    """Spatial indexes over the layers a "what is here" question needs; build once, ask often."""

    def __init__(self, layers: dict[str, gpd.GeoDataFrame]):
        self.layers = {k: v for k, v in layers.items() if v is not None and len(v)}
        self._district_tree = None
        self._line_trees: dict[str, tuple[shapely.STRtree, np.ndarray]] = {}
        districts = self.layers.get("districts")
        if districts is not None:
            self._district_tree = shapely.STRtree(districts.geometry.values)
        for name in (*LINE_LAYERS, "project_lines"):
            gdf = self.layers.get(name)
            if gdf is not None:
                # Densify first: a straight lon/lat segment is not straight in the conic projection.
                projected = project_geometries(shapely.segmentize(gdf.geometry.values, 0.005))
                self._line_trees[name] = (shapely.STRtree(projected), projected)
        circle = self.layers.get("circle")
        self._circle = shapely.union_all(circle.geometry.values) if circle is not None else None
        if self._circle is not None:
            shapely.prepare(self._circle)

    def district_at(self, lon: float, lat: float):
        if self._district_tree is None:
            return None
        hits = self._district_tree.query(Point(lon, lat), predicate="intersects")
        if not len(hits):
            return None
        return self.layers["districts"].iloc[int(sorted(hits)[0])]

    def in_circle(self, lon: float, lat: float, district=None) -> bool:
        if self._circle is not None:
            return bool(self._circle.intersects(Point(lon, lat)))
        return bool(district is not None and int(district.get("in_circle", 0) or 0))

    def circle_distance(self, lon: float, lat: float) -> float:
        """Geodesic metres from the point to the circle's nearest edge point; 0 inside or without a circle."""
        if self._circle is None or self._circle.intersects(Point(lon, lat)):
            return 0.0
        # Nearest point in lon/lat degrees, then measured on the ellipsoid: the display projection is
        # meaningless far from the region, and a few % error in *which* edge point is fine at this scale.
        edge = nearest_points(self._circle, Point(lon, lat))[0]
        return float(GEOD.inv(lon, lat, edge.x, edge.y)[2])

    def nearest_projects(self, lon: float, lat: float, n: int = 5) -> list[NearbyProject]:
        """The n nearest projects, points and project lines together, nearest first."""
        if n <= 0:
            return []
        found = []  # (distance, layer order, row, layer, lon, lat)
        projects = self.layers.get("projects")
        if projects is not None:
            pts = projects.geometry.values
            # Every project is measured geodesically: a few hundred points, one vectorised call.
            xs, ys = shapely.get_x(pts), shapely.get_y(pts)
            _, _, dist = GEOD.inv(np.full(len(xs), lon), np.full(len(ys), lat), xs, ys)
            found += [(float(dist[i]), 0, i, "projects", float(xs[i]), float(ys[i])) for i in range(len(xs))]
        if "project_lines" in self._line_trees:
            found += [(d, 1, i, "project_lines", plon, plat) for d, i, plon, plat in self._line_distances("project_lines", lon, lat)]
        found.sort(key=lambda f: f[:3])
        out = []
        for dist, _, i, layer, plon, plat in found[:n]:
            row = self.layers[layer].iloc[int(i)]
            out.append(NearbyProject(_text(row, "id"), _text(row, "name_zh"), _text(row, "name_en"), dist, plon, plat,
                                     _text(row, "status"), _text(row, "themes"), _text(row, "geometry_quality"), layer))
        return out

    def _line_distances(self, layer: str, lon: float, lat: float) -> list[tuple[float, int, float, float]]:
        """(geodesic metres, row, lon, lat of the nearest point) for every line of `layer` (a few dozen)."""
        _, projected = self._line_trees[layer]
        x, y = lonlat_to_display(lon, lat)
        starts = shapely.get_point(shapely.shortest_line(projected, Point(x, y)), 0)
        plon, plat = to_wgs84_transformer().transform(shapely.get_x(starts), shapely.get_y(starts))
        plon, plat = np.atleast_1d(plon), np.atleast_1d(plat)
        dist = GEOD.inv(np.full(len(plon), lon), np.full(len(plat), lat), plon, plat)[2]
        return [(float(dist[i]), i, float(plon[i]), float(plat[i])) for i in range(len(plon)) if np.isfinite(dist[i])]

    def nearest_line(self, layer: str, lon: float, lat: float) -> NearestLine | None:
        if layer not in self._line_trees:
            return None
        tree, projected = self._line_trees[layer]
        x, y = lonlat_to_display(lon, lat)
        here = Point(x, y)
        indices, distances = tree.query_nearest(here, return_distance=True)
        idx, planar = int(indices[0]), float(distances[0])
        # Candidates within 2 % (+100 m) of the planar minimum: the LCC scale error is below 1 %.
        candidates = tree.query(here.buffer(planar * 1.02 + 100.0))
        best = None
        inverse = to_wgs84_transformer()
        for i in candidates if len(candidates) else [idx]:
            p = nearest_points(projected[i], here)[0]
            plon, plat = inverse.transform(p.x, p.y)
            d = float(GEOD.inv(lon, lat, plon, plat)[2])
            if best is None or d < best[0]:
                best = (d, int(i), plon, plat)
        d, i, plon, plat = best
        row = self.layers[layer].iloc[i]
        return NearestLine(layer, _text(row, "id"), _text(row, "name_zh"), _text(row, "name_en"), d,
                           float(plon), float(plat), _text(row, "geometry_quality"))

    def report(self, lon: float, lat: float, n_projects: int = 5) -> HereReport:
        district = self.district_at(lon, lat)
        rep = HereReport(lon=float(lon), lat=float(lat))
        if district is not None:
            rep.province_zh = _text(district, "province_zh")
            rep.city_zh = _text(district, "city_zh")
            rep.district_zh = _text(district, "name_zh")
            rep.district_en = _text(district, "name_en")
            rep.district_adcode = _text(district, "adcode")
            rep.partial_district = bool(int(district.get("partial", 0) or 0))
        rep.in_data_area = district is not None or self._district_tree is None
        rep.in_circle = self.in_circle(lon, lat, district)
        rep.circle_distance_m = 0.0 if rep.in_circle else self.circle_distance(lon, lat)
        rep.projects = [p for p in self.nearest_projects(lon, lat, n_projects) if p.distance_m <= RELEVANT_M]
        lines = {layer: self.nearest_line(layer, lon, lat) for layer in LINE_LAYERS if layer in self._line_trees}
        rep.lines = {k: v if v is not None and v.distance_m <= RELEVANT_M else None for k, v in lines.items()}
        return rep


@lru_cache(maxsize=1)
def bundle_index() -> PlaceIndex:
    """The index over the bundled GeoPackage's layers (whatever of them exist yet)."""
    from geodata.bundle import loader

    names = set(loader.layer_names())
    wanted = ("districts", "circle", *PROJECT_LAYERS, *LINE_LAYERS)
    return PlaceIndex({name: loader.load_layer(name) for name in wanted if name in names})


def whats_here(lon: float, lat: float, layers: dict[str, gpd.GeoDataFrame] | None = None,
               n_projects: int = 5) -> HereReport:
    """Answer "what is here" for a WGS84 point, from `layers` or the bundle."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CoordinateError(Message(f"坐标超出范围：{lon}, {lat}", f"coordinate out of range: {lon}, {lat}"))
    index = PlaceIndex(layers) if layers is not None else bundle_index()
    return index.report(lon, lat, n_projects)

"""Geodesic measures of what the user clicks on the canvas (display CRS in, km/km² out)."""
from __future__ import annotations

import shapely

from geodata.coords.projection import display_to_lonlat, geodesic_area_km2, geodesic_distance_m


def to_lonlat(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if not points:
        return []
    xs, ys = zip(*points)
    lons, lats = display_to_lonlat(list(xs), list(ys))
    return list(zip(map(float, lons), map(float, lats)))


def segment_lengths_km(points: list[tuple[float, float]]) -> list[float]:
    """The geodesic length of each segment between consecutive display points, in km."""
    ll = to_lonlat(points)
    return [geodesic_distance_m(*a, *b) / 1000.0 for a, b in zip(ll, ll[1:])]


def path_length_km(points: list[tuple[float, float]]) -> float:
    """Sum of the geodesic lengths of the segments between display points, in km."""
    return sum(segment_lengths_km(points))


def km_text(km: float) -> str:
    """A measured length as the canvas labels it: metres below 1 km, then km with sensible decimals."""
    if km < 1:
        return f"{km * 1000:.0f} m"
    return f"{km:.2f} km" if km < 100 else f"{km:,.1f} km"


def polygon_area_km2(points: list[tuple[float, float]]) -> float:
    """Geodesic area enclosed by display points (closed automatically), in km²."""
    ll = to_lonlat(points)
    if len(ll) < 3:
        return 0.0
    return geodesic_area_km2(shapely.Polygon(ll))

"""Scale-bar maths: a round ground length and the pixels it spans where it is drawn.

The display CRS is conformal but its scale varies across the region, so the bar is
measured geodesically (pyproj's Geod) along the exact pixel row where it is drawn,
not derived from a nominal "map units per pixel".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from pyproj import Geod

from geodata.core.message import Message

_GEOD = Geod(ellps="WGS84")
KILOMETRES = Message("{n} 公里", "{n} km")
METRES = Message("{n} 米", "{n} m")

# pixel (x, y) in the map frame -> (lon, lat) in degrees
PixelToLonLat = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True)
class ScaleBar:
    length_m: float  # ground length the whole bar stands for
    pixels: float  # its length on the page, in device pixels
    segments: int  # alternating black/white blocks

    def label(self, language: str = "zh") -> str:
        if self.length_m >= 1000:
            return KILOMETRES.format(n=f"{self.length_m / 1000:g}").text(language)
        return METRES.format(n=f"{self.length_m:g}").text(language)


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2])


def nice_length(max_m: float) -> float:
    """Largest 1, 2 or 5 × 10^k metres not above `max_m`."""
    if max_m <= 0 or not math.isfinite(max_m):
        raise ValueError(f"scale bar needs a positive length, got {max_m}")
    power = 10 ** math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * power <= max_m:
            return float(step * power)
    return float(power)


def _ground_m(to_lonlat: PixelToLonLat, x: float, y: float, pixels: float) -> float:
    return geodesic_m(*to_lonlat(x, y), *to_lonlat(x + pixels, y))


def pixels_for_length(to_lonlat: PixelToLonLat, x: float, y: float, length_m: float, guess_px: float) -> float:
    """Pixels eastward from (x, y) that span `length_m` on the ellipsoid.

    Scale is nearly constant over a bar's length, so a few secant steps converge
    far below 0.1 %.
    """
    px = guess_px
    for _ in range(6):
        ground = _ground_m(to_lonlat, x, y, px)
        if ground <= 0:
            raise ValueError("map frame has no extent along the scale bar")
        px_next = px * length_m / ground
        if abs(px_next - px) < 1e-4:
            return px_next
        px = px_next
    return px


def scale_bar(to_lonlat: PixelToLonLat, x: float, y: float, max_px: float) -> ScaleBar:
    """A bar starting at pixel (x, y), at most `max_px` long, with a round length."""
    ground_max = _ground_m(to_lonlat, x, y, max_px)
    length = nice_length(ground_max)
    px = pixels_for_length(to_lonlat, x, y, length, max_px * length / ground_max)
    first_digit = int(round(length / 10 ** math.floor(math.log10(length))))
    segments = {1: 4, 2: 4, 5: 5}.get(first_digit, 4)
    return ScaleBar(length_m=length, pixels=px, segments=segments)

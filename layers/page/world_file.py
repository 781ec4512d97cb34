"""World files (.pgw) and .prj for exported images.

A world file is six numbers: pixel width, two rotation terms, negative pixel
height, then the map coordinates of the *centre* of the image's top-left pixel.
For a layout the map fills a known rectangle of the image, so the file is written
for the whole image's pixel grid, anchored on that frame: every pixel inside the
map frame sits at its true display-CRS position (title and legend pixels simply
fall outside the mapped area).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


WORLD_SUFFIX = {".png": ".pgw", ".jpg": ".jgw", ".jpeg": ".jgw", ".tif": ".tfw", ".tiff": ".tfw"}


@dataclass(frozen=True)
class WorldFile:
    a: float  # x size of a pixel (map units)
    d: float  # rotation, 0
    b: float  # rotation, 0
    e: float  # y size of a pixel, negative (rows go down)
    c: float  # x of the centre of the top-left image pixel
    f: float  # y of the centre of the top-left image pixel

    def text(self) -> str:
        return "".join(f"{v:.10f}\n" for v in (self.a, self.d, self.b, self.e, self.c, self.f))

    def pixel_to_map(self, col: float, row: float) -> tuple[float, float]:
        """Map coordinates of pixel (col, row) as whole-pixel indices (0 = first pixel's centre)."""
        return self.a * col + self.b * row + self.c, self.d * col + self.e * row + self.f

    def map_to_pixel(self, x: float, y: float) -> tuple[float, float]:
        """Pixel (col, row) whose centre is (x, y); no rotation is ever written."""
        return (x - self.c) / self.a, (y - self.f) / self.e

    @classmethod
    def parse(cls, text: str) -> "WorldFile":
        values = [float(line) for line in text.split()]
        if len(values) != 6:
            raise ValueError(f"a world file holds 6 numbers, found {len(values)}")
        return cls(*values)


def world_for_frame(
    extent: tuple[float, float, float, float],
    frame_px: tuple[float, float, float, float],
) -> WorldFile:
    """World file of an image whose rectangle `frame_px` (left, top, width, height,
    device pixels) shows exactly `extent` (xmin, ymin, xmax, ymax, map units)."""
    xmin, ymin, xmax, ymax = extent
    left, top, width, height = frame_px
    if width <= 0 or height <= 0 or xmax <= xmin or ymax <= ymin:
        raise ValueError("world file needs a non-empty frame and extent")
    a = (xmax - xmin) / width
    e = -(ymax - ymin) / height
    # pixel edges: the frame's left edge is at x = left (pixel units); centres are +0.5
    c = xmin + (0.5 - left) * a
    f = ymax + (0.5 - top) * e
    return WorldFile(a=a, d=0.0, b=0.0, e=e, c=c, f=f)


def world_path(image_path: str | os.PathLike) -> Path:
    path = Path(image_path)
    suffix = WORLD_SUFFIX.get(path.suffix.lower())
    if suffix is None:
        raise ValueError(f"no world-file convention for {path.suffix!r}")
    return path.with_suffix(suffix)


def world_sidecars(image_path: str | os.PathLike) -> tuple[Path, Path]:
    """The world file and .prj of an image: written in one `atomic_group` with it, before it."""
    return world_path(image_path), Path(image_path).with_suffix(".prj")


def write_sidecar_texts(wld_path: Path, prj_path: Path, world: WorldFile, crs_wkt: str) -> None:
    """The two sidecars' contents, into the (temporary) paths of an atomic group."""
    wld_path.write_text(world.text(), encoding="ascii")
    prj_path.write_text(crs_wkt, encoding="utf-8")


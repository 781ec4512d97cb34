"""The benchmark with user layers: `bench --layer FILE …` and the built-in `--synthetic` set.

The synthetic set is planner-sized data made here, deterministic (fixed seed): 20,000 polygons
of 50 vertices and 100,000 points, all inside the circle, written to a temporary GeoPackage and
read back through the normal importer (`geodata.io.importer.import_file`), as a user's file
would be.  User layers are added with their labels off (as the issue measured them) on top of
the bundled map; the bench then times the first frame after the import (the layer's caches are
built in it), full extent, zoom and pan with them, and the process's peak memory.
"""
from __future__ import annotations

import resource
import tempfile
from pathlib import Path

from layers.cli.user_layers import import_layers

SYNTHETIC_POLYGONS = 20_000
SYNTHETIC_VERTICES = 50
SYNTHETIC_POINTS = 100_000
SYNTHETIC_SEED = 12


def _inside_circle(rng, n: int, circle, margin_deg: float = 0.0):
    """`n` random lon/lat points inside the circle's outline (rejection sampling, vectorised)."""
    import numpy as np
    import shapely

    x0, y0, x1, y1 = circle.bounds
    shapely.prepare(circle)
    out = np.zeros((0, 2))
    while len(out) < n:
        xy = np.column_stack([rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)])
        ok = shapely.contains_xy(circle, xy[:, 0], xy[:, 1])
        if margin_deg:
            ok &= shapely.distance(shapely.points(xy), circle.boundary) > margin_deg
        out = np.vstack([out, xy[ok]])
    return out[:n]


def synthetic_gpkg(folder: str | Path, polygons: int = SYNTHETIC_POLYGONS, vertices: int = SYNTHETIC_VERTICES,
                   points: int = SYNTHETIC_POINTS, seed: int = SYNTHETIC_SEED) -> Path:
    """Write the synthetic set to `folder/synthetic.gpkg` (layers `parcels` and `sites`); its path."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geodata.bundle.loader import load_layer

    rng = np.random.default_rng(seed)
    circle = shapely.union_all(load_layer("circle").geometry.values)
    centres = _inside_circle(rng, polygons, circle, margin_deg=0.03)
    radius = rng.uniform(0.002, 0.02, polygons)  # ~0.2-2 km: parcels to small towns
    angles = np.linspace(0.0, 2 * np.pi, vertices, endpoint=False)
    wobble = rng.uniform(0.7, 1.0, (polygons, vertices))  # irregular, still simple (star-shaped)
    xs = centres[:, :1] + radius[:, None] * wobble * np.cos(angles)
    ys = centres[:, 1:] + radius[:, None] * wobble * np.sin(angles)
    ring = np.stack([xs, ys], axis=2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)  # closed: 50 distinct vertices + the first again
    polys = shapely.polygons(ring)
    kinds = np.array(["residential", "industrial", "green", "public"])
    parcels = gpd.GeoDataFrame({"name": [f"地块{i}" for i in range(polygons)],
                                "kind": kinds[rng.integers(0, 4, polygons)]}, geometry=polys, crs=4326)
    sites_xy = _inside_circle(rng, points, circle)
    sites = gpd.GeoDataFrame({"name": [f"点{i}" for i in range(points)],
                              "value": rng.integers(0, 1000, points)},
                             geometry=shapely.points(sites_xy), crs=4326)
    out = Path(folder) / "synthetic.gpkg"
    parcels.to_file(out, layer="parcels", driver="GPKG", engine="pyogrio")
    sites.to_file(out, layer="sites", driver="GPKG", engine="pyogrio")
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def prepare_user_layers(files: list[str], synthetic: bool, keep: str | None = None):
    """ImportResults of the --layer files and (with --synthetic) the generated set; the folder used."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="chengyu-bench-user-"))
    folder.mkdir(parents=True, exist_ok=True)
    specs: list[tuple[str | Path, str | None]] = [(f, None) for f in files]
    if synthetic:
        path = synthetic_gpkg(folder)
        specs += [(path, "parcels"), (path, "sites")]
    return import_layers(specs), folder

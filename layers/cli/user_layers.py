"""User files for the CLI: read through the normal importer and made map layers as the window does.

`bench --layer/--synthetic` and `export --layer` both use this: every layer of a GeoPackage of
several, the default style of the geometry, a name column (the window's choice) as labels.
"""
from __future__ import annotations

from pathlib import Path

LABEL_COLUMNS = ("name_zh", "name", "名称", "NAME", "Name", "title")  # as explorer/actions/import_actions.py


def import_layers(specs: list[tuple[str | Path, str | None]]):
    """ImportResults of (path, layer) pairs, read by the normal importer."""
    from geodata.io.importer import import_file, list_layers

    results = []
    for path, layer in specs:
        names = [layer] if layer else None
        if names is None:
            try:
                found = list_layers(path)
            except Exception:  # single-layer formats
                found = []
            names = found if len(found) > 1 else [None]
        for name in names:
            results.append(import_file(path, layer=name))
    return results


def user_map_layers(results, taken: list[str], show_labels: bool = True):
    """MapLayers of import results as the window adds them (default style, a name column
    labels them: `show_labels`), named apart from the `taken` names (extended)."""
    from layers.model.document import MapLayer

    layers = []
    for result in results:
        name = result.name
        n = 2
        while name in taken:
            name = f"{result.name} ({n})"
            n += 1
        taken.append(name)
        label = next((c for c in LABEL_COLUMNS if c in result.gdf.columns), None)
        layers.append(MapLayer(name=name, data=result.gdf, label_field=label, show_labels=show_labels,
                               source=str(Path(str(result.source)).name), geometry_quality="user",
                               data_ref=result.data_ref))
    return layers

"""Bundled assets: fonts, icons, styles, web libraries (Leaflet for offline web maps), translations.

A package so that a wheel installs them (`[tool.setuptools.package-data]` in pyproject.toml lists
them) beside `layers/` and `explorer/`; code finds every asset through `resources_path()`, which
works the same in a source checkout, an editable install and an installed wheel.
"""
from __future__ import annotations

from pathlib import Path

# A plain file path, not importlib.resources.files(): Qt (fonts, icons, style sheets) needs real
# files, and the project is never installed zipped.
ROOT = Path(__file__).resolve().parent


def resources_path(*parts: str) -> Path:
    """The bundled file or folder `parts` (e.g. `resources_path("fonts", "NotoSansCJKsc-Regular.otf")`)."""
    return ROOT.joinpath(*parts)

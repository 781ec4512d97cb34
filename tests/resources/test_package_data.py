"""The bundled assets are one package, found through one helper, and all of it is package data."""
from __future__ import annotations

import tomllib
from pathlib import Path

from resources import ROOT, resources_path

REPO = Path(__file__).resolve().parents[2]


def _package_data_globs() -> list[str]:
    with open(REPO / "pyproject.toml", "rb") as handle:
        config = tomllib.load(handle)["tool"]["setuptools"]
    assert "resources" in config["packages"]["find"]["include"]
    return config["package-data"]["resources"]


def test_resources_path_finds_the_bundled_fonts_icons_style_and_leaflet():
    assert resources_path("fonts", "NotoSansCJKsc-Regular.otf").stat().st_size > 1_000_000
    assert resources_path("icons", "app.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    assert resources_path("styles", "explorer.qss").is_file()
    assert any(resources_path("web").rglob("leaflet.js"))
    assert resources_path() == ROOT == REPO / "resources"


def test_every_bundled_file_is_declared_as_package_data():
    globs = _package_data_globs()
    declared = {path for pattern in globs for path in ROOT.glob(pattern) if path.is_file()}
    bundled = {path for path in ROOT.rglob("*") if path.is_file()
               and "__pycache__" not in path.parts and path.name != "__init__.py"}
    missing = sorted(str(path.relative_to(ROOT)) for path in bundled - declared)
    assert missing == []
    assert len(bundled) > 20


def test_the_code_finds_assets_through_the_helper_not_its_own_path():
    from layers.render import fonts
    from layers.web import assets

    assert fonts.REGULAR == resources_path("fonts", "NotoSansCJKsc-Regular.otf")
    assert assets.WEB_RESOURCES == resources_path("web")

"""Generic checks over every layer present in the bundle, whoever built it."""
from __future__ import annotations

import pyogrio
import pytest
import shapely

from geodata.bundle import loader
from geodata.core.themes import STATUSES, THEMES, split_themes

LAYERS = loader.layer_names()
_INFO = {name: pyogrio.read_info(loader.BUNDLE_PATH, layer=name) for name in LAYERS}
ID_LAYERS = [name for name in LAYERS if "id" in _INFO[name]["fields"]]
PLACED_POINT_LAYERS = [name for name in LAYERS
                       if "district_adcode" in _INFO[name]["fields"] and _INFO[name]["geometry_type"] == "Point"]
QUALITIES = {"surveyed", "derived", "schematic"}
ADCODE_FIELDS = ("district_adcode", "a_adcode", "b_adcode", "city_adcode")


@pytest.fixture(scope="module")
def district_adcodes():
    return set(loader.load_layer("districts")["adcode"].tolist())


@pytest.fixture(scope="module")
def known_adcodes(district_adcodes):
    """County units, prefecture cities (Chongqing is its own 500000) and the two provinces."""
    return district_adcodes | set(loader.load_layer("cities")["adcode"].tolist()) | {500000, 510000}


def test_bundle_has_the_boundary_layers():
    assert {"districts", "circle", "cities", "seats"} <= set(LAYERS)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_is_wgs84(name):
    assert loader.load_layer(name).crs.to_epsg() == 4326


@pytest.mark.parametrize("name", LAYERS)
def test_every_geometry_is_valid_non_empty_and_lon_lat(name):
    frame = loader.load_layer(name)
    assert len(frame) == _INFO[name]["features"] > 0  # every feature the file holds, none dropped on loading
    geometry = frame.geometry
    assert geometry.notna().all()
    assert not geometry.is_empty.any(), frame.loc[geometry.is_empty].index.tolist()
    assert geometry.is_valid.all(), frame.loc[~geometry.is_valid].index.tolist()
    minx, miny, maxx, maxy = geometry.total_bounds
    # the two provinces lie within 97-111°E, 26-35°N; anything outside is a swapped or foreign coordinate
    assert 97 <= minx and maxx <= 111 and 26 <= miny and maxy <= 35, geometry.total_bounds


@pytest.mark.parametrize("name", LAYERS)
def test_every_feature_has_source_and_known_geometry_quality(name):
    frame = loader.load_layer(name)
    for column in ("source", "geometry_quality"):
        assert column in frame.columns
        assert frame[column].notna().all() and (frame[column].astype(str).str.strip() != "").all()
    assert set(frame["geometry_quality"]) <= QUALITIES


@pytest.mark.parametrize("name", ID_LAYERS)
def test_ids_are_unique_where_present(name):
    frame = loader.load_layer(name)
    assert frame["id"].notna().all()
    assert not frame["id"].duplicated().any(), frame.loc[frame["id"].duplicated(), "id"].tolist()


def test_district_adcodes_are_unique_six_digit_codes():
    adcodes = loader.load_layer("districts")["adcode"]
    assert adcodes.is_unique
    assert adcodes.between(500000, 519999).all()


@pytest.mark.parametrize("name", LAYERS)
def test_every_referenced_adcode_exists(name, district_adcodes, known_adcodes):
    frame = loader.load_layer(name)
    for field in ADCODE_FIELDS:
        if field not in frame.columns:
            continue
        values = set(frame[field].dropna().astype(int).tolist())
        allowed = district_adcodes if field == "district_adcode" else known_adcodes
        assert values <= allowed, f"{name}.{field} unknown: {sorted(values - allowed)}"


@pytest.mark.parametrize("name", LAYERS)
def test_themes_and_statuses_use_the_vocabulary(name):
    frame = loader.load_layer(name)
    if "themes" in frame.columns:
        used = {key for value in frame["themes"] for key in split_themes(value)}
        assert used <= set(THEMES), sorted(used - set(THEMES))
    if "status" in frame.columns:
        statuses = set(frame["status"].dropna())
        assert statuses <= set(STATUSES), sorted(statuses - set(STATUSES))


@pytest.mark.parametrize("name", PLACED_POINT_LAYERS)
def test_points_lie_in_the_district_they_name(name):
    """A point's `district_adcode` must be the county it is in (2 km slack: outlines are generalised)."""
    frame = loader.load_layer(name)
    districts = loader.load_layer("districts").set_index("adcode").geometry
    named = frame.dropna(subset=["district_adcode"])
    outlines = districts.loc[named["district_adcode"].astype(int)].to_numpy()
    gaps_km = shapely.distance(named.geometry.to_numpy(), outlines) * 100  # ~100 km per degree here
    wrong = named.loc[gaps_km > 2]
    label = "id" if "id" in frame.columns else "name_zh"
    assert wrong.empty, f"{name}: " + ", ".join(f"{r} not in {a}" for r, a in zip(wrong[label], wrong["district_adcode"]))


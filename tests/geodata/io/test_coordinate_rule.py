"""The one coordinate rule, fuzzed in every text format: whatever a feature's coordinates are, it is
imported exactly as written (finite, in range) or skipped and counted — never moved to 0, 0."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geodata.io.errors import DataImportError
from geodata.io.importer import import_file
from tests.geodata.io.bad_corpus import _gpx, _kml, _placemark

GOOD = st.tuples(st.floats(100, 110), st.floats(25, 33))
NUMBER_TEXT = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(
    ["abc", "", "nan", "inf", "-inf", "1e308", "-1e308", "NaN", "0x10", "1,5", "  ", "105.7.1", "北纬"]),
    st.text(alphabet="0123456789.-eE+ ", max_size=12))
ROWS = st.lists(st.one_of(GOOD.map(lambda p: ("good", p)), st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(lambda p: ("raw", p))),
                min_size=1, max_size=12)
# lon 3, lat 73 (near Svalbard) looks like a swapped lat/lon of China: written that way in a format
# that fixes the axis order, it must stay as written (CI found this case)
SVALBARD = [("raw", ("3", "73"))]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _expected(rows):
    """The (lon, lat) a row means when it is a valid WGS84 position, else None."""
    out = []
    for kind, (a, b) in rows:
        if kind == "good":
            out.append((float(a), float(b)))
            continue
        try:
            x, y = float(a), float(b)
        except ValueError:
            out.append(None)
            continue
        ok = math.isfinite(x) and math.isfinite(y) and abs(x) <= 180 and abs(y) <= 90
        out.append((x, y) if ok else None)
    return out


def _check(result_or_error, rows):
    expected = [p for p in _expected(rows)]
    kept = [p for p in expected if p is not None]
    if isinstance(result_or_error, DataImportError):
        assert kept == [], f"refused although {kept} are positions: {result_or_error}"
        return
    gdf = result_or_error.gdf
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    assert np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    got = sorted(map(tuple, np.round(xy, 6)))
    assert got == sorted((round(x, 6), round(y, 6)) for x, y in kept)  # what was written, nothing invented
    skipped = len(expected) - len(kept)
    if skipped:
        assert any(f"{skipped} of {len(expected)}" in line.text("en") for line in result_or_error.report)


def _run(path):
    try:
        return import_file(path, crs="EPSG:4326")
    except DataImportError as exc:
        return exc


def _text(value) -> str:
    return value if isinstance(value, str) else repr(value)


@FUZZ
@given(ROWS)
@example(SVALBARD)
def test_kml_placemarks(tmp_path, rows):
    def cell(v):  # a KML tuple is "lon,lat": commas, spaces and markup inside a value are not the fuzz here
        return re.sub(r"[\s,<&]", "", _text(v))

    rows = [(k, (cell(a), cell(b))) for k, (a, b) in rows]
    body = "".join(_placemark(f"{a},{b}", f"p{i}") for i, (_, (a, b)) in enumerate(rows))
    path = tmp_path / "f.kml"
    path.write_text(_kml(body), encoding="utf-8")
    _check(_run(path), rows)


@FUZZ
@given(ROWS)
@example(SVALBARD)
def test_gpx_waypoints(tmp_path, rows):
    body = "".join(f'<wpt lat="{_text(b)}" lon="{_text(a)}"/>'.replace("<w", "\0").replace("<", "").replace("&", "").replace("\0", "<w")
                   for _, (a, b) in rows)
    path = tmp_path / "f.gpx"
    path.write_text(_gpx(body), encoding="utf-8")
    rows = [(k, (_text(a).strip(), _text(b).strip())) for k, (a, b) in rows]
    _check(_run(path), rows)


@FUZZ
@given(ROWS)
@example(SVALBARD)
def test_geojson_points(tmp_path, rows):
    def number(v):
        try:
            f = float(v)
        except ValueError:
            return json.dumps(_text(v))  # a string where a number belongs
        return "NaN" if f != f else "Infinity" if f == math.inf else "-Infinity" if f == -math.inf else repr(f)

    feats = ",".join('{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[%s,%s]}}'
                     % (number(a), number(b)) for _, (a, b) in rows)
    path = tmp_path / "f.geojson"
    path.write_text('{"type":"FeatureCollection","features":[%s]}' % feats, encoding="utf-8")
    expected = _expected(rows)
    result = _run(path)
    if not isinstance(result, DataImportError):
        xy = shapely.get_coordinates(result.gdf.geometry.to_numpy())
        assert sorted(map(tuple, np.round(xy, 6))) == sorted((round(x, 6), round(y, 6)) for x, y in
                                                             (p for p in expected if p is not None))
    else:
        assert all(p is None for p in expected)


@FUZZ
@given(ROWS)
def test_csv_rows(tmp_path, rows):
    path = tmp_path / "f.csv"
    lines = ["lon,lat"] + [f'"{_text(a)}","{_text(b)}"' for _, (a, b) in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [(k, (_text(a).strip(), _text(b).strip())) for k, (a, b) in rows]
    result = _run(path)
    expected = [p for p in _expected(rows)]
    if isinstance(result, DataImportError):
        assert all(p is None for p in expected) or str(result)
        return
    xy = shapely.get_coordinates(result.gdf.geometry.to_numpy())
    assert np.isfinite(xy).all() and (np.abs(xy) <= 180).all()
    assert len(xy) <= len(rows) and not any((x, y) == (0.0, 0.0) for x, y in xy if (0.0, 0.0) not in expected)


def test_a_text_coordinate_kml_is_not_a_point_at_zero(tmp_path):
    path = tmp_path / "t.kml"
    path.write_text(_kml(_placemark("abc,def")), encoding="utf-8")
    with pytest.raises(DataImportError, match=r"no feature is usable.*placemarks 1"):
        import_file(path)

"""Every coordinate the README (and the CLI help) shows is read as it says; whatever else is typed
gives a finite, in-range position or a ValueError with a message — never 0, 0 and never a crash."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.coords import parse
from geodata.fieldcheck import check

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
# a code span that is only a coordinate: digits with degree marks, hemisphere letters or words, commas
_COORDINATE_SPAN = re.compile(r"^[\d\s.,°'\"′″NSEWnsew东西南北经纬度分秒+-]+$")


def readme_coordinates() -> list[str]:
    """Code spans of the README and the quoted positions of its `python main.py here/goto` lines."""
    spans = re.findall(r"`([^`\n]+)`", README)
    spans += re.findall(r'main\.py (?:here|goto) "([^"]+)"', README)
    found = []
    for span in spans:
        span = span.strip()
        if _COORDINATE_SPAN.match(span) and re.search(r"\d", span) and (
                re.search(r"[°NSEW经纬]", span) or re.fullmatch(r"-?\d+\.\d+,\s*-?\d+\.\d+", span)):
            found.append(span)
    return sorted(set(found))


def test_the_readme_shows_pairs_and_single_values():
    found = readme_coordinates()
    assert {"29°41'30\"N 105°42'E", "东经105°42′ 北纬29°41′", "106°43'30\"E", "北纬29°41′", "105.7,29.69"} <= set(found)


@pytest.mark.parametrize("text", readme_coordinates())
def test_every_readme_coordinate_is_read(text):
    values = re.findall(r"\d+(?:\.\d+)?\s*°?", text)
    if len(re.findall(r"[NSEW]|[东西]经|[南北]纬", text)) == 1 or ("," not in text and len(text.split()) == 1
                                                               and not re.search(r"\d\s+\d", text)):
        value = parse.parse_degrees(text)  # a table cell: one value with its hemisphere
        assert math.isfinite(value) and 0 < value < 180
    else:
        lon, lat = parse.parse_lonlat(text)
        assert 100 < lon < 111 and 28 < lat < 32, (text, values)


def test_the_check_command_reads_dms_cells_with_hemisphere_letters(tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text("id,name,lon,lat\nO1,a,106°43'30\"E,29°41'30\"N\nO2,b,东经105°42′,北纬29°41′\n", encoding="utf-8")
    obs = check.read_csv_observations(path)
    assert list(obs["raw_x"]) == pytest.approx([106 + 43 / 60 + 30 / 3600, 105.7])
    assert list(obs["raw_y"]) == pytest.approx([29 + 41 / 60 + 30 / 3600, 29 + 41 / 60])
    path.write_text("id,name,lon,lat\nO1,a,29°41'N,106°E\n", encoding="utf-8")  # the columns say which is which
    with pytest.raises(check.ObservationError, match="line 2"):
        check.read_csv_observations(path)


@pytest.mark.parametrize("text,message", [("106°43'30\"N", "is a latitude"), ("200", "out of range"), ("nan", "cannot read"),
                                          ("inf", "cannot read"), ("1e400", "cannot read"), ("abc", "cannot read"),
                                          ("9" * 190, "out of range"), ("", "empty")])
def test_parse_degrees_refuses_what_is_not_a_longitude(text, message):
    with pytest.raises(ValueError, match=message):
        parse.parse_degrees(text, "lon")


def assert_coordinate_error(exc: ValueError) -> None:
    """Refused with our bilingual message (not a stray float() or regex error)."""
    from geodata.coords.datums import CoordinateError

    assert isinstance(exc, CoordinateError), repr(exc)
    assert any("\u4e00" <= c <= "\u9fff" for c in exc.message.zh) and exc.message.en and exc.message.en != exc.message.zh


TYPED = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789.,-+ °'\"′″NSEWnsew东西南北经纬度分秒eE", max_size=40),
    st.builds(lambda a, b: f"{a}, {b}", st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True)),
    st.builds(lambda a, b: f"{a}°{b}′N", st.integers(-1000, 1000), st.integers(-100, 100)),
)


@settings(max_examples=400, deadline=None)
@given(TYPED)
def test_fuzzed_pairs_parse_to_a_real_position_or_raise_value_error(text):
    try:
        lon, lat = parse.parse_lonlat(text)
    except ValueError as exc:
        assert_coordinate_error(exc)
    else:
        assert math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


@settings(max_examples=300, deadline=None)
@given(TYPED, st.sampled_from([None, "lon", "lat"]))
def test_fuzzed_cells_parse_to_a_degree_in_range_or_raise_value_error(text, axis):
    try:
        value = parse.parse_degrees(text, axis)
    except ValueError as exc:
        assert_coordinate_error(exc)
    else:
        assert math.isfinite(value) and abs(value) <= (90 if axis == "lat" else 180)


@settings(max_examples=200, deadline=None)
@given(TYPED, st.sampled_from(["wgs84", "gcj02", "bd09", "gk3", "gk6"]))
def test_fuzzed_coordinates_in_every_datum_are_finite_or_refused(text, datum):
    try:
        p = parse.parse_coordinate(text, datum, zone=35)
    except ValueError:
        return
    assert all(math.isfinite(v) for v in (p.lon, p.lat)) and abs(p.lon) <= 180 and abs(p.lat) <= 90


def test_very_long_text_is_refused_quickly():
    with pytest.raises(ValueError, match="too long"):
        parse.parse_lonlat("1" * 100_000 + ", 2")


def test_the_examples_in_the_here_help_are_read():
    import main

    parser = main.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices["here"]
    quoted = re.findall(r'"([^"]+)"', sub.description)
    assert len(quoted) == 2
    for text in quoted:
        lon, lat = parse.parse_lonlat(text)
        assert 105 < lon < 106 and 29 < lat < 30

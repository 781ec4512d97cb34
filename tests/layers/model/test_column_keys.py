"""Class keys computed column-wise read exactly as `class_value` reads each value."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings, strategies as st

from layers.model.layer_cache import class_value, column_keys

floats = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.integers(-10**16, 10**16).map(float)
texts = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["", "  ", "planned", "交通"]))


def _same(series: pd.Series, column: str = "x") -> None:
    expected = [class_value(column, v) for v in series.tolist()]
    assert column_keys(series, column).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(floats, max_size=30))
def test_float_columns(values):
    _same(pd.Series(values, dtype="float64"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-10**12, 10**12)), max_size=30))
def test_nullable_integer_columns(values):
    _same(pd.Series(values, dtype="Int64"))
    _same(pd.Series([v for v in values if v is not None], dtype="int64"))


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, max_size=30))
def test_text_columns(values):
    _same(pd.Series(values, dtype=object))


def test_mixed_objects_and_themes_fall_back_to_each_value():
    _same(pd.Series([1, "a", None, 2.5, True], dtype=object))
    _same(pd.Series(["transport,water", "ecology", None, ""], dtype=object), "themes")
    _same(pd.Series([True, False, None], dtype=object))
    _same(pd.Series(["a", "b"], dtype="string"))
    _same(pd.Series(["a", None], dtype="string"))

import math

import numpy as np
import pandas as pd

from geodata.core.values import is_blank, value_text


def test_blanks_of_every_kind_read_as_empty():
    for blank in (None, float("nan"), pd.NA, pd.NaT, np.float64("nan"), "  ", pd.array([None], dtype="Int64")[0]):
        assert is_blank(blank) and value_text(blank) == ""
    for value in (0, 0.0, "0", False, np.int64(0)):
        assert not is_blank(value)


def test_numbers_read_as_a_person_writes_them():
    assert value_text(2023.0) == "2023"
    assert value_text(pd.array([2023], dtype="Int64")[0]) == "2023"
    assert value_text(np.float64(105.72673312)) == "105.7267331"
    assert value_text(1234.5) == "1234.5"
    assert value_text(math.pi) == "3.141592654"


def test_coded_columns_read_as_words_in_the_language():
    assert value_text("transport,ecology", "zh", "themes") == "交通、生态环保"
    assert value_text("transport,ecology", "en", "themes") == "Transport, Ecology"
    assert value_text("under_construction", "zh", "status") == "在建"
    assert value_text("high_speed", "en", "kind") == "High-speed rail"
    assert value_text('["大足", "荣昌"]', "zh", "control_points") == "大足 → 荣昌"
    assert value_text("something_else", "en", "status") == "something_else"

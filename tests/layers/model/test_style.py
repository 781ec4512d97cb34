"""Class keys, their words and the texts a layer shows all come from geodata.core.values."""
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geodata.core.values import CODED_VALUES
from layers.model.layer_cache import LayerCache
from layers.model.style import default_layer_style, describe_key


def test_describe_key_reads_the_coded_values_in_both_languages():
    assert describe_key(("kind", "status"), "high_speed|under_construction") == ("高速铁路 · 在建",
                                                                                "High-speed rail · Under construction")
    assert describe_key(("cross_border", "kind"), "0|main") == ("干流", "Main river")  # "0" has no words
    assert describe_key(("kind",), "monorail") == ("monorail", "monorail")  # unknown: the value itself
    zh, en = CODED_VALUES["level"]["city"]
    assert describe_key(("level", "in_circle"), "city|1") == (f"{zh} · 1", f"{en} · 1")


def test_bundled_styles_label_their_classes_from_the_same_words():
    railways = default_layer_style("railways", "LineString")
    assert railways.classes["intercity|planned"].label_zh == "城际铁路 · 规划"
    assert railways.classes["intercity|planned"].label_en == "Intercity rail · Planned"


def test_class_keys_ids_and_label_texts_use_the_one_value_text():
    gdf = gpd.GeoDataFrame(
        {"adcode": [500111.0, 500112.0, None],  # a float column, as a CSV with a gap reads
         "cross_border": pd.array([1, pd.NA, 0], dtype="Int64"),
         "themes": ["water,ecology", "", None],
         "name_zh": ["  大足  ", None, float("nan")],
         "name_en": ["Dazu", "Yubei", None],
         "year": [2023.0, None, 2021.5]},
        geometry=[Point(105.7, 29.7), Point(106.6, 29.7), Point(106.5, 29.5)], crs=4326)
    cache = LayerCache(gdf)
    assert cache.class_keys(("cross_border", "themes")).tolist() == ["1|water", "|", "0|"]
    assert cache.class_keys(("year",)).tolist() == ["2023", "", "2021.5"]
    assert cache.ids == ["500111", "500112", ""]
    assert cache.label_texts("name_zh", "name_en") == ["大足", "Yubei", ""]

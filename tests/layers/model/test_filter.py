import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from geodata.core.themes import STATUSES, THEMES
from layers.model.filter import Filter, search_key
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf


def names_kept(flt, gdf, **kw):
    return list(gdf["id"][flt.mask(gdf, **kw)])


def test_empty_filter_keeps_everything():
    gdf = projects_gdf()
    assert Filter().mask(gdf).all()
    assert Filter().is_empty


def test_theme_filter_matches_any_of_a_features_themes():
    gdf = projects_gdf()
    assert names_kept(Filter(themes=["culture_tourism"]), gdf) == ["p-west", "p-station"]
    assert names_kept(Filter(themes=["innovation"]), gdf) == ["p-east"]


def test_status_and_year_filters():
    gdf = projects_gdf()
    assert names_kept(Filter(statuses=["planned"]), gdf) == ["p-east"]
    assert names_kept(Filter(year_min=2022), gdf) == ["p-east"]
    assert names_kept(Filter(year_max=2022, keep_undated=True), gdf) == ["p-west", "p-station"]


def test_district_filter_is_spatial():
    gdf = projects_gdf()
    d = districts_gdf()
    # no district field on the points: only their position says where they are
    assert names_kept(Filter(districts=["510111"]), gdf, districts=d) == ["p-west"]
    assert names_kept(Filter(districts=["500222"]), gdf, districts=d) == ["p-east", "p-station"]
    assert names_kept(Filter(cities=["500200"]), gdf, districts=d) == ["p-east", "p-station"]
    assert names_kept(Filter(provinces=["510000"]), gdf, districts=d) == ["p-west"]


def test_a_line_crossing_two_districts_matches_both():
    rail = railway_gdf()
    d = districts_gdf()
    assert Filter(districts=["510111"]).mask(rail, districts=d).tolist() == [True]
    assert Filter(districts=["500222"]).mask(rail, districts=d).tolist() == [True]
    assert Filter(districts=["999999"]).mask(rail, districts=d).tolist() == [False]


@pytest.mark.parametrize("query", ["dazu", "dz", "大足", "DZSKZ", "rock carvings", "dazushike"])
def test_text_search_by_chinese_pinyin_and_initials(query):
    assert names_kept(Filter(text=query), projects_gdf()) == ["p-station"]


def test_text_search_tokens_must_all_match():
    assert names_kept(Filter(text="dz xiqu"), projects_gdf()) == []
    assert names_kept(Filter(text="xq wenlv"), projects_gdf()) == ["p-west"]


def test_search_key_contains_pinyin_of_polyphonic_city():
    assert "chongqing" in search_key(["重庆市"])


def test_layers_without_a_field_are_not_filtered_by_it():
    d = districts_gdf()  # no themes, no status
    assert Filter(themes=["energy"], statuses=["planned"]).mask(d).all()


def test_layer_dims_limit_what_applies():
    gdf = projects_gdf()
    assert Filter(themes=["energy"]).mask(gdf, dims=("place",)).all()


def test_unknown_theme_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown theme"):
        Filter(themes=["spaceflight"])
    with pytest.raises(ValueError, match="empty"):
        Filter(year_min=2030, year_max=2020)


def test_counts_per_theme_and_status_are_faceted():
    gdf = projects_gdf()
    counts = Filter(themes=["industry"]).counts([gdf])
    # theme counts ignore the theme selection: each box says what ticking it would show
    assert counts["themes"]["culture_tourism"] == 2
    assert counts["themes"]["industry"] == 1
    assert counts["themes"]["energy"] == 0
    # status counts respect the theme selection
    assert counts["statuses"] == {"planned": 1, "under_construction": 0, "operating": 0}
    assert counts["total"]["features"] == 1


filters = st.builds(
    Filter,
    themes=st.lists(st.sampled_from(list(THEMES)), max_size=3),
    statuses=st.lists(st.sampled_from(list(STATUSES)), max_size=2),
    districts=st.lists(st.from_regex(r"5[01][0-9]{4}", fullmatch=True), max_size=2),
    year_min=st.one_of(st.none(), st.integers(1990, 2020)),
    year_max=st.one_of(st.none(), st.integers(2021, 2040)),
    text=st.text(max_size=8),
    keep_undated=st.booleans(),
)


@given(filters)
def test_filter_round_trips_through_json(flt):
    again = Filter.from_dict(json.loads(json.dumps(flt.to_dict())))
    assert again == flt
    assert np.array_equal(again.mask(projects_gdf()), flt.mask(projects_gdf()))


def test_counts_per_layer_follow_the_whole_filter():
    from layers.model.document import MapDocument, MapLayer

    doc = MapDocument([MapLayer("districts", districts_gdf(), filter_dims=()),
                       MapLayer("projects", projects_gdf()), MapLayer("railways", railway_gdf())])
    counts = Filter(statuses=["planned"]).counts(doc.layers)
    assert counts["layers"] == {"districts": 2, "projects": 1, "railways": 0}


def test_describe_names_district_city_and_province_filters_in_chinese():
    text = Filter(districts=["500111"], cities=["510100"], provinces=["510000"]).describe("zh")
    assert "大足区" in text and "成都市" in text and "四川省" in text
    assert "500111" not in text and "510100" not in text


def test_describe_names_places_in_english():
    text = Filter(districts=["500111", "512021"]).describe("en")
    assert "Dazu District" in text and "Anyue County" in text
    assert "大足" not in text and "500111" not in text


def test_describe_tells_apart_counties_that_share_a_name():
    text = Filter(districts=["511002", "511102"]).describe("zh")  # 市中区 of 内江 and of 乐山
    assert "内江市市中区" in text and "乐山市市中区" in text


def test_describe_shows_an_unknown_adcode_as_given_and_accepts_its_own_names():
    assert "999999" in Filter(districts=["999999"]).describe("zh")
    assert Filter(districts=["1"]).describe("en", names={"1": ("甲区", "Jia")}) == "areas Jia"

"""Styles by attribute: categorized keys and colours, graduated breaks that cover the data, and
label settings, all surviving a project file."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from layers.model.classify import (categorized_style, class_breaks, feature_keys, graduated_keys, graduated_style,
                                   ramp_colours, with_breaks)
from layers.model.document import MapDocument, MapLayer
from layers.model.events import LayerChanged
from layers.model.project_file import load_project, save_project
from layers.model.style import LabelSettings


def _points(values: dict) -> gpd.GeoDataFrame:
    n = len(next(iter(values.values())))
    return gpd.GeoDataFrame(values, geometry=[Point(105.5 + i * 0.01, 29.5) for i in range(n)], crs=4326)


@pytest.fixture
def layer():
    gdf = _points({"status": ["planned", "operating", "planned", "under_construction", None],
                   "themes": ["transport,water", "ecology", "transport", "water", "ecology"],
                   "value": [1.0, 2.0, 10.0, 11.0, 40.0]})
    return MapLayer(name="pts", data=gdf)


def test_categorized_has_one_class_per_value_in_vocabulary_order_with_words_and_distinct_colours(layer):
    style = categorized_style(layer.style, layer.data, "point", "status")
    assert list(style.classes) == ["planned", "under_construction", "operating", ""]
    assert [c.label_zh for c in style.classes.values()] == ["规划", "在建", "建成/运营", "无数据"]
    assert style.classes["operating"].label_en == "Operating"
    fills = [c.style.fill for c in style.classes.values()]
    assert len(set(fills)) == 4
    keys = feature_keys(style, layer.cache)
    assert keys.tolist() == ["planned", "operating", "planned", "under_construction", ""]


def test_categorized_by_themes_uses_the_primary_theme_and_its_map_colour(layer):
    style = categorized_style(layer.style, layer.data, "point", "themes")
    assert set(style.classes) == {"transport", "ecology", "water"}
    assert style.classes["transport"].style.fill == "#1f5fbf"
    assert feature_keys(style, layer.cache).tolist()[0] == "transport"


@pytest.mark.parametrize("method", ["equal_interval", "quantile", "jenks"])
def test_graduated_breaks_are_monotonic_and_cover_the_data(method):
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(10, 2, 200), rng.normal(60, 5, 50), [np.nan]])
    breaks = class_breaks(values, 5, method)
    assert len(breaks) == 6
    assert all(a < b for a, b in zip(breaks, breaks[1:]))
    finite = values[np.isfinite(values)]
    assert breaks[0] == finite.min() and breaks[-1] == finite.max()
    keys = graduated_keys(values, breaks)
    assert (keys[np.isfinite(values)] != "").all() and keys[-1] == ""  # every number has a class
    index = keys[np.isfinite(values)].astype(int)
    low = np.asarray(breaks)[index]
    high = np.asarray(breaks)[index + 1]
    assert ((finite >= low) & (finite <= high)).all()


def test_natural_breaks_find_the_gap_between_two_clusters():
    values = [1, 2, 3, 4, 100, 101, 102]
    breaks = class_breaks(values, 2, "jenks")
    assert breaks == [1, 4, 102]
    assert graduated_keys(np.array(values, float), breaks).tolist() == ["0"] * 4 + ["1"] * 3


def test_few_distinct_values_give_fewer_classes():
    assert class_breaks([5, 5, 5], 5, "quantile") == [5, 5]
    assert len(class_breaks([1, 2, 3], 5, "equal_interval")) == 4


def test_graduated_style_labels_ranges_and_ramps_light_to_dark(layer):
    style = graduated_style(layer.style, layer.data, "point", "value", 3, "equal_interval", "blues")
    assert style.breaks == (1.0, 14.0, 27.0, 40.0)
    assert [c.label_zh for c in style.classes.values()] == ["1 – 14", "14 – 27", "27 – 40"]
    lightness = [sum(int(c.style.fill[i:i + 2], 16) for i in (1, 3, 5)) for c in style.classes.values()]
    assert lightness == sorted(lightness, reverse=True)
    assert feature_keys(style, layer.cache).tolist() == ["0", "0", "0", "0", "2"]
    edited = with_breaks(style, [1, 5, 20, 40])
    assert feature_keys(edited, layer.cache).tolist() == ["0", "0", "1", "1", "2"]
    assert edited.classes["0"].style.fill == style.classes["0"].style.fill


def test_ramp_has_n_distinct_colours():
    assert len(set(ramp_colours("viridis", 7))) == 7


def test_style_and_label_changes_fire_events_and_survive_a_project_file(tmp_path, layer):
    doc = MapDocument(layers=[layer])
    events = []
    doc.subscribe(events.append)
    doc.set_style("pts", categorized_style(layer.style, layer.data, "point", "status", palette="dark2"))
    labels = LabelSettings(size_pt=12, color="#aa0000", halo=False)
    doc.set_layer("pts", labels=labels, label_field="status", show_labels=True)
    assert events[0] == LayerChanged("pts", frozenset({"style"}))
    assert events[1].changes == frozenset({"labels", "label_field"})
    doc.set_layer("pts", labels=labels)  # unchanged: nothing sent
    assert len(events) == 2
    path = save_project(doc, tmp_path / "p.cyproj")
    loaded = load_project(path)
    assert not loaded.report
    again = loaded.document.layer("pts")
    assert again.style == doc.layer("pts").style and again.style.renderer == "categorized"
    assert again.labels == labels and again.label_field == "status"
    doc.set_style("pts", graduated_style(layer.style, layer.data, "point", "value", 2, "quantile"))
    again = load_project(save_project(doc, tmp_path / "g.cyproj")).document.layer("pts")
    assert again.style.breaks == doc.layer("pts").style.breaks and again.style.method == "quantile"


def test_an_old_project_without_renderers_or_label_settings_opens_as_before(tmp_path, layer):
    import json

    doc = MapDocument(layers=[layer])
    path = save_project(doc, tmp_path / "old.cyproj")
    data = json.loads(path.read_text())
    entry = data["document"]["layers"][0]
    del entry["labels"]
    for key in ("renderer", "attribute", "method", "breaks", "palette", "attribute_zh", "attribute_en"):
        del entry["style"][key]
    for key in ("label_halo", "label_halo_pt"):
        del entry["style"]["base"][key]
    path.write_text(json.dumps(data))
    loaded = load_project(path)
    assert not loaded.report
    again = loaded.document.layer("pts")
    assert again.style.renderer == "single" and again.labels == LabelSettings()
    assert again.style.base == layer.style.base


def test_damaged_renderer_values_are_reset_with_a_report(tmp_path, layer):
    import json

    doc = MapDocument(layers=[layer])
    path = save_project(doc, tmp_path / "bad.cyproj")
    data = json.loads(path.read_text())
    entry = data["document"]["layers"][0]
    entry["style"]["breaks"] = [3, 1, "x"]
    entry["labels"] = {"size_pt": 1e9, "color": [1]}
    path.write_text(json.dumps(data))
    loaded = load_project(path)
    text = " ".join(m.en for m in loaded.report)
    assert "style" in text and "labels" in text
    again = loaded.document.layer("pts")
    assert again.labels == LabelSettings() and again.style.breaks == ()


def test_natural_breaks_of_many_values_are_found_on_a_sample_and_still_cover_the_data():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1, 15000), rng.normal(50, 1, 5000)])
    breaks = class_breaks(values, 2, "jenks")
    assert breaks[0] == values.min() and breaks[-1] == values.max()
    assert 3 < breaks[1] < 47  # the gap between the two clusters
    assert (graduated_keys(values, breaks) != "").all()


def test_a_style_by_a_field_the_data_lacks_draws_everything_as_no_data(layer):
    from dataclasses import replace

    graduated = replace(graduated_style(layer.style, layer.data, "point", "value", 2), attribute="gone")
    assert feature_keys(graduated, layer.cache).tolist() == [""] * 5
    assert graduated.style_class("").label_zh == "无数据"
    categorized = replace(categorized_style(layer.style, layer.data, "point", "status"), fields=("gone",), attribute="gone")
    assert feature_keys(categorized, layer.cache).tolist() == [""] * 5

"""Undo/redo of filter and style changes: values come back exactly, whoever made the change."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from layers.model.classify import categorized_style
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.history import DocumentHistory
from layers.model.style import LabelSettings


def _doc() -> MapDocument:
    gdf = gpd.GeoDataFrame({"name_zh": ["甲", "乙"], "status": ["planned", "operating"], "themes": ["transport", "water"]},
                           geometry=[Point(105.6, 29.6), Point(105.7, 29.7)], crs=4326)
    return MapDocument(layers=[MapLayer(name="p", data=gdf, title_zh="点", title_en="Points")])


def test_style_change_undone_and_redone_restores_each_value():
    doc = _doc()
    history = DocumentHistory(doc)
    original = doc.layer("p").style
    saved = original.to_dict()
    categorized = categorized_style(original, doc.layer("p").data, "point", "status")
    doc.set_style("p", categorized)
    doc.set_layer("p", labels=LabelSettings(size_pt=14), show_labels=False)
    assert history.undo_text("zh") == "“点”的样式"
    assert history.undo()
    assert doc.layer("p").labels == LabelSettings() and doc.layer("p").show_labels
    assert history.undo()
    assert doc.layer("p").style.to_dict() == saved and doc.layer("p").style.renderer == "single"
    assert not history.can_undo and not history.undo()
    assert history.redo() and doc.layer("p").style == categorized
    assert history.redo() and doc.layer("p").labels.size_pt == 14
    assert not history.can_redo


def test_an_undone_change_is_not_recorded_again_and_a_new_change_drops_redo():
    doc = _doc()
    history = DocumentHistory(doc)
    doc.set_filter(Filter(themes=("transport",)))
    doc.set_filter(Filter(themes=("transport",), statuses=("planned",)))
    history.undo()
    assert doc.filter == Filter(themes=("transport",))
    assert len(history.undo_steps) == 1 and len(history.redo_steps) == 1
    doc.set_filter(Filter())
    assert not history.can_redo
    history.undo()
    history.undo()
    assert doc.filter == Filter()


def test_typing_in_the_search_text_is_one_step():
    doc = _doc()
    history = DocumentHistory(doc)
    doc.set_filter(Filter(themes=("water",)))
    for text in ("大", "大足", "大足区"):
        doc.set_filter(doc.filter.replace(text=text))
    assert len(history.undo_steps) == 2
    history.undo()
    assert doc.filter == Filter(themes=("water",))


def test_changes_the_history_does_not_keep_are_left_alone_and_removed_layers_forgotten():
    doc = _doc()
    history = DocumentHistory(doc)
    events = []
    history.subscribe(lambda: events.append(history.can_undo))
    doc.set_opacity("p", 0.5)  # not a style change
    assert not history.can_undo and events == []
    doc.set_style("p", categorized_style(doc.layer("p").style, doc.layer("p").data, "point", "themes"))
    assert events == [True]
    doc.remove_layer("p")
    assert not history.can_undo and events[-1] is False

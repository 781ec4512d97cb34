"""Every MapDocument mutator tells its listeners with one typed event, or with none when nothing changed."""
from dataclasses import FrozenInstanceError

import pytest

from layers.model.document import MapDocument, MapLayer
from layers.model.events import (ExtentChanged, FilterChanged, LanguageChanged, LayerAdded, LayerChanged, LayerRemoved,
                                 LayersReordered, SelectionChanged)
from layers.model.filter import Filter
from layers.model.style import LayerStyle, Style
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf


def small_doc() -> MapDocument:
    return MapDocument([
        MapLayer("districts", districts_gdf(), label_field="name_zh"),
        MapLayer("railways", railway_gdf()),
        MapLayer("projects", projects_gdf(), label_field="name_zh"),
    ])


def heard(doc: MapDocument) -> list:
    events: list = []
    doc.subscribe(events.append)
    return events


def test_layer_added_removed_and_reordered_carry_names():
    doc = small_doc()
    events = heard(doc)
    doc.add_layer(MapLayer("extra", projects_gdf()), index=1)
    doc.move_layer("projects", 0)
    doc.remove_layer("extra")
    assert events == [LayerAdded("extra"),
                      LayersReordered(("projects", "districts", "extra", "railways")),
                      LayerRemoved("extra")]
    assert type(events[1].names) is tuple


@pytest.mark.parametrize(("call", "expected"), [
    (lambda d: d.set_visible("railways", False), LayerChanged("railways", frozenset({"visible"}))),
    (lambda d: d.set_opacity("projects", 0.25), LayerChanged("projects", frozenset({"opacity"}))),
    (lambda d: d.set_opacity("projects", 7), LayerChanged("projects", frozenset())),  # clamped to 1.0: no change
    (lambda d: d.set_style("projects", LayerStyle(base=Style(fill="#123456"))),
     LayerChanged("projects", frozenset({"style"}))),
    (lambda d: d.set_layer("projects", label_field="id", title_en="Works", show_labels=True),
     LayerChanged("projects", frozenset({"label_field", "title_en"}))),  # show_labels was already True
])
def test_layer_changed_names_exactly_the_attributes_that_changed(call, expected):
    doc = small_doc()
    events = heard(doc)
    call(doc)
    assert events == ([expected] if expected.changes else [])


def test_replacing_layer_data_is_a_data_change_and_the_same_frame_is_none():
    doc = small_doc()
    events = heard(doc)
    same = doc.layer("projects").data
    doc.set_layer_data("projects", same)
    assert events == []
    doc.set_layer_data("projects", projects_gdf().iloc[:1].copy())
    assert events == [LayerChanged("projects", frozenset({"data"}))]
    assert doc.layer("projects").cache.n == 1


def test_filter_extent_language_and_selection_events_carry_the_new_value():
    doc = small_doc()
    events = heard(doc)
    flt = Filter(themes=["transport"], year_min=2020)
    doc.set_filter(flt)
    doc.set_extent((0, 0, 10, 10))
    doc.language = "en"
    doc.set_selection({"projects": ["p1", 2], "railways": []})
    assert events == [FilterChanged(flt), ExtentChanged((0.0, 0.0, 10.0, 10.0)), LanguageChanged("en"),
                      SelectionChanged({"projects": ("p1", "2")})]
    doc.set_extent(None)
    assert events[-1] == ExtentChanged(None)


def test_setting_what_is_already_there_sends_nothing():
    doc = small_doc()
    doc.set_filter(Filter(statuses=["planned"]))
    doc.set_extent((1, 2, 3, 4))
    doc.set_selection({"projects": ["p1"]})
    events = heard(doc)
    doc.set_filter(Filter(statuses=["planned"]))  # equal, not the same object
    doc.filter = Filter(statuses=["planned"])
    doc.set_extent([1.0, 2.0, 3.0, 4.0])
    doc.language = "zh"
    doc.set_selection({"projects": ("p1",), "railways": []})
    doc.set_visible("railways", True)
    doc.set_layer("projects", opacity=1.0, label_field="name_zh")
    doc.move_layer("districts", 0)
    doc.move_layer("projects", 99)  # already on top
    assert events == []


def test_events_are_frozen_values_and_unsubscribe_stops_them():
    doc = small_doc()
    events = []
    unsubscribe = doc.subscribe(events.append)
    doc.set_visible("railways", False)
    with pytest.raises(FrozenInstanceError):
        events[0].name = "other"
    unsubscribe()
    doc.set_visible("railways", True)
    assert events == [LayerChanged("railways", frozenset({"visible"}))]


def test_a_failing_listener_does_not_stop_the_others():
    doc = small_doc()

    def broken(event):
        raise RuntimeError("view bug")

    doc.subscribe(broken)
    events = heard(doc)
    doc.language = "en"
    assert events == [LanguageChanged("en")]


def test_listeners_can_dispatch_with_match():
    doc = small_doc()
    seen = []

    def view(event):
        match event:
            case LayerChanged(name=name, changes=changes) if "visible" in changes:
                seen.append(("visibility", name))
            case FilterChanged(filter=flt):
                seen.append(("filter", flt.themes))
            case _:
                seen.append(("other", type(event).__name__))

    doc.subscribe(view)
    doc.set_visible("projects", False)
    doc.set_filter(Filter(themes=["ecology"]))
    doc.set_extent((0, 0, 1, 1))
    assert seen == [("visibility", "projects"), ("filter", ("ecology",)), ("other", "ExtentChanged")]

"""The folded legend: one entry per theme/kind symbol and one status key, only what is drawn."""
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.render.legend import STATUS_LAYER, fold_legend
from geodata.coords.projection import lonlat_bounds_to_display
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf

EXTENT = lonlat_bounds_to_display((103.9, 28.9, 106.1, 30.1))


def _doc(flt: Filter) -> MapDocument:
    doc = MapDocument([MapLayer("districts", districts_gdf()), MapLayer("railways", railway_gdf()),
                       MapLayer("projects", projects_gdf())])
    doc.set_filter(flt)
    return doc


def _folded(flt: Filter):
    doc = _doc(flt)
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=300, height=200))
    return fold_legend(result.legend, doc)


def test_folded_entries_for_a_status_filter_are_exactly_the_themes_kinds_and_statuses_drawn():
    got = [(e.layer, e.key, e.label_zh) for e in _folded(Filter(statuses=["operating", "planned"]))]
    assert got == [
        ("projects", "culture_tourism", "文化旅游"),
        ("projects", "industry", "产业协作"),
        ("railways", "high_speed", "高速铁路"),
        ("districts", "1|0", "经济圈内区县"),
        (STATUS_LAYER, "operating", "建成/运营"),
        (STATUS_LAYER, "planned", "规划"),
    ]


def test_the_status_key_lists_only_statuses_drawn_and_the_theme_keeps_its_solid_symbol():
    folded = _folded(Filter(statuses=["planned"]))
    assert [(e.layer, e.key) for e in folded if e.layer == STATUS_LAYER] == [(STATUS_LAYER, "planned")]
    industry = next(e for e in folded if e.key == "industry")
    assert industry.style.fill == "#e8590c" and industry.count == 1  # not the hollow planned symbol


def test_without_status_classes_nothing_is_folded_and_no_key_appears():
    doc = MapDocument([MapLayer("districts", districts_gdf())])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=300, height=200))
    assert fold_legend(result.legend, doc) == result.legend


def test_one_class_layers_name_themselves_and_headings_cover_only_their_own_layer():
    from layers.render.legend import legend_blocks
    from layers.render.request import LegendEntry
    from layers.model.style import Style

    def entry(layer, title, key, label):
        return LegendEntry(layer, title, title, key, label, label, Style(), "line", 1)

    entries = [entry("expressways", "高速公路", "expressway", "高速公路"), entry("expressways", "高速公路", "national_road", "国道"),
               entry("partnerships", "合作结对", "ecology", "生态环保"), entry("stations", "车站", "", "车站"),
               entry("cities", "地级市", "1", "地级市界"), entry("rivers", "河流", "1|main", "跨界河流 · 干流"),
               entry(STATUS_LAYER, "建设状态", "planned", "规划")]
    blocks = legend_blocks(entries, "zh")
    assert [(b.heading, [r.label for r in b.rows]) for b in blocks] == [
        ("高速公路", ["高速公路", "国道"]),
        (None, ["合作结对：生态环保"]),
        (None, ["车站"]),
        (None, ["地级市界"]),
        (None, ["跨界河流·干流"]),
        ("建设状态", ["规划"]),  # the status key keeps its heading even with one status drawn
    ]
    assert [b.keep_whole for b in blocks] == [False] * 5 + [True]

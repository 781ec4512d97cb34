"""No text from data, a project file or the command line reaches folium's templates as template source.

branca compiles every rendered script again as a Jinja template, so before the fix a
`{{ 7*7 }}` attribute became 49 on the page and a `{{ cycler.__init__.__globals__.os… }}`
one ran in the exporting process.  Each route is tested with the same payloads: the page
shows them as the literal text, nothing is evaluated, nothing is created.
"""
from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

import main
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.project_file import load_project, save_project
from layers.web.escape import TemplateInjection, check_inert, esc
from layers.web.export_html import build_map, export_html
from tests.layers.web.test_export_web import legend_and_title, overlay_names, page_features

MARK = "PWNEDi16"  # a payload below creates a folder of this name in the working directory if it runs


def payloads() -> list[str]:
    return [
        "{{ 7*7 }}",
        "{% for x in range(3) %}x{% endfor %}",
        "{{ cycler.__init__.__globals__.os.popen('mkdir " + MARK + "a').read() }}",
        "{{ cycler.__init__.__globals__.os.mkdir(dict(" + MARK + "b=1)|first) }}",  # no quotes to escape
        "{# an open comment",
        "{{ an open tag",
        "}} {% endraw %} {%",
    ]


PAYLOADS = payloads()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a payload that ran would leave its folder
    yield
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(MARK)], "a payload ran"


def payload_document() -> MapDocument:
    n = len(PAYLOADS)
    points = gpd.GeoDataFrame(
        {"name_zh": PAYLOADS, "name_en": PAYLOADS[::-1], "note": PAYLOADS, PAYLOADS[0]: PAYLOADS[::-1],
         "source_title": PAYLOADS, "source_sentence": PAYLOADS[::-1],
         "themes": [PAYLOADS[1] if k % 2 else PAYLOADS[3] for k in range(n)]},  # two groups: two entries
        geometry=[Point(104.2 + 0.1 * k, 29.4) for k in range(n)], crs=4326)
    lines = gpd.GeoDataFrame({"name": PAYLOADS[:2]}, geometry=[LineString([(104.1, 29.1), (105.9, 29.9)]),
                                                               LineString([(104.1, 29.9), (105.9, 29.1)])], crs=4326)
    return MapDocument([
        MapLayer(PAYLOADS[2], lines, title_zh=PAYLOADS[0], title_en=PAYLOADS[2]),
        MapLayer(PAYLOADS[0], points, title_zh=PAYLOADS[3], title_en=PAYLOADS[1], label_field="name_zh"),
    ])


def shown(fragment: str) -> str:
    """What a reader sees of an innerHTML fragment: its text, references decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def page_texts(text: str) -> dict[str, list[str]]:
    features = page_features(text)
    title, legend = legend_and_title(text)
    return {
        "popups": [shown(f["properties"]["popup"]) for f in features if "popup" in f["properties"]],
        "tooltips": [html.unescape(f["properties"]["name"]) for f in features if "popup" in f["properties"]],
        "labels": [shown(f["properties"]["label"]) for f in features if "label" in f["properties"]],
        "layer control": [html.unescape(name) for name in overlay_names(text)],
        "legend": [shown(legend)],
        "title box": [shown(title)],
        "<title>": [html.unescape(re.search(r"<title>(.*?)</title>", text, flags=re.DOTALL).group(1))],
    }


def assert_literal(text: str, expected: dict[str, list[str]]) -> None:
    """Every payload of each route is on the page as typed; no trace of one evaluated."""
    texts = page_texts(text)
    for route, wanted in expected.items():
        joined = "\n".join(texts[route])
        for payload in wanted:
            assert payload in joined, (route, payload)
    everything = "\n".join(t for ts in texts.values() for t in ts)
    text = re.sub(r"data:font/woff;base64,[A-Za-z0-9+/=]+", "data:font/woff;base64,", text)  # the embedded font's bytes
    assert "xxx" not in everything and "xxx" not in text  # the loop did not run
    assert not re.search(r"(?<![\d.])49(?![\d.])", everything)  # 7*7 was not computed
    assert "{{" not in text and "{%" not in text and "{#" not in text  # nothing left for a later render


def test_payloads_in_attributes_names_themes_labels_and_title_stay_literal(tmp_path):
    out = export_html(payload_document(), tmp_path / "p.html", basemap="none", title=" ".join(PAYLOADS))
    text = out.read_text(encoding="utf-8")
    assert_literal(text, {
        "popups": PAYLOADS, "tooltips": PAYLOADS, "labels": PAYLOADS,
        "layer control": [PAYLOADS[0], PAYLOADS[3], PAYLOADS[1]],  # layer titles and theme groups
        "legend": [PAYLOADS[0], PAYLOADS[3]], "title box": [" ".join(PAYLOADS)], "<title>": [" ".join(PAYLOADS)],
    })
    assert len(page_features(text)) >= len(PAYLOADS) + 2


def test_english_page_and_a_filter_text_in_the_subtitle_stay_literal(tmp_path):
    document = payload_document()
    document.set_filter(Filter(text=PAYLOADS[0]))
    out = export_html(document, tmp_path / "p.html", basemap="osm", language="en")
    text = out.read_text(encoding="utf-8")
    assert_literal(text, {"title box": [PAYLOADS[0]], "layer control": [PAYLOADS[2], PAYLOADS[1]],
                          "popups": [PAYLOADS[0]]})
    assert 0 < len([f for f in page_features(text) if "popup" in f["properties"]]) < len(PAYLOADS) + 2


def test_a_project_files_inline_layer_stays_literal(tmp_path):
    project = save_project(payload_document(), tmp_path / "p.cyproj")
    data = json.loads(project.read_text(encoding="utf-8"))
    assert {layer["data_ref"]["kind"] for layer in data["document"]["layers"]} == {"inline"}
    loaded = load_project(project)
    assert [l.name for l in loaded.document.layers] == [PAYLOADS[2], PAYLOADS[0]]
    text = export_html(loaded.document, tmp_path / "p.html", basemap="none").read_text(encoding="utf-8")
    assert_literal(text, {"popups": PAYLOADS, "labels": PAYLOADS, "layer control": [PAYLOADS[0], PAYLOADS[3]]})


@pytest.mark.slow
def test_command_line_title_stays_literal(tmp_path):
    out = tmp_path / "cli.html"
    title = PAYLOADS[0] + " " + PAYLOADS[3]
    assert main.main(["export", str(out), "--basemap", "none", "--title", title, "--district", "大足区"]) == 0
    text = out.read_text(encoding="utf-8")
    assert_literal(text, {"<title>": [title], "title box": [title]})


def test_esc_writes_braces_and_js_line_breaks_as_references():
    assert esc("{{ 7*7 }}") == "&#123;&#123; 7*7 &#125;&#125;"
    assert esc("a\u2028b\u2029c") == "a&#8232;b&#8233;c"
    assert html.unescape(esc("{% x %} <b>\u2028")) == "{% x %} <b>\u2028"


def test_a_route_that_forgets_to_escape_fails_before_anything_is_written(tmp_path, monkeypatch):
    import layers.web.features as features

    monkeypatch.setattr(features, "esc", lambda v: str(v))  # a popup/tooltip route without esc
    with pytest.raises(TemplateInjection, match="template syntax"):
        export_html(payload_document(), tmp_path / "p.html", basemap="none")
    assert list(tmp_path.iterdir()) == []


def test_check_inert_finds_a_tag_anywhere_in_the_element_tree():
    import folium

    fmap, _ = build_map(payload_document(), basemap="none")
    check_inert(fmap.get_root())  # the real page: nothing a second render would evaluate
    for bad in ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None,
                                                             "properties": {"deep": ["ok", {"x": "{% if 1 %}"}]}}]},):
        folium.GeoJson(bad).add_to(fmap)
        with pytest.raises(TemplateInjection):
            check_inert(fmap.get_root())
    fmap2, _ = build_map(payload_document(), basemap="none")
    folium.FeatureGroup(name="{# x").add_to(fmap2)
    with pytest.raises(TemplateInjection):
        check_inert(fmap2.get_root())

"""The web-map export (layers/web/export_html.py): what the HTML holds, read back from the file.

The page embeds each group's GeoJSON in a `<name>_add({...});` call and the layer
control in an `overlays : {...}` object; these tests decode both and parse the
HTML, so they check what a browser would get.  The browser itself is in
test_export_web_browser.py.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

import main
from geodata.core.feedback import Cancelled, Feedback
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.web.export_html import export_html
from layers.web.assets import inline_assets
from layers.web.basemaps import basemap_note
from layers.web.escape import esc
from layers.web.leaflet_styles import dash_array
from layers.web.web_labels import LABEL_ZOOM_CITY, LABEL_ZOOM_DISTRICT, LABEL_ZOOM_POINT
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf

HOSTILE = [
    "<script>alert('name')</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    "<svg onload=alert(3)>",
]


# the elements the page's own popups, legend and title use
OWN_TAGS = {"div", "h1", "h4", "p", "table", "tr", "th", "td", "b", "blockquote", "details", "summary", "span",
            "svg", "circle", "line", "rect", "path"}


# ---- reading a page back ---------------------------------------------------------------


def page_features(text: str) -> list[dict]:
    """Every feature the page adds to the map (decoded from the embedded GeoJSON)."""
    features = []
    for match in re.finditer(r"_add\((\{.*\})\);\s*$", text, flags=re.MULTILINE):
        features.extend(json.loads(match.group(1))["features"])
    return features


def drawn(text: str, layer_slug: str | None = None) -> list[dict]:
    """The features drawn as map features (not casings), optionally of one layer."""
    out = []
    for f in page_features(text):
        cls = f["properties"]["style"].get("className", "")
        if "cy-feature" in cls.split() and (layer_slug is None or f"cy-layer-{layer_slug}" in cls.split()):
            out.append(f)
    return out


def overlay_names(text: str) -> list[str]:
    block = re.search(r"overlays :\s*\{(.*?)\}", text, flags=re.DOTALL).group(1)
    return [json.loads(m) for m in re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:', block, flags=re.MULTILINE)]


class Elements(HTMLParser):
    """Tags and attributes of an HTML fragment (what innerHTML would create)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def tile_urls(text: str) -> list[str]:
    return [json.loads(m) for m in re.findall(r"L\.tileLayer\(\s*(\"[^\n]*\"),", text)]


def legend_and_title(text: str) -> tuple[str, str]:
    title = json.loads(re.search(r"title\.innerHTML = (\".*\");", text).group(1))
    legend = json.loads(re.search(r"div\.innerHTML = (\".*\");", text).group(1))
    return title, legend


# ---- documents ----------------------------------------------------------------------


def small_document() -> MapDocument:
    return MapDocument([
        MapLayer("districts", districts_gdf(), title_zh="区县", title_en="Districts"),
        MapLayer("railways", railway_gdf(), title_zh="铁路", title_en="Railways"),
        MapLayer("projects", projects_gdf(), title_zh="重点项目", title_en="Projects"),
    ])


def hostile_document() -> MapDocument:
    n = len(HOSTILE)
    points = gpd.GeoDataFrame(
        {"id": [f"h{i}" for i in range(n)], "name_zh": HOSTILE, "name_en": HOSTILE[::-1],
         "themes": ["culture_tourism"] * n, "status": ["planned"] * n,
         "source_file": HOSTILE, "source_date": ["2024-01-01"] * n, "source_sentence": HOSTILE[::-1],
         "<b onmouseover=alert(9)>col</b>": HOSTILE},
        geometry=[Point(104.2 + 0.3 * i, 29.4) for i in range(n)], crs=4326)
    lines = gpd.GeoDataFrame({"name_zh": HOSTILE[:2], "note": HOSTILE[2:]},
                             geometry=[LineString([(104.1, 29.1), (105.9, 29.9)]), LineString([(104.1, 29.9), (105.9, 29.1)])],
                             crs=4326)
    return MapDocument([
        MapLayer("user_lines", lines, title_zh="<img src=x onerror=alert('layer')>", title_en="lines"),
        MapLayer("user_points", points, title_zh='"><script>alert("title")</script>', title_en="points",
                 label_field="name_zh"),  # labelled: permanent labels are one more innerHTML
    ])


def export(document, tmp_path, name="map.html", **options) -> str:
    out = export_html(document, tmp_path / name, **options)
    assert out == tmp_path / name
    return out.read_text(encoding="utf-8")


# ---- content ------------------------------------------------------------------------------


def test_every_visible_layer_is_on_the_page_with_one_entry_per_feature(tmp_path):
    doc = small_document()
    text = export(doc, tmp_path, basemap="none")
    assert len(drawn(text, "districts")) == 2
    assert len(drawn(text, "railways")) == 1
    assert len(drawn(text, "projects")) == 3
    assert len(drawn(text)) == 6


def test_hidden_layers_are_left_out(tmp_path):
    doc = small_document()
    doc.set_visible("districts", False)
    text = export(doc, tmp_path, basemap="none")
    assert drawn(text, "districts") == []
    assert not any("区县" in name for name in overlay_names(text))
    assert len(drawn(text)) == 4


def test_the_current_filter_decides_which_features_are_written(tmp_path):
    doc = small_document()
    doc.set_filter(Filter(themes=("industry",)))
    text = export(doc, tmp_path, basemap="none")
    names = sorted(f["properties"]["name"] for f in drawn(text, "projects"))
    assert names == ["东县产业园"]
    assert len(drawn(text, "districts")) == 2  # boundaries have no themes: the theme filter does not apply
    assert drawn(text, "railways") == []  # a transport-only railway is filtered out


def test_bundle_export_counts_match_the_filter_mask_of_each_layer(tmp_path):
    doc = MapDocument.from_bundle()
    doc.set_filter(Filter(themes=("transport",), statuses=("under_construction",)))
    text = export(doc, tmp_path, basemap="none")
    for layer in doc.layers:
        expected = int(np.asarray(doc.filter.mask(layer)).sum()) if layer.visible else 0
        assert len(drawn(text, layer.name)) == expected, layer.name
    assert len(drawn(text, "projects")) < len(doc.layer("projects").data)


def test_colours_and_status_dashes_come_from_the_document_style(tmp_path):
    from dataclasses import replace

    doc = small_document()
    style = doc.layer("projects").style
    key = "industry|planned"
    cls = style.classes[key]
    style.classes[key] = replace(cls, style=replace(cls.style, stroke="#123456"))
    doc.set_style("projects", style)
    text = export(doc, tmp_path, basemap="none")
    east = next(f for f in drawn(text, "projects") if f["properties"]["name"] == "东县产业园")
    assert east["properties"]["style"]["color"] == "#123456"
    assert east["properties"]["style"]["fillColor"] == "#ffffff"  # planned points are hollow

    rail = drawn(text, "railways")[0]["properties"]["style"]
    weight = rail["weight"]
    assert rail["dashArray"] == dash_array("rail", weight)  # the white-dashed core
    casing = [f for f in page_features(text) if "cy-casing" in f["properties"]["style"]["className"]]
    assert len(casing) == 1 and casing[0]["properties"]["style"]["color"] == "#1a1a1a"


def test_planned_and_under_construction_lines_get_leaflet_dash_arrays(tmp_path):
    doc = MapDocument.from_bundle()
    text = export(doc, tmp_path, basemap="none")
    by_status: dict[str, set] = {}
    data = doc.layer("partnerships").data
    status_of = dict(zip(data["name_zh"], data["status"]))
    for f in drawn(text, "partnerships"):
        by_status.setdefault(status_of[f["properties"]["name"]], set()).add(f["properties"]["style"].get("dashArray"))
    assert by_status["operating"] == {None}
    assert None not in by_status["planned"]
    weight = next(f["properties"]["style"]["weight"] for f in drawn(text, "partnerships"))
    assert dash_array("dot", weight) in by_status["planned"]


def test_project_popups_cite_source_file_date_and_sentence(tmp_path):
    doc = MapDocument.from_bundle()
    text = export(doc, tmp_path, basemap="none")
    data = doc.layer("projects").data
    row = data.iloc[0]
    feature = next(f for f in drawn(text, "projects") if f["properties"]["name"] == esc(row["name_zh"]))
    popup = feature["properties"]["popup"]
    for value in (row["source_file"], row["source_date"], row["source_sentence"]):
        assert esc(value) in popup
    assert "位置为示意" in popup  # schematic placement is said


def test_layer_control_has_an_entry_per_layer_and_per_theme(tmp_path):
    doc = small_document()
    text = export(doc, tmp_path, basemap="none")
    names = overlay_names(text)
    assert "重点项目 (3)" in names and "铁路 (1)" in names and "区县 (2)" in names
    # projects have three primary themes: one nested entry each
    assert sum(1 for n in names if n.startswith("\u3000└")) == 3
    assert "\u3000└ 文化旅游 (1)" in names and "\u3000└ 交通 (1)" in names


def test_legend_lists_the_classes_drawn_and_the_page_has_scale_fullscreen_search(tmp_path):
    doc = small_document()
    text = export(doc, tmp_path, basemap="none", title="测试地图")
    title, legend = legend_and_title(text)
    assert "测试地图" in title and "6 个要素" in title
    assert "产业协作·规划" in legend and "高速铁路·建成/运营" in legend
    assert legend.count("<svg") == 5  # districts 1 class (both in the circle), railway 1, projects 3
    assert "L.control.scale" in text
    assert "L.Control.Search" in text and "L.control.fullscreen" in text


def _legend_rows(legend: str) -> list[tuple[str, str]]:
    """("heading", text) / ("row", text with the bold lead marked **...**) in page order."""
    rows = []
    for kind, body in re.findall(r'<div class="cy-(lh|row)">(.*?)</div>', legend):
        body = re.sub(r"<svg.*?</svg>", "", body)
        body = re.sub(r'<b class="cy-lead">(.*?)</b>', r"**\1**", body)
        body = re.sub(r'<span class="cy-n">\d+</span>', "", body)
        rows.append(("heading" if kind == "lh" else "row", re.sub(r"<[^>]+>", "", body)))
    return rows


def test_legend_heads_only_layers_with_several_classes_and_a_one_class_layer_names_itself(tmp_path):
    # the print legend's grouping (layers.render.legend.legend_blocks): a one-class layer under no heading
    # of its own would read as one more class of the group above; it names itself in bold instead
    en = _legend_rows(legend_and_title(export(small_document(), tmp_path, basemap="none", language="en"))[1])
    assert en == [("heading", "Projects"), ("row", "Transport · Under construction"),
                  ("row", "Culture &amp; tourism · Operating"), ("row", "Industry · Planned"),
                  ("row", "**Railways: **High-speed rail · Operating"), ("row", "**District in the circle**")]
    zh = _legend_rows(legend_and_title(export(small_document(), tmp_path, "zh.html", basemap="none"))[1])
    assert [text for kind, text in zh if kind == "heading"] == ["重点项目"]  # no "铁路" over one "高速铁路" row
    assert ("row", "**高速铁路·建成/运营**") in zh


def test_page_needs_only_leaflet_and_its_plugins_from_the_network(tmp_path):
    text = export(small_document(), tmp_path, basemap="none")
    urls = sorted(set(re.findall(r'(?:src|href)="(https?://[^"]+)"', text)))
    assert all(re.match(r"https://(cdn\.jsdelivr\.net/npm|unpkg\.com)/leaflet", u) for u in urls), urls
    assert len(urls) == 7  # no two points on one spot: no markercluster (layers/web/stacks.py)
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()


# ---- basemaps --------------------------------------------------------------------------------


def test_basemap_none_requests_no_tiles(tmp_path):
    text = export(small_document(), tmp_path, basemap="none")
    assert "L.tileLayer" not in text and tile_urls(text) == []
    assert "无底图" in legend_and_title(text)[1]


def test_osm_basemap_is_the_default(tmp_path):
    text = export(small_document(), tmp_path)
    assert tile_urls(text) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_tianditu_without_a_key_is_refused_in_the_pages_language_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ValueError, match="Tianditu key") as refused:
        export_html(small_document(), tmp_path / "m.html", basemap="tianditu", language="en")
    assert "密钥" not in str(refused.value)
    with pytest.raises(ValueError, match="需要您自己的天地图密钥") as refused:
        export_html(small_document(), tmp_path / "m.html", basemap="tianditu")  # the document's language: zh
    assert "Tianditu key" not in str(refused.value)
    with pytest.raises(ValueError, match="32 hexadecimal characters; got 5 characters"):
        export_html(small_document(), tmp_path / "m.html", basemap="tianditu", tianditu_key="abc'\"", language="en")
    with pytest.raises(ValueError, match="32 位十六进制字符"):
        export_html(small_document(), tmp_path / "m.html", basemap="tianditu", tianditu_key="abc'\"")
    assert list(tmp_path.iterdir()) == []


def test_tianditu_uses_vector_and_annotation_tiles_with_the_users_key(tmp_path):
    key = "0123456789abcdef0123456789abcdef"
    text = export(small_document(), tmp_path, basemap="tianditu", tianditu_key=key)
    base = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=" + key
    assert tile_urls(text) == [base % "vec_w", base % "cva_w"]


def test_amap_basemap_converts_every_coordinate_to_gcj02_and_says_so(tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    wgs = page_features(export(small_document(), tmp_path, "wgs.html", basemap="none"))
    text = export(small_document(), tmp_path, "gcj.html", basemap="amap")
    gcj = page_features(text)
    assert len(wgs) == len(gcj)
    for a, b in zip(wgs, gcj):
        if a["geometry"]["type"] == "Point":
            lon, lat = a["geometry"]["coordinates"]
            expected = wgs84_to_gcj02(lon, lat)
            assert b["geometry"]["coordinates"] == pytest.approx(expected, abs=2e-6)
            assert abs(b["geometry"]["coordinates"][0] - lon) > 1e-3  # a few hundred metres moved
    assert "autonavi.com" in text
    title, legend = legend_and_title(text)
    assert "GCJ-02" in title and "GCJ-02" in legend
    assert basemap_note("amap").text("en").startswith("Basemap Amap")
    assert basemap_note("amap").text("zh") in title
    assert basemap_note("osm") is None and basemap_note("none") is None


def test_an_xyz_template_becomes_the_pages_tile_layer_credited_to_its_host(tmp_path):
    text = export(small_document(), tmp_path, basemap="https://{s}.tiles.example.org/base/{z}/{x}/{y}.png")
    assert '"https://{s}.tiles.example.org/base/{z}/{x}/{y}.png"' in text
    assert json.dumps("瓦片来自 tiles.example.org")[1:-1] in text  # the credit, in the page's language


def test_an_mbtiles_file_or_a_hostile_template_is_refused_for_a_web_map(tmp_path):
    with pytest.raises(ValueError, match="a web map cannot use an MBTiles file"):
        export_html(small_document(), tmp_path / "m.html", basemap=str(tmp_path / "area.mbtiles"), language="en")
    with pytest.raises(ValueError, match="quotes or angle brackets"):
        export_html(small_document(), tmp_path / "m.html", language="en",
                    basemap="https://x.org/{z}/{x}/{y}.png');alert(1);//")
    assert not (tmp_path / "m.html").exists()


def test_unknown_basemap_and_wrong_suffix_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown basemap 'google': use osm, tianditu, tianditu-img, amap, none"):
        export_html(small_document(), tmp_path / "m.html", basemap="google", language="en")
    with pytest.raises(ValueError, match="未知底图 'google'"):
        export_html(small_document(), tmp_path / "m.html", basemap="google")
    with pytest.raises(ValueError, match=r"\.html"):
        export_html(small_document(), tmp_path / "m.png")
    assert list(tmp_path.iterdir()) == []


# ---- safety ---------------------------------------------------------------------------------------


def test_hostile_names_attributes_and_titles_create_no_element_or_handler(tmp_path):
    benign = export(small_document(), tmp_path, "benign.html", basemap="none")
    text = export(hostile_document(), tmp_path, "hostile.html", basemap="none", title="</script><script>alert('t')</script>")
    page = Elements(text)
    assert "img" not in page.tags and "svg" not in page.tags
    assert not [a for a in page.attrs if a.lower().startswith("on")]
    assert page.tags.count("script") == Elements(benign).tags.count("script")
    assert "<script>alert" not in text and "<img" not in text and "<svg onload" not in text

    # what Leaflet will put into innerHTML: popups, tooltips, layer names, legend, title
    fragments = [f["properties"].get("popup", "") for f in page_features(text)]
    fragments += [f["properties"]["name"] for f in page_features(text)]
    labels = [f["properties"]["label"] for f in page_features(text) if "label" in f["properties"]]
    assert len(labels) == len(HOSTILE)
    fragments += labels
    fragments += overlay_names(text) + list(legend_and_title(text))
    assert len(fragments) > 10
    for fragment in fragments:
        inner = Elements(fragment)
        assert set(inner.tags) <= OWN_TAGS, fragment  # only the page's own markup, nothing from data
        assert not [a for a in inner.attrs if a.lower().startswith("on")], fragment
    # and the text survives, escaped, for the reader
    popups = " ".join(f["properties"].get("popup", "") for f in page_features(text))
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in popups


def test_colours_that_are_not_colours_never_reach_the_page(tmp_path):
    from dataclasses import replace

    doc = small_document()
    style = doc.layer("projects").style
    evil = '#fff" onload="alert(1)'
    style.base = replace(style.base, fill=evil)
    for key, cls in list(style.classes.items()):
        style.classes[key] = replace(cls, style=replace(cls.style, fill=evil, stroke="red;background:url(x)"))
    doc.set_style("projects", style)
    text = export(doc, tmp_path, basemap="none")
    assert "onload" not in text and "url(x)" not in text
    assert {f["properties"]["style"]["fillColor"] for f in drawn(text, "projects")} == {"#ffffff"}


# ---- writing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["start", "Railways", "legend", "render"])
def test_a_cancelled_export_leaves_the_old_file_untouched_and_no_temp_files(tmp_path, step):
    """Cancelled before the layers, at a layer, at the legend, or with the page already rendered
    (only the check before writing can notice): the old file stays as it was."""
    out = tmp_path / "m.html"
    out.write_text("old", encoding="utf-8")
    seen = []

    def progress(fraction, message):
        seen.append(message.text("en"))
        if message.text("en") == step:
            feedback.cancel()

    feedback = Feedback(progress)
    with pytest.raises(Cancelled):
        export_html(small_document(), out, basemap="none", language="en", feedback=feedback)
    assert seen[-1] == step
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


def test_progress_names_each_layer_from_zero_to_one(tmp_path):
    seen = []
    out = tmp_path / "m.html"
    export_html(small_document(), out, basemap="none", feedback=Feedback(lambda f, m: seen.append((f, m))))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert [m.text("zh") for _, m in seen[1:4]] == ["重点项目", "铁路", "区县"]  # topmost layer first
    assert [m.text("en") for _, m in seen] == ["start", "Projects", "Railways", "Districts", "legend", "render",
                                               f"written {out}"]


def test_extent_is_the_bbox_asked_for(tmp_path):
    text = export(small_document(), tmp_path, basemap="none", extent=(104.5, 29.2, 105.5, 29.8))
    bounds = json.loads(re.search(r"map_[0-9a-f]+\.fitBounds\(\s*(\[\[.*?\]\])", text, flags=re.DOTALL).group(1))
    assert bounds[0] == pytest.approx([29.2, 104.5], abs=0.02)
    assert bounds[1] == pytest.approx([29.8, 105.5], abs=0.02)


# ---- command line -------------------------------------------------------------------------------


def test_cli_writes_html_with_the_filter_and_tells_about_gcj02(tmp_path, capsys):
    out = tmp_path / "m.html"
    code = main.main(["export", str(out), "--theme", "transport", "--basemap", "amap"])
    err = capsys.readouterr().err
    assert code == 0 and "GCJ-02" in err
    text = out.read_text(encoding="utf-8")
    themes = {f["properties"]["popup"].split("主题</th><td>")[1].split("<")[0] for f in drawn(text, "projects")}
    assert themes and all("交通" in t for t in themes)


def test_cli_refuses_tianditu_without_a_key_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    code = main.main(["export", str(tmp_path / "m.html"), "--basemap", "tianditu"])
    assert code == 2 and "天地图密钥" in capsys.readouterr().err
    code = main.main(["export", str(tmp_path / "m.html"), "--basemap", "tianditu", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and "Tianditu key" in err and "天地图密钥" not in err
    assert list(tmp_path.iterdir()) == []


# ---- offline pages --------------------------------------------------------------------------------


def test_offline_page_inlines_every_script_and_stylesheet(tmp_path):
    online = export(small_document(), tmp_path, "online.html", basemap="none")
    text = export(small_document(), tmp_path, basemap="none", offline=True)
    page, linked = Elements(text), Elements(online)
    assert re.findall(r'<script src=|<link rel="stylesheet"', text) == []
    assert "L.Control.Search = " in text or "Control.Search" in text  # leaflet-search is in the page
    assert "url(data:image/png;base64," in text  # the search icon travels with the page
    assert "本页无需联网" in legend_and_title(text)[1]
    # each linked script became one inline script, each stylesheet link one <style>
    scripts = len(re.findall(r'<script src="https://', online))
    sheets = len(re.findall(r'<link rel="stylesheet" href="https://', online))
    assert (scripts, sheets) == (4, 3)
    assert text.count("<script>/* inlined: https://") == scripts
    assert page.tags.count("script") == linked.tags.count("script") and "link" not in page.tags
    assert page.tags.count("style") == linked.tags.count("style") + sheets
    assert page_features(text) == page_features(online)  # the same map


def test_offline_page_with_tiles_says_the_tiles_still_need_the_network(tmp_path):
    text = export(small_document(), tmp_path, basemap="osm", offline=True)
    assert "底图瓦片仍需联网" in legend_and_title(text)[1]
    assert tile_urls(text) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_inlining_refuses_a_file_it_does_not_hold():
    page = '<script src="https://cdn.jsdelivr.net/npm/leaflet@0.7.7/dist/leaflet.js"></script>'
    with pytest.raises(ValueError, match="resources/web"):
        inline_assets(page)
    with pytest.raises(ValueError, match="package@version"):
        inline_assets('<script src="https://example.org/x.js"></script>')


def test_cli_offline_flag_writes_a_page_without_cdn_links(tmp_path, capsys):
    out = tmp_path / "off.html"
    assert main.main(["export", str(out), "--basemap", "none", "--offline", "--theme", "energy"]) == 0
    text = out.read_text(encoding="utf-8")
    # 5: Leaflet and its plugins, and markercluster (energy projects share spots: layers/web/stacks.py)
    assert "<script src=" not in text and text.count("<script>/* inlined: https://") == 5
    names = {f["properties"]["name"] for f in drawn(text, "projects")}
    assert names and all("能源" in f["properties"]["popup"] for f in drawn(text, "projects"))



def test_a_filter_that_keeps_nothing_still_writes_a_valid_page_that_says_so(tmp_path):
    doc = small_document()
    doc.set_filter(Filter(text="zzzz-no-such-name"))
    text = export(doc, tmp_path, basemap="none")
    assert drawn(text) == []
    assert "0 个要素" in legend_and_title(text)[0]
    assert "L.Control.Search" not in text  # nothing to search


def popup_fields(feature: dict) -> dict[str, str]:
    """{field label: shown value} of a feature's popup table."""
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", feature["properties"]["popup"]))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_popups_word_coded_values_and_keep_decimals_like_every_other_view(tmp_path, language):
    """One value-to-text (geodata.core.values.value_text): kinds, seat levels and the cross-border
    flag read as words, and an area keeps its decimal (189125.6 km², not 189126)."""
    from geodata.core.values import value_text

    doc = MapDocument.from_bundle()
    text = export(doc, tmp_path, basemap="none", language=language)
    en = language == "en"
    kind, level, border, area = ("Kind", "Level", "Cross-border", "Area (km²)") if en else ("类型", "级别", "跨界", "面积（km²）")
    data = doc.layer("railways").data
    for feature in drawn(text, "railways"):
        row = data[data["name_zh"].map(esc) == feature["properties"]["name"]].iloc[0]
        assert popup_fields(feature)[kind] == value_text(row["kind"], language, "kind")
    assert {popup_fields(f)[kind] for f in drawn(text, "railways")} >= (
        {"High-speed rail"} if en else {"高速铁路"})
    seats = [popup_fields(f)[level] for f in drawn(text, "seats")]
    assert seats.count("City seat" if en else "市/区驻地") == 22 and len(seats) == 243
    assert {popup_fields(f)[border] for f in drawn(text, "rivers")} == {"Cross-border river" if en else "跨界河流"}
    assert [popup_fields(f)[area] for f in drawn(text, "circle")] == ["189125.6"]


def test_a_coded_value_that_reads_as_nothing_and_blanks_get_no_popup_row():
    from layers.web.features import popup_html

    row = {"name_zh": "小河", "cross_border": 0, "year": float("nan"), "note": "  ", "kind": "tributary"}
    popup = popup_html(row, list(row), "河流", "zh")
    assert dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", popup)) == {"类型": "支流"}


def test_english_pages_use_english_titles_labels_and_popup_fields(tmp_path):
    text = export(small_document(), tmp_path, basemap="none", language="en")
    assert "Projects (3)" in overlay_names(text)
    title, legend = legend_and_title(text)
    assert "Chengdu–Chongqing Economic Circle" in title and "6 features" in title
    assert "Industry · Planned" in legend
    popup = next(f for f in drawn(text, "projects") if f["properties"]["name"] == "东县产业园")["properties"]["popup"]
    assert "<th>Status</th><td>Planned</td>" in popup


# ---- permanent labels ------------------------------------------------------------------------


def labelled(text: str, layer_slug: str) -> dict[str, dict]:
    """{name: properties} of the features of a layer that carry a permanent label."""
    return {f["properties"]["name"]: f["properties"] for f in drawn(text, layer_slug) if "label" in f["properties"]}


def label_text(properties: dict) -> str:
    return re.sub(r"<[^>]+>", "", properties["label"])


def test_prefecture_seats_are_labelled_from_the_first_zoom_districts_and_projects_only_closer_in(tmp_path):
    document = MapDocument.from_bundle()
    text = export(document, tmp_path, basemap="none")
    seats = labelled(text, "seats")
    zooms = [f["properties"].get("labelZoom") for f in drawn(text, "seats")]
    levels = document.layer("seats").data["level"].value_counts()
    assert zooms.count(LABEL_ZOOM_CITY) == levels["city"] == 22
    assert zooms.count(LABEL_ZOOM_DISTRICT) == levels["district"] == 221
    assert label_text(seats["成都市"]) == "成都市" and "font-weight:bold" in seats["成都市"]["label"]
    projects = labelled(text, "projects")
    assert len(projects) == len(drawn(text, "projects")) == len(document.layer("projects").data)
    assert {p["labelZoom"] for p in projects.values()} == {LABEL_ZOOM_POINT}
    assert LABEL_ZOOM_CITY < LABEL_ZOOM_DISTRICT < LABEL_ZOOM_POINT
    # the seats name the places, so the polygons and unlabelled layers carry none
    assert labelled(text, "cities") == {} and labelled(text, "districts") == {} and labelled(text, "railways") == {}


def test_labels_are_english_on_an_english_page(tmp_path):
    text = export(MapDocument.from_bundle(), tmp_path, basemap="none", language="en")
    seats = labelled(text, "seats")
    assert label_text(seats["成都市"]) == "Chengdu City"  # the tooltip name stays name_zh; the label follows the language
    assert all(not re.search(r"[\u4e00-\u9fff]", label_text(p)) for p in labelled(text, "projects").values())


def test_with_the_seats_hidden_prefecture_and_district_names_stand_inside_their_polygons(tmp_path):
    from shapely.geometry import Point as P

    document = MapDocument.from_bundle()
    document.set_visible("seats", False)
    text = export(document, tmp_path, basemap="none")
    cities = labelled(text, "cities")
    assert len(cities) == len(document.layer("cities").data) == 22
    assert {p["labelZoom"] for p in cities.values()} == {LABEL_ZOOM_CITY}
    assert {p["labelZoom"] for p in labelled(text, "districts").values()} == {LABEL_ZOOM_DISTRICT}
    chengdu = document.layer("cities").data.set_index("name_zh").geometry["成都市"]
    lat, lon = cities["成都市"]["labelAt"]
    assert chengdu.contains(P(lon, lat))
    assert "cy-label-c" in cities["成都市"]["labelClass"]


def test_a_layer_with_labels_switched_off_gets_none(tmp_path):
    document = MapDocument.from_bundle()
    document.set_layer("projects", show_labels=False)
    text = export(document, tmp_path, basemap="none")
    assert labelled(text, "projects") == {}
    assert sum("label" in f["properties"] for f in drawn(text, "seats")) == 243

"""The exported web map in a real headless chromium (no internet: the page's CDN files are
answered from tests/web/node_modules, see web_assets.py).

Each test loads a page written by `export_html` and asserts what a reader gets: no
JavaScript error, no dialog, the features on the map (Leaflet `path` elements the
export marks `cy-feature`), working layer toggles and search, and that hostile data
stays text.  Screenshots go to the test's tmp folder (`PageReport` lists every URL).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from layers.web.export_html import export_html
from layers.web.assets import WEB_RESOURCES
from layers.web.web_labels import LABEL_ZOOM_DISTRICT
from layers.model.document import MapDocument
from layers.model.filter import Filter
from tests.layers.web import web_assets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Leaflet paths (lines, polygons) and marker icons (points) the export marks as map features
# (points on one spot are one numbered .cy-stack bubble until it is clicked: each counts its points)
STACKED = "Array.from(document.querySelectorAll('.cy-stack%s')).reduce((n, e) => n + parseInt(e.textContent), 0)"
COUNT = "document.querySelectorAll('.cy-feature').length + " + STACKED % ""
# centre the page's map on (lat, lon) at a zoom, without animation
ZOOM = "(() => { Object.values(window).find(v => v instanceof L.Map).setView([%s, %s], %s, {animate: false}); return 1; })()"
LABELS = "Array.from(document.querySelectorAll('.cy-label%s')).map(e => e.textContent)"


@pytest.fixture(scope="module")
def bundle_document():
    return MapDocument.from_bundle()


def expected_features(document) -> int:
    return sum(int(np.asarray(document.filter.mask(l)).sum()) for l in document.layers if l.visible)


def assert_clean(report: web_assets.PageReport) -> None:
    assert report.loaded
    assert report.errors == []
    assert report.dialogs == []
    assert report.blocked == []


def test_bundle_map_loads_without_errors_and_shows_every_feature(browser, bundle_document, tmp_path):
    out = export_html(bundle_document, tmp_path / "map.html", basemap="none")
    report = browser.open(out)
    assert_clean(report)
    assert report.tiles == []  # basemap "none": not one tile request
    # the page's 7 files (leaflet, search, fullscreen: js+css; subgroup js) and the icons their css names
    assert report.served == report.requests and len(report.served) >= 7
    assert {u.split("/")[2] for u in report.requests} <= set(web_assets.CDN_HOSTS)
    assert browser.evaluate(COUNT) == expected_features(bundle_document) > 600
    # furniture a reader sees
    assert browser.evaluate("document.querySelectorAll('.leaflet-control-scale-line').length") == 2
    assert browser.evaluate("!!document.querySelector('.leaflet-control-search input')")
    assert browser.evaluate("!!document.querySelector('.leaflet-control-zoom-fullscreen, .fullscreen-icon')")
    legend_rows = browser.evaluate("document.querySelectorAll('.cy-legend .cy-row').length")
    assert legend_rows > 20
    assert "成渝地区双城经济圈" in browser.evaluate("document.querySelector('.cy-title').textContent")
    shot = browser.screenshot(tmp_path / "map.png")
    assert shot.stat().st_size > 20_000


def test_filtered_export_shows_only_the_kept_features(browser, tmp_path):
    document = MapDocument.from_bundle()
    document.set_filter(Filter(themes=("culture_tourism",), statuses=("operating",)))
    document.set_visible("districts", False)
    out = export_html(document, tmp_path / "filtered.html", basemap="none", language="en")
    report = browser.open(out)
    assert_clean(report)
    shown = browser.evaluate("document.querySelectorAll('.cy-feature.cy-layer-projects').length + "
                             + STACKED % "-projects")
    assert shown == int(np.asarray(document.filter.mask(document.layer("projects"))).sum()) > 0
    assert browser.evaluate("document.querySelectorAll('.cy-layer-districts').length") == 0
    assert browser.evaluate(COUNT) == expected_features(document)


def test_layer_and_theme_checkboxes_hide_and_show_their_features(browser, bundle_document, tmp_path):
    out = export_html(bundle_document, tmp_path / "toggle.html", basemap="none")
    assert_clean(browser.open(out))
    projects = "document.querySelectorAll('.cy-layer-projects').length + " + STACKED % "-projects"
    total = browser.evaluate(projects)
    click = """(label => { const row = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                 .find(l => l.textContent.trim().startsWith(label)); row.querySelector('input').click(); return true; })(%s)"""
    theme = "└ 文化旅游"
    n_theme = int(browser.evaluate(f"""Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
        .map(l => l.textContent.trim()).find(t => t.startsWith({json.dumps(theme)})).match(/\\((\\d+)\\)/)[1]"""))
    browser.evaluate(click % json.dumps(theme))
    browser.wait_quiet(0.3)
    assert browser.evaluate(projects) == total - n_theme
    browser.evaluate(click % json.dumps("重点项目"))
    browser.wait_quiet(0.3)
    assert browser.evaluate(projects) == 0
    browser.evaluate(click % json.dumps("重点项目"))
    browser.wait_quiet(0.3)
    assert browser.evaluate(projects) == total - n_theme  # the unticked theme stays hidden
    assert browser.report.errors == []


def test_search_finds_a_project_by_name_and_opens_its_popup_with_the_source(browser, bundle_document, tmp_path):
    out = export_html(bundle_document, tmp_path / "search.html", basemap="none")
    assert_clean(browser.open(out))
    browser.evaluate("""(() => { const i = document.querySelector('.leaflet-control-search input');
        i.value = '大足石刻站'; i.dispatchEvent(new KeyboardEvent('keyup', {keyCode: 65})); return 1; })()""")
    browser.wait_for("document.querySelectorAll('.search-tip').length")  # after the search box's debounce
    tips = browser.evaluate("Array.from(document.querySelectorAll('.search-tip')).map(e => e.textContent)")
    assert "大足石刻站" in tips
    browser.evaluate("""Array.from(document.querySelectorAll('.search-tip')).find(e => e.textContent === '大足石刻站').click()""")
    popup = browser.wait_for("(document.querySelector('.leaflet-popup-content') || {}).textContent")
    browser.wait_quiet(0.5)
    assert popup and "大足石刻站" in popup and "来源" in popup
    browser.screenshot(tmp_path / "search.png")
    assert browser.report.errors == [] and browser.report.dialogs == []


def test_hostile_values_stay_text_in_popups_tooltips_legend_and_search(browser, tmp_path):
    from tests.layers.web.test_export_web import HOSTILE, hostile_document

    out = export_html(hostile_document(), tmp_path / "hostile.html", basemap="none",
                                 title="</script><script>alert('title')</script>")
    report = browser.open(out)
    assert_clean(report)
    # open every popup and tooltip in turn, then type into the search box (its tips use innerHTML)
    opened = browser.evaluate("""(() => {
        const map = Object.values(window).find(v => v instanceof L.Map);
        let n = 0, texts = [];
        map.eachLayer(l => { if (l.feature && l.getPopup && l.getPopup()) {
            l.openPopup(); texts.push(document.querySelector('.leaflet-popup-content').textContent);
            l.openTooltip && l.openTooltip(); n += 1; } });
        return {n: n, texts: texts}; })()""")
    browser.evaluate("""(() => { const i = document.querySelector('.leaflet-control-search input');
        i.value = 'alert'; i.dispatchEvent(new KeyboardEvent('keyup', {keyCode: 65})); return 1; })()""")
    browser.wait_for("document.querySelectorAll('.search-tip').length")
    assert opened["n"] == 6
    assert any(HOSTILE[0] in t for t in opened["texts"])  # shown as the text it is
    assert browser.evaluate("document.querySelectorAll('.search-tip').length") > 0
    injected = browser.evaluate("""(() => {
        const bad = [];
        document.querySelectorAll('body *').forEach(e => {
            if (['IMG', 'IFRAME'].includes(e.tagName) || (e.tagName === 'svg' && !e.matches('.cy-swatch, .cy-icon, .leaflet-attribution-flag, .leaflet-zoom-animated'))) bad.push(e.tagName);
            for (const a of e.attributes) if (a.name.toLowerCase().startsWith('on')) bad.push(e.tagName + '@' + a.name);
        });
        return bad; })()""")
    assert injected == []
    # closer in, the labelled hostile points get their permanent labels: text, nothing else
    browser.evaluate(ZOOM % (29.4, 104.6, 11))
    browser.wait_quiet(0.3)
    labels = browser.evaluate("Array.from(document.querySelectorAll('.cy-label')).map(e => e.textContent)")
    assert HOSTILE[0] in labels
    assert browser.evaluate("document.querySelectorAll('.cy-label img, .cy-label script, .cy-label svg').length") == 0
    assert browser.report.dialogs == []
    assert browser.report.errors == []


@pytest.mark.parametrize("basemap, host", [("osm", "tile.openstreetmap.org"), ("tianditu", "tianditu.gov.cn"),
                                           ("amap", "is.autonavi.com")])
def test_basemap_tiles_come_from_the_chosen_service(browser, tmp_path, basemap, host):
    from tests.layers.web.test_export_web import small_document

    key = "0123456789abcdef0123456789abcdef"
    out = export_html(small_document(), tmp_path / f"{basemap}.html", basemap=basemap, tianditu_key=key)
    report = browser.open(out)
    assert_clean(report)
    assert report.tiles and all(host in url for url in report.tiles)
    if basemap == "tianditu":
        assert {u.split("T=")[1].split("&")[0] for u in report.tiles} == {"vec_w", "cva_w"}
        assert all(f"tk={key}" in u for u in report.tiles)
    assert browser.evaluate(COUNT) == 6


def test_vendored_offline_files_are_the_npm_packages_unchanged(node_modules):
    vendored = [p for p in WEB_RESOURCES.rglob("*") if p.is_file() and p.name != "README.md"]
    assert len(vendored) >= 13
    for path in vendored:
        package_dir = path.relative_to(WEB_RESOURCES).parts[0]
        name, _, version = package_dir.rpartition("@")
        installed = node_modules / name
        assert json.loads((installed / "package.json").read_text())["version"] == version
        original = installed / path.relative_to(WEB_RESOURCES / package_dir)
        assert path.read_bytes() == original.read_bytes(), path


def test_offline_page_with_no_basemap_makes_no_request_at_all(browser, bundle_document, tmp_path):
    out = export_html(bundle_document, tmp_path / "offline.html", basemap="none", offline=True)
    report = browser.open(out)
    assert_clean(report)
    assert report.requests == []
    assert browser.evaluate(COUNT) == expected_features(bundle_document)
    # the inlined icons are there: the search button has its background image
    assert "data:image/png" in browser.evaluate(
        "getComputedStyle(document.querySelector('.leaflet-control-search .search-button')).backgroundImage")
    browser.screenshot(tmp_path / "offline.png")



def test_city_labels_show_at_the_first_view_and_project_labels_only_after_zooming_in(browser, bundle_document, tmp_path):
    out = export_html(bundle_document, tmp_path / "labels.html", basemap="none")
    assert_clean(browser.open(out))
    assert browser.evaluate("Object.values(window).find(v => v instanceof L.Map).getZoom()") < LABEL_ZOOM_DISTRICT
    seats = bundle_document.layer("seats").data
    cities = set(seats.loc[seats["level"] == "city", "name_zh"])
    assert set(browser.evaluate(LABELS % "")) == cities  # every prefecture named, and nothing else
    assert browser.evaluate(LABELS % ".cy-label-projects") == []
    browser.screenshot(tmp_path / "labels-initial.png")

    browser.evaluate(ZOOM % (29.70, 105.71, 11))  # 大足
    browser.wait_quiet(0.3)
    # count where the labels come to rest: a label gliding with the stacks' split animation looked
    # apart in the first tenths of a second and overlapped once it stopped (the page measured it moving)
    assert browser.wait_for("document.getAnimations().length === 0")
    projects = browser.evaluate(LABELS % ".cy-label-projects")
    assert len(projects) >= 5  # projects standing alone are named
    # the projects on one spot (77 on the seat, all the 大足石刻 ones) are one bubble, named once spidered
    assert not any("大足石刻" in t for t in projects) and browser.evaluate(STACKED % "-projects") > 77
    assert "大足区" in browser.evaluate(LABELS % ".cy-label-seats")
    # the shown labels do not overlap one another
    overlaps = browser.evaluate("""(() => { const b = Array.from(document.querySelectorAll('.cy-label span'))
        .map(e => e.getBoundingClientRect()); let n = 0;
        b.forEach((p, i) => b.slice(i + 1).forEach(q => { if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) n++; }));
        return n; })()""")
    assert overlaps == 0
    browser.screenshot(tmp_path / "labels-dazu.png")

    # unticking the layer takes its labels away; zooming back out leaves only the prefectures
    click = """(() => { const row = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                 .find(l => l.textContent.trim().startsWith('重点项目')); row.querySelector('input').click(); return 1; })()"""
    browser.evaluate(click)
    browser.wait_quiet(0.3)
    assert browser.evaluate(LABELS % ".cy-label-projects") == []
    browser.evaluate(click)
    browser.wait_quiet(0.3)
    assert browser.evaluate(LABELS % ".cy-label-projects")
    browser.evaluate(ZOOM % (30.0, 105.5, 7))
    browser.wait_quiet(0.3)
    assert set(browser.evaluate(LABELS % "")) == cities
    assert browser.report.errors == []


# values that end a script, break a pre-2019 JavaScript string, run as a link or as an image's handler
USER_HOSTILE = ["</script><script>alert('s')</script>", "line\u2028sep\u2029para", "javascript:alert('url')",
                "<a href=\"javascript:alert('a')\">link</a>", "<img src=x onerror=alert('img')>",
                "{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}"]
INJECTED = """(() => {
    const bad = [];
    document.querySelectorAll('body *').forEach(e => {
        if (['IMG', 'IFRAME', 'A', 'SCRIPT', 'OBJECT', 'EMBED'].includes(e.tagName) && !/^leaflet-/.test(e.className) && e.closest('.cy-popup, .cy-title, .cy-legend, .cy-label, .leaflet-control-layers, .leaflet-tooltip, .search-tip'))
            bad.push(e.tagName);
        for (const a of e.attributes) {
            if (a.name.toLowerCase().startsWith('on')) bad.push(e.tagName + '@' + a.name);
            if (/^\\s*javascript:/i.test(a.value)) bad.push(e.tagName + '@' + a.name + '=javascript');
        }
    });
    return bad; })()"""


def test_imported_user_layer_with_hostile_properties_name_and_title_runs_no_script(browser, tmp_path):
    """A GeoJSON a user imports, named and titled with hostile text, exported with a hostile page title."""
    from geodata.io.importer import import_file
    from layers.model.document import MapLayer

    n = len(USER_HOSTILE)
    source = tmp_path / "hostile.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [104.2 + 0.2 * k, 29.4]},
         "properties": {"name": value, "url": USER_HOSTILE[2], "note": USER_HOSTILE[(k + 1) % n],
                        USER_HOSTILE[4]: value}} for k, value in enumerate(USER_HOSTILE)]},
        ensure_ascii=False), encoding="utf-8")
    gdf = import_file(source).gdf
    assert len(gdf) == n and list(gdf["name"]) == USER_HOSTILE
    name = "</script><img src=x onerror=alert('layer')>\u2028"
    document = MapDocument([MapLayer(name, gdf, title_zh=USER_HOSTILE[3], title_en=USER_HOSTILE[0], label_field="name")])
    title = "</script><script>alert('title')</script>\u2029javascript:alert(1){{ 7*7 }}"
    for language in ("zh", "en"):
        out = export_html(document, tmp_path / f"user-{language}.html", basemap="none", title=title, language=language)
        report = browser.open(out)
        assert_clean(report)
        assert browser.evaluate(COUNT) == n
        texts = browser.evaluate("""(() => {
            const map = Object.values(window).find(v => v instanceof L.Map), texts = [];
            map.eachLayer(l => { if (l.feature && l.getPopup && l.getPopup()) {
                l.openPopup(); texts.push(l.getPopup().getElement().querySelector('.leaflet-popup-content').textContent);
                l.openTooltip && l.openTooltip(); } });
            return texts; })()""")
        assert len(texts) == n
        for value in USER_HOSTILE:  # every value shown as the text it is
            assert any(value in t for t in texts), value
        browser.evaluate(ZOOM % (29.4, 104.8, 11))
        browser.wait_quiet(0.3)
        labels = browser.evaluate(LABELS % "")
        assert set(USER_HOSTILE) <= set(labels)
        assert browser.evaluate("document.title") == title
        assert title in browser.evaluate("document.querySelector('.cy-title').textContent")
        overlays = browser.evaluate("document.querySelector('.leaflet-control-layers-overlays').textContent")
        assert (USER_HOSTILE[3] if language == "zh" else USER_HOSTILE[0]) in overlays
        legend = browser.evaluate("document.querySelector('.cy-legend').textContent")
        assert (USER_HOSTILE[3] if language == "zh" else USER_HOSTILE[0]) in legend
        browser.evaluate("""(() => { const i = document.querySelector('.leaflet-control-search input');
            i.value = 'javascript'; i.dispatchEvent(new KeyboardEvent('keyup', {keyCode: 65})); return 1; })()""")
        browser.wait_for("document.querySelectorAll('.search-tip').length")
        assert browser.evaluate(INJECTED) == []
        assert "49" not in " ".join(texts + labels)
        assert browser.report.dialogs == [] and browser.report.errors == []

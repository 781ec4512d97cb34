"""Readable stacks on the web map: the projects on 大足区's seat are one numbered bubble that
fans out on click (Leaflet.markercluster's spiderfy), each then a marker with its own popup."""
from __future__ import annotations

import numpy as np
import pytest

from layers.model.document import MapDocument
from layers.web.export_html import export_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAP = "Object.values(window).find(v => v instanceof L.Map)"
PROJECTS = "document.querySelectorAll('.cy-feature.cy-layer-projects').length"
STACKS = "Array.from(document.querySelectorAll('.cy-stack-projects')).map(e => parseInt(e.textContent))"


def _seat_stack(document) -> tuple[float, float, int]:
    seats = document.layer("seats").data
    seat = seats[seats["name_zh"] == "大足区"].geometry.iloc[0]
    projects = document.layer("projects").data
    n = int(sum(1 for g in projects.geometry if abs(g.x - seat.x) < 1e-9 and abs(g.y - seat.y) < 1e-9))
    return seat.y, seat.x, n


@pytest.mark.parametrize("offline", [False, True])
def test_the_stack_on_dazu_seat_spiders_out_on_click(browser, tmp_path, offline):
    document = MapDocument.from_bundle()
    lat, lon, n = _seat_stack(document)
    assert n >= 40
    out = export_html(document, tmp_path / "stacks.html", basemap="none", offline=offline)
    report = browser.open(out)
    assert report.loaded and report.errors == [] and report.blocked == []
    if offline:
        assert report.requests == []  # the cluster plugin is inlined like the other Leaflet files
    browser.evaluate(f"(() => {{ {MAP}.setView([{lat}, {lon}], 12, {{animate: false}}); return 1; }})()")
    browser.wait_quiet(0.5)
    assert n in browser.evaluate(STACKS)  # one bubble says how many projects stand there
    before = browser.evaluate(PROJECTS)
    browser.evaluate(f"""(() => {{ const e = Array.from(document.querySelectorAll('.cy-stack-projects'))
        .find(e => parseInt(e.textContent) === {n}); e.click(); return 1; }})()""")
    browser.wait_for(f"{PROJECTS} >= {before + n}")
    browser.wait_quiet(0.5)
    assert browser.evaluate(PROJECTS) == before + n  # every project of the stack is now its own marker
    assert browser.evaluate("document.querySelectorAll('.cy-spider-leg').length") == n  # with its leader line
    # the fanned-out markers do not sit on one another: distinct screen positions
    spots = browser.evaluate("""Array.from(document.querySelectorAll('.cy-feature.cy-layer-projects'))
        .map(e => { const r = e.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)]; })""")
    assert len({tuple(s) for s in spots}) == len(spots)
    browser.screenshot(tmp_path / "spider.png")
    # their names follow them out of the stack (as many as fit without overlapping)
    labels = browser.evaluate("Array.from(document.querySelectorAll('.cy-label-projects')).map(e => e.textContent)")
    stacked = {name for name, g in zip(document.layer("projects").data["name_zh"], document.layer("projects").data.geometry)
               if abs(g.x - lon) < 1e-9 and abs(g.y - lat) < 1e-9}
    assert len(stacked & set(labels)) >= 5
    # a spidered marker opens its own popup
    name = browser.evaluate(f"""(() => {{ let found = null; {MAP}.eachLayer(l => {{
        if (!found && l._spiderLeg && l.feature) {{ found = l; }} }});
        found.fire('click', {{latlng: found.getLatLng()}}); return found.feature.properties.name; }})()""")
    browser.wait_for("document.querySelectorAll('.leaflet-popup-content .cy-popup').length")
    heading = browser.evaluate("document.querySelector('.leaflet-popup-content h4').textContent")
    projects = document.layer("projects").data
    assert heading == name and heading in set(projects["name_zh"])
    assert browser.report.errors == []


def test_points_standing_alone_are_not_gathered(tmp_path):
    from layers.web.stacks import has_stacks

    document = MapDocument.from_bundle()
    seats = document.layer("seats")
    assert not has_stacks(seats, np.ones(len(seats.data), bool))
    projects = document.layer("projects")
    assert has_stacks(projects, np.ones(len(projects.data), bool))
    text = export_html(document, tmp_path / "m.html", basemap="none").read_text(encoding="utf-8")
    assert text.count("L.markerClusterGroup(") == 1  # the projects only

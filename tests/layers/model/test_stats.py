"""Statistics count exactly what the map's filter keeps (the same Filter.mask the renderer calls)."""
from __future__ import annotations

import numpy as np
import pytest

from geodata.core.themes import STATUSES, THEMES, split_themes
from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.model.stats import GROUPINGS, compute_stats

FILTERS = [
    Filter(),
    Filter(themes=["transport"]),
    Filter(themes=["culture_tourism", "industry"], statuses=["operating"]),
    Filter(districts=["500111"]),  # 大足区
    Filter(statuses=["planned"], districts=["500111", "500152"]),
    Filter(year_min=2022, year_max=2023),
    Filter(year_max=2023, keep_undated=True),
    Filter(text="大足"),
]


@pytest.fixture(scope="module")
def document():
    return MapDocument.from_bundle()


def kept(document, name, flt):
    layer = document.layer(name)
    return layer.data.loc[flt.mask(layer)]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f.describe("en"))
def test_totals_equal_the_filtered_layers_counts(document, flt):
    for by in GROUPINGS:
        table = compute_stats(document, by, flt)
        assert table.total.projects == int(flt.mask(document.layer("projects")).sum())
        assert table.total.project_lines == int(flt.mask(document.layer("project_lines")).sum())
        assert table.total.partnerships == int(flt.mask(document.layer("partnerships")).sum())


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f.describe("en"))
def test_status_rows_partition_the_kept_features(document, flt):
    table = compute_stats(document, "status", flt)
    for name in ("projects", "project_lines", "partnerships"):
        data = kept(document, name, flt)
        for key in STATUSES:
            assert table.row(key).value(name) == int((data["status"] == key).sum()), (name, key)
        assert sum(r.value(name) for r in table.rows) == len(data)


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f.describe("en"))
def test_a_theme_row_counts_the_kept_features_with_that_theme(document, flt):
    table = compute_stats(document, "theme", flt)
    for key in THEMES:
        for name in ("projects", "project_lines", "partnerships"):
            expected = sum(key in split_themes(t) for t in kept(document, name, flt)["themes"])
            assert table.row(key).value(name) == expected, (key, name)
            if not flt.themes:  # then it is also what ticking that theme alone keeps on the map
                assert expected == int(flt.replace(themes=[key]).mask(document.layer(name)).sum())


def test_a_district_row_of_projects_is_the_place_filter_of_that_district(document):
    table = compute_stats(document, "district", Filter(themes=["culture_tourism"]))
    checked = 0
    for row in table.rows:
        if not row.key.isdigit() or row.label.text("zh").endswith("（市级）"):
            continue
        place = Filter(themes=["culture_tourism"], districts=[row.key])
        assert row.projects == int(place.mask(document.layer("projects")).sum()), row.label.text("zh")
        checked += 1
    assert checked >= 5
    assert table.row("500111").label.text("zh") == "大足区"


def test_city_rows_gather_the_districts_of_each_city(document):
    by_city = compute_stats(document, "city")
    chongqing = by_city.row("500000")
    assert chongqing.label.text("zh") == "重庆市"
    projects = document.layer("projects").data
    assert chongqing.projects == int(projects["district_adcode"].astype(str).str.startswith("50").sum())
    assert sum(r.projects for r in by_city.rows) == len(projects)  # a point lies in one district


def test_year_rows_follow_the_year_field_and_keep_undated_apart(document):
    table = compute_stats(document, "year")
    projects = document.layer("projects").data
    assert table.row("2023").projects == int((projects["year"] == 2023).sum()) > 0
    assert table.row("undated").projects == int(projects["year"].isna().sum())
    assert table.row("undated").partnerships == len(document.layer("partnerships").data)  # no year field
    assert [r.key for r in table.rows] == sorted((r.key for r in table.rows if r.key != "undated"), key=int) + ["undated"]
    narrowed = compute_stats(document, "year", Filter(year_max=2022))
    assert [r.key for r in narrowed.rows if r.projects or r.project_lines] == ["2021", "2022"]


def test_investment_sum_and_count_of_projects_that_state_one(document):
    doc = document.snapshot()
    data = doc.layer("projects").data.copy()
    values = np.full(len(data), np.nan)
    themes = data["themes"].map(lambda t: split_themes(t)[0])
    transport = np.flatnonzero(themes.to_numpy() == "transport")[:3]
    values[transport] = [12.5, 3.0, 0.25]
    data["investment_yi"] = values
    doc.set_layer_data("projects", data)
    table = compute_stats(doc, "theme")
    assert table.total.investment_count == 3
    assert table.total.investment_yi == pytest.approx(15.75)
    assert table.row("transport").investment_count == 3
    assert table.row("transport").investment_yi == pytest.approx(15.75)
    assert table.row("agriculture").investment_count == 0
    # the filter decides here too: a filter without transport leaves those three out
    eco = compute_stats(doc, "theme", Filter(themes=["ecology"], statuses=list(STATUSES)))
    assert eco.total.investment_count == int(sum("ecology" in split_themes(t) for t in data["themes"][transport]))


def test_the_bundle_states_no_investment_and_says_so(document):
    table = compute_stats(document, "status")
    assert table.total.investment_count == 0
    assert all(r["investment_yi"] is None for r in table.records())


def test_unknown_grouping_is_refused(document):
    with pytest.raises(ValueError, match="grouping"):
        compute_stats(document, "colour")


def test_statistics_and_time_line_load_no_qt():
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = """
import json, sys
from layers.model.document import MapDocument
from layers.model.stats import GROUPINGS, compute_stats
from layers.model.timeline import up_to
from layers.model.filter import Filter
doc = MapDocument.from_bundle()
totals = [compute_stats(doc, by, up_to(Filter(), 2023)).total.projects for by in GROUPINGS]
print(json.dumps({"qt": sorted(m for m in sys.modules if m.split(".")[0] == "PySide6"), "totals": totals}))
"""
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["qt"] == [] and len(set(out["totals"])) == 1 and out["totals"][0] > 0

"""What the README tells a planner holds for the data as it is now.

The bundled-data table's feature counts and the circle area are read from the README and
compared with the bundle; the sample field-check CSV the README shows is checked as the
README says it will be (matched by name / by nearest project).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def bundled_table() -> dict[str, int]:
    """{layer: feature count} from the `| layer | features | …` table of "Bundled data"."""
    section = README.split("## Bundled data", 1)[1].split("\n#", 1)[0]  # up to the next heading
    counts: dict[str, int] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.match(r"\d", cells[1]):
            continue
        names = [re.sub(r"\s*\(.*?\)", "", n).strip() for n in cells[0].split(",")]
        numbers = re.sub(r"\(.*?\)", "", cells[1])  # "221 (重庆 38, …)" -> "221"
        values = [int(v) for v in re.findall(r"\d+", numbers)]
        assert len(values) == len(names), line
        counts.update(zip(names, values))
    return counts


def test_readme_table_lists_every_bundled_layer_with_its_feature_count():
    from geodata.bundle.loader import load_all

    layers = load_all()
    table = bundled_table()
    assert set(table) == set(layers)
    assert table == {name: len(gdf) for name, gdf in layers.items()}


def test_readme_total_feature_count_and_circle_area_match_the_bundle():
    from geodata.bundle.loader import load_all, load_layer

    total = int(re.search(r"all 11 layers \((\d+) features\)", README).group(1))
    assert total == sum(len(g) for g in load_all().values())
    area = float(re.search(r"\*\*Circle area\*\*: ([\d,]+) km²", README).group(1).replace(",", ""))
    assert area == pytest.approx(float(load_layer("circle")["area_km2"].iloc[0]), abs=1)


def test_readme_sample_field_check_csv_matches_as_described(tmp_path):
    from geodata.fieldcheck.check import check_file

    block = re.search(r"```text\n(编号,名称,经度,纬度\n.*?)```", README, flags=re.S).group(1)
    path = tmp_path / "survey.csv"
    path.write_text(block, encoding="gbk")  # the README says GBK works
    rows = check_file(path, datum="gcj02").rows.set_index("obs_id")
    assert rows.loc["O1", "match_method"] == "name"
    assert rows.loc["O1", "project_name_zh"] == "川渝石窟保护研究中心"
    assert rows.loc["O2", "match_method"] == "nearest"
    # O2 sits on a bridge's registered point (converted from GCJ-02); O1 is ~480 m from the registered centre
    assert rows.loc["O2", "distance_m"] < 1 and 200 < rows.loc["O1", "distance_m"] < 1000
    assert rows["status"].to_dict() == {"O1": "flagged", "O2": "ok"}


def test_readme_theme_table_matches_vocabulary_and_counts():
    """`| 交通 transport | 18 | 22 | 2 |`: label, key and how many projects/project lines/partnerships carry the theme."""
    from geodata.bundle.loader import load_layer
    from geodata.core.themes import THEMES

    rows = re.findall(r"^\| (\S+) ([a-z_]+) \| (\d+) \| (\d+) \| (\d+) \|$", README, flags=re.M)
    assert {key for _, key, _, _, _ in rows} == set(THEMES)
    for label, key, n_projects, n_lines, n_partnerships in rows:
        assert THEMES[key][0] == label
        for layer, stated in (("projects", n_projects), ("project_lines", n_lines), ("partnerships", n_partnerships)):
            carried = load_layer(layer)["themes"].str.split(",").apply(lambda keys: key in keys)
            assert int(carried.sum()) == int(stated), (key, layer)


def test_readme_presets_are_the_export_presets():
    from layers.page.layout_geometry import PRESETS

    sentence = re.search(r"Presets: (.*?)\. Formats", README, flags=re.S).group(1)
    assert set(re.findall(r"`([a-z0-9-]+)`", sentence)) == set(PRESETS)


def test_english_filter_caption_lists_themes_with_commas_and_chinese_with_the_enumeration_comma():
    """The README promises English output: no Chinese punctuation inside an English subtitle."""
    from layers.model.filter import Filter

    flt = Filter(themes=["ecology", "transport"], statuses=["planned", "operating"])
    english, chinese = flt.describe("en"), flt.describe("zh")
    assert "、" not in english and "Ecology, Transport" in english
    assert "生态环保、交通" in chinese and "建成/运营、规划" in chinese


def test_readme_contents_links_point_at_headings():
    def slug(heading: str) -> str:  # GitHub's anchor: lower case, punctuation dropped, spaces -> '-'
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", README, flags=re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", README)
    assert links, "the README has a table of contents"
    assert [link for link in links if link not in anchors] == []

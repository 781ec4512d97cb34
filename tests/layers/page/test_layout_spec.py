"""A print layout as a value: saved and reopened, printed by export_map, read by the CLI."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import main
from geodata.coords.projection import lonlat_to_display
from layers.model.document import MapDocument
from layers.page.export_map import export_map
from layers.page.extent import resolve_extent
from layers.page.layout_spec import LayoutError, LayoutSpec, LegendItem, load_layout, save_layout

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bundle_doc():
    return MapDocument.from_bundle()


def _texts(path) -> list[str]:
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG}text")]


SPEC = LayoutSpec(title="大足区重点项目", subtitle="试验布局", preset="a4-portrait", dpi=60, inset=False,
                  extent="district:大足区",
                  legend=(LegendItem("status", "planned", "规划中"), LegendItem("projects", "culture_tourism", "文旅项目"),
                          LegendItem("projects", "transport", shown=False)))


def test_a_layout_saved_as_json_reopens_equal(tmp_path):
    path = save_layout(SPEC, tmp_path / "layout.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "chengyu-layout" and data["legend"][0] == {
        "layer": "status", "key": "planned", "label": "规划中", "shown": True}
    assert load_layout(path) == SPEC
    bbox = LayoutSpec(extent=(105.5, 29.4, 106.1, 29.9))
    assert LayoutSpec.from_dict(json.loads(json.dumps(bbox.to_dict()))) == bbox


@pytest.mark.parametrize("data, field", [
    ({"titel": "x"}, "titel"), ({"preset": "letter"}, "letter"), ({"dpi": 5000}, "dpi"), ({"inset": "yes"}, "inset"),
    ({"extent": "district:"}, "extent"), ({"extent": [106, 30, 105, 31]}, "extent"), ({"legend": {"a": 1}}, "legend"),
    ({"legend": [{"layer": "projects"}]}, "legend entry 1"), ({"format": "other"}, "format"),
])
def test_a_bad_layout_names_its_field(data, field):
    with pytest.raises(LayoutError, match=field):
        LayoutSpec.from_dict(data)


def test_export_prints_the_layout_legend_order_labels_and_hidden_entries(tmp_path, bundle_doc):
    out = tmp_path / "dazu.svg"
    result = export_map(bundle_doc, out, layout=SPEC)
    printed = [(e.layer, e.key, e.label_zh) for e in result.legend]
    assert printed[:2] == [("status", "planned", "规划中"), ("projects", "culture_tourism", "文旅项目")]
    assert ("projects", "transport") not in {(layer, key) for layer, key, _ in printed}
    assert ("projects", "ecology", "生态环保") in printed  # not listed: kept, after the listed ones
    texts = _texts(out)
    assert "大足区重点项目" in texts and "试验布局" in texts and "文旅项目" in texts and "规划中" in texts
    assert result.layout.width_px < result.layout.height_px  # a4-portrait
    assert result.layout.inset is None or not any("位置示意" in t for t in texts)
    wanted = resolve_extent(bundle_doc, "district:大足区")  # the frame fits the district, centred on it
    shown = result.extent
    assert shown[0] <= wanted[0] + 0.01 and shown[1] <= wanted[1] + 0.01  # metres: float rounding only
    assert shown[2] >= wanted[2] - 0.01 and shown[3] >= wanted[3] - 0.01
    assert (shown[0] + shown[2]) / 2 == pytest.approx((wanted[0] + wanted[2]) / 2, abs=1)
    assert min(shown[2] - shown[0] - wanted[2] + wanted[0], shown[3] - shown[1] - wanted[3] + wanted[1]) < 1


def test_fit_to_selection_frames_the_selected_features(bundle_doc):
    doc = bundle_doc.snapshot()
    projects = next(layer for layer in doc.layers if layer.name == "projects")
    row = projects.data.index[projects.data["name_zh"] == "宝顶山摩崖造像广大寺修缮"][0]
    doc.set_selection({"projects": [str(projects.data.loc[row, "id"])]})
    box = resolve_extent(doc, "selection")
    point = projects.data.geometry.loc[row]
    x, y = lonlat_to_display(point.x, point.y)
    assert box[0] < x < box[2] and box[1] < y < box[3]
    assert box[2] - box[0] <= 10_001  # one point: 5 km each way
    doc.set_selection({})
    with pytest.raises(ValueError, match="nothing is selected"):
        resolve_extent(doc, "selection")


def test_cli_reads_a_layout_and_options_override_it(tmp_path, capsys):
    layout = save_layout(SPEC, tmp_path / "layout.json")
    out = tmp_path / "m.svg"
    saved = tmp_path / "used.json"
    code = main.main(["export", str(out), "--layout", str(layout), "--title", "命令行标题", "--save-layout", str(saved)])
    assert code == 0, capsys.readouterr().err
    texts = _texts(out)
    assert "命令行标题" in texts and "大足区重点项目" not in texts and "文旅项目" in texts
    assert load_layout(saved) == SPEC.replace(title="命令行标题")


def test_cli_refuses_a_bad_layout_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"preset": "letter"}', encoding="utf-8")
    assert main.main(["export", str(tmp_path / "m.png"), "--layout", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "letter" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_a_project_file_keeps_the_print_layout(tmp_path, bundle_doc):
    from layers.model.project_file import load_project, save_project

    path = save_project(bundle_doc.snapshot(), tmp_path / "p.cyproj", layout=SPEC.to_dict())
    loaded = load_project(path)
    assert LayoutSpec.from_dict(loaded.layout) == SPEC
    assert load_project(save_project(bundle_doc.snapshot(), tmp_path / "q.cyproj")).layout is None

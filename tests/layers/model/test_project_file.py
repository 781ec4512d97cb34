"""Project files: a session survives save/load (layers by relative path, styles, filter, extent,
bookmarks); moved files go to a resolver; a hostile file executes nothing."""
from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.io.importer import import_file
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.project_file import ProjectFileError, load_project, save_project

BOOKMARKS = [{"name": "大足", "cx": 105.72, "cy": 29.70, "resolution": 12.5}]


def make_session(folder):
    data = folder / "data"
    data.mkdir()
    src = data / "sites.geojson"
    gpd.GeoDataFrame({"name_zh": ["大足石刻", "资阳"], "themes": ["culture_tourism", "industry"]},
                     geometry=[shapely.Point(105.72, 29.70), shapely.Point(104.63, 30.13)], crs=4326).to_file(src)
    result = import_file(src)
    layer = MapLayer(name="sites", data=result.gdf, title_zh="我的点", title_en="My sites", label_field="name_zh",
                     data_ref={"kind": "file", "path": str(src)})
    inline = MapLayer(name="sketch", data=gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.LineString([(105, 29), (106, 30)])], crs=4326))
    doc = MapDocument(layers=[layer, inline], filter=Filter(themes=("culture_tourism",), year_min=2020),
                      extent=(-1000.0, -2000.0, 3000.0, 4000.0))
    doc.set_layer("sites", opacity=0.5, visible=False)
    return doc, src


def test_round_trip_keeps_layers_styles_filter_extent_and_bookmarks(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "session.cyproj", bookmarks=BOOKMARKS)
    loaded = load_project(path)
    assert loaded.missing == []
    d = loaded.document
    assert d.layer_names() == ["sites", "sketch"]
    sites = d.layer("sites")
    assert sites.opacity == 0.5 and sites.visible is False and sites.title_zh == "我的点"
    assert list(sites.data["name_zh"]) == ["大足石刻", "资阳"]
    assert sites.style.to_dict() == doc.layer("sites").style.to_dict()
    assert d.filter == Filter(themes=("culture_tourism",), year_min=2020)
    assert d.extent == (-1000.0, -2000.0, 3000.0, 4000.0)
    assert d.layer("sketch").data.geometry[0].equals(shapely.LineString([(105, 29), (106, 30)]))
    assert loaded.bookmarks == BOOKMARKS


def test_file_is_readable_json_with_relative_paths(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    text = path.read_text(encoding="utf-8")
    assert "我的点" in text  # readable, not escaped
    data = json.loads(text)
    ref = data["document"]["layers"][0]["data_ref"]
    assert ref == {"kind": "file", "path": "data/sites.geojson"}


def test_project_folder_can_move_as_a_whole(tmp_path):
    (tmp_path / "a").mkdir()
    doc, _ = make_session(tmp_path / "a")
    save_project(doc, tmp_path / "a" / "p.cyproj")
    shutil.move(tmp_path / "a", tmp_path / "b")
    loaded = load_project(tmp_path / "b" / "p.cyproj")
    assert loaded.missing == [] and len(loaded.document.layer("sites").data) == 2
    assert loaded.document.layer("sites").data_ref["path"] == str((tmp_path / "b" / "data" / "sites.geojson").resolve())


def test_second_save_keeps_a_backup_of_the_previous_version(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    first = path.read_text(encoding="utf-8")
    doc.set_layer("sites", opacity=0.25)
    save_project(doc, path)
    assert (tmp_path / "p.cyproj.bak").read_text(encoding="utf-8") == first
    assert json.loads(path.read_text(encoding="utf-8"))["document"]["layers"][0]["opacity"] == 0.25


def test_moved_file_is_reported_missing_and_the_rest_opens(tmp_path):
    doc, src = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    moved = tmp_path / "elsewhere.geojson"
    src.rename(moved)
    loaded = load_project(path)
    assert [m.layer for m in loaded.missing] == ["sites"]
    assert loaded.missing[0].path == str(src.resolve())
    assert (loaded.missing[0].reason.text("zh"), loaded.missing[0].reason.text("en")) == ("找不到文件", "not found")
    assert loaded.document.layer_names() == ["sketch"]


def test_resolver_is_asked_for_a_moved_file_and_its_answer_used(tmp_path):
    doc, src = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    moved = tmp_path / "elsewhere.geojson"
    src.rename(moved)
    asked = []

    def resolver(missing):
        asked.append(missing.layer)
        return moved

    loaded = load_project(path, resolver=resolver)
    assert asked == ["sites"] and loaded.missing == []
    assert loaded.document.layer("sites").data_ref["path"] == str(moved.resolve())
    assert any("found at" in line.text("en") for line in loaded.report)


def test_hostile_project_executes_nothing(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    hostile = {
        "format": "chengyu-explorer-project", "format_version": 1,
        "document": {"version": 1, "filter": {}, "extent": None, "layers": [
            {"name": payload, "data_ref": {"kind": "python", "code": payload}},
            {"name": "p2", "data_ref": {"kind": "file", "path": payload, "crs": payload, "datum": payload}},
            {"name": "p3", "style": {"__reduce__": payload}, "data_ref": {"kind": "inline", "geojson": payload}},
            {"name": "p4", "data_ref": {"kind": "file", "path": "../../../../etc/passwd"}},
        ]},
        "bookmarks": [{"name": payload, "cx": "1e999", "cy": 1, "resolution": 1}],
    }
    path = tmp_path / "evil.cyproj"
    path.write_text(json.dumps(hostile), encoding="utf-8")
    loaded = load_project(path)
    assert not marker.exists()
    assert loaded.document.layer_names() == []
    assert loaded.bookmarks == []
    pickled = tmp_path / "pickle.cyproj"
    import pickle

    pickled.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ProjectFileError, match="not a valid project file"):
        load_project(pickled)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"format": "other"}', b"\xff\xfe\x00garbage",
                                     b'{"format": "chengyu-explorer-project", "format_version": 99, "document": {"layers": []}}',
                                     b"[" * 100000])
def test_broken_project_files_give_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.cyproj"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError):
        load_project(path)


def test_failed_save_leaves_the_previous_project_intact(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    before = path.read_text(encoding="utf-8")
    doc.layers[0].data_ref = {"kind": "file", "path": str(tmp_path / "x"), "crs": object()}  # not JSON-able
    with pytest.raises(ProjectFileError):
        save_project(doc, path)
    assert path.read_text(encoding="utf-8") == before


def test_damaged_style_filter_extent_and_language_fall_back_to_defaults_with_a_note(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["document"]["filter"] = {"themes": ["no_such_theme"], "evil": 1}
    data["document"]["layers"][0]["style"] = {"classes": "__import__('os')", "field": 42}
    data["document"]["extent"] = [5, 1, 2, "x"]
    data["document"]["language"] = "fr"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_project(path)
    assert loaded.document.layer_names() == ["sites", "sketch"]
    assert loaded.document.filter == Filter()
    assert any("style is not valid" in line.text("en") for line in loaded.report)
    assert any("filter is not valid" in line.text("en") for line in loaded.report)
    assert loaded.document.extent is None and loaded.document.language == "zh"
    assert any("extent is not valid" in line.text("en") for line in loaded.report)


def test_bundled_map_is_saved_by_reference_and_reopens_whole(tmp_path):
    doc = MapDocument.from_bundle()
    doc.set_filter(Filter(themes=("transport",), statuses=("under_construction",)))
    path = save_project(doc, tmp_path / "bundle.cyproj")
    refs = [layer["data_ref"] for layer in json.loads(path.read_text(encoding="utf-8"))["document"]["layers"]]
    assert refs and all(ref["kind"] == "bundle" and set(ref) == {"kind", "layer"} for ref in refs)  # no data copied
    loaded = load_project(path)
    assert loaded.missing == [] and loaded.report == []
    assert loaded.document.layer_names() == doc.layer_names()
    assert loaded.document.filter == doc.filter
    for name in doc.layer_names():
        assert len(loaded.document.layer(name).data) == len(doc.layer(name).data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
LAYER = st.fixed_dictionaries({"name": st.text(max_size=8) | JSON}, optional={
    "data_ref": JSON | st.fixed_dictionaries({"kind": st.sampled_from(["file", "bundle", "inline", "python"]),
                                              "path": st.text(max_size=20) | JSON, "layer": JSON}),
    "style": JSON, "opacity": JSON, "visible": JSON, "filter_dims": JSON})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=st.lists(LAYER, max_size=3), extra=st.dictionaries(st.sampled_from(["filter", "extent", "language", "version"]), JSON))
def test_fuzzed_projects_open_or_give_a_project_error(tmp_path, layers, extra):
    path = tmp_path / "fuzz.cyproj"
    path.write_text(json.dumps({"format": "chengyu-explorer-project", "format_version": 1,
                                "document": {"layers": layers, **extra}, "bookmarks": extra.get("filter")}), encoding="utf-8")
    try:
        loaded = load_project(path)
    except ProjectFileError as exc:  # one bilingual line
        assert exc.message.zh and exc.message.en and "\n" not in str(exc)
    else:  # only the layers that could be read, each once, as lon/lat data shown in the display CRS
        names = loaded.document.layer_names()
        assert len(names) == len(set(names)) <= len(layers)
        assert all(isinstance(layer.data, gpd.GeoDataFrame) for layer in loaded.document.layers)
        assert loaded.document.language in ("zh", "en")


def test_report_lines_read_in_chinese_and_english(tmp_path):
    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["document"]["filter"] = {"themes": ["no_such_theme"], "evil": 1}
    data["document"]["extent"] = [5, 1, 2, "x"]
    data["document"]["layers"].append({"name": "orphan"})
    path.write_text(json.dumps(data), encoding="utf-8")
    report = load_project(path).report
    zh = [line.text("zh") for line in report]
    en = [line.text("en") for line in report]
    assert len(report) == 3 and zh != en
    assert "图层 'orphan' 已跳过：没有数据引用" in zh and "layer 'orphan' skipped: it has no data reference" in en
    assert "保存的筛选条件无效，已清除" in zh and "保存的视图范围无效，地图按全图打开" in zh
    assert all(any("\u4e00" <= c <= "\u9fff" for c in line) for line in zh)  # every line has Chinese


def test_a_damaged_data_file_is_missing_with_the_import_error_as_its_reason(tmp_path):
    doc, src = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    src.write_bytes(b"")
    loaded = load_project(path)
    assert [m.layer for m in loaded.missing] == ["sites"] and loaded.document.layer_names() == ["sketch"]
    assert loaded.missing[0].reason.text("en") == "文件为空 / sites.geojson is empty (0 bytes)"  # as the error reads


def test_loading_reports_progress_per_layer_and_cancel_stops_it(tmp_path):
    from geodata.core.feedback import Cancelled, Feedback

    doc, _ = make_session(tmp_path)
    path = save_project(doc, tmp_path / "p.cyproj")
    seen: list[tuple[float, str]] = []
    load_project(path, feedback=Feedback(lambda f, m: seen.append((round(f, 3), m.text("en")))))
    assert seen[0] == (0.0, "loading sites") and (0.5, "loading sketch") in seen and seen[-1] == (1.0, "done")
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    assert any(m == "reading sites.geojson" for _, m in seen)  # the import reports inside the layer's half

    feedback = Feedback()
    feedback.cancel()
    with pytest.raises(Cancelled):
        load_project(path, feedback=feedback)

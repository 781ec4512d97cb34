"""The one written status rule (geodata/bundle/sources/status_rule.toml, geodata/bundle/status_rule.py), applied
to every feature of the bundle that carries a status, and the three errors it was written to fix."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from geodata.bundle import build_projects as bp
from geodata.bundle import loader
from geodata.bundle.seeds import squash
from geodata.bundle.status_rule import StatusRuleError, load_rule
from geodata.core.themes import STATUS_MODES, STATUSES

STATUS_LAYERS = ("projects", "project_lines", "partnerships", "railways", "stations", "expressways")


@pytest.fixture(scope="module")
def rule():
    return load_rule()


@pytest.fixture(scope="module")
def seed_texts():
    texts = bp.load_seed_texts()
    if texts is None:
        pytest.fail("seed documents not found: set CHENGYU_SEEDS or put them in ../shared/seeds")
    return texts


# ---------------------------------------------------------------- the table itself
def test_every_class_maps_both_modes_to_a_known_status(rule):
    assert set(rule.classes) == {"prelim", "completion", "ongoing", "existing", "upgrade", "start", "cooperation"}
    for klass, modes in rule.classes.items():
        assert set(modes) == set(STATUS_MODES) and set(modes.values()) <= set(STATUSES), klass
    assert set(rule.modes) == set(bp.SEEDS)


@pytest.mark.parametrize(("basis", "mode", "status"), [
    ("前期工作", "target", "planned"),
    ("前期工作", "reported", "planned"),            # preliminary whatever the document
    ("开工建设", "target", "planned"),              # a plan's new start
    ("开钻", "reported", "under_construction"),     # a reported start
    ("建成投产", "target", "under_construction"),   # a plan's completion target: works to finish
    ("建成", "reported", "operating"),
    ("新建成的", "reported", "operating"),
    ("加快建设", "target", "under_construction"),
    ("完成年度投资", "reported", "under_construction"),   # longer than 完成: investment spent, not finished
    ("加快推进潼南港前期工作", "target", "planned"),       # 前期工作 outweighs 加快推进
    ("完成长垫梁货运铁路立项", "target", "planned"),       # equal length: prelim is listed first
    ("加快歌乐山·磁器口大景区提档升级", "target", "under_construction"),  # modifier 加快 on an upgrade
    ("推动……提档升级", "target", "planned"),
    ("深化", "target", "operating"),                # presupposes the cooperation exists
    ("联合设立", "reported", "operating"),
    ("共建", "target", "planned"),
    ("共建", "reported", "operating"),
])
def test_the_rule_reads_a_phrase_as_the_table_says(rule, basis, mode, status):
    assert rule.decide(basis, mode).status == status


def test_a_phrase_without_a_verb_of_the_table_is_refused(rule):
    with pytest.raises(StatusRuleError, match="no verb of the status rule"):
        rule.decide("川渝高竹新区", "target")
    with pytest.raises(StatusRuleError, match="status_mode"):
        rule.decide("建成", "someday")


def test_a_mode_other_than_the_documents_needs_a_marker_in_the_sentence(rule):
    record = {"status": "under_construction", "status_basis": "建成", "status_mode": "target",
              "source_file": "000_a9a0e116f201b48d.txt"}
    with pytest.raises(StatusRuleError, match="markers"):
        rule.check(record, "某园区建成投用。", "t")
    assert rule.check(record, "某园区将建成投用。", "t")["status_mode"] == "target"


def test_a_basis_that_is_not_in_its_sentence_is_refused(rule):
    record = {"status": "operating", "status_basis": "建成", "source_file": "000_a9a0e116f201b48d.txt"}
    with pytest.raises(StatusRuleError, match="does not occur"):
        rule.check(record, "某园区开工。", "t")


# ---------------------------------------------------------------- every feature of the bundle
def _features():
    for name in STATUS_LAYERS:
        frame = loader.load_layer(name)
        for row in frame.itertuples():
            yield name, row


def test_every_layer_with_a_status_records_how_it_was_read():
    for name in STATUS_LAYERS:
        columns = set(loader.load_layer(name).columns)
        assert {"status", "status_basis", "status_mode", "status_sentence", "status_file"} <= columns, name


def test_every_status_in_the_bundle_agrees_with_the_rule(rule, seed_texts):
    disagree, counted = [], 0
    for name, row in _features():
        counted += 1
        sentence = row.status_sentence or row.source_sentence
        status_file = row.status_file or row.source_file
        assert squash(row.status_basis) in squash(sentence), (name, row.id)
        assert squash(sentence) in seed_texts[status_file], (name, row.id)
        default = rule.default_mode(status_file)
        if row.status_mode != default:
            assert any(word in squash(sentence) for word in rule.markers[row.status_mode]), (name, row.id)
        decided = rule.decide(row.status_basis, row.status_mode).status
        if decided != row.status:
            disagree.append((name, row.id, row.status_basis, row.status_mode, row.status, decided))
    assert counted > 300
    assert disagree == []


def test_the_three_known_status_errors_are_fixed():
    projects = loader.load_layer("projects").set_index("id")
    # 001: 加快……粮药合作示范园区等7个文旅项目建设 — still being built, not operating
    grain = projects.loc["dz-grain-medicine-park"]
    assert grain["status"] == "under_construction" and grain["source_file"].startswith("001")
    # 001: 与中国珠宝协会联合设立……大足美学珠宝设计中心 — set up (in the year 001 reviews), not planned for 2027
    jewel = projects.loc["dz-jewellery-design-centre"]
    assert jewel["status"] == "operating" and "联合设立" in jewel["source_sentence"] and pd.isna(jewel["year"])
    # 003: 建成投产 江西环锂…… and 建成 耀和…… — the same kind of verb, the same status
    assert projects.loc["dz-battery-recycling", "status"] == projects.loc["dz-yaohe-knife-plant", "status"]
    assert projects.loc["dz-battery-recycling", "status"] == "under_construction"


def test_a_status_that_disagrees_with_its_phrase_stops_the_build(tmp_path, monkeypatch, seed_texts):
    from geodata.bundle.build import BuildContext

    shutil.copy(bp.PROJECTS_TOML, tmp_path / "projects.toml")
    monkeypatch.setattr(bp, "PROJECTS_TOML", tmp_path / "projects.toml")
    text = (tmp_path / "projects.toml").read_text(encoding="utf-8")
    old = 'status = "planned"\nstatus_basis = "签约落地"'
    assert old in text
    (tmp_path / "projects.toml").write_text(text.replace(old, 'status = "operating"\nstatus_basis = "签约落地"'),
                                            encoding="utf-8")
    ctx = BuildContext(districts=loader.load_layer("districts").copy(), seats=loader.load_layer("seats").copy())
    with pytest.raises(bp.CurationError, match="dz-pangang-longshui-base.*disagrees with the status rule"):
        bp.build_projects(ctx, seed_texts)

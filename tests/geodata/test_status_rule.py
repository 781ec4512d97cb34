"""The one written status rule (geodata/sources/status_rule.toml, geodata/status_rule.py)."""
from __future__ import annotations

import pytest

from geodata import build_projects as bp
from geodata.status_rule import StatusRuleError, load_rule
from geodata.themes import STATUS_MODES, STATUSES

@pytest.fixture(scope="module")
def rule():
    return load_rule()


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

"""Traceability of the curated sources: every year, date and amount a feature carries is
stated by its cited sentence, by its document (projects.toml `[document_year]`), or by an
explicit `year_basis` / `date_basis` on the feature that quotes where it comes from.

The checker works on plain records, so the negative tests below show it rejects a year, a
day or an amount that appears nowhere; the data tests then run it over every curated feature.
"""
from __future__ import annotations

import re
import tomllib

import pytest

from geodata.bundle import build_projects as bp
from geodata.bundle.seeds import squash

SOURCES = bp.SOURCES_DIR
TRANSPORT_TOML = SOURCES / "transport.toml"
FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _load(path):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _features() -> list[dict]:
    """Every curated feature of the four tables, as written in the TOML files."""
    records = []
    for path in (bp.PROJECTS_TOML, bp.PARTNERSHIPS_TOML, TRANSPORT_TOML):
        for key, value in _load(path).items():
            if isinstance(value, list):
                records += value
    return records


def document_years() -> dict[str, dict]:
    return _load(bp.PROJECTS_TOML)["document_year"]


def untraced(feature: dict, doc_years: dict[str, dict]) -> list[str]:
    """What in `feature` no text backs: a list of messages, empty when all is traceable."""
    sentence = squash(str(feature.get("source_sentence", "")))
    stated_years = set(FOUR_DIGITS.findall(sentence))
    doc_year = doc_years.get(feature.get("source_file"), {}).get("year")
    problems = []

    def year_ok(year) -> bool:
        return (str(year) in stated_years or year == doc_year
                or str(year) in str(feature.get("year_basis", "")))

    year = feature.get("year")
    if year is not None and not year_ok(year):
        problems.append(f"year {year} is not in the sentence, is not the document's year {doc_year}, "
                        "and no year_basis names it")
    for field in ("start_date", "open_date"):
        value = feature.get(field)
        if not value:
            continue
        parts = [int(part) for part in str(value).split("-")]
        if not year_ok(parts[0]):
            problems.append(f"{field} {value}: year {parts[0]} not stated")
        if len(parts) >= 2:
            day = f"{parts[1]}月{parts[2]}日" if len(parts) == 3 else f"{parts[1]}月"
            if day not in sentence and day not in squash(str(feature.get("date_basis", ""))):
                problems.append(f"{field} {value}: {day} is neither in the sentence nor in a date_basis")
    amount = feature.get("investment_yi")
    if amount is not None:
        figures = {float(match) for match in re.findall(r"(\d+(?:\.\d+)?)亿元", sentence)}
        if float(amount) not in figures:
            problems.append(f"investment_yi {amount} is not stated as …亿元 in the sentence")
    return problems


DOCS = {"x.txt": {"year": 2021}}


def _record(**fields):
    return {"id": "t", "source_file": "x.txt", "source_sentence": "2023年，某项目开工，总投资12.5亿元。", **fields}


def test_a_year_that_appears_nowhere_is_reported():
    assert untraced(_record(year=2019), DOCS)


def test_years_from_the_sentence_the_document_or_a_basis_pass():
    assert untraced(_record(year=2023), DOCS) == []
    assert untraced(_record(year=2021), DOCS) == []
    assert untraced(_record(year=2019, year_basis="2019年 in the preceding sentence"), DOCS) == []


def test_a_day_missing_from_the_sentence_is_reported_unless_a_basis_gives_it():
    assert untraced(_record(start_date="2023-01-08"), DOCS)
    assert untraced(_record(start_date="2023-01-08", date_basis="1月8日，……"), DOCS) == []
    assert untraced(_record(source_sentence="1月 8日，开钻。", start_date="2021-01-08"), DOCS) == []


def test_an_amount_not_written_as_yi_yuan_in_the_sentence_is_reported():
    assert untraced(_record(investment_yi=12.5), DOCS) == []
    assert untraced(_record(investment_yi=13), DOCS)


# ------------------------------------------------------------------ the curated data
def test_every_seed_has_a_document_year_whose_basis_is_quoted_from_it():
    texts = bp.load_seed_texts()
    years = document_years()
    assert set(years) == set(bp.SEEDS)
    for name, entry in years.items():
        assert isinstance(entry["year"], int) and entry["why"], name
        if texts is not None:
            assert squash(entry["basis"]) in texts[name], f"{name}: basis not quoted from the seed"
        # The year is written in the quoted basis, or is the year of the document's own date.
        assert str(entry["year"]) in entry["basis"] or bp.SEEDS[name].date.startswith(str(entry["year"])), name


def test_the_plan_2023_2027_dates_its_projects_by_its_target_year_not_its_issue_year():
    years = document_years()
    assert years["003_c1cd1741ba8991ec.txt"]["year"] == 2027
    plan_project = {"id": "t", "source_file": "003_c1cd1741ba8991ec.txt",
                    "source_sentence": "全力争取澜湄旅游城市联盟总部落户大足。"}
    assert untraced({**plan_project, "year": 2027}, years) == []
    assert untraced({**plan_project, "year": 2023}, years)  # the issue year is no project's year


def test_every_year_date_and_amount_of_the_curated_features_is_traceable():
    features = _features()
    assert len(features) > 200
    years = document_years()
    problems = {feature["id"]: untraced(feature, years) for feature in features}
    assert {key: value for key, value in problems.items() if value} == {}


def test_every_year_basis_quotes_its_seed():
    texts = bp.load_seed_texts()
    if texts is None:
        pytest.skip("seed documents not present")
    for feature in _features():
        for field in ("year_basis", "date_basis"):
            quote = feature.get(field)
            if quote:
                # The basis is `<verbatim clause> — <comment>`; the clause must be in the cited seed.
                clause = quote.split(" — ")[0]
                assert squash(clause) in texts[feature["source_file"]], f"{feature['id']}: {field} {clause!r}"


def test_every_bundled_project_year_carries_its_basis():
    from geodata.bundle.loader import load_layer

    projects = load_layer("projects")
    dated = projects[projects["year"].notna()]
    assert len(dated) > 0
    missing = dated[dated["year_basis"].isna() | (dated["year_basis"].astype(str).str.len() == 0)]
    assert missing.empty, list(missing["id"])
    assert projects.loc[projects["year"].isna(), "year_basis"].isna().all()

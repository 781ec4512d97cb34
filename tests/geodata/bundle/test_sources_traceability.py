"""Traceability of the curated sources: every year, date and amount a feature carries is
stated by its cited sentence — a year written there (2023年), or given there as 今年/去年/年内/a day
(1月8日) of the document's year with a `year_basis` quoting the clause — never by the document's own
year alone (that is the bundle's `doc_year`, from projects.toml `[document_year]`). `year_kind` says
what the year is the year of.

The checker works on plain records, so the negative tests below show it rejects a year, a
day or an amount that appears nowhere; the data tests then run it over every curated feature.
"""
from __future__ import annotations

import re
import tomllib


from geodata.bundle import build_projects as bp
from geodata.bundle.seeds import squash
from geodata.core.themes import YEAR_KINDS
from tests.conftest import _missing as missing_input  # skip locally, fail under CI=true

SOURCES = bp.SOURCES_DIR
TRANSPORT_TOML = SOURCES / "transport.toml"
FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _load(path):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _features() -> list[dict]:
    """Every curated feature of the five tables, as written in the TOML files."""
    records = []
    for path in (bp.PROJECTS_TOML, bp.LINES_TOML, bp.PARTNERSHIPS_TOML, TRANSPORT_TOML):
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
    relative = bp.relative_year(sentence, doc_year) if doc_year else set()
    problems = []

    def year_ok(year) -> bool:
        if str(year) in stated_years:
            return True
        # 今年/去年/年内/1月8日: the sentence gives the year by the document's; a year_basis must say so
        return year in relative and bool(feature.get("year_basis") or feature.get("date_basis"))

    year = feature.get("year")
    if year is not None and not year_ok(year):
        problems.append(f"year {year} is not written in the sentence, nor given there as 今年/去年/年内/a day "
                        f"of the document's year {doc_year} with a year_basis")
    if (year is None) != (feature.get("year_kind") is None):
        problems.append(f"year {year} and year_kind {feature.get('year_kind')!r} must come together")
    elif year is not None and feature["year_kind"] not in YEAR_KINDS:
        problems.append(f"year_kind {feature['year_kind']!r} is not one of {tuple(YEAR_KINDS)}")
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
    assert untraced(_record(year=2019, year_kind="start"), DOCS)


def test_the_documents_year_alone_is_no_features_year():
    # 2021 is the document's year but the sentence gives no year for the item: null, not 2021
    assert untraced(_record(year=2021, year_kind="target"), DOCS)
    assert untraced(_record(year=2021, year_kind="target", year_basis="the plan is for 2021"), DOCS)


def test_years_written_in_the_sentence_or_given_relative_to_the_document_pass():
    assert untraced(_record(year=2023, year_kind="start"), DOCS) == []
    plan = _record(source_sentence="今年，某园区开工建设。", year=2021, year_kind="target")
    assert untraced(plan, DOCS)  # 今年 without a basis saying so
    assert untraced({**plan, "year_basis": "今年 — 2021"}, DOCS) == []
    last = _record(source_sentence="去年，某线路开通。", year=2020, year_kind="opening", year_basis="去年 — 2020")
    assert untraced(last, DOCS) == []
    assert untraced({**last, "year": 2019}, DOCS)


def test_a_year_needs_its_kind_and_a_kind_needs_a_year():
    assert untraced(_record(year=2023), DOCS)
    assert untraced(_record(year_kind="start"), DOCS)
    assert untraced(_record(year=2023, year_kind="someday"), DOCS)


def test_a_day_missing_from_the_sentence_is_reported_unless_a_basis_gives_it():
    assert untraced(_record(start_date="2023-01-08"), DOCS)
    assert untraced(_record(start_date="2023-01-08", date_basis="1月8日，……"), DOCS) == []
    assert untraced(_record(source_sentence="1月 8日，开钻。", start_date="2021-01-08", date_basis="1月8日 — 2021"), DOCS) == []


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
        # The document's year is the year of its own date (source_date), nothing else.
        assert bp.SEEDS[name].date.startswith(str(entry["year"])), name


def test_the_plan_2023_2027_gives_its_projects_no_year_of_its_own():
    # 003 is dated 2023-03-31 and aims at 2027: neither is the year of a project its sentence does not date
    years = document_years()
    assert years["003_c1cd1741ba8991ec.txt"]["year"] == 2023
    assert years["003_c1cd1741ba8991ec.txt"]["horizon"] == 2027
    plan_project = {"id": "t", "source_file": "003_c1cd1741ba8991ec.txt",
                    "source_sentence": "全力争取澜湄旅游城市联盟总部落户大足。"}
    assert untraced({**plan_project, "year": 2027, "year_kind": "target"}, years)
    assert untraced({**plan_project, "year": 2023, "year_kind": "reported"}, years)
    assert untraced(plan_project, years) == []


def test_no_feature_takes_its_documents_year_unless_its_sentence_gives_it():
    # the bug this guards: long-operating facilities filtered into 2021 or 2027 by the plan they appear in
    from geodata.bundle.loader import load_layer

    for name in ("projects", "project_lines", "railways", "expressways"):
        frame = load_layer(name)
        for row in frame[frame["year"].notna()].itertuples():
            sentence = squash(row.source_sentence)
            assert str(row.year) in sentence or row.year in bp.relative_year(sentence, row.doc_year), (name, row.id)
        assert not ((frame["source_file"].str.startswith("003")) & (frame["year"] == 2027)).any(), name


def test_every_year_date_and_amount_of_the_curated_features_is_traceable():
    features = _features()
    assert len(features) > 200
    years = document_years()
    problems = {feature["id"]: untraced(feature, years) for feature in features}
    assert {key: value for key, value in problems.items() if value} == {}


def test_every_year_basis_quotes_its_seed():
    texts = bp.load_seed_texts()
    if texts is None:
        missing_input("seed documents not present (set CHENGYU_SEEDS)")
    for feature in _features():
        for field in ("year_basis", "date_basis"):
            quote = feature.get(field)
            if quote:
                # The basis is `<verbatim clause> — <comment>`; the clause must be in the cited seed.
                clause = quote.split(" — ")[0]
                assert squash(clause) in texts[feature["source_file"]], f"{feature['id']}: {field} {clause!r}"


def test_every_bundled_year_carries_its_kind_and_basis_and_every_feature_its_documents_year():
    from geodata.bundle.loader import load_layer

    for name in ("projects", "project_lines"):
        frame = load_layer(name)
        dated = frame[frame["year"].notna()]
        assert len(dated) > 0, name
        assert dated["year_basis"].notna().all() and (dated["year_basis"].astype(str).str.len() > 0).all(), name
        assert dated["year_kind"].isin(list(YEAR_KINDS)).all(), name
        undated = frame[frame["year"].isna()]
        assert undated["year_basis"].isna().all() and undated["year_kind"].isna().all(), name
    for name in ("projects", "project_lines", "partnerships", "railways", "stations", "expressways"):
        frame = load_layer(name)
        assert (frame["doc_year"] == frame["source_date"].str[:4].astype(int)).all(), name


def test_most_features_are_undated_because_their_sentence_gives_no_year():
    from geodata.bundle.loader import load_layer

    projects = load_layer("projects")
    assert projects["year"].isna().sum() > 0.8 * len(projects)


# ---------------------------------------------------------------- citations start at a boundary
PUNCTUATION = set("。；;！？!?：:，,、-—）)”#")


def _headings(raw: str) -> list[str]:
    """Lines that stand alone as headings (### …, or a line without sentence punctuation between blank lines)."""
    lines = raw.splitlines()
    out = []
    for i, line in enumerate(lines):
        text = line.strip()
        if not text or any(mark in text for mark in "。，,；;！？"):
            continue
        alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        if text.startswith("#") or alone:
            out.append(squash(text.lstrip("#")))
    return out


def starts_at_boundary(text: str, start: int, headings: list[str]) -> bool:
    """Whether a citation found at `start` of the squashed seed begins a sentence, clause or heading."""
    before = text[:start]
    return start == 0 or before[-1] in PUNCTUATION or any(before.endswith(h) for h in headings if h)


def test_every_citation_starts_at_a_sentence_clause_or_heading_boundary():
    from geodata.bundle.seeds import seeds_dir

    folder = seeds_dir()
    if folder is None:
        missing_input("seed documents not present (set CHENGYU_SEEDS)")
    raw = {name: (folder / name).read_text(encoding="utf-8") for name in bp.SEEDS}
    headings = {name: _headings(text) for name, text in raw.items()}
    bad = []
    for feature in _features():
        for sentence, file in ((feature.get("source_sentence"), feature.get("source_file")),
                               (feature.get("status_sentence"), feature.get("status_file") or feature.get("source_file"))):
            if not sentence:
                continue
            text = squash(raw[file])
            start = text.index(squash(sentence))
            if not starts_at_boundary(text, start, headings[file]):
                bad.append((feature["id"], text[max(0, start - 8):start] + "|" + squash(sentence)[:8]))
    assert bad == []


def test_a_citation_starting_mid_word_is_caught():
    # the 中缅 park once cited "化和园区雕刻技术优势…", the tail of 依托大足石刻文化和园区…
    raw = "二是积极发展珠宝玉石产业。\n\n### 小标题\n\n依托大足石刻文化和园区雕刻技术优势,引入翡翠王朝"
    text, headings = squash(raw), _headings(raw)
    assert headings == ["小标题"]
    assert not starts_at_boundary(text, text.index("化和园区"), headings)
    assert starts_at_boundary(text, text.index("依托大足"), headings)
    assert starts_at_boundary(text, text.index("小标题"), headings)

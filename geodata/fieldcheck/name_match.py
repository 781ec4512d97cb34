"""Matching the names field staff write to the registered project names, many at once.

The rule (README, Field check): exact first, then a close whole-name match (rapidfuzz `ratio`
≥ 85), then containment / same words (`partial_ratio` / `token_set_ratio` ≥ 90) — on the
Chinese name, its part before a bracket and each bracketed alias, pypinyin full pinyin and
initials, or the English name; equal best scores are a tie, never resolved here.

`match_many` scores every distinct name once.  Scoring each name against every registered form
with `partial_ratio` cost ~0.5 ms a name; instead a character index of the forms gives, for a
whole batch of names at once (numpy), each pair's shared characters (multiset intersection),
an upper bound of the longest common subsequence the rapidfuzz scores are made of:
`ratio` ≥ 85 needs ≥ 0.425·(len a + len b) of them, `partial_ratio` ≥ 90 needs ≥ 0.818·min(len),
`token_set_ratio` ≥ 90 needs ≥ 0.45·min(len) (Latin text is indexed by letter pairs, with the
bounds for those, below).  Only pairs that can reach a cutoff are scored,
with the very rapidfuzz scorers the rule names, so the result is the one the rule gives.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

# Whole-name similarity (rapidfuzz ratio) that counts as the same name with a typo or two.
NAME_SCORE_CUTOFF = 85.0
# Containment: the shorter name found inside the longer (partial_ratio) or the same words in any order
# (token_set_ratio); 90 keeps "大足石刻站" (100 in 大足石刻文化城（大足石刻站站城一体）) apart from
# "大足石刻研究院" (89: only 大足石刻 shared).
PARTIAL_SCORE_CUTOFF = 90.0
# Containment needs enough text to mean something: 3 Chinese characters, 5 Latin letters (pinyin),
# 4 initials ("dzsk").
MIN_PARTIAL_CJK, MIN_PARTIAL_LATIN, MIN_PARTIAL_INITIALS = 3, 5, 4
# Match tiers, best first; within a tier the higher score wins and equal scores are a tie.
TIER_EXACT, TIER_FUZZY, TIER_PARTIAL = 3, 2, 1
BATCH = 2048  # names scored together (a batch × forms matrix of shared-character counts)
_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")
# Lower bounds of shared characters (as a share of the lengths) for a score to reach its cutoff.
_RATIO_SHARE = NAME_SCORE_CUTOFF / 200  # of len a + len b
_PARTIAL_SHARE = 0.81  # of the shorter length (90 / 110 = 0.818…)
_TOKEN_SHARE = 0.44  # of the shorter length (ratio of the joined words: 0.45)
# Letter pairs: a lost letter breaks at most two pairs of a, a letter of b between two kept ones one
# (pairs kept ≥ 3·LCS − len a − len b − 1), so ratio ≥ 85 keeps ≥ 0.275·(len a + len b) − 1 and
# partial_ratio ≥ 90 (windows of at least 0.818 of the shorter length) ≥ 0.636·min(len) − 1.
_RATIO_PAIRS, _PARTIAL_PAIRS = 3 * _RATIO_SHARE - 1, 0.63


@lru_cache(maxsize=200_000)
def _word_pinyin(word: str, initials: bool) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER) if initials else lazy_pinyin(word))


def _pinyin_text(text: str, initials: bool = False) -> str:
    """pypinyin's reading of `text`: it cuts the text into words (its own segmentation) and reads
    each word on its own, so reading each word once and caching it gives the same string faster."""
    from pypinyin.seg.simpleseg import seg

    return _latin("".join(_word_pinyin(w, initials) for w in seg(text)))


def _pinyin(text: str) -> str:
    return _pinyin_text(text)


def _initials(text: str) -> str:
    return _pinyin_text(text, initials=True)


def _latin(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _plain(text: str) -> str:
    """Chinese name without spaces and punctuation (“”·—（） etc.), for exact comparison."""
    return re.sub(r"[\W_]", "", text).lower()


def _name_forms(name_zh: str) -> list[str]:
    """The whole name, the part before a bracket and each bracketed part: 大足高新区（川渝…园区） is
    written in the field as 大足高新区, and sometimes by its bracketed alias."""
    forms = [name_zh, _BRACKETS.sub("", name_zh), *_BRACKETS.findall(name_zh)]
    return [f for f in dict.fromkeys(_plain(f) for f in forms) if f]


@dataclass
class NameMatch:
    """The chosen project index (None when the best candidates tie), its score and the tied indices."""

    index: int | None
    score: float
    tier: int
    tied: list[int] = field(default_factory=list)


def _grams(text: str, q: int):
    return text if q == 1 else [text[i:i + q] for i in range(len(text) - q + 1)]


class _Forms:
    """One script's registered forms (project index, text) with an index of their q-grams: single
    characters for Chinese (thousands of them), letter pairs for Latin text (26 letters are shared
    by nearly every pinyin string, pairs are not)."""

    def __init__(self, forms: list[tuple[int, str]], q: int = 1):
        self.q = q
        self.project = np.array([i for i, _ in forms], dtype=np.int64)
        self.texts = [t for _, t in forms]
        self.lengths = np.array([len(t) for t in self.texts], dtype=np.float64)
        self.exact: dict[str, list[int]] = defaultdict(list)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for k, text in enumerate(self.texts):
            self.exact[text].append(k)
            for ch, n in Counter(_grams(text, q)).items():
                postings[ch].append((k, n))
        # Grams as integers (code points; a pair as first << 21 | second), sorted, with a CSR layout:
        # the forms holding gram g are form_of[start[g]:start[g + 1]].
        keys = [_gram_key(gram) for gram in postings]
        order = np.argsort(keys, kind="stable")
        lists = list(postings.values())
        self.keys = np.array(keys, dtype=np.int64)[order]
        sizes = np.array([len(lists[i]) for i in order], dtype=np.int64)
        self.start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.form_of = np.array([k for i in order for k, _ in lists[i]], dtype=np.int64)
        self.count_of = np.array([n for i in order for _, n in lists[i]], dtype=np.float64)

    def _query_grams(self, queries: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, gram id, count) for every gram of the queries that some form has (numpy, no loop)."""
        empty = np.array([], dtype=np.int64)
        lengths = np.array([len(q) for q in queries], dtype=np.int64)
        codes = np.frombuffer("".join(queries).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        rows = np.repeat(np.arange(len(queries)), lengths)
        if self.q == 2 and len(codes):
            same = rows[:-1] == rows[1:]  # a pair never spans two queries
            codes = (codes[:-1] << 21 | codes[1:])[same]
            rows = rows[:-1][same]
        if not len(codes) or not len(self.keys):
            return empty, empty, empty.astype(np.float64)
        pos = np.clip(np.searchsorted(self.keys, codes), 0, len(self.keys) - 1)
        known = self.keys[pos] == codes
        pairs, counts = np.unique(rows[known] * len(self.keys) + pos[known], return_counts=True)
        return pairs // len(self.keys), pairs % len(self.keys), counts.astype(np.float64)

    def shared(self, queries: list[str]) -> np.ndarray:
        """(len(queries), len(forms)) counts of shared q-grams (multiset intersection)."""
        rows, grams, counts = self._query_grams(queries)
        out = np.zeros(len(queries) * len(self.texts))
        if len(rows):
            sizes = self.start[grams + 1] - self.start[grams]
            first = np.repeat(self.start[grams], sizes)
            offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            postings = first + offsets
            weights = np.minimum(self.count_of[postings], np.repeat(counts, sizes))
            keys = np.repeat(rows, sizes) * len(self.texts) + self.form_of[postings]
            out += np.bincount(keys, weights=weights, minlength=len(out))
        return out.reshape(len(queries), len(self.texts))


def _gram_key(gram: str) -> int:
    return ord(gram) if len(gram) == 1 else ord(gram[0]) << 21 | ord(gram[1])


class NameMatcher:
    """Name lookup over the registry the way field staff write names: exact first, then a close
    whole-name match, then containment / same words — on Chinese, full pinyin, pinyin initials and
    the English name.  Equal best scores are reported as a tie, never silently resolved."""

    def __init__(self, projects):
        n = len(projects)
        self.ids = [str(v) for v in projects.get("id", pd.Series(range(n)))]
        self.zh = [str(v or "") for v in projects.get("name_zh", pd.Series([""] * n))]
        en = [str(v or "") for v in projects.get("name_en", pd.Series([""] * n))]
        zh_forms = [(i, f) for i, z in enumerate(self.zh) for f in _name_forms(z)]
        self.forms = {
            "zh": _Forms(zh_forms),
            "pinyin": _Forms([(i, p) for i, f in zh_forms if (p := _pinyin(f))], q=2),
            "initials": _Forms([(i, p) for i, f in zh_forms if _CJK.search(f) and (p := _initials(f))], q=2),
            "en": _Forms([(i, e) for i, e in enumerate(_latin(x) for x in en) if e], q=2),
            "en_words": _Forms([(i, " ".join(re.findall(r"[0-9a-z]+", x.lower()))) for i, x in enumerate(en) if x]),
        }

    @staticmethod
    def _plan(name: str) -> list[tuple[str, str, int, tuple[str, ...]]]:
        """(forms key, query text, minimum length for containment, scorers) for one written name."""
        if _CJK.search(name):
            # A mis-typed character that sounds alike (石克 for 石刻) still matches by pinyin.
            return [("zh", _plain(name), MIN_PARTIAL_CJK, ("exact", "ratio", "partial")),
                    ("pinyin", _pinyin(name), 2 * MIN_PARTIAL_LATIN, ("exact", "ratio", "partial"))]
        latin = _latin(name)
        plan = [("pinyin", latin, MIN_PARTIAL_LATIN, ("exact", "ratio", "partial")),
                ("en", latin, MIN_PARTIAL_LATIN, ("exact", "ratio"))]
        words = re.findall(r"[0-9a-z]+", name.lower())
        if len(words) >= 2:  # one shared word ("park") is not a name match
            plan.append(("en_words", " ".join(words), MIN_PARTIAL_LATIN, ("token_set",)))
        # Initials ("dzskz"): exact, or contained when long enough; never a fuzzy ratio (too noisy).
        plan.append(("initials", latin, MIN_PARTIAL_INITIALS, ("exact", "partial")))
        return plan

    def _offers(self, key: str, queries: list[tuple[int, str, int, tuple[str, ...]]], best: list[dict]) -> None:
        """Score a batch of (name index, query, minimum, scorers) against one script's forms into `best`."""
        from rapidfuzz import fuzz

        forms = self.forms[key]
        queries = [q for q in queries if q[1]]
        if not queries or not forms.texts:
            return

        def offer(ni: int, k: int, tier: int, score: float) -> None:
            i = int(forms.project[k])
            if (tier, score) > best[ni].get(i, (0, 0.0)):
                best[ni][i] = (tier, score)

        for start in range(0, len(queries), BATCH):
            batch = queries[start:start + BATCH]
            shared = forms.shared([q for _, q, _, _ in batch])
            qlen = np.array([len(q) for _, q, _, _ in batch], dtype=np.float64)[:, None]
            shorter = np.minimum(qlen, forms.lengths[None, :])
            has = {name: np.array([name in sc for _, _, _, sc in batch])[:, None] for name in ("ratio", "partial", "token_set")}
            long_enough = np.array([len(q) >= m for _, q, m, _ in batch])[:, None]
            minimum = np.array([m for _, _, m, _ in batch], dtype=np.float64)[:, None]
            # pairs that can reach a cutoff (see the module text); only these are scored
            both = qlen + forms.lengths[None, :]
            if forms.q == 1:
                ratio_ok, partial_ok = shared >= _RATIO_SHARE * both - 1e-9, shared >= _PARTIAL_SHARE * shorter - 1e-9
            else:
                ratio_ok = shared >= _RATIO_PAIRS * both - 1 - 1e-9
                partial_ok = shared >= _PARTIAL_PAIRS * shorter - 1 - 1e-9
            tests = (
                (has["ratio"] & ratio_ok, fuzz.ratio, NAME_SCORE_CUTOFF, TIER_FUZZY),
                (has["partial"] & long_enough & (forms.lengths[None, :] >= minimum) & partial_ok,
                 fuzz.partial_ratio, PARTIAL_SCORE_CUTOFF, TIER_PARTIAL),
                (has["token_set"] & (shared >= _TOKEN_SHARE * shorter - 1e-9),
                 fuzz.token_set_ratio, PARTIAL_SCORE_CUTOFF, TIER_PARTIAL),
            )
            for ni, query, _, scorers in batch:
                if "exact" in scorers:
                    for k in forms.exact.get(query, ()):
                        offer(ni, k, TIER_EXACT, 100.0)
            for mask, scorer, cutoff, tier in tests:
                for row, k in zip(*np.nonzero(mask)):
                    ni, query = batch[row][0], batch[row][1]
                    score = scorer(query, forms.texts[k])
                    if score >= cutoff:
                        offer(ni, int(k), tier, float(score))

    def match_many(self, names) -> dict[str, NameMatch | None]:
        """{written name: its match} for every distinct name (None when nothing matches)."""
        distinct = list(dict.fromkeys((n or "").strip() for n in names))
        best: list[dict[int, tuple[int, float]]] = [{} for _ in distinct]
        by_forms: dict[str, list] = defaultdict(list)
        for ni, name in enumerate(distinct):
            if name:
                for key, query, minimum, scorers in self._plan(name):
                    by_forms[key].append((ni, query, minimum, scorers))
        for key, queries in by_forms.items():
            self._offers(key, queries, best)
        out: dict[str, NameMatch | None] = {}
        for name, scores in zip(distinct, best):
            if not scores:
                out[name] = None
                continue
            top = max(scores.values())
            winners = sorted(i for i, v in scores.items() if v == top)
            out[name] = NameMatch(winners[0], top[1], top[0]) if len(winners) == 1 else NameMatch(None, top[1], top[0], winners)
        for raw in names:  # the names as given (unstripped) find their match too
            out.setdefault(raw, out.get((raw or "").strip()))
        return out

    def match(self, name: str) -> NameMatch | None:
        return self.match_many([name]).get(name)

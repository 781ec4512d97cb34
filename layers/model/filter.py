"""The map filter: a frozen, replayable value applied the same way to every layer.

Dimensions (empty = not filtering):
- `themes`: a feature matches when any of its themes is selected;
- `statuses`: its status is selected;
- place — `provinces`, `cities`, `districts` (adcodes) together: a feature matches
  when it lies in / intersects any district of the union of those areas (spatial,
  precomputed once per layer in `LayerCache.adcodes`);
- `year_min`/`year_max`: its `year` is within the range (undated features are kept
  only with `keep_undated=True`: an unknown year is not claimed to be in range);
- `text`: every whitespace-separated token is found in its Chinese name, English
  name, full pinyin or pinyin initials ("dazu", "dz", "大足" all find 大足石刻站).
A dimension applies only to layers that have the data (boundaries have no themes),
and a layer may further limit the dimensions it accepts (`MapLayer.filter_dims`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from geodata.core.themes import STATUSES, THEMES

DIMENSIONS = ("themes", "statuses", "place", "years", "text")


def _clean_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"\s+", text.strip().lower()) if t]


def search_key(names: Iterable[str]) -> str:
    """One lower-case search string: each name, its full pinyin and its pinyin initials."""
    from pypinyin import Style as PinyinStyle
    from pypinyin import lazy_pinyin

    parts = []
    for name in names:
        if not name:
            continue
        parts.append(name.lower())
        if re.search(r"[\u3400-\u9fff]", name):
            han = "".join(re.findall(r"[\u3400-\u9fff]+", name))
            parts.append("".join(lazy_pinyin(han)).lower())
            parts.append("".join(lazy_pinyin(han, style=PinyinStyle.FIRST_LETTER)).lower())
        else:
            parts.append(re.sub(r"[\s\-'’]+", "", name.lower()))
    return "\x1f".join(parts)


PROVINCE_EN = {"四川省": "Sichuan", "重庆市": "Chongqing"}  # the bundle stores no English province names


@lru_cache(maxsize=1)
def _bundle_place_names(stamp: tuple) -> dict[str, tuple[str, str]]:
    from geodata.bundle import loader

    districts = loader.load_layer("districts")
    names: dict[str, tuple[str, str]] = {}
    for code, zh in zip(districts["province_adcode"].astype(str), districts["province_zh"]):
        names[code] = (zh, PROVINCE_EN.get(zh, zh))
    if "cities" in loader.layer_names():
        cities = loader.load_layer("cities")
        names.update((str(a), (zh, en)) for a, zh, en in zip(cities["adcode"], cities["name_zh"], cities["name_en"]))
    # 市中区 (内江, 乐山) and other repeated county names get their city in front
    repeated = set(districts["name_zh"][districts["name_zh"].duplicated()])
    for code, zh, en, city_zh, city_code in zip(districts["adcode"].astype(str), districts["name_zh"], districts["name_en"],
                                                districts["city_zh"], districts["city_adcode"].astype(str)):
        if zh in repeated:
            city_en = names.get(city_code, (city_zh, city_zh))[1]
            zh, en = f"{city_zh}{zh}", f"{en} ({city_en})"
        names[code] = (zh, en)
    return names


def place_names() -> dict[str, tuple[str, str]]:
    """adcode (as text) -> (name_zh, name_en) for the bundle's provinces, cities and districts;
    empty when the bundle cannot be read (describe() then shows the codes)."""
    from geodata.bundle import loader

    try:
        path = loader.BUNDLE_PATH
        return _bundle_place_names((str(path), path.stat().st_mtime_ns))
    except (OSError, KeyError, loader.BundleError):
        return {}


def _tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        value = [value]
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Filter:
    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    text: str = ""
    keep_undated: bool = False

    def __post_init__(self):
        for name in ("themes", "statuses", "provinces", "cities", "districts"):
            object.__setattr__(self, name, tuple(sorted(set(_tuple(getattr(self, name))))))
        object.__setattr__(self, "text", (self.text or "").strip())
        bad = [t for t in self.themes if t not in THEMES]
        if bad:
            raise ValueError(f"unknown theme(s) {bad}; choose from {list(THEMES)}")
        bad = [s for s in self.statuses if s not in STATUSES]
        if bad:
            raise ValueError(f"unknown status(es) {bad}; choose from {list(STATUSES)}")
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError(f"year range {self.year_min}–{self.year_max} is empty")

    # ---- value ---------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return self == Filter()

    def replace(self, **changes) -> "Filter":
        data = self.to_dict()
        data.update(changes)
        return Filter.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Filter":
        data = data or {}
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown filter field(s): {sorted(unknown)}")
        kwargs = dict(data)
        for key in ("year_min", "year_max"):
            if kwargs.get(key) is not None:
                kwargs[key] = int(kwargs[key])
        return cls(**kwargs)

    def describe(self, language: str = "zh", names: dict[str, tuple[str, str]] | None = None) -> str:
        """A short human summary for titles and status bars; places by name (大足区 / Dazu District).

        `names` maps adcode -> (zh, en); by default the bundled districts and cities
        (an adcode it does not know is shown as the code)."""
        zh = language != "en"
        parts = []
        if self.themes:
            parts.append(("、" if zh else ", ").join(THEMES[t][0 if zh else 1] for t in self.themes))
        if self.statuses:
            parts.append(("、" if zh else ", ").join(STATUSES[s][0 if zh else 1] for s in self.statuses))
        place = self.provinces + self.cities + self.districts
        if place:
            table = place_names() if names is None else names
            shown = [table[code][0 if zh else 1] if code in table else code for code in place]
            parts.append(("地区 " if zh else "areas ") + ("、" if zh else ", ").join(shown))
        if self.year_min is not None or self.year_max is not None:
            years = f"{self.year_min or '…'}–{self.year_max or '…'}"
            if self.keep_undated:
                years += "（含无年份）" if zh else " (and undated)"
            parts.append(years)
        if self.text:
            parts.append(f"“{self.text}”")
        return ("；" if zh else "; ").join(parts) or ("全部" if zh else "all")

    # ---- applying ------------------------------------------------------------
    def place_adcodes(self, districts=None) -> frozenset[str] | None:
        """District adcodes of the selected area (None when no place is selected)."""
        if not (self.provinces or self.cities or self.districts):
            return None
        wanted = set(self.districts)
        if districts is not None and len(districts) and "adcode" in districts.columns:
            ad = districts["adcode"].astype(str)
            if self.provinces and "province_adcode" in districts.columns:
                wanted.update(ad[districts["province_adcode"].astype(str).isin(self.provinces)])
            if self.cities and "city_adcode" in districts.columns:
                wanted.update(ad[districts["city_adcode"].astype(str).isin(self.cities)])
            # codes given at another level than the table holds: fall back on adcode prefixes
            for code in self.provinces:
                wanted.update(a for a in ad if a[:2] == code[:2])
            for code in self.cities:
                if not code.endswith("0000"):
                    wanted.update(a for a in ad if a[:4] == code[:4])
        else:
            wanted.update(f"prefix:{c[:2]}" for c in self.provinces)
            wanted.update(f"prefix:{c[:4]}" for c in self.cities)
        return frozenset(wanted)

    def mask(self, layer, districts=None, dims: Iterable[str] | None = None) -> np.ndarray:
        """Boolean array: which features of `layer` (a MapLayer, LayerCache or GeoDataFrame) pass."""
        cache, layer_dims, districts = _resolve(layer, districts)
        if dims is None:
            dims = layer_dims
        dims = set(DIMENSIONS if dims is None else dims)
        memo_key = (self, frozenset(dims))
        if cache.mask_memo is not None and cache.mask_memo[0] == memo_key:
            return cache.mask_memo[1]
        keep = np.ones(cache.n, dtype=bool)
        if "themes" in dims and self.themes and cache.themes is not None:
            wanted = set(self.themes)
            keep &= np.fromiter((bool(wanted.intersection(t)) for t in cache.themes), bool, cache.n)
        if "statuses" in dims and self.statuses and cache.statuses is not None:
            keep &= np.isin(cache.statuses, list(self.statuses))
        if "years" in dims and (self.year_min is not None or self.year_max is not None) and cache.years is not None:
            y = cache.years
            ok = np.ones(cache.n, dtype=bool)
            if self.year_min is not None:
                ok &= y >= self.year_min
            if self.year_max is not None:
                ok &= y <= self.year_max
            keep &= ok | (np.isnan(y) & self.keep_undated)
        if "place" in dims:
            wanted = self.place_adcodes(districts)
            if wanted is not None:
                keep &= np.fromiter((_in_place(codes, wanted) for codes in cache.adcodes), bool, cache.n)
        if "text" in dims and self.text and cache.search_keys is not None:
            tokens = _clean_tokens(self.text)
            keep &= np.fromiter((all(t in key for t in tokens) for key in cache.search_keys), bool, cache.n)
        cache.mask_memo = (memo_key, keep)
        return keep

    def counts(self, layers, districts=None) -> dict[str, dict[str, int]]:
        """Features per theme and per status among those the rest of the filter keeps.

        Faceted like a shop's side bar: the theme counts ignore the theme selection and
        the status counts ignore the status selection, so each number says how many
        features ticking that box shows.  A feature with several themes counts once
        under each; "total" counts the kept features that carry a theme or status;
        "layers" gives, per named MapLayer, how many features the whole filter keeps.
        `layers`: MapLayers, LayerCaches or GeoDataFrames.
        """
        themes = {k: 0 for k in THEMES}
        statuses = {k: 0 for k in STATUSES}
        per_layer: dict[str, int] = {}
        total = 0
        no_theme = self.replace(themes=[])
        no_status = self.replace(statuses=[])
        for layer in layers:
            cache, dims, dists = _resolve(layer, districts)
            name = getattr(layer, "name", None)
            if name is not None:
                per_layer[name] = int(self.mask(cache, dists, dims).sum())
            if cache.themes is None and cache.statuses is None:
                continue
            if cache.themes is not None:
                m = no_theme.mask(cache, dists, dims)
                for ok, ts in zip(m, cache.themes):
                    if ok:
                        for t in ts:
                            if t in themes:
                                themes[t] += 1
            if cache.statuses is not None:
                m = no_status.mask(cache, dists, dims)
                for ok, s in zip(m, cache.statuses):
                    if ok and s in statuses:
                        statuses[s] += 1
            total += int(self.mask(cache, dists, dims).sum())
        return {"themes": themes, "statuses": statuses, "total": {"features": total}, "layers": per_layer}


def _in_place(codes: frozenset[str], wanted: frozenset[str]) -> bool:
    if codes & wanted:
        return True
    return any(w.startswith("prefix:") and any(c.startswith(w[7:]) for c in codes) for w in wanted)


def _resolve(layer, districts):
    """(LayerCache, allowed dims or None, districts table) for the kinds of layer accepted."""
    from layers.model.layer_cache import LayerCache

    if isinstance(layer, LayerCache):
        return layer, None, districts if districts is not None else layer._districts
    cache = getattr(layer, "cache", None)
    if isinstance(cache, LayerCache):
        return cache, getattr(layer, "filter_dims", None), districts if districts is not None else cache._districts
    # a bare GeoDataFrame: a throw-away cache (documents keep theirs)
    return LayerCache(layer, districts), None, districts

"""The one written rule from a seed sentence to a feature's status (`sources/status_rule.toml`).

`load_rule()` reads the table; `StatusRule.decide(basis, mode)` says which status a verbatim
phrase of a sentence (`status_basis`) gives for a mode (`reported` — the sentence reports what
is or was; `target` — it sets a goal). Both builders call `StatusRule.check(...)` on every
feature, and the tests apply `decide` again to the bundle, so a status that disagrees with its
phrase cannot ship. The toml header explains the rule and why each verb class maps as it does.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geodata.bundle.seeds import squash
from geodata.core.themes import STATUS_MODES, STATUSES

RULE_TOML = Path(__file__).resolve().parent / "sources" / "status_rule.toml"
GAP = "…"


class StatusRuleError(ValueError):
    """A status_basis the rule cannot read, or a status that disagrees with it."""


@dataclass(frozen=True)
class Verb:
    text: str          # as written in the table, "A…B" for A followed later by B
    klass: str
    order: int         # position of its class in the table (earlier wins a tie)
    pattern: re.Pattern

    @property
    def weight(self) -> int:
        return len(self.text.replace(GAP, ""))


@dataclass(frozen=True)
class Decision:
    status: str
    verb: str          # the table verb that decided
    klass: str         # its class, after the modifier step
    modifier: str | None = None


@dataclass(frozen=True)
class StatusRule:
    classes: dict[str, dict[str, str]]   # class -> {"reported": status, "target": status}
    verbs: tuple[Verb, ...]
    modes: dict[str, str]                # seed file -> default mode
    markers: dict[str, tuple[str, ...]]  # mode -> words that allow a feature to take it
    modifiers: tuple[str, ...]

    def candidates(self, basis: str) -> list[Verb]:
        text = squash(basis)
        return [verb for verb in self.verbs if verb.pattern.search(text)]

    def decide(self, basis: str, mode: str) -> Decision:
        if mode not in STATUS_MODES:
            raise StatusRuleError(f"status_mode {mode!r} is not one of {tuple(STATUS_MODES)}")
        found = self.candidates(basis)
        if not found:
            raise StatusRuleError(f"no verb of the status rule occurs in status_basis {basis!r}; "
                                  f"add it to a class of {RULE_TOML.name}")
        best = min(found, key=lambda verb: (-verb.weight, verb.order))
        klass, modifier = best.klass, None
        if klass in ("start", "upgrade"):
            modifier = next((word for word in self.modifiers if word in squash(basis)), None)
            if modifier:
                klass = "ongoing"
        return Decision(self.classes[klass][mode], best.text, klass, modifier)

    def default_mode(self, source_file: str) -> str:
        try:
            return self.modes[source_file]
        except KeyError:
            raise StatusRuleError(f"{RULE_TOML.name} [mode] has no default for {source_file!r}") from None

    def check(self, record: dict, source_sentence: str, where: str) -> dict:
        """Validate one curated record's status fields; return the columns the bundle carries.

        `record` has status, status_basis and optionally status_mode, status_sentence and
        status_file; `source_sentence` is the feature's own citation (the default place the
        basis must occur)."""
        status = record.get("status")
        if status not in STATUSES:
            raise StatusRuleError(f"{where}: status {status!r} is not one of {tuple(STATUSES)}")
        basis = str(record.get("status_basis") or "").strip()
        if not basis:
            raise StatusRuleError(f"{where}: status_basis is missing (the verbatim phrase that decides the status)")
        status_file = str(record.get("status_file") or record.get("source_file") or "")
        sentence = str(record.get("status_sentence") or source_sentence)
        if squash(basis) not in squash(sentence):
            raise StatusRuleError(f"{where}: status_basis {basis!r} does not occur in its sentence")
        default = self.default_mode(status_file)
        mode = str(record.get("status_mode") or default)
        if mode != default and not any(word in squash(sentence) for word in self.markers.get(mode, ())):
            raise StatusRuleError(f"{where}: status_mode {mode!r} differs from {status_file}'s {default!r} "
                                  f"but its sentence has none of the markers {list(self.markers.get(mode, ()))}")
        try:
            decision = self.decide(basis, mode)
        except StatusRuleError as exc:
            raise StatusRuleError(f"{where}: {exc}") from None
        if decision.status != status:
            via = f" (with {decision.modifier!r})" if decision.modifier else ""
            raise StatusRuleError(f"{where}: status {status!r} disagrees with the status rule: "
                                  f"{basis!r} → {decision.verb!r}{via}, class {decision.klass}, {mode} → "
                                  f"{decision.status!r}")
        own = not record.get("status_sentence")
        return {"status": status, "status_basis": basis, "status_mode": mode,
                "status_sentence": "" if own else squash(sentence),
                "status_file": "" if own or status_file == record.get("source_file") else status_file}


def _pattern(text: str) -> re.Pattern:
    return re.compile(".*?".join(re.escape(part) for part in squash(text).split(GAP)))


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> StatusRule:  # mtime: only the cache key (an edited rule reloads)
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    classes, verbs, seen = {}, [], {}
    for order, entry in enumerate(data["verb"]):
        klass = entry["class"]
        for mode in STATUS_MODES:
            if entry[mode] not in STATUSES:
                raise StatusRuleError(f"{path.name}: class {klass} maps {mode} to unknown status {entry[mode]!r}")
        classes[klass] = {mode: entry[mode] for mode in STATUS_MODES}
        for text in entry["verbs"]:
            if text in seen:
                raise StatusRuleError(f"{path.name}: verb {text!r} is in classes {seen[text]} and {klass}")
            seen[text] = klass
            verbs.append(Verb(text, klass, order, _pattern(text)))
    for needed in ("start", "upgrade", "ongoing"):
        if needed not in classes:
            raise StatusRuleError(f"{path.name}: class {needed!r} is missing")
    modes = dict(data["mode"])
    for name, mode in modes.items():
        if mode not in STATUS_MODES:
            raise StatusRuleError(f"{path.name}: [mode] {name} = {mode!r}")
    markers = {mode: tuple(words) for mode, words in data["markers"].items()}
    return StatusRule(classes, tuple(verbs), modes, markers, tuple(data["modifiers"]["ongoing"]))


def load_rule(path: Path | None = None) -> StatusRule:
    path = Path(path or RULE_TOML)
    return _load(path, path.stat().st_mtime)

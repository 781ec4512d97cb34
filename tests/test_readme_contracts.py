"""docs/CONTRACTS.md cannot drift from the code: every public name it lists for a module exists.

The module map names each module in a bullet (`render.py` — …) and its public names in
backticks: `name(` for functions, methods and signals, `CamelCase`/`UPPER_CASE` for classes
and constants.  A name counts as present when it is an attribute of the module, of a class the
module defines, or a parameter of one of its functions (e.g. `progress(fraction, message)`
describes the `progress=` callback), or a Python builtin (`ValueError`).
"""
from __future__ import annotations

import builtins
import importlib
import inspect
import re
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parent.parent / "docs" / "CONTRACTS.md"
_MODULE_MENTION = re.compile(r"`(\w+(?:/\w+)*)\.py`")
_TOP_PACKAGES = ("geodata", "layers", "explorer")
_CALLED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?=\()")
_CONSTANT_OR_CLASS = re.compile(r"[A-Z][A-Za-z0-9_]+")
_FOREIGN = {"Int64"}  # pandas dtype named in the text, not ours


def _keywords_of_calls(token: str) -> dict[str, set[str]]:
    """{"export_map": {"preset", "dpi", …}}: the `word=` arguments written inside each call."""
    calls: dict[str, set[str]] = {}
    for match in _CALLED.finditer(token):
        depth, start, words = 0, match.end(), set()
        for i in range(start, len(token)):
            depth += {"(": 1, ")": -1}.get(token[i], 0)
            if depth == 0:
                inner = token[start + 1:i]
                flat = re.sub(r"\([^()]*\)", "", inner)  # drop nested calls' arguments
                words = set(re.findall(r"(?<![\w.])([a-z_]\w*)=", flat))
                break
        calls.setdefault(match.group(1), set()).update(words)
    return calls


def contract_keywords(text: str) -> dict[str, dict[str, set[str]]]:
    """{"layers.page.export_map": {"export_map": {"preset", …}}}: keyword arguments the map names."""
    return contract_names(text, keywords=True)


def contract_names(text: str, keywords: bool = False):
    """{"layers.render.renderer": {"MapRequest", "render", …}} from the module map's bullets."""
    names: dict[str, set[str]] = {}
    kwargs: dict[str, dict[str, set[str]]] = {}
    blocks: list[tuple[str, str]] = []  # (package, text of one bullet or paragraph, lines joined)
    package = None
    for line in text.splitlines():
        heading = re.match(r"^## (\w+)/", line)
        if line.startswith("#"):
            package = heading.group(1) if heading else None
            blocks.append(("", ""))
        elif package is None or not line.strip() or line.startswith("|"):
            blocks.append(("", ""))
        elif line.startswith("- ") or not blocks or not blocks[-1][0]:
            blocks.append((package, line))
        else:  # a wrapped line of the same bullet: backticked names may span the break
            blocks[-1] = (package, blocks[-1][1] + " " + line.strip())
    for package, block in blocks:
        module = None
        # Each `x.py` mention switches the module the following names belong to.
        for tick in re.finditer(r"`([^`]+)`", block):
            mention = _MODULE_MENTION.fullmatch(tick.group(0))
            if mention:
                path = mention.group(1).replace("/", ".")
                # `bundle/loader.py` is inside the section's package; `geodata/coords/projection.py` is absolute
                module = path if path.split(".")[0] in _TOP_PACKAGES else f"{package}.{path}"
                names.setdefault(module, set())
                continue
            if module is None:
                continue
            token = tick.group(1)
            found = set(_CALLED.findall(token))
            if _CONSTANT_OR_CLASS.fullmatch(token):
                found.add(token)
            names[module] |= found
            for call, words in _keywords_of_calls(token).items():
                kwargs.setdefault(module, {}).setdefault(call, set()).update(words)
    if keywords:
        return kwargs
    return {m: n for m, n in names.items() if n}


def _present(module, name: str) -> bool:
    if name in _FOREIGN or hasattr(module, name) or hasattr(builtins, name):
        return True
    for _, obj in inspect.getmembers(module):
        if inspect.isclass(obj) and getattr(obj, "__module__", None) == module.__name__:
            fields = getattr(obj, "__dataclass_fields__", {}) or {}
            if hasattr(obj, name) or name in fields or name in getattr(obj, "__annotations__", {}):
                return True
        if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
            try:
                if name in inspect.signature(obj).parameters:
                    return True
            except (TypeError, ValueError):
                pass
    return False


NAMES = contract_names(CONTRACTS.read_text(encoding="utf-8"))


def test_contracts_lists_names_for_the_main_modules():
    for module in ("layers.render.renderer", "layers.render.request", "layers.model.document", "geodata.bundle.loader",
                   "geodata.io.importer", "explorer.main_window", "layers.web.export_html"):
        assert module in NAMES, module
    assert {"render", "render_image"} <= NAMES["layers.render.renderer"]
    assert {"MapRequest", "RenderResult"} <= NAMES["layers.render.request"]


@pytest.mark.parametrize("module_name", sorted(NAMES))
def test_every_name_contracts_lists_exists_in_its_module(module_name):
    module = importlib.import_module(module_name)
    missing = sorted(name for name in NAMES[module_name] if not _present(module, name))
    assert not missing, f"docs/CONTRACTS.md lists {missing} for {module_name}, which has no such name"


KEYWORDS = contract_keywords(CONTRACTS.read_text(encoding="utf-8"))
KEYWORD_CASES = sorted((m, f) for m, calls in KEYWORDS.items() for f, words in calls.items() if words)


@pytest.mark.parametrize(("module_name", "function"), KEYWORD_CASES)
def test_keyword_arguments_contracts_lists_are_parameters(module_name, function):
    module = importlib.import_module(module_name)
    target = getattr(module, function, None)
    if target is None:  # a method: the class of this module that has it
        owners = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if cls.__module__ == module.__name__ and hasattr(cls, function)]
        assert owners, f"{module_name} has no function or method {function}"
        target = getattr(owners[0], function)
    params = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    missing = sorted(KEYWORDS[module_name][function] - set(params))
    assert not missing, f"docs/CONTRACTS.md gives {module_name}.{function} keywords {missing} it does not take"


def test_a_renamed_name_would_be_reported():
    import layers.render.renderer
    import layers.render.request

    assert not _present(layers.render.renderer, "render_picture_renamed")
    parsed = contract_names("## layers/ (x)\n- `render/renderer.py` — `render_picture_renamed(request)`, `MapRequest`\n")
    assert parsed == {"layers.render.renderer": {"render_picture_renamed", "MapRequest"}}
    words = contract_keywords("## layers/ (x)\n- `render/request.py` — `MapRequest(document, dpi=96, labelz=True)`\n")
    assert words == {"layers.render.request": {"MapRequest": {"dpi", "labelz"}}}
    params = inspect.signature(layers.render.request.MapRequest).parameters
    assert "labelz" not in params and "dpi" in params

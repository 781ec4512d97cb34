"""The README cannot drift from the CLI: every `python main.py …` example parses.

Each example in a ```sh block is parsed (not run) by `main.build_parser()`: an unknown
sub-command or option, a renamed one, or a bad choice makes argparse exit, and the test names
the README line.  Values argparse leaves free (preset names, themes, statuses) are checked
against the vocabularies the commands use.  Every `--option` the README's prose mentions must
exist in some sub-command too.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Options the README mentions that belong to other programs, with where they are defined.
OTHER_PROGRAMS = {
    "--boundaries-only": ROOT / "geodata" / "bundle" / "build.py",  # python -m geodata.bundle.build
    "--prefix": None,  # npm ci --prefix tests/web
}


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```(?:sh|bash|console)\n(.*?)^```", text, flags=re.S | re.M)


def main_py_examples(text: str) -> list[list[str]]:
    """argv lists of every `python main.py …` line in the README's sh blocks."""
    examples = []
    for block in sh_blocks(text):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):  # VAR=value prefix
                words = words[1:]
            if words[:2] == ["python", "main.py"]:
                examples.append(words[2:])
    return examples


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse like main.py does, turning argparse's exit into an assertion with its message."""
    import main

    parser = main.build_parser()
    for each in [parser, *_sub_parsers(parser)]:
        each.allow_abbrev = False  # `--tol` must not pass for a renamed `--tolerance`
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return parser.parse_args(argv)
    except SystemExit:
        raise AssertionError(f"`python main.py {shlex.join(argv)}` does not parse: {err.getvalue().strip()}")


def _sub_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for sub in action.choices.values()]


def all_options() -> set[str]:
    import main

    options: set[str] = set()
    todo = [main.build_parser()]
    while todo:  # sub-commands and their own sub-commands (tiles download)
        parser = todo.pop()
        options |= set(parser._option_string_actions)
        todo.extend(_sub_parsers(parser))
    return options


README_TEXT = README.read_text(encoding="utf-8")
EXAMPLES = main_py_examples(README_TEXT)


def test_readme_has_cli_examples_for_every_sub_command():
    import main

    commands = {argv[0] for argv in EXAMPLES if argv}
    parser = main.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert commands <= set(sub.choices)
    for command in ("layers", "export", "export-batch", "import", "check", "here", "goto", "bench"):
        assert command in commands, f"README shows no `python main.py {command}` example"


@pytest.mark.parametrize("argv", EXAMPLES, ids=[" ".join(a) or "(none)" for a in EXAMPLES])
def test_readme_example_parses_with_main_py(argv):
    args = parse(argv)
    if not argv:
        return
    assert args.command == argv[0]
    if getattr(args, "preset", None):
        from layers.page.layout_geometry import PRESETS

        assert args.preset in PRESETS, f"README preset {args.preset!r} is not one of {sorted(PRESETS)}"
    from geodata.core.themes import STATUSES, theme_key

    for theme in getattr(args, "theme", None) or []:
        theme_key(theme)  # raises ValueError for a theme the export would refuse
    for status in getattr(args, "status", None) or []:
        assert status in STATUSES or any(status in labels for labels in STATUSES.values()), status


def test_every_option_the_readme_mentions_exists():
    known = all_options()
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", README_TEXT))
    for option in sorted(mentioned - known):
        assert option in OTHER_PROGRAMS, f"README mentions {option}, which no sub-command of main.py has"
        where = OTHER_PROGRAMS[option]
        if where is not None:
            assert option in where.read_text(encoding="utf-8"), f"{option} is not in {where.name}"


def test_a_renamed_option_is_caught():
    with pytest.raises(AssertionError, match="does not parse"):
        parse(["export", "out/x.png", "--thema", "交通"])
    with pytest.raises(AssertionError, match="does not parse"):
        parse(["no-such-command"])
    with pytest.raises(AssertionError, match="does not parse"):  # an abbreviation is not the option
        parse(["check", "obs.csv", "--tol", "200"])
    assert main_py_examples("```sh\nKEY=1 python main.py here \"1,2\"  # note\n```\n") == [["here", "1,2"]]

"""Entry point of the 成渝地区双城经济圈 explorer: the desktop app and the CLI.

`python main.py` opens the window; on a machine without a display it writes a
sample export instead.  Every other sub-command lives in the package that owns it
and is registered here by module name, so `--help` never needs the heavy imports.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from geodata.core.atomic import clean_up_after_crashes  # light: os and pathlib only

# Modules that add sub-commands.  Each defines `register(subparsers)` which adds its
# parsers with `set_defaults(func=run_function)`; `run_function(args) -> int`.
# Their top level imports only argparse-light things: heavy imports go inside run.
COMMAND_MODULES = (
    "layers.cli.layer_list",  # layers
    "layers.cli.export_commands",  # export, export-batch
    "layers.cli.tiles_command",  # tiles download
    "layers.cli.bench",  # bench
    "layers.cli.import_command",  # import
    "layers.cli.field_commands",  # check, here, goto
    "layers.cli.stats_command",  # stats
    "explorer.cli_gui",  # gui
)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("win32", "darwin")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="成渝地区双城经济圈 GIS explorer. With no command: open the window "
        "(or, with no display, write a sample map to out/sample-map.png).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency must not hide
                raise
            continue
        module.register(sub)
    return parser


def run_default() -> int:
    """No command: the explorer when a screen exists, else a sample export."""
    if has_display():
        from explorer.app import run_app

        return run_app(sys.argv[:1])
    from layers.cli.export_commands import write_sample

    return write_sample()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    clean_up_after_crashes()  # finish or remove the writes a killed run left
    if not argv:
        return run_default()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed): a status, not an exit
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""`python main.py …` in-process for the CLI tests: (exit code, stdout, stderr)."""
from __future__ import annotations

import main


def run_main(argv, capsys):
    code = main.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err

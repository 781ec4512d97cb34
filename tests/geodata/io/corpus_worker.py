"""Run every corpus case through `python main.py import` (in this process) and write the outcomes.

Usage: python -m tests.geodata.io.corpus_worker CORPUS_DIR OUT.json — started by
test_bad_input_corpus.py under an address-space limit and a timeout, with its own temp folder.
"""
from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path


def main(folder: str, out: str) -> None:
    import main as cli

    cases = json.loads((Path(folder) / "_cases.json").read_text(encoding="utf-8"))
    results = []
    for case in cases:
        name, _, layer = case["name"].partition("|")
        # an import that should work reports in English (its phrases are English); an error is run without
        # --lang, so its one line must carry both languages ("错误 / error: 中文 / English")
        lang = ["--lang", "en"] if case["expect"] != "error" else []
        argv = ["import", str(Path(folder) / name), *lang] + (["--layer", layer] if layer else [])
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(argv)
        except BaseException as exc:  # noqa: BLE001 - recorded: the test fails on any escape
            code, stderr = -1, io.StringIO(f"ESCAPED {type(exc).__name__}: {exc}")
        results.append({"name": case["name"], "code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
                        "seconds": round(time.monotonic() - started, 2),
                        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
    Path(out).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

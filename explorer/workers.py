"""The one background thread of the explorer's map work (canvas renders, export preview, export).

A plain Python thread with a queue rather than QThreadPool: pooled QThreads enter
Python afresh for every runnable, so thread-local state (pyproj's per-thread
PROJ objects among it) is torn down and rebuilt between jobs, and PROJ crashed
(SIGSEGV in proj_create) doing that.  A Python thread keeps one thread state for
the whole session.  One thread, not one per widget: map frames queue anyway.
QImage/QPainter work in any thread; results reach widgets through queued signals.
"""
from __future__ import annotations

import queue
import threading

_queue: "queue.Queue[Job]" = queue.Queue()
_thread: threading.Thread | None = None
_lock = threading.Lock()


class Job:
    """Work for the thread.  `finished` is set when `work()` has returned, or when the
    job was withdrawn before it started."""

    def __init__(self) -> None:
        self.finished = threading.Event()
        self.withdrawn = False

    def run(self) -> None:
        try:
            if not self.withdrawn:
                self.work()
        finally:
            self.finished.set()

    def work(self) -> None:
        raise NotImplementedError


def _loop() -> None:
    while True:
        job = _queue.get()
        try:
            job.run()
        except Exception:  # a job reports its own errors; the thread must live on
            pass


def start(job: Job) -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="explorer-map-worker", daemon=True)
            _thread.start()
    _queue.put(job)


def withdraw(jobs, timeout_s: float = 10.0) -> None:
    """Skip unstarted jobs and wait for the running one (owners call this on close)."""
    jobs = list(jobs)
    for job in jobs:
        job.withdrawn = True
    for job in jobs:
        job.finished.wait(timeout_s)

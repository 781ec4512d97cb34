"""The explorer's background threads: one lane for map work, one for data work.

Lane "map" runs canvas renders, export previews and exports; lane "data" runs
imports, saves, project loads and field checks, so a long import never holds up
the map's redraws (and a burst of map frames never delays an import).

A plain Python thread with a queue rather than QThreadPool: pooled QThreads enter
Python afresh for every runnable, so thread-local state (pyproj's per-thread
PROJ objects among it) is torn down and rebuilt between jobs, and PROJ crashed
(SIGSEGV in proj_create) doing that.  A Python thread keeps one thread state for
the whole session.  One thread a lane, not one per widget: map frames queue anyway.
QImage/QPainter work in any thread; results reach widgets through queued signals.
"""
from __future__ import annotations

import queue
import threading

LANES = ("map", "data")
_queues: "dict[str, queue.Queue[Job]]" = {lane: queue.Queue() for lane in LANES}
_threads: dict[str, threading.Thread] = {}
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


def _loop(jobs: "queue.Queue[Job]") -> None:
    while True:
        job = jobs.get()
        try:
            job.run()
        except Exception:  # a job reports its own errors; the thread must live on
            pass


def start(job: Job, lane: str = "map") -> None:
    """Queue `job` on the lane's thread (started on first use)."""
    jobs = _queues[lane]
    with _lock:
        thread = _threads.get(lane)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_loop, args=(jobs,), name=f"explorer-{lane}-worker", daemon=True)
            _threads[lane] = thread
            thread.start()
    jobs.put(job)


def withdraw(jobs, timeout_s: float = 10.0) -> None:
    """Skip unstarted jobs and wait for the running one (owners call this on close)."""
    jobs = list(jobs)
    for job in jobs:
        job.withdrawn = True
    for job in jobs:
        job.finished.wait(timeout_s)

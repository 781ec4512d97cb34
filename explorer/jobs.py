"""The explorer's one way to run work off the GUI thread: a `Job` over a `Feedback`, on a lane.

`Job(fn, lane)` runs `fn(feedback) -> value` on one of two lanes, each one Python thread:
"map" runs canvas frames, export previews and exports; "data" runs imports, saves, project
loads and field checks, so a long import never holds up the map's redraws (and a burst of map
frames never delays an import).  Its Qt signals are emitted in the GUI thread (connect lambdas
freely): `progress(fraction, Message)`, then exactly one of `done(value)`, `failed(exception)`
(`error_text(exc)` words it) or `cancelled()`, then `ended()`.  `cancel()` cancels the job's
`Feedback`; a job cancelled before its value reached the GUI ends `cancelled`, never `done`, so a
superseded result cannot arrive late.  A `JobGroup` is what an owner keeps: `run(...)` starts a job
(`replace=True` cancels the group's earlier ones: a canvas frame in progress is replaced, not
queued), `wait_idle()` for tests and scripts, `withdraw()` on close (unstarted jobs are skipped, the
running one is cancelled and waited for; withdrawn jobs emit nothing more).

Plain Python threads with a queue rather than QThreadPool: pooled QThreads enter Python afresh
for every runnable, so thread-local state (pyproj's per-thread PROJ objects among it) is torn
down and rebuilt between jobs, and PROJ crashed (SIGSEGV in proj_create) doing that.  A Python
thread keeps one thread state for the whole session.  The worker never holds a QObject: it gets a
plain `_Run` and posts results by job id to one dispatcher living in the GUI thread, so no Qt
object is ever deleted on a worker thread.  QImage/QPainter work in any thread.
"""
from __future__ import annotations

import itertools
import queue
import threading
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, Qt, Signal, Slot

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import Message

LANES = ("map", "data")
_queues: "dict[str, queue.Queue[_Run]]" = {lane: queue.Queue() for lane in LANES}
_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()
_ids = itertools.count(1)
_live: "dict[int, Job]" = {}  # started jobs whose end the GUI has not handled yet (GUI thread only)


class _Run:
    """What the worker thread holds of a job: no Qt objects."""

    def __init__(self, job_id: int, fn: Callable[[Feedback], Any]) -> None:
        self.job_id, self.fn = job_id, fn
        self.feedback = Feedback(self._report)
        self.returned = threading.Event()  # fn returned or raised, or the job was skipped
        self.withdrawn = False
        self._progress_lock = threading.Lock()
        self._latest: tuple[float, Message] | None = None
        self._progress_queued = False

    def _report(self, fraction: float, message: Message) -> None:
        # Coalesced: at most one progress event waits in the GUI's queue, and it shows the latest
        # value when it arrives (a check of 100 000 rows must not flood the event loop).
        with self._progress_lock:
            self._latest = (fraction, message)
            if self._progress_queued:
                return
            self._progress_queued = True
        _post(self.job_id, "progress", None)

    def take_progress(self) -> tuple[float, Message] | None:
        with self._progress_lock:
            self._progress_queued = False
            return self._latest

    def run(self) -> None:
        try:
            if self.withdrawn or self.feedback.is_cancelled():
                outcome, value = "cancelled", None  # superseded or withdrawn before it started
            else:
                try:
                    outcome, value = "done", self.fn(self.feedback)
                except Cancelled:
                    outcome, value = "cancelled", None
                except Exception as exc:  # reported through `failed`, never lost in the thread
                    outcome, value = "failed", exc
            _post(self.job_id, outcome, value)
        finally:
            self.returned.set()


class _Dispatcher(QObject):
    """Lives in the GUI thread; the workers post (job id, kind, value) to it, queued."""

    posted = Signal(int, str, object)
    call = Signal(object)  # a function to run in the GUI thread (`ask_in_gui`)

    def __init__(self) -> None:
        super().__init__()
        self.posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.call.connect(self._call, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _call(self, fn) -> None:
        fn()

    @Slot(int, str, object)
    def _deliver(self, job_id: int, kind: str, value: object) -> None:
        job = _live.get(job_id) if kind == "progress" else _live.pop(job_id, None)
        if job is not None and not job._withdrawn:
            job._deliver(kind, value)


_dispatcher: _Dispatcher | None = None


def _the_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        app = QCoreApplication.instance()
        if app is not None and _dispatcher.thread() is not app.thread():
            _dispatcher.moveToThread(app.thread())
    return _dispatcher


def _post(job_id: int, kind: str, value: object) -> None:
    _the_dispatcher().posted.emit(job_id, kind, value)


def _loop(runs: "queue.Queue[_Run]") -> None:
    while True:
        run = runs.get()
        run.run()
        del run  # nothing of a finished job stays referenced by the thread


def _enqueue(run: _Run, lane: str) -> None:
    runs = _queues[lane]
    with _lock:
        thread = _threads.get(lane)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_loop, args=(runs,), name=f"explorer-{lane}-worker", daemon=True)
            _threads[lane] = thread
            thread.start()
    runs.put(run)


class Job(QObject):
    """`fn(feedback) -> value` on a lane; its signals arrive in the GUI thread."""

    progress = Signal(float, object)  # fraction 0..1, Message
    done = Signal(object)  # fn's value
    failed = Signal(object)  # the exception fn raised
    cancelled = Signal()
    ended = Signal()  # after done, failed or cancelled

    def __init__(self, fn: Callable[[Feedback], Any], lane: str = "map") -> None:
        super().__init__()
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}; choose one of {LANES}")
        self.lane = lane
        self.id = next(_ids)
        self._run = _Run(self.id, fn)
        self.feedback = self._run.feedback
        self._withdrawn = False
        self.outcome: str | None = None  # "done" / "failed" / "cancelled" once the GUI has it

    def start(self) -> "Job":
        """Queue on the lane's thread (call from the GUI thread; signals connected before the
        event loop runs again are never missed: every delivery is queued)."""
        _the_dispatcher()
        _live[self.id] = self
        _enqueue(self._run, self.lane)
        return self

    def cancel(self) -> None:
        self.feedback.cancel()

    def is_cancelled(self) -> bool:
        return self.feedback.is_cancelled()

    def is_finished(self) -> bool:
        """The worker is done with it: fn returned or raised, or it was skipped."""
        return self._run.returned.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block (no event processing) until the worker is done with it."""
        return self._run.returned.wait(timeout_s)

    def withdraw(self) -> None:
        """Cancel; if not started it is skipped, and either way it emits nothing more."""
        self._withdrawn = self._run.withdrawn = True
        self.cancel()

    def _deliver(self, kind: str, value: object) -> None:
        if kind == "progress":
            latest = self._run.take_progress()
            if latest is not None and not self.feedback.is_cancelled():
                self.progress.emit(*latest)
            return
        if self.feedback.is_cancelled():
            kind = "cancelled"  # unwanted by now: a late value must not look current
        self.outcome = kind
        if kind == "done":
            self.done.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.ended.emit()


def withdraw(jobs, timeout_s: float = 10.0) -> bool:
    """Withdraw `jobs` and wait for the running one (owners call this on close): a file half
    written when the app exits would stay behind.  True when all are done with."""
    jobs = list(jobs)
    for job in jobs:
        job.withdraw()
    return all(job.wait(timeout_s) for job in jobs)


class JobGroup:
    """An owner's jobs: start them, wait for them, withdraw them on close."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []  # started and not yet ended in the GUI

    def run(self, fn: Callable[[Feedback], Any], lane: str = "map", *, replace: bool = False,
            done: Callable[[Any], None] | None = None, failed: Callable[[BaseException], None] | None = None,
            cancelled: Callable[[], None] | None = None,
            progress: Callable[[float, Message], None] | None = None) -> Job:
        """Start `fn(feedback)` with the given handlers; `replace` cancels this group's earlier jobs."""
        if replace:
            self.cancel()
        job = Job(fn, lane)
        for signal, handler in ((job.done, done), (job.failed, failed), (job.cancelled, cancelled),
                                (job.progress, progress)):
            if handler is not None:
                signal.connect(handler)
        job.ended.connect(lambda: self._forget(job))
        self.jobs.append(job)
        return job.start()

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    def busy(self) -> bool:
        return bool(self.jobs)

    def latest(self) -> Job | None:
        return self.jobs[-1] if self.jobs else None

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Process events until every job has ended (tests and scripted use)."""
        timer = QElapsedTimer()
        timer.start()
        while self.jobs and timer.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            if self.jobs:
                self.jobs[0].wait(0.005)  # sleeps while the worker is busy, not once it has posted
        QCoreApplication.processEvents()
        return not self.jobs

    def withdraw(self, timeout_s: float = 10.0) -> bool:
        """Withdraw every job (see `withdraw`) and forget them."""
        jobs, self.jobs = self.jobs, []
        return withdraw(jobs, timeout_s)


def ask_in_gui(handler: Callable[[Any], Any], feedback: Feedback) -> Callable[[Any], Any]:
    """A function a worker calls to have `handler(payload)` answer in the GUI thread (a dialog).

    It waits for the answer, but gives up (returning None, as if the user pressed Cancel) once
    `feedback` is cancelled: not a BlockingQueuedConnection, because closing the window makes the
    GUI thread wait for the worker, and a worker blocked on the GUI thread would hang both.
    """

    def ask(payload):
        reply: dict[str, Any] = {"answer": None}
        answered = threading.Event()

        def answer() -> None:
            try:
                if not feedback.is_cancelled():
                    reply["answer"] = handler(payload)
            finally:
                answered.set()

        _the_dispatcher().call.emit(answer)
        while not answered.wait(0.05):
            if feedback.is_cancelled():
                return None
        return reply["answer"]

    return ask


def error_text(exc: BaseException) -> str:
    """What a failed job says to the user: our bilingual errors as the CLI prints them
    ("中文 / English"), anything unexpected with its type (a message, never a crash)."""
    from geodata.core.message import MessageError

    if isinstance(exc, MessageError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"

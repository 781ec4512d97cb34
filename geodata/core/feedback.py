"""One progress-and-cancel object for every long job (import, export, check, project load, render).

Modelled on QGIS's QgsFeedback: the caller makes a `Feedback`, passes it down, and may
`cancel()` it from any thread; the worker reports `set_progress(fraction, message)` and calls
`check()` at safe points, which raises `Cancelled`.  `Cancelled` is the one exception meaning
"the user stopped it" everywhere: whatever was being written is not left behind.

`Feedback.sub(start, end)` hands a part of the range to a step (QgsProcessingMultiStepFeedback):
the step reports 0..1 and its parent sees start..end; cancelling either cancels both.
"""
from __future__ import annotations

import threading
from typing import Callable

from geodata.core.message import Message

ProgressCallback = Callable[[float, Message], None]


class Cancelled(Exception):
    """The job was cancelled; nothing was written or changed."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class Feedback:
    """Thread-safe progress (0..1 with a bilingual message) and a cancel flag."""

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._event = threading.Event()
        self._on_progress = on_progress
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.fraction = 0.0
        self.message = Message("", "")

    # ---- cancel ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop at its next `check()`; safe from any thread, idempotent."""
        if self._event.is_set():
            return
        self._event.set()
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if cancel() was called: call this where stopping is safe."""
        if self._event.is_set():
            raise Cancelled()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run `callback` (on the cancelling thread) when cancelled; at once if already."""
        with self._lock:
            self._listeners.append(callback)
        if self._event.is_set():
            callback()

    # ---- progress -------------------------------------------------------------------------
    def set_progress(self, fraction: float, message: Message | None = None) -> None:
        """Report progress (clamped to 0..1); a None message keeps the last one."""
        self.fraction = min(1.0, max(0.0, float(fraction)))
        if message is not None:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, self.message)

    def sub(self, start: float, end: float) -> "Feedback":
        """A child feedback whose 0..1 maps onto start..end of this one; shares cancellation."""
        child = Feedback(lambda f, m: self.set_progress(start + (end - start) * f, m))
        child._event = self._event  # one flag: cancelling parent or child stops both
        child._lock = self._lock
        child._listeners = self._listeners
        return child


def feedback_or_new(feedback: Feedback | None) -> Feedback:
    """The caller's feedback, or a silent one that is never cancelled."""
    return feedback if feedback is not None else Feedback()

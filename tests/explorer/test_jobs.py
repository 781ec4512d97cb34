"""The explorer's one job adapter: fn(feedback) on a lane, results as signals in the GUI thread."""
from __future__ import annotations

import threading

import pytest

from explorer.jobs import Job, JobGroup, ask_in_gui, error_text
from geodata.core.feedback import Cancelled
from geodata.core.message import Message, plain


def _record(job: Job) -> list:
    seen = []
    job.progress.connect(lambda f, m: seen.append(("progress", f, m.text("en"), threading.current_thread().name)))
    job.done.connect(lambda v: seen.append(("done", v, threading.current_thread().name)))
    job.failed.connect(lambda e: seen.append(("failed", type(e).__name__, str(e))))
    job.cancelled.connect(lambda: seen.append(("cancelled",)))
    job.ended.connect(lambda: seen.append(("ended",)))
    return seen


def test_the_value_arrives_in_the_gui_thread_after_the_latest_progress(qtbot):
    def work(feedback):
        for i in range(1, 1001):
            feedback.set_progress(i / 1000, Message(f"第 {i} 步", f"step {i}"))
        return threading.current_thread().name

    job = Job(work, "data")
    seen = _record(job)
    group = JobGroup()
    group.jobs.append(job)
    job.ended.connect(lambda: group.jobs.remove(job))
    job.start()
    assert group.wait_idle(10000)
    gui = threading.current_thread().name
    progress = [s for s in seen if s[0] == "progress"]
    assert 1 <= len(progress) < 1000  # coalesced: at most one waits in the event queue ...
    assert progress[-1] == ("progress", 1.0, "step 1000", gui)  # ... and it shows the latest value
    assert seen[-2:] == [("done", "explorer-data-worker", gui), ("ended",)]
    assert job.outcome == "done" and job.is_finished()


def test_an_exception_is_reported_as_failed_with_the_exception(qtbot):
    from geodata.io.errors import DataImportError

    group = JobGroup()
    errors = []
    group.run(lambda feedback: 1 / 0, "data", failed=errors.append)
    group.run(lambda feedback: (_ for _ in ()).throw(DataImportError(Message("坏文件", "bad file"))), "data",
              failed=errors.append)
    assert group.wait_idle(10000)
    assert [type(e).__name__ for e in errors] == ["ZeroDivisionError", "DataImportError"]
    assert error_text(errors[0]) == "ZeroDivisionError: division by zero"
    assert error_text(errors[1]) == "坏文件 / bad file"  # our errors as the CLI prints them


def test_cancelled_is_the_end_of_a_job_that_raised_cancelled_or_was_cancelled_before_its_value_arrived(qtbot):
    group = JobGroup()
    stopped = group.run(lambda feedback: (_ for _ in ()).throw(Cancelled()), "data")
    seen_stopped = _record(stopped)
    finished = group.run(lambda feedback: "value", "data")
    seen_finished = _record(finished)
    assert finished.wait(10)  # the value is computed and posted, not yet delivered
    finished.cancel()
    assert group.wait_idle(10000)
    assert seen_stopped == [("cancelled",), ("ended",)]
    assert seen_finished == [("cancelled",), ("ended",)]  # a late value never looks current
    assert (stopped.outcome, finished.outcome) == ("cancelled", "cancelled")


def test_replace_cancels_the_earlier_jobs_and_a_queued_one_never_runs(qtbot):
    gate = threading.Event()
    blocker = Job(lambda feedback: gate.wait(10), "map").start()  # the lane is busy
    ran, values = [], []
    frames = JobGroup()
    first = frames.run(lambda feedback: ran.append("first") or "first", "map", replace=True, done=values.append)
    second = frames.run(lambda feedback: ran.append("second") or "second", "map", replace=True, done=values.append)
    assert first.is_cancelled() and not second.is_cancelled() and frames.latest() is second
    gate.set()
    assert frames.wait_idle(10000) and blocker.wait(5)
    assert ran == ["second"] and values == ["second"]  # replaced, not queued
    assert first.outcome == "cancelled"


def test_withdraw_cancels_and_waits_for_the_running_job_which_then_says_nothing(qtbot):
    started, stopped_at = threading.Event(), []

    def work(feedback):
        started.set()
        while not feedback.is_cancelled():
            feedback.set_progress(0.5, plain("…"))
        stopped_at.append(feedback.fraction)
        raise Cancelled()

    group = JobGroup()
    job = group.run(work, "data")
    seen = _record(job)
    assert started.wait(5)
    assert group.withdraw(10)  # no event processing: as at window close
    assert job.is_finished() and stopped_at == [0.5] and not group.busy()
    qtbot.wait(50)
    assert seen == [] and job.outcome is None


def test_a_worker_asks_the_gui_thread_and_gives_up_once_cancelled(qtbot):
    asked = []
    group = JobGroup()
    answered = group.run(lambda feedback: ask_in_gui(lambda q: asked.append(threading.current_thread().name) or q * 2,
                                                     feedback)(21), "data")
    assert group.wait_idle(10000)
    assert answered.outcome == "done" and asked == [threading.current_thread().name]
    values = []
    waiting = threading.Event()

    def work(feedback):
        ask = ask_in_gui(lambda q: values.append("answered") or "late", feedback)
        waiting.set()
        return ask("where is the file?")

    job = group.run(work, "data", cancelled=lambda: values.append("cancelled"))
    assert waiting.wait(5)
    job.cancel()  # the GUI thread never processed the question
    assert job.wait(5)
    assert group.wait_idle(10000)
    assert values == ["cancelled"]  # never asked, never hung


def test_a_lane_must_exist():
    with pytest.raises(ValueError, match="unknown lane"):
        Job(lambda feedback: None, "gpu")


def test_the_progress_dialog_follows_the_job_and_cancel_cancels_it(qtbot):
    from PySide6.QtWidgets import QWidget

    from explorer.progress import progress_dialog

    parent = QWidget()
    qtbot.addWidget(parent)
    halfway, release = threading.Event(), threading.Event()

    def work(feedback):
        feedback.set_progress(0.25, Message("读取中", "Reading"))
        halfway.set()
        release.wait(10)
        feedback.check()

    group = JobGroup()
    job = group.run(work, "data")
    dialog = progress_dialog(job, Message("正在导入", "Importing"), parent)
    assert dialog.labelText() == "正在导入" and dialog.maximum() == 0  # busy until a fraction arrives
    assert halfway.wait(5)
    qtbot.waitUntil(lambda: dialog.value() == 250)
    assert dialog.maximum() == 1000 and dialog.labelText() == "读取中"
    from PySide6.QtWidgets import QPushButton

    (button,) = dialog.findChildren(QPushButton)
    assert button.text() == "取消"
    button.click()
    release.set()
    assert group.wait_idle(10000)
    assert job.outcome == "cancelled"
    from PySide6.QtWidgets import QProgressDialog

    assert parent.findChildren(QProgressDialog) == []  # closed and deleted with the job's end

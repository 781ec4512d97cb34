import threading

import pytest

from geodata.core.feedback import Cancelled, Feedback, feedback_or_new
from geodata.core.message import Message


def test_progress_is_reported_clamped_and_keeps_the_last_message():
    seen = []
    fb = Feedback(lambda f, m: seen.append((f, m.text("en"))))
    fb.set_progress(0.5, Message("读取", "reading"))
    fb.set_progress(1.7)
    assert seen == [(0.5, "reading"), (1.0, "reading")]


def test_check_raises_only_after_cancel_from_another_thread():
    fb = Feedback()
    fb.check()
    t = threading.Thread(target=fb.cancel)
    t.start(); t.join()
    assert fb.is_cancelled()
    with pytest.raises(Cancelled):
        fb.check()


def test_sub_feedback_maps_its_range_and_shares_cancellation():
    seen = []
    parent = Feedback(lambda f, m: seen.append(round(f, 3)))
    child = parent.sub(0.2, 0.6)
    child.set_progress(0.5)
    assert seen == [0.4]
    child.cancel()
    assert parent.is_cancelled()
    grandchild = parent.sub(0.0, 0.1)
    with pytest.raises(Cancelled):
        grandchild.check()


def test_cancel_listeners_run_once_and_late_listeners_at_once():
    calls = []
    fb = Feedback()
    fb.on_cancel(lambda: calls.append("a"))
    fb.cancel(); fb.cancel()
    fb.on_cancel(lambda: calls.append("b"))
    assert calls == ["a", "b"]


def test_no_feedback_means_a_silent_uncancelled_one():
    fb = feedback_or_new(None)
    fb.set_progress(0.3)
    assert not fb.is_cancelled() and fb.fraction == 0.3

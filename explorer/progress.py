"""A job's progress on screen: a delayed modal dialog with Cancel, or a bar inside a panel.

Both start busy (no fraction yet) and switch to a 0..1000 range at the first fraction reported
through the job's `Feedback`; both go away when the job ends.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QProgressDialog, QWidget

from explorer import i18n
from explorer.jobs import Job
from explorer.plain_text import plain, shown
from geodata.core.message import Message

CANCEL = Message("取消", "Cancel")
SHOW_AFTER_MS = 400  # quick jobs never flash a dialog


def _set_fraction(widget: QProgressBar | QProgressDialog, fraction: float) -> None:
    if fraction > 0 and widget.maximum() == 0:
        widget.setRange(0, 1000)
    if widget.maximum():
        widget.setValue(round(max(0.0, min(1.0, fraction)) * 1000))


def progress_dialog(job: Job, label: Message, parent: QWidget) -> QProgressDialog:
    """A window-modal dialog for `job`: the job's messages replace `label`, Cancel cancels it."""
    dialog = QProgressDialog(i18n.ui(label), i18n.ui(CANCEL), 0, 0, parent)
    text_label = plain(QLabel())  # the label names the user's file: never markup
    dialog.setLabel(text_label)
    dialog.setLabelText(shown(i18n.ui(label), False))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(job.cancel)

    def show(fraction: float, message: Message) -> None:
        _set_fraction(dialog, fraction)
        text = i18n.ui(message)
        if text:
            dialog.setLabelText(shown(text, False))

    job.progress.connect(show)
    job.ended.connect(dialog.close)
    job.ended.connect(dialog.deleteLater)
    return dialog


def follow_with_bar(job: Job, bar: QProgressBar) -> None:
    """Show `bar` for `job`: busy, then the fraction; hidden when the job ends."""
    bar.setRange(0, 0)
    bar.setValue(0)
    bar.show()
    job.progress.connect(lambda fraction, _message: _set_fraction(bar, fraction))
    job.ended.connect(bar.hide)

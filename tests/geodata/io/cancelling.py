"""A Feedback that cancels at the first progress message naming a word (the import tests' "stop
after the first chunk")."""
from __future__ import annotations

from geodata.core.feedback import Feedback


def cancel_at_first(word: str) -> tuple[Feedback, list[str]]:
    """(feedback, the English progress lines seen with `word`): cancelled at the first of them."""
    seen: list[str] = []

    def on_progress(_fraction, message):
        if word in message.text("en"):
            seen.append(message.text("en"))
            feedback.cancel()

    feedback = Feedback(on_progress)
    return feedback, seen

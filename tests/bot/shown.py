"""Assertions on the words a person reads in the chat, written out literally.

The catalogue under test renders both the bot's messages and `t(...)` in a test, so comparing
the two cannot notice a text swapped with another key, a placeholder left unfilled or a
translation broken in the YAML. The literals here are the other half: the sentences a reviewer
of the Chinese texts signed off, with the filled-in numbers and names inside them.
"""

from __future__ import annotations

from tests.fakebot import FakeUser, SentMessage


def shows(message: SentMessage, *literals: str) -> None:
    """Each literal appears, verbatim, in the message's text."""
    missing = [literal for literal in literals if literal not in message.text]
    assert not missing, f"not shown: {missing}\n--- the message reads:\n{message.text}"


def offers(message: SentMessage, *labels: str) -> None:
    """Each label is on one of the message's buttons, exactly as written."""
    present = {label for row in message.buttons for label, _ in row}
    missing = [label for label in labels if label not in present]
    assert not missing, f"no button {missing}; the buttons are {sorted(present)}"


def earlier(user: FakeUser, literal: str) -> SentMessage:
    """The first message already in the user's chat whose text contains `literal`, for steps
    a scripted run went through without stopping to look."""
    for message in user.messages:
        if literal in message.text:
            return message
    raise AssertionError(f"no message in the chat of {user} contains {literal!r}")

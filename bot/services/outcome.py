"""What a front end hands the application and gets back: who acted, what to reply to them,
and whom else to tell. Every service speaks in these, so Telegram, the terminal and the
command line render the same answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations import Reply


@dataclass(frozen=True)
class Who:
    """The person behind an input, as the front end knows them."""

    user_id: int
    name: str
    username: str | None = None
    language_hint: str | None = None


@dataclass(frozen=True)
class Notice:
    """Replies for someone other than the person who acted (a decision, a resubmission)."""

    user_id: int
    replies: list[Reply]


class DatabaseUnavailable(Exception):
    """The database stayed unreachable for the whole retry budget.

    `saved` says what became of the input: False, nothing was stored (the person should
    send it again later); None, a commit was sent whose outcome could not be learnt (the
    person should look at the current question before answering again).
    """

    def __init__(self, saved: bool | None) -> None:
        super().__init__("the database did not answer within the retry budget")
        self.saved = saved


@dataclass
class Outcome:
    replies: list[Reply]
    session_id: int | None = None
    language: str = "zh"
    notices: list[Notice] = field(default_factory=list)
    #: The input came from staff and was left untouched (nothing stored) for the desk to
    #: look at first: typed text may be the comment an assessor was asked for.
    staff_first: bool = False


__all__ = ["DatabaseUnavailable", "Notice", "Outcome", "Who"]

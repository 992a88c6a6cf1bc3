"""Skip rules: whether a question applies, judged by earlier answers.

A question's `when` names earlier yes/no or choice questions and what their answers must
be; the engine asks on every input, so a test is a plain comparison with no parsing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Condition", "Match", "condition_holds"]


class Match(BaseModel):
    """One test on an earlier answer; exactly one field is set."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    in_: tuple[bool | str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[bool | str, ...] | None = None
    contains: str | None = None
    contains_any: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition test has exactly one of: in, not_in, contains, contains_any"
            )
        return self

    def values(self) -> tuple[bool | str, ...]:
        """Every option value the test names, for validation against the question."""
        if self.contains is not None:
            return (self.contains,)
        return self.in_ or self.not_in or self.contains_any or ()

    def holds(self, answer: Any) -> bool:
        if self.in_ is not None:
            return _same_in(answer, self.in_)
        if self.not_in is not None:
            return not _same_in(answer, self.not_in)
        if not isinstance(answer, list):
            return False
        if self.contains is not None:
            return self.contains in answer
        return any(value in answer for value in self.contains_any or ())


def _same(answer: Any, expected: bool | str) -> bool:
    # True == 1 and "1" != True: compare types too, so a bool never matches a string.
    return type(answer) is type(expected) and answer == expected


def _same_in(answer: Any, expected: Sequence[bool | str]) -> bool:
    return any(_same(answer, value) for value in expected)


# `when: {question_id: matcher, ...}`: every entry must hold. A scalar matcher means equals.
Condition = dict[str, bool | str | Match]


def condition_holds(
    condition: Mapping[str, bool | str | Match], answers: Mapping[str, Any]
) -> bool:
    """Whether a skip rule lets a question apply; an unanswered or skipped question never
    satisfies a test, so follow-ups wait until the question they depend on is answered."""
    for question_id, matcher in condition.items():
        answer = answers.get(question_id)
        if answer is None:
            return False
        if isinstance(matcher, Match):
            if not matcher.holds(answer):
                return False
        elif not _same(answer, matcher):
            return False
    return True

"""Exceptions that carry a message fit to show a user, in both languages."""

from __future__ import annotations

from typing import NamedTuple

from criteria.texts import Text


class CriteriaError(ValueError):
    """Base of the criteria errors: `message` (zh) and `message_en` are complete sentences."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.zh)
        self.message = text.zh
        self.message_en = text.en

    def get(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message


class RulesetError(CriteriaError):
    """A ruleset that cannot be loaded or changed; `path` is the dotted location, if any."""

    def __init__(self, text: Text, path: str | None = None) -> None:
        super().__init__(text)
        self.path = path


class AnswerProblem(NamedTuple):
    """One problem found in an answers document."""

    field: str
    message: str
    message_en: str


class InvalidAnswers(CriteriaError):
    """An answers document refused by parse_answers.

    `field` is the dotted path of the first problem (empty for the document as a whole),
    `problems` lists every problem found, in document order.
    """

    def __init__(self, problems: list[AnswerProblem]) -> None:
        if not problems:
            raise ValueError("InvalidAnswers needs at least one problem")
        first = problems[0]
        super().__init__(Text(first.message, first.message_en))
        self.field = first.field
        self.problems = tuple(problems)

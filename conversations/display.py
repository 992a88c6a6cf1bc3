"""Answers as a supplier reads them, in the supplier's language.

Screens, re-prompts and cross-field rules all show stored answers back (an amount with its
unit, an option's label, a file's name); doing it in one place keeps every screen saying the
same thing the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import JsonValue

from conversations.bank import Question, QuestionBank
from conversations.catalogue import Catalogue
from conversations.models import FileInput, InterviewState
from criteria.figures import figure

__all__ = ["Display", "has_files"]

_MEGABYTE = Decimal(1024 * 1024)


def has_files(answer: JsonValue) -> bool:
    """Whether a stored answer holds at least one uploaded file."""
    return isinstance(answer, list) and bool(answer)


class Display:
    """Texts and stored answers rendered for one supplier's language."""

    def __init__(self, bank: QuestionBank, catalogue: Catalogue) -> None:
        self.bank = bank
        self.catalogue = catalogue

    def lang(self, s: InterviewState) -> str:
        return s.lang if s.lang in self.catalogue.languages else self.catalogue.default

    def t(self, s: InterviewState, key: str, **params: Any) -> str:
        return self.catalogue.text(key, self.lang(s), **params)

    def join(self, s: InterviewState, items: Iterable[str]) -> str:
        return self.t(s, "value.list_separator").join(items)

    def answer(self, s: InterviewState, q: Question, answer: JsonValue) -> str:
        """An answer as a supplier reads it: labels, amounts with units, file names."""
        if answer is None:
            return self.t(s, "value.skipped")
        kind = q.kind
        if kind == "yes_no":
            return self.t(s, "value.yes" if answer is True else "value.no")
        if kind == "single_choice":
            return self.option_label(s, q, str(answer))
        if kind == "multi_choice" and isinstance(answer, list):
            return self.join(s, (self.option_label(s, q, str(v)) for v in answer))
        if kind in ("number", "percentage"):
            amount = figure(str(answer), places=None)
            if kind == "percentage":
                return self.t(s, "value.percent", amount=amount)
            unit = self.t(s, self.bank.units[q.unit or ""].label)
            return self.t(s, "value.amount", amount=amount, unit=unit)
        if kind == "date" and q.granularity == "month":
            return str(answer)[:7]
        if q.is_file and isinstance(answer, list):
            records = [FileInput.model_validate(item) for item in answer]
            return self.join(s, (self.file_name(s, f) for f in records))
        return str(answer)

    def amount(self, s: InterviewState, value: str, unit_id: str) -> str:
        """An amount in a unit other than its question's (万块 before it is converted)."""
        unit = self.t(s, self.bank.units[unit_id].label)
        return self.t(s, "value.amount", amount=figure(value, places=None), unit=unit)

    def option_label(self, s: InterviewState, q: Question, value: str) -> str:
        for option in q.options:
            if option.value == value:
                return self.t(s, option.label)
        return value

    def choice_list(self, s: InterviewState, q: Question) -> str:
        """The choices a question offers, for a re-prompt that names them."""
        if q.kind == "yes_no":
            labels = [self.t(s, "button.yes"), self.t(s, "button.no")]
        else:
            labels = [self.t(s, o.label) for o in q.options]
        return " / ".join(labels)

    def file_name(self, s: InterviewState, f: FileInput) -> str:
        return f.file_name or self.t(s, "value.photo")

    def file_params(self) -> dict[str, str]:
        """The upload limits, as the placeholders of the texts that state them."""
        rules = self.bank.files
        return {
            "types": ", ".join(ext.upper() for ext in rules.types),
            "max_mb": figure(Decimal(rules.max_bytes) / _MEGABYTE, places=None),
        }

    def category_label(self, category: str | None, lang: str) -> str:
        """The product category's name, for lists of sessions."""
        for question in self.bank.questions:
            if question.target == "product_category":
                for option in question.options:
                    if option.value == category:
                        return self.catalogue.text(option.label, lang)
        return self.catalogue.text("value.none", lang)

"""Reading what a supplier types into the value stored for a question, per kind of question.

A typed answer is either the exact value to store (a boolean, an option value, a decimal
string in the question's unit, an ISO date, normalised text) or a `ParseError` saying why
not, checked against the question's bounds and its cross-field rules before it is stored.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pydantic import JsonValue

from conversations.bank import Question
from conversations.display import Display
from conversations.models import InterviewState
from conversations.parsing import (
    ParseError,
    decimal_to_str,
    match_choice,
    normalize,
    parse_credit_code,
    parse_date,
    parse_link,
    parse_month,
    parse_number,
    parse_phone,
    parse_text,
    split_approximation,
    split_choices,
    strip_lead_in,
    yes_no_marker,
)
from conversations.rules import CrossFieldRules, derived_answers

__all__ = ["InputReader"]


class InputReader:
    """Typed text to stored values; "today" is given, so date limits are testable."""

    def __init__(self, display: Display, rules: CrossFieldRules, today: Callable[[], date]) -> None:
        self.display = display
        self.rules = rules
        self.bank = display.bank
        self.catalogue = display.catalogue
        self._today = today

    def read(self, s: InterviewState, q: Question, text: str) -> JsonValue:
        """A typed answer as the value to store, or the ParseError that says why not."""
        kind = q.kind
        if kind == "yes_no":
            verdict = self.yes_no(text)
            if verdict is None:
                raise ParseError("choice.unknown", {"options": self.display.choice_list(s, q)})
            return verdict == "y"
        if kind == "single_choice":
            chosen = match_choice(text, self._option_words(q))
            if chosen is None:
                raise ParseError("choice.unknown", {"options": self.display.choice_list(s, q)})
            return chosen
        if kind in ("number", "percentage"):
            return self._read_amount(s, q, text)
        if kind == "date":
            return self._read_date(s, q, text)
        if kind == "text":
            pattern = re.compile(q.pattern) if q.pattern else None
            return parse_text(
                text, min_length=q.min_length, max_length=q.max_length or 1, pattern=pattern
            )
        if kind == "credit_code":
            return parse_credit_code(text)
        if kind == "phone":
            return parse_phone(text)
        if kind == "link_or_file":
            return parse_link(text)
        raise ParseError("file.expected")  # pragma: no cover - file questions never get here

    def read_selection(self, s: InterviewState, q: Question, text: str) -> list[str]:
        """Several options typed at a multi-choice question, in the question's order."""
        words = self._option_words(q)
        whole = match_choice(text, words)
        parts = (
            [whole] if whole is not None else [match_choice(p, words) for p in split_choices(text)]
        )
        if not parts or any(p is None for p in parts):
            # 煤矸石 其他: spaces separate names too, once the whole reply named nothing.
            parts = [match_choice(p, words) for p in split_choices(text, on_spaces=True)]
        if not parts or any(p is None for p in parts):
            raise ParseError("choice.unknown", {"options": self.display.choice_list(s, q)})
        chosen = {p for p in parts if p is not None}
        exclusive = [o for o in q.options if o.exclusive and o.value in chosen]
        if exclusive and len(chosen) > 1:
            raise ParseError("multi.exclusive", {"option": self.display.t(s, exclusive[0].label)})
        return [o.value for o in q.options if o.value in chosen]

    def yes_no(self, text: str) -> str | None:
        """ "y" or "n" for a typed yes or no in any language, else None: a whole word first
        (是, 否, yes), then a reply that carries one (ISO9001有, 能, 已通过认证, 没有公布)."""
        exact = match_choice(text, self._yes_no_words())
        if exact is not None:
            return exact
        words = self.bank.yes_no
        return yes_no_marker(text, yes=words.yes_markers, no=words.no_markers)

    def is_submit(self, text: str) -> bool:
        """Whether a reply typed at the review asks to submit (提交), like the button."""
        words = [*self.bank.submit_words, *self.catalogue.all_forms("button.submit")]
        return match_choice(text, {"submit": words}) is not None

    def is_unknown(self, text: str) -> bool:
        """Whether a reply says the detail is not known (不知道, 没有): skipped, not refused."""
        return match_choice(text, {"unknown": list(self.bank.unknown_words)}) is not None

    def is_done(self, text: str) -> bool:
        """Whether a typed reply means "done" (完成 after the uploads), like the button."""
        words = [*self.bank.done_words, *self.catalogue.all_forms("button.done")]
        return match_choice(text, {"done": words}) is not None

    def _read_amount(self, s: InterviewState, q: Question, text: str) -> str:
        words = self.bank.approximate
        figure, approximate = split_approximation(
            strip_lead_in(text, self.bank.lead_in),
            before=words.before,
            after=words.after,
            inside=words.inside,
        )
        figure = strip_lead_in(figure, self.bank.lead_in)
        value = parse_number(figure, self.bank.unit_tokens(q), multipliers=self.bank.multipliers)
        if approximate and q.exact:
            amount = self.display.answer(s, q, decimal_to_str(value))
            raise ParseError("number.approximate", {"text": text.strip(), "value": amount})
        low, high = q.lower_bound(), q.upper_bound()
        if low is not None and (value <= low if q.min_exclusive else value < low):
            code = "number.not_above" if q.min_exclusive else "number.too_small"
            raise ParseError(code, {"min": self.display.answer(s, q, decimal_to_str(low))})
        if high is not None and value > high:
            raise ParseError(
                "number.too_large", {"max": self.display.answer(s, q, decimal_to_str(high))}
            )
        stored = decimal_to_str(value)
        violation = self.rules.violation(s, q, stored, self._applicable_answers(s))
        if violation is not None:
            raise violation
        return stored

    def plant_amount(self, q: Question, text: str) -> tuple[str, str] | None:
        """(unit id, amount) for an output typed in one of the plant's own units (3000万块,
        5万方), None when the text names none of them."""
        words = self.bank.approximate
        figure, _ = split_approximation(
            text, before=words.before, after=words.after, inside=words.inside
        )
        for unit_id in q.plant_units:
            tokens = self.bank.plant_unit_tokens(q, unit_id)
            try:
                value = parse_number(figure, tokens, multipliers=self.bank.multipliers)
            except ParseError:
                continue
            if value > 0 and any(_typed_unit(figure, token) for token in tokens):
                return unit_id, decimal_to_str(value)
        return None

    def factor(self, s: InterviewState, q: Question, unit_id: str, text: str) -> Decimal:
        """The unit weight or bulk density that converts a plant-unit amount, in bounds."""
        plant = q.plant_units[unit_id]
        value = parse_number(
            text, self.bank.factor_tokens(q, unit_id), multipliers=self.bank.multipliers
        )
        unit = plant.factor_unit
        if value < plant.min:
            raise ParseError(
                "number.too_small", {"min": self.display.amount(s, str(plant.min), unit)}
            )
        if value > plant.max:
            raise ParseError(
                "number.too_large", {"max": self.display.amount(s, str(plant.max), unit)}
            )
        return value

    def _read_date(self, s: InterviewState, q: Question, text: str) -> str:
        today = self._today()
        if q.granularity == "month":
            try:
                year, month = parse_month(text)
            except ParseError as error:
                raise ParseError("date.invalid_month", error.params) from error
            day = 1 if q.anchor == "start" else calendar.monthrange(year, month)[1]
            value = date(year, month, day)
            if q.not_after_today and (year, month) > (today.year, today.month):
                raise ParseError("date.future", {"date": value.isoformat()[:7]})
        else:
            value = parse_date(text)
            if q.not_after_today and value > today:
                raise ParseError("date.not_yet", {"date": value.isoformat()})
        if q.not_before_today and value < today:
            raise ParseError("date.expired", {"date": value.isoformat()})
        for derived_id, end in derived_answers(self.bank, q.id, value.isoformat()).items():
            ending = date.fromisoformat(end)
            if self.bank.question(derived_id).not_after_today and (ending.year, ending.month) > (
                today.year,
                today.month,
            ):
                raise ParseError(
                    "date.period_unfinished",
                    {"start": value.isoformat()[:7], "end": end[:7]},
                )
        stored = value.isoformat()
        violation = self.rules.violation(s, q, stored, self._applicable_answers(s))
        if violation is not None:
            raise violation
        return stored

    def _applicable_answers(self, s: InterviewState) -> dict[str, JsonValue]:
        applicable = self.bank.applicable_ids(s.answers)
        return {k: v for k, v in s.answers.items() if k in applicable}

    def _yes_no_words(self) -> dict[str, list[str]]:
        words = self.bank.yes_no
        return {
            "y": [
                *words.yes,
                *self.catalogue.all_forms("button.yes"),
                *self.catalogue.all_forms("value.yes"),
            ],
            "n": [
                *words.no,
                *self.catalogue.all_forms("button.no"),
                *self.catalogue.all_forms("value.no"),
            ],
        }

    def _option_words(self, q: Question) -> dict[str, list[str]]:
        return {
            o.value: [o.value, *self.catalogue.all_forms(o.label), *o.synonyms] for o in q.options
        }


def _typed_unit(figure: str, token: str) -> bool:
    """Whether the figure ends in this unit (a bare number is in the canonical unit)."""
    typed = normalize(figure).replace(" ", "").casefold().rstrip("。.!！")
    return typed.endswith(token.replace(" ", "").casefold())

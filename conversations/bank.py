"""The interview as data: questions, their kinds, validation, skip rules and targets.

Everything a question needs is declared in `data/questions.yaml` and checked here when the
bank loads, so a typo in a condition, a unit or a target fails at start-up rather than in
front of a supplier. Adding, changing or reordering a question never needs code.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

__all__ = [
    "NUMERIC_KINDS",
    "Condition",
    "FileRules",
    "Kind",
    "Match",
    "Option",
    "Question",
    "QuestionBank",
    "Rule",
    "Section",
    "UnitDef",
    "YesNoWords",
    "condition_holds",
]

Kind = Literal[
    "yes_no",
    "single_choice",
    "multi_choice",
    "number",
    "percentage",
    "text",
    "date",
    "credit_code",
    "phone",
    "file",
    "link_or_file",
]

NUMERIC_KINDS: frozenset[str] = frozenset({"number", "percentage"})
CHOICE_KINDS: frozenset[str] = frozenset({"single_choice", "multi_choice"})
FILE_KINDS: frozenset[str] = frozenset({"file", "link_or_file"})
# Kinds whose answer can be written into the answers document.
TARGET_KINDS: frozenset[str] = frozenset(
    {"yes_no", "single_choice", "number", "percentage", "text", "date", "credit_code", "phone"}
)

# Ids are short so that every button's callback data (`iv:<verb>:<question>:<option>`)
# stays within Telegram's 64-byte limit.
QUESTION_ID = r"^[a-z][a-z0-9_]{0,31}$"
OPTION_VALUE = r"^[a-z0-9][a-z0-9_]{0,23}$"
SECTION_ID = r"^[a-z][a-z0-9_]{0,23}$"
TEXT_KEY = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
TARGET = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"

_FROZEN = ConfigDict(extra="forbid", frozen=True)


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


_APPLICABLE_MEMO_SIZE = 4096


def _frozen(value: Any) -> Hashable | None:
    """A hashable stand-in for answers as stored (scalars, lists); None if there is none."""
    if isinstance(value, list | tuple):
        items = tuple(_frozen(item) for item in value)
        return None if any(item is None for item in items) else ("list", items)
    if value is None or isinstance(value, str | bool | int | float | Decimal):
        return (type(value).__name__, value)
    return None


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


class Option(BaseModel):
    model_config = _FROZEN

    value: str = Field(pattern=OPTION_VALUE)
    label: str = Field(pattern=TEXT_KEY)
    synonyms: tuple[str, ...] = ()
    # Choosing it clears every other choice (and another choice clears it), like "none".
    exclusive: bool = False


class Rule(BaseModel):
    """A cross-field check against an earlier answer; exactly one form is used.

    - `le` / `ge`: at most / at least the answer to that question;
    - `sum_with` + `sum_max`: this answer plus theirs is at most `sum_max`;
    - `span_from` + `span_months`: a month that makes a period of exactly that many
      consecutive months starting at the month answered there.
    """

    model_config = _FROZEN

    le: str | None = None
    ge: str | None = None
    sum_with: tuple[str, ...] = ()
    sum_max: Decimal | None = None
    span_from: str | None = None
    span_months: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        forms = [
            self.le is not None,
            self.ge is not None,
            bool(self.sum_with) or self.sum_max is not None,
            self.span_from is not None or self.span_months is not None,
        ]
        if sum(forms) != 1:
            raise ValueError(
                "a rule is exactly one of: le, ge, sum_with+sum_max, span_from+span_months"
            )
        if (bool(self.sum_with)) != (self.sum_max is not None):
            raise ValueError("sum_with and sum_max go together")
        if (self.span_from is None) != (self.span_months is None):
            raise ValueError("span_from and span_months go together")
        return self

    def references(self) -> tuple[str, ...]:
        refs = [ref for ref in (self.le, self.ge, self.span_from) if ref is not None]
        return (*refs, *self.sum_with)


class Question(BaseModel):
    model_config = _FROZEN

    id: str = Field(pattern=QUESTION_ID)
    section: str
    clause: str = Field(min_length=1)
    kind: Kind
    prompt: str = Field(pattern=TEXT_KEY)
    help: str = Field(pattern=TEXT_KEY)
    label: str = Field(pattern=TEXT_KEY)
    example: str = Field(pattern=TEXT_KEY)
    # Where the answer goes in the answers document; None keeps it in the interview only.
    target: str | None = Field(default=None, pattern=TARGET)
    # What the document holds when the question does not apply or was skipped. When not
    # given: false for yes/no, 0 for amounts, and the field is left out otherwise.
    default: JsonValue = None
    optional: bool = False
    # Personal data of a natural person (a contact's name or phone): erased on request,
    # while the company's answers and the evaluation stay for the statistics.
    personal: bool = False
    # The date a certificate expires: its supplier is reminded before that day.
    expiry: bool = False
    when: Condition = Field(default_factory=dict)
    options: tuple[Option, ...] = ()
    min_selected: int = Field(default=1, ge=1)
    unit: str | None = None
    units: dict[str, Decimal] = Field(default_factory=dict)
    min: Decimal | None = None
    max: Decimal | None = None
    min_exclusive: bool = False
    min_length: int = Field(default=1, ge=1)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None
    granularity: Literal["day", "month"] = "day"
    # For a month question: which day of the month the stored ISO date names.
    anchor: Literal["start", "end"] = "start"
    not_before_today: bool = False
    not_after_today: bool = False
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        kind = self.kind
        if kind in CHOICE_KINDS:
            if len(self.options) < 2:
                raise ValueError(f"{self.id}: a {kind} question needs at least two options")
            values = [option.value for option in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.id}: option values repeat")
        elif self.options:
            raise ValueError(f"{self.id}: only choice questions have options")
        if kind == "number":
            if self.unit is None or not self.units:
                raise ValueError(f"{self.id}: a number question names its unit and units")
            if self.units.get(self.unit) != 1:
                raise ValueError(f"{self.id}: the canonical unit {self.unit!r} has factor 1")
            if any(factor <= 0 for factor in self.units.values()):
                raise ValueError(f"{self.id}: unit factors are positive")
        elif self.units or (self.unit is not None and kind != "percentage"):
            raise ValueError(f"{self.id}: only number questions have units")
        if kind not in NUMERIC_KINDS and (
            self.min is not None or self.max is not None or self.min_exclusive
        ):
            raise ValueError(f"{self.id}: only amounts have min/max")
        if kind == "text" and self.max_length is None:
            raise ValueError(f"{self.id}: a text question has a max_length")
        if self.pattern is not None:
            if kind != "text":
                raise ValueError(f"{self.id}: only text questions have a pattern")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"{self.id}: bad pattern: {exc}") from exc
        if kind != "date" and (
            self.granularity != "day"
            or self.anchor != "start"
            or self.not_before_today
            or self.not_after_today
        ):
            raise ValueError(f"{self.id}: only date questions have date settings")
        if self.target is not None and kind not in TARGET_KINDS:
            raise ValueError(f"{self.id}: a {kind} answer cannot go into the answers document")
        if "default" in self.model_fields_set and self.target is None:
            raise ValueError(f"{self.id}: a default needs a target")
        return self

    @property
    def is_file(self) -> bool:
        return self.kind in FILE_KINDS

    def lower_bound(self) -> Decimal | None:
        if self.kind == "percentage" and self.min is None:
            return Decimal(0)
        return self.min

    def upper_bound(self) -> Decimal | None:
        if self.kind == "percentage" and self.max is None:
            return Decimal(100)
        return self.max

    def document_default(self) -> tuple[bool, JsonValue]:
        """(whether the document gets a value when unanswered, that value)."""
        if "default" in self.model_fields_set:
            return True, self.default
        if self.kind == "yes_no":
            return True, False
        if self.kind in NUMERIC_KINDS:
            return True, 0
        return False, None


class Section(BaseModel):
    model_config = _FROZEN

    id: str = Field(pattern=SECTION_ID)
    title: str = Field(pattern=TEXT_KEY)


class UnitDef(BaseModel):
    model_config = _FROZEN

    label: str = Field(pattern=TEXT_KEY)
    tokens: tuple[str, ...] = Field(min_length=1)


class FileRules(BaseModel):
    """What an upload may be: extension → accepted MIME types, and the size limit."""

    model_config = _FROZEN

    max_bytes: int = Field(gt=0)
    # Per question: enough for a certificate's pages, bounded so a state stays small.
    max_files: int = Field(default=10, ge=1)
    types: dict[str, tuple[str, ...]] = Field(min_length=1)

    def mime_types(self) -> frozenset[str]:
        return frozenset(m for mimes in self.types.values() for m in mimes)

    def allows(self, file_name: str | None, mime_type: str | None) -> bool:
        """An allowed extension decides; a file without one is judged by its MIME type."""
        suffix = Path(file_name or "").suffix.lower().lstrip(".")
        if suffix:
            return suffix in self.types
        return (mime_type or "").lower() in self.mime_types()


class YesNoWords(BaseModel):
    """Typed words read as an answer to a yes/no question, in any language."""

    model_config = _FROZEN

    yes: tuple[str, ...] = Field(min_length=1)
    no: tuple[str, ...] = Field(min_length=1)


class QuestionBank(BaseModel):
    model_config = _FROZEN

    version: int = Field(ge=1)
    timezone: str
    files: FileRules
    multipliers: dict[str, Decimal] = Field(default_factory=dict)
    units: dict[str, UnitDef]
    yes_no: YesNoWords
    sections: tuple[Section, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1)

    # Lookup tables, built once: the bank never changes after loading. Cached properties
    # live in the instance dict; pydantic's private attributes would go through its
    # __getattr__, about 40 times slower, and the engine looks questions up many times
    # for every input.
    @cached_property
    def _ids(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {question.id: n for n, question in enumerate(self.questions)}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_units()
        section_ids = [section.id for section in self.sections]
        if len(set(section_ids)) != len(section_ids):
            raise ValueError("section ids repeat")
        seen: dict[str, Question] = {}
        targets: dict[str, str] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} repeats")
            if question.section not in section_ids:
                raise ValueError(f"{question.id}: unknown section {question.section!r}")
            for unit_id in question.units:
                if unit_id not in self.units:
                    raise ValueError(f"{question.id}: unknown unit {unit_id!r}")
            self._check_condition(question, seen)
            self._check_rules(question, seen)
            if question.target is not None:
                if question.target in targets:
                    raise ValueError(
                        f"{question.id}: target {question.target!r} is also "
                        f"{targets[question.target]!r}'s"
                    )
                targets[question.target] = question.id
            seen[question.id] = question
        for target in targets:
            for other in targets:
                if other.startswith(target + "."):
                    raise ValueError(f"target {target!r} is both a value and a section")
        return self

    def _check_units(self) -> None:
        owner: dict[str, str] = {}
        for unit_id, unit in self.units.items():
            for token in unit.tokens:
                key = re.sub(r"\s+", "", token).casefold()
                if key in owner and owner[key] != unit_id:
                    raise ValueError(
                        f"unit token {token!r} belongs to {owner[key]!r} and {unit_id!r}"
                    )
                owner[key] = unit_id
        if "percent" not in self.units:
            raise ValueError("the unit vocabulary defines 'percent' for percentage questions")

    @staticmethod
    def _check_condition(question: Question, earlier: Mapping[str, Question]) -> None:
        for ref, matcher in question.when.items():
            source = earlier.get(ref)
            if source is None:
                raise ValueError(
                    f"{question.id}: its condition names {ref!r}, which is not an earlier question"
                )
            if source.kind == "yes_no":
                values = matcher.values() if isinstance(matcher, Match) else (matcher,)
                if any(not isinstance(value, bool) for value in values) or (
                    isinstance(matcher, Match) and matcher.in_ is None and matcher.not_in is None
                ):
                    raise ValueError(f"{question.id}: {ref!r} is yes/no; test it with true/false")
            elif source.kind in CHOICE_KINDS:
                allowed = {option.value for option in source.options}
                values = matcher.values() if isinstance(matcher, Match) else (matcher,)
                unknown = [value for value in values if value not in allowed]
                if unknown:
                    raise ValueError(f"{question.id}: {ref!r} has no option {unknown[0]!r}")
                is_set_test = isinstance(matcher, Match) and (
                    matcher.contains is not None or matcher.contains_any is not None
                )
                if (source.kind == "multi_choice") != is_set_test:
                    raise ValueError(
                        f"{question.id}: test {ref!r} with "
                        + (
                            "contains/contains_any"
                            if source.kind == "multi_choice"
                            else "a value or in/not_in"
                        )
                    )
            else:
                raise ValueError(
                    f"{question.id}: conditions test yes/no or choice answers, not {ref!r}"
                )

    @staticmethod
    def _check_rules(question: Question, earlier: Mapping[str, Question]) -> None:
        for rule in question.rules:
            for ref in rule.references():
                source = earlier.get(ref)
                if source is None:
                    raise ValueError(
                        f"{question.id}: its rule names {ref!r}, which is not an earlier question"
                    )
                if rule.span_from is not None:
                    if question.kind != "date" or question.granularity != "month":
                        raise ValueError(f"{question.id}: a span rule belongs on a month question")
                    if source.kind != "date" or source.granularity != "month":
                        raise ValueError(f"{question.id}: a span starts at a month question")
                elif question.kind not in NUMERIC_KINDS or source.kind not in NUMERIC_KINDS:
                    raise ValueError(f"{question.id}: amount rules compare amounts")
                elif (
                    source.kind == "number"
                    and question.kind == "number"
                    and source.unit != question.unit
                ):
                    raise ValueError(f"{question.id}: {ref!r} is in another unit")

    # -- loading ------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: str) -> QuestionBank:
        return cls.model_validate(yaml.safe_load(text))

    @classmethod
    def load(cls, path: Path | None = None) -> QuestionBank:
        """The packaged bank (cached: it is immutable), or one read from `path`."""
        if path is None:
            return _packaged_bank()
        return cls.from_yaml(path.read_text(encoding="utf-8"))

    # -- queries ------------------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        return self._by_id()[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._by_id()

    def index(self, question_id: str) -> int:
        return self._order()[question_id]

    def section(self, section_id: str) -> Section:
        return next(section for section in self.sections if section.id == section_id)

    def applicable(self, answers: Mapping[str, Any]) -> list[Question]:
        """The questions that apply, in order. Conditions look only at answers to questions
        that themselves apply, so a chain of follow-ups collapses when its root changes.

        The engine asks several times for every input; the answer depends only on the few
        answers that conditions read, so it is remembered by those.
        """
        key = _frozen(tuple(answers.get(qid) for qid in self._condition_inputs))
        if key is None:
            return self._applicable(answers)
        return list(self._applicable_by_inputs(key, answers))

    def _applicable(self, answers: Mapping[str, Any]) -> list[Question]:
        kept: dict[str, Any] = {}
        result = []
        for question in self.questions:
            if condition_holds(question.when, kept):
                result.append(question)
                if question.id in answers:
                    kept[question.id] = answers[question.id]
        return result

    @cached_property
    def _condition_inputs(self) -> tuple[str, ...]:
        return tuple(sorted({qid for question in self.questions for qid in question.when}))

    @cached_property
    def _applicable_memo(self) -> dict[Hashable, tuple[Question, ...]]:
        return {}

    def _applicable_by_inputs(
        self, key: Hashable, answers: Mapping[str, Any]
    ) -> tuple[Question, ...]:
        memo = self._applicable_memo
        found = memo.get(key)
        if found is None:
            if len(memo) >= _APPLICABLE_MEMO_SIZE:
                memo.clear()  # a handful of answer combinations occur in practice
            found = memo[key] = tuple(self._applicable(answers))
        return found

    def unit_tokens(self, question: Question) -> dict[str, Decimal]:
        """Typed unit token → factor to the question's canonical unit."""
        if question.kind == "percentage":
            return {token: Decimal(1) for token in self.units["percent"].tokens}
        return {
            token: factor
            for unit_id, factor in question.units.items()
            for token in self.units[unit_id].tokens
        }

    def _by_id(self) -> dict[str, Question]:
        return self._ids

    def _order(self) -> dict[str, int]:
        return self._positions


@cache
def _packaged_bank() -> QuestionBank:
    text = resources.files("conversations").joinpath("data/questions.yaml").read_text("utf-8")
    return QuestionBank.from_yaml(text)

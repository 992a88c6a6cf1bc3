"""The interview as data: the question bank, checked as a whole, and the engine's queries.

Everything a question needs is declared in `data/questions.yaml` and checked when the bank
loads (each question by itself in `questions`, the references between them here), so a typo
in a condition, a unit or a target fails at start-up rather than in front of a supplier.
Adding, changing or reordering a question never needs code.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from conversations.conditions import Condition, Match, condition_holds
from conversations.questions import (
    CHOICE_KINDS,
    NUMERIC_KINDS,
    ApproximateWords,
    FileRules,
    Kind,
    Option,
    Question,
    Rule,
    Section,
    UnitDef,
    YesNoWords,
)

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

_FROZEN = ConfigDict(extra="forbid", frozen=True)

_APPLICABLE_MEMO_SIZE = 4096

_SCALARS = frozenset({str, bool, int, float, Decimal, type(None)})


def _frozen(value: Any) -> Hashable | None:
    """A hashable stand-in for answers as stored (scalars, lists); None if there is none."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)  # the type too: True and 1 are equal, and must not share a key
    if kind is list or kind is tuple:
        items = tuple(_frozen(item) for item in value)
        return None if None in items else ("list", items)
    return None


def _frozen_all(values: tuple[Any, ...]) -> Hashable | None:
    """`_frozen` of each, without a call per scalar: it keys every input's step."""
    key: list[Hashable] = []
    for value in values:
        kind = type(value)
        if kind in _SCALARS:
            key.append((kind, value))
            continue
        item = _frozen(value)
        if item is None:
            return None
        key.append(item)
    return tuple(key)


class _Applicable(NamedTuple):
    """Which questions apply, for one combination of the answers conditions read."""

    questions: tuple[Question, ...]  # those asked, in order (computed ones are not)
    ids: frozenset[str]  # their ids
    met: frozenset[str]  # every question whose condition holds, computed ones included


class QuestionBank(BaseModel):
    model_config = _FROZEN

    version: int = Field(ge=1)
    timezone: str
    files: FileRules
    multipliers: dict[str, Decimal] = Field(default_factory=dict)
    units: dict[str, UnitDef]
    yes_no: YesNoWords
    approximate: ApproximateWords = Field(default_factory=ApproximateWords)
    # Words a supplier says before an amount (我们烧原煤 3000吨): dropped when nothing else
    # stands before the figure, so "少于3000吨" is still asked back.
    lead_in: tuple[str, ...] = ()
    # Typed at an optional detail of a certificate or report: skipped, not refused.
    unknown_words: tuple[str, ...] = ()
    # Typed at a file question once the files are sent: the same as the "done" button.
    done_words: tuple[str, ...] = ()
    # Typed at the review: the same as the "submit" button.
    submit_words: tuple[str, ...] = ()
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
            plant_units = [
                unit_id
                for unit_id, plant in question.plant_units.items()
                for unit_id in (unit_id, plant.factor_unit)
            ]
            for unit_id in (*question.units, *plant_units):
                if unit_id not in self.units:
                    raise ValueError(f"{question.id}: unknown unit {unit_id!r}")
            self._check_condition(question, seen)
            self._check_rules(question, seen)
            for flagged, revisited in question.revisit.items():
                if revisited not in seen:
                    raise ValueError(
                        f"{question.id}: revisits {revisited!r} (for {flagged!r}), "
                        "not an earlier question"
                    )
            for field, answered_by in question.reads.items():
                if answered_by not in seen:
                    raise ValueError(
                        f"{question.id}: reads {field} into an unknown or later question"
                    )
            if question.target is not None:
                if question.target in targets:
                    raise ValueError(
                        f"{question.id}: target {question.target!r} is also "
                        f"{targets[question.target]!r}'s"
                    )
                targets[question.target] = question.id
            seen[question.id] = question
        for question in self.questions:
            if question.assumed is not None:
                unknown = [qid for qid in question.assumed.given if qid not in seen]
                if unknown:
                    raise ValueError(f"{question.id}: assumed from unknown {unknown[0]!r}")
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
        return list(self._judged(answers).questions)

    def applicable_ids(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """The ids of `applicable(answers)`."""
        return self._judged(answers).ids

    def conditions_met(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """Every question whose condition holds, computed ones included (they are not
        asked, but their answers are kept and read like any other)."""
        return self._judged(answers).met

    def _judged(self, answers: Mapping[str, Any]) -> _Applicable:
        key = _frozen_all(tuple(answers.get(qid) for qid in self._condition_inputs))
        if key is None:
            return self._applicable(answers)
        memo = self._applicable_memo
        found = memo.get(key)
        if found is None:
            if len(memo) >= _APPLICABLE_MEMO_SIZE:
                memo.clear()  # a handful of answer combinations occur in practice
            found = memo[key] = self._applicable(answers)
        return found

    def _applicable(self, answers: Mapping[str, Any]) -> _Applicable:
        kept: dict[str, Any] = {}
        asked = []
        met = []
        for question in self.questions:
            if condition_holds(question.when, kept):
                met.append(question.id)
                if not question.computed:
                    asked.append(question)
                if question.id in answers:
                    kept[question.id] = answers[question.id]
        return _Applicable(tuple(asked), frozenset(q.id for q in asked), frozenset(met))

    @cached_property
    def _condition_inputs(self) -> tuple[str, ...]:
        return tuple(sorted({qid for question in self.questions for qid in question.when}))

    @cached_property
    def _applicable_memo(self) -> dict[Hashable, _Applicable]:
        return {}

    def unit_tokens(self, question: Question) -> dict[str, Decimal]:
        """Typed unit token → factor to the question's canonical unit."""
        if question.kind == "percentage":
            return {token: Decimal(1) for token in self.units["percent"].tokens}
        return {
            token: factor
            for unit_id, factor in question.units.items()
            for token in self.units[unit_id].tokens
        }

    def plant_unit_tokens(self, question: Question, unit_id: str) -> dict[str, Decimal]:
        """Typed tokens of one of the question's plant units (万块 reads as 块 × 10000)."""
        return {token: Decimal(1) for token in self.units[unit_id].tokens}

    def factor_tokens(self, question: Question, unit_id: str) -> dict[str, Decimal]:
        """Tokens of the factor a plant unit asks for: its own unit (kg/块), or the bare
        quantity it is per (2.6 kg), both taken as given."""
        factor_unit = question.plant_units[unit_id].factor_unit
        tokens = dict.fromkeys(self.units[factor_unit].tokens, Decimal(1))
        base = self.units[factor_unit].per
        if base is not None:
            tokens.update(dict.fromkeys(self.units[base].tokens, Decimal(1)))
        return tokens

    def _by_id(self) -> dict[str, Question]:
        return self._ids

    def _order(self) -> dict[str, int]:
        return self._positions


@cache
def _packaged_bank() -> QuestionBank:
    text = resources.files("conversations").joinpath("data/questions.yaml").read_text("utf-8")
    return QuestionBank.from_yaml(text)

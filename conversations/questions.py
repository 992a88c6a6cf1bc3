"""One question as declared in `data/questions.yaml`: its kind, texts, limits and rules.

Each model checks what it can see by itself (a number question names its unit, only text
questions have a pattern); checks across questions belong to the bank.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from conversations.conditions import Condition

__all__ = [
    "CHOICE_KINDS",
    "FILE_KINDS",
    "NUMERIC_KINDS",
    "TARGET_KINDS",
    "ApproximateWords",
    "FileRules",
    "Kind",
    "Option",
    "Question",
    "Rule",
    "Section",
    "UnitDef",
    "YesNoWords",
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


class Option(BaseModel):
    model_config = _FROZEN

    value: str = Field(pattern=OPTION_VALUE)
    label: str = Field(pattern=TEXT_KEY)
    synonyms: tuple[str, ...] = ()
    # Choosing it clears every other choice (and another choice clears it), like "none".
    exclusive: bool = False
    # What the answers document holds when this option is chosen, where that is not the
    # option's own value (a confirmation is a true there).
    document: JsonValue = None
    # Chosen, it stores nothing: the supplier goes back to the figure to correct it.
    revisit: bool = False
    # The review codes of criteria this option stands for, at a computed question.
    codes: tuple[str, ...] = ()


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


class PlantUnit(BaseModel):
    """A production unit whose canonical amount depends on the plant's product (万块 of
    bricks, m³ of product): the amount is kept and the factor asked next, then converted."""

    model_config = _FROZEN

    # The unit the factor is typed in (kg per brick, t per m³), from the unit vocabulary.
    factor_unit: str
    # amount × factor × to_canonical = the amount in the question's canonical unit.
    to_canonical: Decimal = Field(gt=0)
    # Plausible factors: a brick weighs some kilograms, a product a few t per m³.
    min: Decimal = Field(gt=0)
    max: Decimal = Field(gt=0)
    # Catalogue keys of the follow-up that asks for the factor, and of a good factor.
    prompt: str = Field(pattern=TEXT_KEY)
    example: str = Field(pattern=TEXT_KEY)


class Assumed(BaseModel):
    """The answer a question takes in a draft from before it was asked: `value`, when any
    of the questions `given` was answered there (they follow from that value)."""

    model_config = _FROZEN

    value: str
    given: tuple[str, ...] = Field(min_length=1)


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
    # Units converted with a factor the plant gives (see PlantUnit), by unit id.
    plant_units: dict[str, PlantUnit] = Field(default_factory=dict)
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
    # The guideline compares this amount with a threshold: an approximate figure is asked
    # back for the exact one rather than stored.
    exact: bool = False
    # Answered from the earlier answer its `span_from` rule names (the period's end, once
    # its start is known, has one valid value): shown to the supplier, never asked.
    derived: bool = False
    rules: tuple[Rule, ...] = ()
    # A file question whose certificate or report is read: the claim it evidences, and
    # which field read from it (number, expires, ...) answers which earlier question. The
    # supplier confirms a read value before it replaces what was typed.
    claim: str | None = None
    reads: dict[str, str] = Field(default_factory=dict)
    # Answered by the engine from the answers before it (whether the energy figures trip a
    # plausibility band of the ruleset), never asked nor shown: follow-ups test it.
    computed: bool = False
    # For a question asked back on a computed one: by that answer, the question whose
    # figure the supplier goes back to when choosing to correct it.
    revisit: dict[str, str] = Field(default_factory=dict)
    # The piece of evidence this answer describes: `claim.field` (number, issuer, issued,
    # expires, cma_number, content_pct, kind) in the document's `evidence`.
    evidence: str | None = Field(default=None, pattern=r"^[a-z_]+\.[a-z_]+$")
    # A file question's kind of evidence in the document (a test report, a certificate).
    evidence_kind: Literal["certificate", "report", "manual_and_audit"] | None = None
    assumed: Assumed | None = None

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
        elif self.units or self.plant_units or (self.unit is not None and kind != "percentage"):
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
        if (self.claim is not None or self.reads) and kind not in FILE_KINDS:
            raise ValueError(f"{self.id}: only file questions are read")
        if self.evidence is not None and kind not in TARGET_KINDS:
            raise ValueError(f"{self.id}: only a typed or chosen answer describes evidence")
        if self.evidence_kind is not None and (kind not in FILE_KINDS or self.claim is None):
            raise ValueError(f"{self.id}: an evidence kind belongs on a file question's claim")
        if self.computed and kind != "single_choice":
            raise ValueError(f"{self.id}: a computed answer is one of its options")
        if self.revisit and not any(option.revisit for option in self.options):
            raise ValueError(f"{self.id}: revisit needs an option that goes back")
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
    # For a unit "per" something (kg per brick): the unit of its numerator (kg), which a
    # figure may carry instead (2.6 kg when kilograms per brick are asked).
    per: str | None = None


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
    # Words that carry the answer inside a longer reply (ISO9001有, 已通过认证, 没有公布):
    # a negation wins over an affirmation, since 没有 contains 有.
    yes_markers: tuple[str, ...] = ()
    no_markers: tuple[str, ...] = ()


class ApproximateWords(BaseModel):
    """Words that mark a figure as approximate (约35%, 46左右, 3万多吨).

    An approximate figure is accepted as said, except where the guideline compares the
    answer with a threshold (`Question.exact`): there it is asked back.
    """

    model_config = _FROZEN

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    inside: tuple[str, ...] = ()

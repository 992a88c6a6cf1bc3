"""The answers document: the JSON the evaluator reads, built from an interview's answers.

Each question with a `target` writes its answer to that dotted path; a question that does
not apply, or was skipped or not yet answered, writes its default, so the document of a
draft is as well-formed as a finished one's.
"""

from __future__ import annotations

from collections.abc import Set
from decimal import Decimal
from typing import Any

from pydantic import JsonValue

from conversations.bank import Question, QuestionBank
from conversations.models import InterviewState
from conversations.parsing import decimal_to_str

__all__ = ["answers_document", "json_number", "question_for_field"]


def answers_document(bank: QuestionBank, state: InterviewState) -> dict[str, Any]:
    """The answers document criteria judges; fields not (yet) claimed take their
    defaults, so a draft's document is always complete and well-formed."""
    applicable = bank.applicable_ids(state.answers)
    document: dict[str, Any] = {}
    for question in bank.questions:
        if question.target is None:
            continue
        answer = state.answers.get(question.id) if question.id in applicable else None
        if answer is not None:
            value: JsonValue = _document_value(question, answer)
        else:
            present, value = question.document_default()
            if not present:
                continue
        _put(document, question.target, value)
    other_fuels = _other_fuels(bank, state, applicable)
    if other_fuels:
        document.setdefault("energy", {})["other_fuels"] = other_fuels
    evidence = _evidence(bank, state, applicable)
    if evidence:
        document["evidence"] = evidence
    return document


def _evidence(
    bank: QuestionBank, state: InterviewState, applicable: Set[str]
) -> dict[str, dict[str, JsonValue]]:
    """What the supplier said of each certificate or report, as `evidence` entries: a
    detail skipped stays out, so the evaluation sees the description incomplete and flags
    it rather than taking it as given."""
    items: dict[str, dict[str, JsonValue]] = {}
    for question in bank.questions:
        if question.id not in applicable:
            continue
        answer = state.answers.get(question.id)
        if question.is_file and question.claim is not None and question.evidence_kind:
            item = items.setdefault(question.claim, {})
            item.setdefault("kind", question.evidence_kind)
            kept = _kept_file(answer)
            if kept is not None:
                item["file"] = kept
        elif question.evidence is not None:
            claim, field = question.evidence.split(".")
            item = items.setdefault(claim, {})
            if answer is not None:
                item[field] = _document_value(question, answer)
    return {claim: item for claim, item in items.items() if item}


def _kept_file(answer: JsonValue) -> str | None:
    """The first uploaded file by its SHA-256 where the evidence store has it, else by the
    transport's id: enough for an assessor to find it among the session's files."""
    if not isinstance(answer, list) or not answer:
        return None
    first = answer[0]
    if not isinstance(first, dict):
        return None
    digest = first.get("sha256") or first.get("file_unique_id")
    return str(digest) if digest else None


# Carriers the answers document has no field for: (name, amount question, unit, factor
# question). They go into `energy.other_fuels` with the factor the plant gave (0 when it
# did not know it: the evaluation then shows the fuel to the assessor as not counted).
_OTHER_FUELS: tuple[tuple[str, str, str, str], ...] = (
    ("发生炉煤气等其他燃气", "other_gas_m3", "m3", "other_gas_factor"),
    ("生物质燃料", "biomass_kg", "kg", "biomass_factor"),
)
_PLANT_FACTOR_SOURCE = "企业填报"


def _other_fuels(
    bank: QuestionBank, state: InterviewState, applicable: Set[str]
) -> list[dict[str, JsonValue]]:
    """The fuels without a field of their own, as `energy.other_fuels` entries."""
    fuels: list[dict[str, JsonValue]] = []
    known = {q.id for q in bank.questions}
    for name, amount_id, unit, factor_id in _OTHER_FUELS:
        if amount_id not in known or amount_id not in applicable:
            continue
        amount = state.answers.get(amount_id)
        if amount is None:
            continue
        factor = state.answers.get(factor_id) if factor_id in applicable else None
        fuels.append(
            {
                "name": name,
                "amount": json_number(Decimal(str(amount))),
                "unit": unit,
                "kgce_per_unit": json_number(Decimal(str(factor))) if factor is not None else 0,
                "source": _PLANT_FACTOR_SOURCE if factor is not None else "",
            }
        )
    return fuels


def question_for_field(
    bank: QuestionBank, state: InterviewState, field_path: str
) -> Question | None:
    """The question whose answer feeds a field of the answers document: the field itself,
    else a question writing inside it, else the one whose value contains it."""
    applicable = [q for q in bank.applicable(state.answers) if q.target is not None]
    for matches in (
        lambda target: target == field_path,
        lambda target: target.startswith(field_path + "."),
        lambda target: field_path.startswith(target + "."),
    ):
        found = next((q for q in applicable if matches(q.target or "")), None)
        if found is not None:
            return found
    return None


def json_number(value: Decimal) -> int | float | str:
    """A JSON number: an int when whole, else the float whose shortest repr is exactly the
    decimal. A value no float can carry exactly stays a numeric string, which criteria
    reads exactly too, rather than being silently rounded."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return decimal_to_str(value)


def _document_value(q: Question, answer: JsonValue) -> JsonValue:
    if q.kind in ("number", "percentage"):
        return json_number(Decimal(str(answer)))
    chosen = next((o for o in q.options if o.value == answer), None)
    if chosen is not None and chosen.document is not None:
        return chosen.document
    return answer


def _put(document: dict[str, Any], target: str, value: JsonValue) -> None:
    *parents, leaf = target.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value

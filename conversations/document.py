"""The answers document: the JSON the evaluator reads, built from an interview's answers.

Each question with a `target` writes its answer to that dotted path; a question that does
not apply, or was skipped or not yet answered, writes its default, so the document of a
draft is as well-formed as a finished one's.
"""

from __future__ import annotations

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
    applicable = {q.id for q in bank.applicable(state.answers)}
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
    return document


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
    return answer


def _put(document: dict[str, Any], target: str, value: JsonValue) -> None:
    *parents, leaf = target.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value

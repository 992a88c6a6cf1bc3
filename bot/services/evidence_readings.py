"""Each stored file's reading beside the supplier's answers, as the assessor's card shows it.

The interview keeps what was read from each file (by its SHA-256) in the session's state;
the comparison itself is criteria's (`criteria.reading_match`), fed with what the supplier
answered for the claim the file evidences: the number and expiry typed at the questions the
file question `reads` into, and the company's name.
"""

from __future__ import annotations

from datetime import date

from bot.services.session_card import CardReading
from conversations import InterviewState, QuestionBank
from criteria.answers import EvidenceItem
from criteria.reading_match import FIELDS, Read, compare


def card_reading(
    bank: QuestionBank,
    state: InterviewState,
    question_id: str,
    digest: str | None,
    company: str,
    on: date,
) -> CardReading | None:
    """The card's view of one file; None while it has not been read."""
    reading = state.readings.get(digest or "")
    if reading is None:
        return None
    if not reading.readable:
        return CardReading("unreadable", (), ())
    question = bank.question(question_id) if bank.has_question(question_id) else None
    claim = (question.claim if question else None) or ""
    typed: dict[str, object] = {}
    for field, answered_by in (question.reads if question else {}).items():
        value = state.answers.get(answered_by)
        if value not in (None, ""):
            typed[field] = value
    try:
        item = EvidenceItem.model_validate(typed)
    except ValueError:
        item = EvidenceItem()
    fields = reading.fields
    read = Read.from_mapping(
        {
            **fields,
            "content_pct": float(fields["content_pct"]) if "content_pct" in fields else None,
        }
    )
    match = compare(read, claim, item, company, on)
    shown = tuple((f, fields[f]) for f in (*FIELDS[:3], "issuer", *FIELDS[3:]) if f in fields)
    return CardReading(match.state, shown, tuple(match.differences))

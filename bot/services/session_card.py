"""What an assessor sees of one session, as data: read in the desk's transaction, shown later.

The desk gathers everything the card needs (people's names, evidence, history) while the
transaction is open; turning it into text and buttons is the front end's business
(`bot.reports.card`), so no rendering holds a database connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations import InterviewState
from criteria import Evaluation
from criteria.reading_match import FileState
from criteria.review import Decision, Status
from criteria.texts import Text


@dataclass(frozen=True)
class CardReading:
    """What was read from one file, against what the supplier answered."""

    state: FileState
    #: (field, value) as read, in the order an assessor checks them.
    read: tuple[tuple[str, str], ...]
    #: How it differs, one phrase per difference, in both languages.
    differences: tuple[Text, ...]


@dataclass(frozen=True)
class CardEvidence:
    """One stored evidence file; `name` falls back to Telegram's unique id."""

    id: int
    name: str
    question_id: str
    size: int | None
    #: None while the file has not been read (or is not a certificate or report).
    reading: CardReading | None = None


@dataclass(frozen=True)
class CardDecision:
    """One entry of the review history, with the assessor's name as it reads now."""

    created_at: datetime
    assessor: str
    decision: Decision
    comment: str


@dataclass(frozen=True)
class SessionCard:
    """A session for the desk, in the language of the assessor who opened it."""

    lang: str
    session_id: int
    status: Status
    company_name: str | None
    credit_code: str | None
    contact_person: str | None
    contact_phone: str | None
    plant_location: str | None
    period_start: str | None
    period_end: str | None
    product_category: str | None
    created_at: datetime
    submitted_at: datetime | None
    owner_id: int
    owner_name: str | None
    #: The verdict with its clauses and figures; None until the session is submitted.
    evaluation: Evaluation | None
    #: The interview as it stands, shown instead of a verdict before submission.
    draft: InterviewState | None
    evidence: tuple[CardEvidence, ...]
    history: tuple[CardDecision, ...]


__all__ = ["CardDecision", "CardEvidence", "CardReading", "SessionCard"]

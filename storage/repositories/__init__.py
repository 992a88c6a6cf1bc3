"""Repositories: the only place that knows how rows are queried and kept consistent.

One module per aggregate (people, sessions, evidence, reviews, rulesets, audit, processed
updates, pending actions, notices), plus the submitted sessions in bulk for re-evaluation
and the assessors' search statement. Each repository works inside the caller's
`AsyncSession` and never commits: the unit of work decides when a group of changes becomes
durable. Times are set here, in UTC, by the application, so SQLite and PostgreSQL store the
same values.
"""

from storage.repositories.audit import AuditRepository
from storage.repositories.evidence import EvidenceRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.notices import NoticeCandidate, NoticeRepository
from storage.repositories.pending import PendingActionRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.reviews import ReviewRepository
from storage.repositories.rulesets import BASELINE_RULESET_VERSION, RulesetRepository
from storage.repositories.session_search import CREDIT_CODE_SHAPE, search_statement
from storage.repositories.sessions import SessionRepository
from storage.repositories.submitted import ForJudging, Rejudged, SubmittedSessions
from storage.repositories.updates import ProcessedUpdateRepository

__all__ = [
    "BASELINE_RULESET_VERSION",
    "CREDIT_CODE_SHAPE",
    "AuditRepository",
    "EvidenceRepository",
    "ForJudging",
    "InboxRepository",
    "NoticeCandidate",
    "NoticeRepository",
    "PendingActionRepository",
    "PeopleRepository",
    "ProcessedUpdateRepository",
    "Rejudged",
    "ReviewRepository",
    "RulesetRepository",
    "SessionRepository",
    "SubmittedSessions",
    "search_statement",
]

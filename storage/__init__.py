"""Persistence for greenlist-bot: models, unit of work, repositories and migrations."""

from storage.db import Database, UnitOfWork, normalise_url
from storage.errors import ConcurrentUpdate
from storage.models import (
    AssessmentSession,
    AuditEntry,
    Decision,
    EvidenceFile,
    Language,
    NoticeSent,
    PendingAction,
    Person,
    ProcessedUpdate,
    ReceivedUpdate,
    ReviewDecision,
    Role,
    RulesetVersion,
    Status,
)
from storage.repositories import BASELINE_RULESET_VERSION
from storage.retry import is_transient, pauses
from storage.schema import (
    current_revision,
    current_revision_async,
    downgrade,
    downgrade_async,
    head_revision,
    upgrade,
    upgrade_async,
)

__all__ = [
    "BASELINE_RULESET_VERSION",
    "AssessmentSession",
    "AuditEntry",
    "ConcurrentUpdate",
    "Database",
    "Decision",
    "EvidenceFile",
    "Language",
    "NoticeSent",
    "PendingAction",
    "Person",
    "ProcessedUpdate",
    "ReceivedUpdate",
    "ReviewDecision",
    "Role",
    "RulesetVersion",
    "Status",
    "UnitOfWork",
    "current_revision",
    "current_revision_async",
    "downgrade",
    "downgrade_async",
    "head_revision",
    "is_transient",
    "normalise_url",
    "pauses",
    "upgrade",
    "upgrade_async",
]

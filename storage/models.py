"""Database models shared by SQLite (single-process deployments, tests) and PostgreSQL.

Every column type is chosen to behave the same on both backends: JSON becomes JSONB on
PostgreSQL (a session's own documents stay json: see `_document`), Telegram ids are 64-bit,
and timestamps always come back timezone-aware in UTC even from SQLite, which has no
timezone-aware storage of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The review workflow's vocabulary is stored here; it is defined, with its rules, in criteria.
from criteria.review import DECIDED_STATUSES as DECIDED_STATUSES
from criteria.review import OPEN_STATUSES as OPEN_STATUSES
from criteria.review import Decision as Decision
from criteria.review import Status as Status

# Deterministic constraint and index names keep migrations reproducible and let later
# migrations drop or alter constraints by name on every backend.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The single clock of the storage layer: aware, UTC."""
    return datetime.now(UTC)


class Role(StrEnum):
    SUPPLIER = "supplier"
    ASSESSOR = "assessor"
    ADMIN = "admin"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every backend.

    SQLite stores timestamps as text without an offset, so values are normalised to UTC
    before writing and tagged as UTC after reading; naive values are refused instead of
    being silently interpreted in the server's local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"timestamp {value.isoformat()} has no timezone; store aware UTC datetimes"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json() -> JSON:
    # none_as_null: a Python None is stored as SQL NULL, not as the JSON literal 'null'.
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _document() -> JSON:
    """A session's state, answers and evaluation: PostgreSQL's json, which keeps the text.

    They are written at every answer and every re-evaluation and read whole, never queried
    inside. jsonb would parse each of them into its binary form on the way in and print it
    back on the way out, work no query here ever uses: json only checks the text, which
    took about a quarter less server time for a re-evaluation's writes and two thirds less
    for an export's reads (migration 0007).
    """
    return JSON(none_as_null=True)


def _enum(enum_cls: type[StrEnum], name: str) -> Enum:
    """A VARCHAR plus CHECK constraint rather than a native PostgreSQL ENUM type.

    Adding a value later is then an ordinary migration on both backends, and the stored
    text is the enum's value ("in_progress"), not its Python name.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    __tablename__ = "people"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(_enum(Language, "language"), default=Language.ZH)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.SUPPLIER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index(None, "role"),)

    def __repr__(self) -> str:
        return f"Person(telegram_id={self.telegram_id}, role={self.role.value})"


class AssessmentSession(Base):
    """One supplier interview from first question to the assessor's decision.

    `state` and `answers` are the source of truth; the lookup columns (company, credit code,
    category, verdict) are copies the repository keeps in step so assessors can search
    without reading JSON. `version` makes every write conditional on what was read.
    """

    __tablename__ = "assessment_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.telegram_id"))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"), default=Status.IN_PROGRESS)
    current_question: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(_document())
    answers: Mapped[dict[str, Any]] = mapped_column(_document())
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(_document())
    product_category: Mapped[str | None] = mapped_column(String(32))
    company_name: Mapped[str | None] = mapped_column(String(256))
    credit_code: Mapped[str | None] = mapped_column(String(32))
    qualified: Mapped[bool | None] = mapped_column(Boolean)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    ruleset_id: Mapped[str | None] = mapped_column(String(64))
    ruleset_version: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy API
    # No index on `status` alone: (status, submitted_at) serves status lookups as its prefix.
    __table_args__ = (
        Index(None, "status", "submitted_at"),
        Index(None, "owner_id", "status"),
        Index(None, "product_category"),
        Index(None, "company_name"),
        Index(None, "credit_code"),
        Index(None, "submitted_at"),
    )

    def __repr__(self) -> str:
        return (
            f"AssessmentSession(id={self.id}, owner_id={self.owner_id}, "
            f"status={self.status.value}, version={self.version})"
        )


class EvidenceFile(Base):
    """A document a supplier uploaded for one question.

    The bytes live in the evidence store under `sha256`; `file_id` is Telegram's handle,
    valid for one bot token only, kept as a cache. Rows from before the store have no
    `sha256` until `greenlist evidence backfill` fetches them.
    """

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assessment_sessions.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(512))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    stored_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    content_type: Mapped[str | None] = mapped_column(String(16), default=None)
    uploader_id: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __table_args__ = (Index(None, "session_id"), Index(None, "sha256"))


class ReviewDecision(Base):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("assessment_sessions.id"))
    assessor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.telegram_id"))
    decision: Mapped[Decision] = mapped_column(_enum(Decision, "decision"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "session_id"),)


class RulesetVersion(Base):
    """An admin's edit of a ruleset's values.

    Version 1 of every ruleset is the YAML file shipped with `criteria`; rows here start
    at version 2, so a version number alone says whether the baseline was changed.
    """

    __tablename__ = "ruleset_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(_json())
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("people.telegram_id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("ruleset_id", "version"),)


class AuditEntry(Base):
    """Who changed what. `actor_id` has no foreign key so history outlives its people."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(256))
    old_value: Mapped[Any] = mapped_column(_json(), nullable=True)
    new_value: Mapped[Any] = mapped_column(_json(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "created_at"),)


class ReceivedUpdate(Base):
    """Updates that change an interview, noted on arrival: the inbox that lets any bot
    process apply a person's inputs in Telegram's order (storage/repositories/inbox.py)."""

    __tablename__ = "received_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "person_id", "update_id"), Index(None, "received_at"))


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update changes nothing."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "processed_at"),)


class PendingAction(Base):
    """A step that waits for the person's next message or button (a decision's comment, a
    threshold change awaiting confirmation). Kept in the database, not in a process, so any
    bot process can finish it and a restart loses nothing. One per person at a time."""

    __tablename__ = "pending_actions"

    actor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Any] = mapped_column(_json())
    token: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeSent(Base):
    """A reminder already sent for a session, so each one goes out once, across restarts and
    processes. `key` tells apart notices of one kind (which certificate is expiring)."""

    __tablename__ = "notices_sent"

    session_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assessment_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

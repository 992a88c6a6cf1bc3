"""Repositories: the only place that knows how rows are queried and kept consistent.

Each repository works inside the caller's `AsyncSession` and never commits: the unit of
work decides when a group of changes becomes durable. Times are set here, in UTC, by the
application, so SQLite and PostgreSQL store the same values.
"""

from __future__ import annotations

import builtins
import copy
import re
import secrets
from collections.abc import AsyncIterator, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, TextClause, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from storage.errors import ConcurrentUpdate
from storage.models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    AssessmentSession,
    AuditEntry,
    Decision,
    EvidenceFile,
    Language,
    NoticeSent,
    PendingAction,
    Person,
    ProcessedUpdate,
    ReviewDecision,
    Role,
    RulesetVersion,
    Status,
    utcnow,
)

# Version 1 of every ruleset is the YAML file packaged with `criteria`; stored edits
# therefore start at 2.
BASELINE_RULESET_VERSION = 1


_E = TypeVar("_E", Status, Role, Language, Decision)

# An 18-character unified social credit code (GB 32100 charset: no I, O, S, V or Z).
CREDIT_CODE_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def _coerce(enum_cls: type[_E], value: str, what: str) -> _E:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise ValueError(f"unknown {what} {value!r}; expected one of: {allowed}") from None


async def _flush(session: AsyncSession) -> None:
    if not (session.new or session.dirty or session.deleted):
        return  # the usual case on the way of every answer: no trip into the ORM's flush
    try:
        await session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdate(str(exc)) from exc


def _dialect_insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on both supported backends."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# The dialects' INSERT ... ON CONFLICT constructs cannot be cached by SQLAlchemy (their
# Insert class sets inherit_cache=False), so every execution compiled the statement anew;
# on the path every update takes, that was the larger part of the storage work. Written
# as text, which SQLite and PostgreSQL accept alike, they are compiled once and cached.
_PERSON_INSERTED = ("telegram_id", "name", "username", "language", "role", "created_at")


def _person_upsert(*, set_language: bool, returning: bool) -> TextClause:
    table = Person.__table__
    updated = ["name", "username", "updated_at"] + (["language"] if set_language else [])
    sql = (
        f"INSERT INTO people ({', '.join(_PERSON_INSERTED)}, updated_at) "
        f"VALUES ({', '.join(':' + name for name in _PERSON_INSERTED)}, :created_at) "
        "ON CONFLICT (telegram_id) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in updated)
    )
    if returning:
        sql += " RETURNING " + ", ".join(column.name for column in table.c)
    return text(sql).bindparams(
        *(bindparam(name, type_=table.c[name].type) for name in _PERSON_INSERTED)
    )


_UPSERT_PERSON = {
    set_language: select(Person)
    .from_statement(
        _person_upsert(set_language=set_language, returning=True).columns(*Person.__table__.c)
    )
    .execution_options(populate_existing=True)
    for set_language in (False, True)
}
_UPSERT_PERSON_NO_RETURNING = {
    set_language: _person_upsert(set_language=set_language, returning=False)
    for set_language in (False, True)
}
_RECORD_UPDATE = text(
    "INSERT INTO processed_updates (update_id, processed_at) "
    "VALUES (:update_id, :processed_at) ON CONFLICT (update_id) DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in ProcessedUpdate.__table__.c))

_SESSIONS = AssessmentSession.__table__


def _newest_open_session(owner: Any) -> Select[Any]:
    """The id of the session a returning supplier resumes: their newest one still open."""
    return (
        select(AssessmentSession.id)
        .where(
            AssessmentSession.owner_id == owner,
            AssessmentSession.status.in_(sorted(OPEN_STATUSES)),
        )
        .order_by(AssessmentSession.created_at.desc(), AssessmentSession.id.desc())
        .limit(1)
    )


# Read on every update: built once, so only its parameter changes between executions
# (constructing the statement and its cache key each time cost more than running it).
_VISIT = (
    select(Person, AssessmentSession)
    .outerjoin(
        AssessmentSession,
        AssessmentSession.id
        == _newest_open_session(Person.telegram_id).correlate(Person).scalar_subquery(),
    )
    .where(Person.telegram_id == bindparam("telegram_id"))
)
_SAVE_PROGRESS = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.id == bindparam("row_id"),
        _SESSIONS.c.version == bindparam("read_version"),
    )
    .values(
        {
            _SESSIONS.c[name]: bindparam(name, type_=_SESSIONS.c[name].type)
            for name in (
                "state",
                "answers",
                "current_question",
                "updated_at",
                "product_category",
                "company_name",
                "credit_code",
                "version",
            )
        }
    )
)


def _text(value: Any, limit: int) -> str | None:
    """A lookup copy of a free-text answer: stripped, bounded by its column, or None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def _as_stored(name: str, username: str | None) -> tuple[str, str | None]:
    """A Telegram name and username as the people table keeps them (bounded, no empty)."""
    return name[:256], username[:64] if username else None


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, telegram_id: int) -> Person | None:
        return await self._session.get(Person, telegram_id)

    async def visit(
        self,
        telegram_id: int,
        name: str,
        username: str | None = None,
        *,
        initial_language: str | None = None,
    ) -> tuple[Person, AssessmentSession | None]:
        """The person behind an update, recorded as `upsert` does, and their open session.

        Every update needs both; read together they cost one statement where the person
        is known under the same name, which is nearly always. Only a new or renamed
        person is written, so `updated_at` tells when the record last changed.
        """
        found = (await self._session.execute(_VISIT, {"telegram_id": telegram_id})).first()
        person, open_session = (found[0], found[1]) if found is not None else (None, None)
        if person is None or (person.name, person.username) != _as_stored(name, username):
            person = await self.upsert(
                telegram_id, name, username, initial_language=initial_language
            )
        return person, open_session

    async def upsert(
        self,
        telegram_id: int,
        name: str,
        username: str | None = None,
        language: str | None = None,
        *,
        initial_language: str | None = None,
    ) -> Person:
        """Record a Telegram user as seen now, keeping any role granted earlier.

        A single INSERT ... ON CONFLICT makes two processes greeting the same new user at
        once converge instead of one failing on the primary key. The language is only
        changed when one is given, so a user's explicit choice survives later visits;
        `initial_language` (what their Telegram client says) only applies to a new person.
        """
        now = utcnow()
        lang = _coerce(Language, language, "language") if language is not None else None
        first = (
            _coerce(Language, initial_language, "language")
            if initial_language is not None
            else None
        )
        stored_name, stored_username = _as_stored(name, username)
        values: dict[str, Any] = {
            "telegram_id": telegram_id,
            "name": stored_name,
            "username": stored_username,
            "language": lang or first or Language.ZH,
            "role": Role.SUPPLIER,
            "created_at": now,
        }
        set_language = lang is not None
        if self._session.get_bind().dialect.insert_returning:
            # One statement that also hands back the row (SQLite 3.35+, PostgreSQL).
            rows = await self._session.scalars(_UPSERT_PERSON[set_language], values)
            return rows.one()
        await self._session.execute(_UPSERT_PERSON_NO_RETURNING[set_language], values)
        person = await self._session.get(Person, telegram_id, populate_existing=True)
        assert person is not None  # just written in this transaction
        return person

    async def anonymise(self, telegram_id: int) -> Person | None:
        """Forget the person's name and username; the id stays so their role survives."""
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.name = ""
        person.username = None
        person.updated_at = utcnow()
        await _flush(self._session)
        return person

    async def set_role(self, telegram_id: int, role: str) -> Person | None:
        """Returns None when nobody with this id has used the bot yet."""
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.role = _coerce(Role, role, "role")
        await _flush(self._session)
        return person

    async def set_language(self, telegram_id: int, lang: str) -> Person | None:
        person = await self.get(telegram_id)
        if person is None:
            return None
        person.language = _coerce(Language, lang, "language")
        await _flush(self._session)
        return person

    async def list(self, role: str | None = None) -> builtins.list[Person]:
        query = select(Person).order_by(Person.created_at, Person.telegram_id)
        if role is not None:
            query = query.where(Person.role == _coerce(Role, role, "role"))
        return list((await self._session.scalars(query)).all())

    async def lock_admins(self) -> builtins.list[Person]:
        """The admins, locked until commit (PostgreSQL), before a change that may remove one.

        Two concurrent demotions of the last two admins are then serialised: the second
        sees the first one's change and finds a single admin left.
        """
        query = (
            select(Person)
            .where(Person.role == Role.ADMIN)
            .order_by(Person.telegram_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list((await self._session.scalars(query)).all())

    async def count_admins(self) -> int:
        query = select(func.count()).select_from(Person).where(Person.role == Role.ADMIN)
        return int(await self._session.scalar(query) or 0)


def search_statement(
    *,
    status: str | None = None,
    product_category: str | None = None,
    qualified: bool | None = None,
    needs_review: bool | None = None,
    text: str | None = None,
) -> Select[tuple[AssessmentSession]]:
    """The assessors' session search, newest submission first, without paging.

    Public so the query plan can be checked against the indexes it is meant to use.
    """
    query = select(AssessmentSession)
    if status is not None:
        query = query.where(AssessmentSession.status == _coerce(Status, status, "status"))
    if product_category is not None:
        query = query.where(AssessmentSession.product_category == product_category)
    if qualified is not None:
        query = query.where(AssessmentSession.qualified.is_(qualified))
    if needs_review is not None:
        query = query.where(AssessmentSession.needs_review.is_(needs_review))
    needle = (text or "").strip()
    if CREDIT_CODE_SHAPE.fullmatch(needle.upper()):
        # A whole credit code is looked up by its index alone: OR-ing it with a substring
        # match on the name would make every such lookup scan the table.
        query = query.where(AssessmentSession.credit_code == needle.upper())
    elif needle:
        query = query.where(
            AssessmentSession.company_name.icontains(needle, autoescape=True)
            | (AssessmentSession.credit_code == needle.upper())
        )
    newest = AssessmentSession.submitted_at.desc()
    if status is None or _coerce(Status, status, "status") is Status.IN_PROGRESS:
        newest = newest.nulls_last()
    # Every status but in_progress is reached through a submission, so submitted_at is set
    # and NULLS LAST changes nothing there; leaving it out lets PostgreSQL read the
    # (status, submitted_at) index backwards instead of sorting every match (48 ms -> 0.1 ms
    # for one page of 40,000 submitted sessions).
    return query.order_by(newest, AssessmentSession.id.desc())


_OPEN_FOR_OWNER = select(AssessmentSession).where(
    AssessmentSession.id == _newest_open_session(bindparam("owner_id")).scalar_subquery()
)


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        owner_id: int,
        state: Mapping[str, Any],
        answers: Mapping[str, Any],
        current_question: str | None,
    ) -> AssessmentSession:
        now = utcnow()
        row = AssessmentSession(
            owner_id=owner_id,
            status=Status.IN_PROGRESS,
            state=copy.deepcopy(dict(state)),
            answers=copy.deepcopy(dict(answers)),
            current_question=current_question,
            needs_review=False,
            created_at=now,
            updated_at=now,
        )
        self._refresh_lookups(row)
        self._session.add(row)
        await _flush(self._session)
        return row

    async def get(self, session_id: int) -> AssessmentSession | None:
        return await self._session.get(AssessmentSession, session_id)

    async def get_for_update(self, session_id: int) -> AssessmentSession | None:
        """Load and lock the row until commit (PostgreSQL); SQLite locks on first write.

        Use it where a write depends on the current status (a review decision), so two
        assessors deciding at once are serialised rather than one failing late.
        """
        query = (
            select(AssessmentSession)
            .where(AssessmentSession.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self._session.scalars(query)).one_or_none()

    async def open_for_owner(self, owner_id: int) -> AssessmentSession | None:
        """The session a returning supplier resumes: the newest one still open."""
        return (await self._session.scalars(_OPEN_FOR_OWNER, {"owner_id": owner_id})).first()

    async def list_for_owner(self, owner_id: int) -> list[AssessmentSession]:
        query = (
            select(AssessmentSession)
            .where(AssessmentSession.owner_id == owner_id)
            .order_by(AssessmentSession.created_at.desc(), AssessmentSession.id.desc())
        )
        return list((await self._session.scalars(query)).all())

    async def save_progress(
        self,
        session: AssessmentSession,
        *,
        state: Mapping[str, Any],
        answers: Mapping[str, Any],
        current_question: str | None,
    ) -> AssessmentSession:
        """Store the engine's new state; raises ConcurrentUpdate if the row moved on.

        Every input of every interview comes here, so it is one UPDATE conditional on the
        version that was read, without the ORM's flush (which cost more than the statement
        itself). The loaded row is then brought up to date as if it had been reloaded.
        The row takes the documents over as given (copying them cost a third of this
        call): pass dicts made for it, as the engine's model_dump() makes them.
        """
        await _flush(self._session)  # earlier changes to the row first: the version moves
        values: dict[str, Any] = {
            "state": dict(state),
            "answers": dict(answers),
            "current_question": current_question,
            "updated_at": utcnow(),
            **_lookups(answers),
            "version": session.version + 1,
        }
        result = await self._session.execute(
            _SAVE_PROGRESS, {**values, "row_id": session.id, "read_version": session.version}
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentUpdate(
                f"assessment session {session.id} changed since version {session.version}"
            )
        for key, value in values.items():
            set_committed_value(session, key, value)
        return session

    async def mark_submitted(
        self,
        session: AssessmentSession,
        evaluation: Mapping[str, Any],
        ruleset_id: str,
        ruleset_version: int,
    ) -> AssessmentSession:
        now = utcnow()
        session.status = Status.SUBMITTED
        session.submitted_at = now
        session.decided_at = None
        self._apply_evaluation(session, evaluation, ruleset_id, ruleset_version)
        session.updated_at = now
        await _flush(self._session)
        return session

    async def update_evaluation(
        self,
        session: AssessmentSession,
        evaluation: Mapping[str, Any],
        ruleset_id: str,
        ruleset_version: int,
    ) -> AssessmentSession:
        """Replace the verdict (re-evaluation under a new ruleset) without resubmitting."""
        self._apply_evaluation(session, evaluation, ruleset_id, ruleset_version)
        session.updated_at = utcnow()
        await _flush(self._session)
        return session

    async def set_status(self, session: AssessmentSession, status: str) -> AssessmentSession:
        """Move a session to `status`; entering approved/rejected stamps `decided_at`.

        Only a move the review workflow allows is stored (else `TransitionRefused`), so no
        caller can approve a draft or decide a session twice.
        """
        from criteria.review import change

        new_status = _coerce(Status, status, "status")
        change(session.status, new_status)
        now = utcnow()
        session.status = new_status
        session.decided_at = now if new_status in DECIDED_STATUSES else None
        session.updated_at = now
        await _flush(self._session)
        return session

    async def delete(self, session: AssessmentSession) -> None:
        """Drop an abandoned draft together with its evidence rows (cascade)."""
        await self._session.delete(session)
        await _flush(self._session)

    async def search(
        self,
        *,
        status: str | None = None,
        product_category: str | None = None,
        qualified: bool | None = None,
        needs_review: bool | None = None,
        text: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[AssessmentSession], int]:
        """One page of matching sessions and the total number of matches."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        query = search_statement(
            status=status,
            product_category=product_category,
            qualified=qualified,
            needs_review=needs_review,
            text=text,
        )
        total_query = select(func.count()).select_from(query.order_by(None).subquery())
        total = int(await self._session.scalar(total_query) or 0)
        rows = await self._session.scalars(query.limit(limit).offset(offset))
        return list(rows.all()), total

    async def page(
        self,
        statuses: Collection[str],
        *,
        updated_before: datetime | None = None,
        decided_before: datetime | None = None,
        after_id: int = 0,
        limit: int = 500,
    ) -> list[AssessmentSession]:
        """Sessions in these statuses, in id order from `after_id`: a keyset page for jobs
        that walk many sessions (reminders) without holding one long transaction."""
        query = select(AssessmentSession).where(
            AssessmentSession.status.in_(sorted(statuses)), AssessmentSession.id > after_id
        )
        if updated_before is not None:
            query = query.where(AssessmentSession.updated_at < updated_before)
        if decided_before is not None:
            query = query.where(AssessmentSession.decided_at < decided_before)
        query = query.order_by(AssessmentSession.id).limit(limit)
        return list((await self._session.scalars(query)).all())

    async def undecided_submitted(
        self, batch_size: int, after_id: int = 0
    ) -> list[AssessmentSession]:
        """Submitted sessions awaiting a decision, in id order, one keyset page at a time.

        Keyset paging (id > after_id) stays correct while the caller rewrites each batch.
        """
        query = (
            select(AssessmentSession)
            .where(AssessmentSession.status == Status.SUBMITTED, AssessmentSession.id > after_id)
            .order_by(AssessmentSession.id)
            .limit(batch_size)
        )
        return list((await self._session.scalars(query)).all())

    async def iter_for_export(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        batch_size: int = 1000,
    ) -> AsyncIterator[builtins.list[AssessmentSession]]:
        """Every matching session in id order, one batch at a time, for streaming exports.

        `since` keeps sessions submitted at or after that moment (drafts never submitted
        have no submission time and are left out). Keyset paging on the primary key keeps
        each query cheap however deep the export goes, and each batch is detached from the
        unit of work once the caller moves on, so memory stays flat over any number of
        rows: use a batch before asking for the next one, do not keep its rows. Wrap the
        iteration in `contextlib.aclosing` so an early exit finishes inside the unit of work.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if since is not None and (since.tzinfo is None or since.utcoffset() is None):
            raise ValueError(f"since {since.isoformat()} has no timezone; give an aware datetime")
        base = select(AssessmentSession)
        if status is not None:
            base = base.where(AssessmentSession.status == _coerce(Status, status, "status"))
        if since is not None:
            base = base.where(AssessmentSession.submitted_at >= since)
        after = 0
        while True:
            query = (
                base.where(AssessmentSession.id > after)
                .order_by(AssessmentSession.id)
                .limit(batch_size)
            )
            rows = list((await self._session.scalars(query)).all())
            if not rows:
                return
            after = rows[-1].id
            try:
                yield rows
            finally:
                for row in rows:
                    if row in self._session:
                        self._session.expunge(row)
            if len(rows) < batch_size:
                return

    @staticmethod
    def _apply_evaluation(
        session: AssessmentSession,
        evaluation: Mapping[str, Any],
        ruleset_id: str,
        ruleset_version: int,
    ) -> None:
        qualified = evaluation.get("qualified")
        session.evaluation = copy.deepcopy(dict(evaluation))
        flag_modified(session, "evaluation")
        session.qualified = qualified if isinstance(qualified, bool) else None
        session.needs_review = bool(evaluation.get("needs_review", False))
        session.ruleset_id = ruleset_id
        session.ruleset_version = ruleset_version

    @staticmethod
    def _refresh_lookups(session: AssessmentSession) -> None:
        for key, value in _lookups(session.answers).items():
            setattr(session, key, value)


def _lookups(answers: Any) -> dict[str, str | None]:
    """The searchable copies of a session's answers, as the lookup columns hold them."""
    answers = answers if isinstance(answers, dict) else {}
    enterprise = answers.get("enterprise")
    enterprise = enterprise if isinstance(enterprise, dict) else {}
    credit_code = _text(enterprise.get("credit_code"), 32)
    return {
        "product_category": _text(answers.get("product_category"), 32),
        "company_name": _text(enterprise.get("name"), 256),
        "credit_code": credit_code.upper() if credit_code else None,
    }


class EvidenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        session_id: int,
        question_id: str,
        file_id: str,
        file_unique_id: str,
        file_name: str | None,
        mime_type: str | None,
        file_size: int | None,
    ) -> EvidenceFile:
        row = EvidenceFile(
            session_id=session_id,
            question_id=question_id,
            file_id=file_id,
            file_unique_id=file_unique_id,
            file_name=file_name[:512] if file_name else None,
            mime_type=mime_type[:128] if mime_type else None,
            file_size=file_size,
            uploaded_at=utcnow(),
        )
        self._session.add(row)
        await _flush(self._session)
        return row

    async def get(self, evidence_id: int) -> EvidenceFile | None:
        return await self._session.get(EvidenceFile, evidence_id)

    async def list_for_session(self, session_id: int) -> list[EvidenceFile]:
        query = (
            select(EvidenceFile)
            .where(EvidenceFile.session_id == session_id)
            .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
        )
        return list((await self._session.scalars(query)).all())

    async def count_by_session(self, session_ids: Collection[int]) -> dict[int, int]:
        """How many files each session has; sessions without any are left out."""
        if not session_ids:
            return {}
        query = (
            select(EvidenceFile.session_id, func.count())
            .where(EvidenceFile.session_id.in_(sorted(set(session_ids))))
            .group_by(EvidenceFile.session_id)
        )
        return {int(sid): int(count) for sid, count in (await self._session.execute(query)).all()}

    async def remove_for_question(self, session_id: int, question_id: str) -> int:
        """Drop a question's files when the supplier replaces them; returns how many."""
        result = await self._session.execute(
            delete(EvidenceFile)
            .where(EvidenceFile.session_id == session_id, EvidenceFile.question_id == question_id)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, session_id: int, assessor_id: int, decision: str, comment: str
    ) -> ReviewDecision:
        row = ReviewDecision(
            session_id=session_id,
            assessor_id=assessor_id,
            decision=_coerce(Decision, decision, "decision"),
            comment=comment,
            created_at=utcnow(),
        )
        self._session.add(row)
        await _flush(self._session)
        return row

    async def list_for_session(self, session_id: int) -> list[ReviewDecision]:
        query = (
            select(ReviewDecision)
            .where(ReviewDecision.session_id == session_id)
            .order_by(ReviewDecision.created_at, ReviewDecision.id)
        )
        return list((await self._session.scalars(query)).all())


class RulesetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def latest(self, ruleset_id: str) -> RulesetVersion | None:
        """The newest stored edit, or None when the packaged baseline (version 1) applies."""
        query = (
            select(RulesetVersion)
            .where(RulesetVersion.ruleset_id == ruleset_id)
            .order_by(RulesetVersion.version.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).first()

    async def get(self, ruleset_id: str, version: int) -> RulesetVersion | None:
        query = select(RulesetVersion).where(
            RulesetVersion.ruleset_id == ruleset_id, RulesetVersion.version == version
        )
        return (await self._session.scalars(query)).one_or_none()

    async def add(
        self,
        ruleset_id: str,
        values: Mapping[str, Any],
        author_id: int | None,
        note: str,
    ) -> RulesetVersion:
        """Store the next version (2 for the first edit, since 1 is the packaged baseline).

        Two admins saving at once compete for the same number; the loser gets
        ConcurrentUpdate from the unique (ruleset_id, version) constraint.
        """
        current = await self._session.scalar(
            select(func.max(RulesetVersion.version)).where(RulesetVersion.ruleset_id == ruleset_id)
        )
        row = RulesetVersion(
            ruleset_id=ruleset_id,
            version=max(current or BASELINE_RULESET_VERSION, BASELINE_RULESET_VERSION) + 1,
            values=copy.deepcopy(dict(values)),
            author_id=author_id,
            note=note,
            created_at=utcnow(),
        )
        self._session.add(row)
        try:
            await _flush(self._session)
        except IntegrityError as exc:
            raise ConcurrentUpdate(
                f"ruleset {ruleset_id!r} version {row.version} was saved by someone else"
            ) from exc
        return row

    async def history(self, ruleset_id: str) -> list[RulesetVersion]:
        """Stored versions, newest first."""
        query = (
            select(RulesetVersion)
            .where(RulesetVersion.ruleset_id == ruleset_id)
            .order_by(RulesetVersion.version.desc())
        )
        return list((await self._session.scalars(query)).all())


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        actor_id: int | None,
        action: str,
        target: str,
        old_value: Any = None,
        new_value: Any = None,
        note: str | None = None,
    ) -> AuditEntry:
        row = AuditEntry(
            actor_id=actor_id,
            action=action,
            target=target,
            old_value=copy.deepcopy(old_value),
            new_value=copy.deepcopy(new_value),
            note=note,
            created_at=utcnow(),
        )
        self._session.add(row)
        await _flush(self._session)
        return row

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        query = (
            select(AuditEntry)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        return list((await self._session.scalars(query)).all())


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, update_id: int) -> bool:
        """Record the update id; True if it was recorded before (a redelivery).

        Call it in the same unit of work as the update's effects: if they roll back, the
        id is not recorded either, and the redelivered update is handled again. On
        PostgreSQL a concurrent delivery of the same id waits for the first to finish.
        """
        result = await self._session.execute(
            _RECORD_UPDATE, {"update_id": update_id, "processed_at": utcnow()}
        )
        return int(getattr(result, "rowcount", 0) or 0) == 0

    async def prune(self, older_than: timedelta) -> int:
        """Forget ids older than Telegram's redelivery window; returns how many."""
        cutoff: datetime = utcnow() - older_than
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "BASELINE_RULESET_VERSION",
    "AuditRepository",
    "EvidenceRepository",
    "PeopleRepository",
    "ProcessedUpdateRepository",
    "ReviewRepository",
    "RulesetRepository",
    "SessionRepository",
    "search_statement",
]


class PendingActionRepository:
    """The one step each person has open; a new one replaces the old."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, actor_id: int, kind: str, payload: Mapping[str, Any]) -> PendingAction:
        """Open a step; its random token goes into buttons so a stale or forged one fails."""
        await self.clear(actor_id)
        row = PendingAction(
            actor_id=actor_id,
            kind=kind,
            payload=copy.deepcopy(dict(payload)),
            token=secrets.token_hex(4),
            created_at=utcnow(),
        )
        self._session.add(row)
        await _flush(self._session)
        return row

    async def get(self, actor_id: int) -> PendingAction | None:
        return await self._session.get(PendingAction, actor_id, populate_existing=True)

    async def take(
        self, actor_id: int, *, kind: str | None = None, token: str | None = None
    ) -> PendingAction | None:
        """Remove and return the person's open step if it matches; else leave it, None."""
        row = await self.get(actor_id)
        if row is None or (kind is not None and row.kind != kind):
            return None
        if token is not None and row.token != token:
            return None
        await self._session.delete(row)
        await _flush(self._session)
        return row

    async def clear(self, actor_id: int) -> None:
        await self._session.execute(delete(PendingAction).where(PendingAction.actor_id == actor_id))


class NoticeRepository:
    """Which reminders went out; claiming one is atomic, so two processes never both send."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, session_id: int, kind: str, key: str = "") -> bool:
        """Record the notice; False if it had been recorded before (do not send again)."""
        insert = _dialect_insert(self._session, NoticeSent.__table__).values(
            session_id=session_id, kind=kind, key=key, sent_at=utcnow()
        )
        result = await self._session.execute(insert.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def sent(self, session_id: int, kind: str, key: str = "") -> bool:
        return await self._session.get(NoticeSent, (session_id, kind, key)) is not None

"""Assessment sessions: an interview's progress, its submission and verdict, its decision.

Progress is written on every answer, so that path avoids the ORM's flush and rebuilds
no statement; a write checks the version that was read (optimistic locking).
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import AsyncGenerator, Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from criteria.review import change
from storage.errors import ConcurrentUpdate
from storage.models import DECIDED_STATUSES, OPEN_STATUSES, AssessmentSession, Status, utcnow
from storage.repositories.session_search import search_statement
from storage.repositories.shared import coerce, flush, table_of
from storage.repositories.submitted import SubmittedSessions

_SESSIONS = table_of(AssessmentSession)


def newest_open_session(owner: Any) -> Select[Any]:
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


_OPEN_FOR_OWNER = select(AssessmentSession).where(
    AssessmentSession.id == newest_open_session(bindparam("owner_id")).scalar_subquery()
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


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def submitted(self) -> SubmittedSessions:
        """The submitted sessions in bulk, as a re-evaluation reads and rewrites them."""
        return SubmittedSessions(self._session)

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
        await flush(self._session)
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
        await flush(self._session)  # earlier changes to the row first: the version moves
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
        await flush(self._session)
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
        await flush(self._session)
        return session

    async def set_status(self, session: AssessmentSession, status: str) -> AssessmentSession:
        """Move a session to `status`; entering approved/rejected stamps `decided_at`.

        Only a move the review workflow allows is stored (else `TransitionRefused`), so no
        caller can approve a draft or decide a session twice.
        """
        new_status = coerce(Status, status, "status")
        change(session.status, new_status)
        now = utcnow()
        session.status = new_status
        session.decided_at = now if new_status in DECIDED_STATUSES else None
        session.updated_at = now
        await flush(self._session)
        return session

    async def delete(self, session: AssessmentSession) -> None:
        """Drop an abandoned draft together with its evidence rows (cascade)."""
        await self._session.delete(session)
        await flush(self._session)

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
    ) -> AsyncGenerator[builtins.list[AssessmentSession], None]:
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
            base = base.where(AssessmentSession.status == coerce(Status, status, "status"))
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


__all__ = ["SessionRepository", "newest_open_session"]

"""Notices sent: which reminders went out, each claimed once across all bot processes, and
which sessions may be due one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AssessmentSession, NoticeSent, utcnow
from storage.repositories.shared import dialect_insert


@dataclass(frozen=True)
class NoticeCandidate:
    """A session that may be due a reminder, with just what deciding and writing it takes."""

    id: int
    owner_id: int
    company_name: str | None
    #: The date answers asked for (certificate expiries), as stored, by question id.
    dates: dict[str, str]


class NoticeRepository:
    """Which reminders went out; claiming one is atomic, so two processes never both send."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, session_id: int, kind: str, key: str = "") -> bool:
        """Record the notice; False if it had been recorded before (do not send again)."""
        insert = dialect_insert(self._session, NoticeSent.__table__).values(
            session_id=session_id, kind=kind, key=key, sent_at=utcnow()
        )
        result = await self._session.execute(insert.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def sent(self, session_id: int, kind: str, key: str = "") -> bool:
        return await self._session.get(NoticeSent, (session_id, kind, key)) is not None

    async def last_session_id(self) -> int:
        return int(await self._session.scalar(select(func.max(AssessmentSession.id))) or 0)

    async def candidates(
        self,
        kind: str,
        statuses: Collection[str],
        *,
        after_id: int,
        up_to_id: int,
        updated_before: datetime | None = None,
        decided_before: datetime | None = None,
        dates: Collection[str] = (),
        dated_between: tuple[str, str] | None = None,
    ) -> list[NoticeCandidate]:
        """Sessions with ids in (after_id, up_to_id] that may be due a notice of `kind`.

        One statement over a bounded range of ids, so a walk over every session is many
        short statements, never one long one. With `dated_between` (ISO dates, inclusive)
        a session qualifies when one of its `dates` answers falls in it, and the caller
        claims each date by its question; without it, sessions whose notice of `kind`
        went out already are left out here.
        """
        if dated_between is not None and not dates:
            return []
        state = AssessmentSession.state
        answers = {question: state["answers"][question].as_string() for question in dates}
        query = select(
            AssessmentSession.id,
            AssessmentSession.owner_id,
            AssessmentSession.company_name,
            *(value.label(question) for question, value in answers.items()),
        ).where(
            AssessmentSession.id > after_id,
            AssessmentSession.id <= up_to_id,
            AssessmentSession.status.in_(sorted(statuses)),
        )
        if updated_before is not None:
            query = query.where(AssessmentSession.updated_at < updated_before)
        if decided_before is not None:
            query = query.where(AssessmentSession.decided_at < decided_before)
        if dated_between is not None:
            first, last = dated_between
            query = query.where(or_(*(v.between(first, last) for v in answers.values())))
        else:
            claimed = exists().where(
                NoticeSent.session_id == AssessmentSession.id, NoticeSent.kind == kind
            )
            query = query.where(not_(claimed))
        rows = (await self._session.execute(query.order_by(AssessmentSession.id))).all()
        return [
            NoticeCandidate(
                row.id,
                row.owner_id,
                row.company_name,
                {q: value for q in answers if isinstance(value := row._mapping[q], str)},
            )
            for row in rows
        ]


__all__ = ["NoticeCandidate", "NoticeRepository"]

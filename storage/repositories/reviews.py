"""Review decisions: what an assessor decided about a session, and why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Decision, ReviewDecision, utcnow
from storage.repositories.shared import coerce, flush


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, session_id: int, assessor_id: int, decision: str, comment: str
    ) -> ReviewDecision:
        row = ReviewDecision(
            session_id=session_id,
            assessor_id=assessor_id,
            decision=coerce(Decision, decision, "decision"),
            comment=comment,
            created_at=utcnow(),
        )
        self._session.add(row)
        await flush(self._session)
        return row

    async def list_for_session(self, session_id: int) -> list[ReviewDecision]:
        query = (
            select(ReviewDecision)
            .where(ReviewDecision.session_id == session_id)
            .order_by(ReviewDecision.created_at, ReviewDecision.id)
        )
        return list((await self._session.scalars(query)).all())


__all__ = ["ReviewRepository"]

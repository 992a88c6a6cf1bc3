"""Processed Telegram updates: ids remembered so a redelivered update is not applied twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow

_RECORD_UPDATE = text(
    "INSERT INTO processed_updates (update_id, processed_at) "
    "VALUES (:update_id, :processed_at) ON CONFLICT (update_id) DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in ProcessedUpdate.__table__.c))


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

    async def prune(self, older_than: timedelta, limit: int) -> int:
        """Forget up to `limit` ids older than Telegram's redelivery window, oldest first
        (a bounded statement however many there are); returns how many."""
        cutoff: datetime = utcnow() - older_than
        oldest = (
            select(ProcessedUpdate.update_id)
            .where(ProcessedUpdate.processed_at < cutoff)
            .order_by(ProcessedUpdate.processed_at)
            .limit(limit)
        )
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.update_id.in_(oldest))
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["ProcessedUpdateRepository"]

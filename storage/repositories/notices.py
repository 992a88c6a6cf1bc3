"""Notices sent: which reminders went out, each claimed once across all bot processes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NoticeSent, utcnow
from storage.repositories.shared import dialect_insert


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


__all__ = ["NoticeRepository"]

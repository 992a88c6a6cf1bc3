"""The audit log: who changed what, with the values before and after."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, utcnow
from storage.repositories.shared import flush


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
        await flush(self._session)
        return row

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        query = (
            select(AuditEntry)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        return list((await self._session.scalars(query)).all())


__all__ = ["AuditRepository"]

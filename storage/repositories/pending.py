"""Pending actions: the one multi-step action each person has open (a confirmation)."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PendingAction, utcnow
from storage.repositories.shared import flush


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
        await flush(self._session)
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
        await flush(self._session)
        return row

    async def clear(self, actor_id: int) -> None:
        await self._session.execute(delete(PendingAction).where(PendingAction.actor_id == actor_id))


__all__ = ["PendingActionRepository"]

"""The inbox of received updates: what makes a person's inputs apply in Telegram's order
whichever bot process received them.

Every update that changes an interview is written here as it arrives, before it is
applied. A process about to apply update U of person P first takes P's advisory lock (a
PostgreSQL transaction lock, so it is released by commit, rollback or a dropped
connection) and looks here for an earlier update of P, received by any process and not
yet applied: if there is one, U waits its turn. An update whose successor was already
applied arrived too late: the question it answered has moved on, and it is not applied
to the next one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, ReceivedUpdate, utcnow

_RECEIVE = text(
    "INSERT INTO received_updates (update_id, person_id, received_at) "
    "VALUES (:update_id, :person_id, :received_at) ON CONFLICT (update_id) DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in ReceivedUpdate.__table__.c))

#: Namespace of the per-person advisory locks (the first of PostgreSQL's two int4 keys).
LOCK_SPACE = 0x676C  # "gl"


class InboxPlace(NamedTuple):
    #: An earlier update of the person awaits its turn: this one waits.
    earlier_pending: bool
    #: A later update of the person was applied already: this one arrived too late.
    later_applied: bool


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def receive(self, update_id: int, person_id: int) -> None:
        """Note that `update_id` of `person_id` has arrived (commit it before waiting)."""
        await self._session.execute(
            _RECEIVE,
            {"update_id": update_id, "person_id": person_id, "received_at": utcnow()},
        )

    async def lock_person(self, person_id: int) -> None:
        """Hold `person_id`'s turn until this transaction ends (PostgreSQL only)."""
        if self._session.bind.dialect.name != "postgresql":
            return
        await self._session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": person_id % 2_147_483_647},
        )

    async def place(self, update_id: int, person_id: int, since: datetime) -> InboxPlace:
        """Where `update_id` stands among this person's updates received after `since`,
        in one statement (take the person's lock first, so the answer holds).

        Only recent updates count: Telegram numbers updates in sequence, but after a week
        without any it starts again from a random number, lower perhaps than old ones.
        """
        applied = exists().where(ProcessedUpdate.update_id == ReceivedUpdate.update_id)
        mine = (ReceivedUpdate.person_id == person_id, ReceivedUpdate.received_at >= since)
        query = select(
            exists().where(*mine, ReceivedUpdate.update_id < update_id, ~applied),
            exists().where(*mine, ReceivedUpdate.update_id > update_id, applied),
        )
        earlier_pending, later_applied = (await self._session.execute(query)).one()
        return InboxPlace(bool(earlier_pending), bool(later_applied))

    async def forget(self, update_id: int) -> None:
        """Take an update out of the order (another part of the bot handles it)."""
        await self._session.execute(
            delete(ReceivedUpdate).where(ReceivedUpdate.update_id == update_id)
        )

    async def prune(self, older_than: timedelta, limit: int) -> int:
        """Forget up to `limit` received updates older than `older_than`, oldest first (a
        bounded statement however many there are); returns how many."""
        cutoff = utcnow() - older_than
        oldest = (
            select(ReceivedUpdate.update_id)
            .where(ReceivedUpdate.received_at < cutoff)
            .order_by(ReceivedUpdate.received_at)
            .limit(limit)
        )
        result = await self._session.execute(
            delete(ReceivedUpdate).where(ReceivedUpdate.update_id.in_(oldest))
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["LOCK_SPACE", "InboxPlace", "InboxRepository"]

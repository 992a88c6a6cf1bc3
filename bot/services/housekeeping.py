"""What the bot keeps only for a while: the ids of handled updates (the redelivery guard),
the inbox of received ones (the order of a person's inputs across processes), and stored
evidence bytes no row points at any more.

The first two grow with every message; nothing else reads the old rows. A repeating job
forgets them in small batches, each its own short transaction, so neither the chat's event
loop nor the database's statement timeout ever meets one big delete. The evidence store is
swept once a day (`EvidenceArchive.sweep`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.services.evidence import EvidenceArchive, Swept
from storage import Database, UnitOfWork
from storage.models import utcnow

log = logging.getLogger(__name__)

#: Telegram keeps an unconfirmed update for 24 hours; twice that still catches every
#: redelivery of it.
GUARD_KEPT = timedelta(days=2)
#: Inputs are ordered within minutes of arriving (interview.ORDER_WINDOW); a day is far past.
INBOX_KEPT = timedelta(days=1)
BATCH = 1000
EVERY = timedelta(hours=1)
SWEEP_EVERY = timedelta(days=1)


@dataclass
class Housekeeping:
    db: Database
    evidence: EvidenceArchive
    batch: int = BATCH

    async def sweep_evidence(self) -> Swept:
        return await self.evidence.sweep(utcnow())

    async def forget_old_updates(self) -> int:
        """Delete what is past keeping; returns how many rows went."""
        gone = 0
        for prune in (self._prune_guard, self._prune_inbox):
            while True:
                async with self.db.unit_of_work(optimistic=True) as uow:
                    count = await prune(uow)
                    await uow.commit()
                gone += count
                await asyncio.sleep(0)
                if count < self.batch:
                    break
        if gone:
            log.info("forgot %d update record(s) past keeping", gone)
        return gone

    async def _prune_guard(self, uow: UnitOfWork) -> int:
        return await uow.updates.prune(GUARD_KEPT, self.batch)

    async def _prune_inbox(self, uow: UnitOfWork) -> int:
        return await uow.inbox.prune(INBOX_KEPT, self.batch)


__all__ = ["EVERY", "GUARD_KEPT", "INBOX_KEPT", "SWEEP_EVERY", "Housekeeping"]

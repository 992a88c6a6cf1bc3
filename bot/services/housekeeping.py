"""What the bot keeps only for a while: the ids of handled updates (the redelivery guard)
and the inbox of received ones (the order of a person's inputs across processes).

Both grow with every message; nothing else reads the old rows. A repeating job forgets
them in small batches, each its own short transaction, so neither the chat's event loop
nor the database's statement timeout ever meets one big delete.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from storage import Database, UnitOfWork

log = logging.getLogger(__name__)

#: Telegram keeps an unconfirmed update for 24 hours; twice that still catches every
#: redelivery of it.
GUARD_KEPT = timedelta(days=2)
#: Inputs are ordered within minutes of arriving (interview.ORDER_WINDOW); a day is far past.
INBOX_KEPT = timedelta(days=1)
BATCH = 1000
EVERY = timedelta(hours=1)


@dataclass
class Housekeeping:
    db: Database
    batch: int = BATCH

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


__all__ = ["EVERY", "GUARD_KEPT", "INBOX_KEPT", "Housekeeping"]

"""Whether a person's inputs must be ordered through the inbox, across bot processes.

Ordering (storage/repositories/inbox.py) costs every input an insert, a lock and a check,
and it only matters when another process could receive the same person's next input. So
each process counts the processes sharing the database (storage/presence.py) every
`poll_s` and orders inputs only when it is not alone.

It errs on the ordered side: before the first count, when a count fails, and when the
last count showing this process alone is older than two polls. A process that joins
others waits two polls before it handles anything, so each of them has counted it and
orders again by then; what they had already started finishes within that time but for
an input stuck in retries through a database outage, which the session's version check
still keeps from overwriting anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from storage import Database
from storage.presence import Presence

log = logging.getLogger(__name__)

POLL_S = 1.0


class InputOrder:
    def __init__(
        self,
        db: Database,
        *,
        poll_s: float = POLL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._presence = Presence(db) if db.dialect == "postgresql" else None
        self._poll_s = poll_s
        self._clock = clock
        self._alone_at: float | None = None
        self._watch: asyncio.Task[None] | None = None

    def needed(self) -> bool:
        """Whether the input being handled now goes through the inbox."""
        if self._presence is None:
            return False  # SQLite is never shared by several bot processes
        if self._alone_at is None:
            return True
        return self._clock() - self._alone_at > 2 * self._poll_s

    async def start(self) -> None:
        """Join the processes sharing the database, then keep counting them."""
        if self._presence is None or self._watch is not None:
            return
        others = await self._count() != 1
        if others:
            # Let every other process count this one before it handles an input.
            await asyncio.sleep(2 * self._poll_s + self._poll_s / 2)
        self._watch = asyncio.create_task(self._keep_counting(), name="input-order")

    async def stop(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        if self._presence is not None:
            self._alone_at = None
            await self._presence.leave()

    async def _keep_counting(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            await self._count()

    async def _count(self) -> int | None:
        assert self._presence is not None
        try:
            processes = await self._presence.processes()
        except Exception as exc:  # counted again at the next poll
            log.warning("could not count the bot processes (%s); ordering inputs", exc)
            self._alone_at = None
            return None
        self._alone_at = self._clock() if processes == 1 else None
        return processes


__all__ = ["POLL_S", "InputOrder"]

"""One lock per person with work in flight in this process.

Telegram's updates of one person already come one at a time (the update processor), but a
certificate read in the background arrives beside them: without a turn of its own it
would meet each answer's write, and under slow commits both would retry again and again.
Across processes the session's version check still decides.
"""

from __future__ import annotations

import asyncio
import weakref


class PersonLocks:
    def __init__(self) -> None:
        # A lock lives as long as a task holds or awaits it; then it leaves by itself.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def of(self, person_id: int) -> asyncio.Lock:
        lock = self._locks.get(person_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[person_id] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)


__all__ = ["PersonLocks"]

"""Worker processes beside the chats (reading certificates, exports, re-evaluation).

On a small server they share the cores with the bot's event loop. A worker that asks the
kernel for less (`nice`) still uses every core the chats leave idle, so an export or a
re-evaluation on a quiet machine takes as long as before, while a supplier's answer
never waits behind it for a core.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

#: The workers' scheduling priority (`nice`, added to the bot's own): the lowest there is.
WORKER_NICENESS = 19


def yield_to_chats() -> None:
    """Run in a worker process as it starts (a pool's `initializer`)."""
    os.nice(WORKER_NICENESS)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Processes for work beside the chats, each at the lowest priority. Spawned, not
    forked: the bot's process has threads (database drivers, the HTTP client), and a fork
    copies whatever lock one of them held at that moment."""
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=yield_to_chats
    )

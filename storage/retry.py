"""The back-off for transient database errors, bounded by a time budget.

An outage of a second or two (a failover, a dropped connection, a restart) should not
reach the person typing: the unit of work is run again after a short pause. The pauses
grow, and once the budget is spent the caller gives up and says so; the redelivery guard
(processed_updates) makes a repeated unit of work safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from storage.errors import is_database_outage

#: The pauses between attempts, longest last; the budget, not this list, ends the retries.
BACKOFF_S = (0.1, 0.25, 0.5, 1.0)
DEFAULT_BUDGET_S = 6.0


def pauses(
    budget_s: float = DEFAULT_BUDGET_S, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[float]:
    """Pauses to sleep before each retry, until the next one would end past the budget.

    The budget is wall time since the first failure, the failed attempts included (each is
    itself bounded by the database timeouts), so a person hears within about the budget
    plus one timeout."""
    started = clock()
    attempt = 0
    while True:
        pause = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
        if clock() - started + pause > budget_s:
            return
        yield pause
        attempt += 1


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: the database, not the request, was at fault."""
    return is_database_outage(error)


__all__ = ["BACKOFF_S", "DEFAULT_BUDGET_S", "is_transient", "pauses"]

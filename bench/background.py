"""Staff work that bench_bot.py starts in the bot amid 100 paced suppliers.

What an assessor's `/export` of a large database or an admin's `/reevaluate` after a
threshold change does to the suppliers is only seen with the suppliers there: each piece of
work is started from its own chat, the user-facing path, and the benchmark reports the p99
of the updates suppliers sent while it ran. The database is filled beforehand with
bench_assessor.py's realistic sessions (--export-sessions N).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench_assessor import dataset, load_postgres, load_sqlite

#: One chat's work may take this long before the run counts as failed (a full export).
STAFF_WAIT_S = 900.0
#: `/reevaluate` only re-judges after a change: every round sets the threshold every
#: session reads to the next of these (the ruleset's own value is 95).
REEVALUATE_KEY = "localisation.min_ratio_pct"
REEVALUATE_VALUES = ("90", "95")


class StaffChat(Protocol):
    """The InboxUser methods a staff member's work needs."""

    async def send_command(self, command: str, args: str = "") -> Any: ...

    async def wait_for(self, match: Any) -> Any: ...


Cli = Callable[[list[str]], Awaitable[None]]


async def _nothing() -> None:
    return None


@dataclass
class Background:
    """One piece of work: `prepare` before the run's clock starts, then `start`, timed,
    `at_s` seconds into the run."""

    name: str
    at_s: float
    start: Callable[[], Awaitable[None]]
    prepare: Callable[[], Awaitable[None]] = field(default=_nothing)


def export(assessor: StaffChat, at_s: float) -> Background:
    """An assessor's `/export` of every session; done when the workbook arrives."""

    async def start() -> None:
        await assessor.send_command("export")
        await assessor.wait_for(lambda m: m.method == "sendDocument")

    return Background("export", at_s, start)


def reevaluate(admin: StaffChat, at_s: float, cli: Cli) -> Background:
    """A threshold change (`greenlist criteria set`, before the clock), then the admin's
    `/reevaluate`; done when the report ("…重新评价…") arrives."""
    values: Iterator[str] = itertools.cycle(REEVALUATE_VALUES)

    async def prepare() -> None:
        await cli(["criteria", "set", REEVALUATE_KEY, next(values), "--note", "压测：重新评价"])

    async def start() -> None:
        await admin.send_command("reevaluate")
        await admin.wait_for("重新评价")

    return Background("reevaluate", at_s, start, prepare)


async def seed_sessions(db_url: str, sessions: int) -> list[int]:
    """`sessions` realistic sessions (bench_assessor.py's), in a migrated database; returns
    the ids of the people stored with them."""
    data = dataset(sessions)
    if db_url.startswith("sqlite"):
        load_sqlite(Path(db_url.split(":///", 1)[1]), data)
    else:
        await load_postgres(db_url, data)
    return [int(person[0]) for person in data.people]

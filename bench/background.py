"""Staff work (and certificates read) that bench_bot.py starts in the bot amid 100 paced
suppliers.

What an assessor's `/export` of a large database or an admin's `/reevaluate` after a
threshold change does to the suppliers is only seen with the suppliers there: each piece of
work is started from its own chat, the user-facing path, and the benchmark reports the p99
of the updates suppliers sent while it ran. The database is filled beforehand with
bench_assessor.py's realistic sessions (--export-sessions N).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
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


class Uploader(Protocol):
    """The InboxUser method an uploading chat needs."""

    async def send_document(self, file_name: str, content: bytes, mime_type: str) -> Any: ...


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


#: A generated certificate or report as a supplier sends it: name, bytes, MIME type.
Upload = tuple[str, bytes, str]
#: The reading pool counts as done when its processes used no CPU for this long.
READ_IDLE_S = 5.0
READ_LIMIT_S = 900.0


def certificates(count: int, seed: int = 7) -> list[Upload]:
    """`count` documents from bench_reading.py's corpus (every kind, layout and form, half
    of them damaged), rendered with the CJK font the PDF report embeds."""
    import bench_reading

    from bot.reports.fonts import find_cjk_font

    rng = random.Random(seed)
    font = str(find_cjk_font().path)
    suffixes = {"png": ("png", "image/png"), "jpeg": ("jpg", "image/jpeg")}
    made: list[Upload] = []
    for index in range(count):
        doc = bench_reading.make_document(rng, index, clean=(index // 4) % 2 == 0)
        data = bench_reading.render(doc, font)
        suffix, mime = suffixes.get(doc.form, ("pdf", "application/pdf"))
        if doc.form == "png" and "jpeg50" in doc.damage:
            suffix, mime = "jpg", "image/jpeg"
        made.append((f"证书{index + 1:03d}.{suffix}", data, mime))
    return made


def descendants_cpu_s(pid: int) -> float:
    """CPU seconds used so far by the processes below `pid` (the bot's reading workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    seen: set[int] = set()
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child in seen:
                    continue
                seen.add(child)
                pending.append(child)
                try:
                    fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def reading(
    uploaders: list[Uploader],
    files: list[Upload],
    at_s: float,
    every_s: float,
    pid: Callable[[], int],
) -> Background:
    """Certificates and reports uploaded from chats of their own, one every `every_s`
    seconds, round-robin; done when the bot's reading pool has gone idle after the last.
    The uploaders are not the measured suppliers: questions about what was read would
    interrupt a scripted interview, and the reading itself is the same work."""

    async def start() -> None:
        before = descendants_cpu_s(pid())
        for index, (name, data, mime) in enumerate(files):
            if index:
                await asyncio.sleep(every_s)
            await uploaders[index % len(uploaders)].send_document(name, data, mime)
        last, idle_since = descendants_cpu_s(pid()), time.monotonic()
        deadline = time.monotonic() + READ_LIMIT_S
        while time.monotonic() - idle_since < READ_IDLE_S and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            now = descendants_cpu_s(pid())
            if now > last + 0.01:
                last, idle_since = now, time.monotonic()
        print(
            f"  ({len(files)} files read: {last - before:.1f} s of the reading pool's CPU)",
            flush=True,
        )

    return Background(f"reading {len(files)} files", at_s, start)

"""Exports from the chat run away from its event loop: chats go on while they are written.

A ticker on the test's loop records the longest gap between its ticks while an export of
a few thousand sessions is produced the way the bot produces it (`export_off_loop`); the
same export on the loop is the comparison for the files.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import time
import zipfile
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from bot.reports import exporting
from bot.reports.exporting import export_off_loop, export_sessions
from bot.services.background import WORKER_NICENESS
from storage import AssessmentSession, Database
from tests.exports.conftest import Seeded

SESSIONS = 2000
TICK_S = 0.005
#: What a supplier may wait for the loop while an export runs.
MAX_STALL_S = 0.1


async def copy_sessions(db: Database, source_id: int, count: int) -> None:
    """`count` copies of one submitted session, inserted in one statement."""
    async with db.unit_of_work() as uow:
        row = (
            (
                await uow.session.execute(
                    select(AssessmentSession.__table__).where(AssessmentSession.id == source_id)
                )
            )
            .one()
            ._asdict()
        )
        row.pop("id")
        await uow.session.execute(insert(AssessmentSession.__table__), [row] * count)
        await uow.commit()


async def longest_stall(work: Awaitable[Any]) -> tuple[Any, float]:
    """Run `work` while a ticker measures the longest the loop went without running it."""
    worst = 0.0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            worst = max(worst, now - last - TICK_S)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        result = await work
    finally:
        done.set()
        await ticker
    return result, worst


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_export_of_thousands_leaves_the_loop_free(db: Database, seeded: Seeded) -> None:
    await copy_sessions(db, seeded.qualified, SESSIONS)

    (content, count), stall = await longest_stall(
        export_off_loop(db, fmt="xlsx", status="submitted", lang="zh")
    )

    assert count == SESSIONS + 1
    assert stall < MAX_STALL_S, f"the loop stalled {stall * 1000:.0f} ms during the export"
    on_loop = io.BytesIO()
    assert await export_sessions(db, on_loop, fmt="xlsx", status="submitted") == count
    assert _sheets(content) == _sheets(on_loop.getvalue())
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["评价汇总", "条款结果"]


async def test_the_worker_export_writes_the_same_csv(db: Database, seeded: Seeded) -> None:
    content, count = await export_off_loop(db, fmt="csv", lang="zh")
    on_loop = io.BytesIO()
    assert await export_sessions(db, on_loop, fmt="csv", lang="zh") == count == 3
    assert content == on_loop.getvalue()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 4


async def test_in_memory_sqlite_exports_on_the_loop() -> None:
    db = Database("sqlite:///:memory:")
    try:
        assert db.url_for_another_process() is None
    finally:
        await db.dispose()


def _sheets(content: bytes) -> dict[str, bytes]:
    """The workbook's parts but its properties, which carry the time it was written."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {name: book.read(name) for name in book.namelist() if "docProps" not in name}


async def test_the_export_worker_yields_the_cpu_to_the_chats(
    db: Database, seeded: Seeded, worker_niceness: Callable[[ModuleType], list[int]]
) -> None:
    """On a small server the export shares the cores with the chats: its worker asks for
    the lowest priority, so a supplier's answer never waits behind it for a core."""
    niceness = worker_niceness(exporting)
    _content, count = await export_off_loop(db, fmt="csv", lang="zh")
    assert count == 3
    assert niceness == [min(os.nice(0) + WORKER_NICENESS, 19)]

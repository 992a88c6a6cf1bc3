"""A bot process alone on its PostgreSQL database spends nothing on ordering inputs across
processes; once another joins, both order every input again, and a process that cannot
tell orders them too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from bot.services.input_order import InputOrder
from bot.services.interview import InterviewService
from bot.services.outcome import Who
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from conversations import Engine, TextInput
from storage import Database, ReceivedUpdate
from storage.presence import PRESENCE_KEYS, Presence
from tests.bot.conftest import TODAY

#: Long enough that a step of the interview never outlasts two polls on a busy machine.
POLL_S = 0.5
ENGINE = Engine.default(today=lambda: TODAY)
CATALOGUE = load_catalogue()
SUPPLIER = Who(user_id=8_401, name="独处砖厂")


@pytest.fixture
async def shared_db(database_url: str) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes share a PostgreSQL database")
    database = Database(database_url)
    yield database
    await database.dispose()


async def _inbox_rows(db: Database) -> int:
    async with db.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ReceivedUpdate)))


async def _answer_twice(db: Database, order: InputOrder, first_update: int) -> None:
    service = InterviewService(db, ENGINE, RulesetProvider(), CATALOGUE, order=order)
    await service.start(SUPPLIER, update_id=first_update)
    await service.handle(
        SUPPLIER, TextInput(text="独处新型墙材有限公司"), update_id=first_update + 1
    )
    async with db.unit_of_work() as uow:
        row = await uow.sessions.open_for_owner(SUPPLIER.user_id)
    assert row is not None and row.state["answers"]["company_name"] == "独处新型墙材有限公司"


async def test_processes_count_each_other_and_one_that_left_stops_counting(
    shared_db: Database,
) -> None:
    first, second = Presence(shared_db), Presence(shared_db)
    try:
        assert await first.processes() == 1
        assert await second.processes() == 2
        assert await first.processes() == 2
        await second.leave()
        assert await first.processes() == 1
    finally:
        await first.leave()
        await second.leave()


async def test_a_process_whose_connection_was_killed_is_counted_again_once_it_is_back(
    shared_db: Database,
) -> None:
    first, second = Presence(shared_db), Presence(shared_db)
    try:
        await first.processes()
        assert await second.processes() == 2
        async with shared_db.unit_of_work() as uow:
            await uow.session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid = :space AND objid = :key AND objsubid = 2"
                ),
                PRESENCE_KEYS,
            )
        await asyncio.sleep(0.2)  # the server ends the killed backends
        for killed in (first, second):
            with pytest.raises(Exception):  # noqa: B017 - asyncpg's error for a dead connection
                await killed.processes()
        assert await first.processes() == 1  # the locks went with the connections; rejoined
        assert await second.processes() == 2
    finally:
        await first.leave()
        await second.leave()


async def test_a_process_alone_writes_no_inbox_row_and_orders_again_once_another_joins(
    shared_db: Database,
) -> None:
    alone, newcomer = InputOrder(shared_db, poll_s=POLL_S), InputOrder(shared_db, poll_s=POLL_S)
    try:
        assert alone.needed()  # before it has counted: the ordered side
        await alone.start()
        assert not alone.needed()
        await _answer_twice(shared_db, alone, 70_001)
        assert await _inbox_rows(shared_db) == 0

        await newcomer.start()  # returns once the first process has counted it
        assert newcomer.needed() and alone.needed()
        await _answer_twice(shared_db, alone, 70_101)
        assert await _inbox_rows(shared_db) == 2  # both new inputs went through the inbox

        await newcomer.stop()
        await asyncio.sleep(4 * POLL_S)
        assert not alone.needed()
    finally:
        await newcomer.stop()
        await alone.stop()


async def test_a_process_that_cannot_count_the_others_orders_every_input(
    shared_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(_self: Presence) -> int:
        raise ConnectionRefusedError("the server refused the connection")

    monkeypatch.setattr(Presence, "processes", refused)
    order = InputOrder(shared_db, poll_s=POLL_S)
    try:
        await order.start()
        assert order.needed()
        await _answer_twice(shared_db, order, 70_201)
        assert await _inbox_rows(shared_db) == 2
    finally:
        await order.stop()


async def test_sqlite_is_never_ordered_across_processes(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    db = Database(database_url)
    try:
        order = InputOrder(db)
        await order.start()
        assert not order.needed()
        await order.stop()
    finally:
        await db.dispose()

"""SQLite's write turn and the connection pool never wait on each other.

Answer handling runs optimistic units of work (a connection for the reads, the write turn
at the first write); the reminders job, the desk, admin and exports run plain ones (the
turn for the whole transaction). With every pooled connection held by an answer waiting
for the turn, a plain unit that held the turn while waiting for a connection would stall
every writer until the pool gave up (`QueuePool ... timeout`), and each answer would end
in an error message to its supplier.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database

#: SQLAlchemy's pool for a SQLite file: 5 connections kept, 10 more on demand.
POOL_CONNECTIONS = 15
#: Everything below takes milliseconds; a stall is a deadlock the pool would end at 30 s.
STALL_S = 3.0


@pytest.fixture(params=["inline", "stock"])
async def file_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'turns.db'}", sqlite_driver=request.param)
    async with db.unit_of_work() as uow:
        await uow.session.execute(text("CREATE TABLE answers (who INTEGER, note TEXT)"))
        await uow.commit()
    yield db
    await db.dispose()


async def test_a_plain_unit_amid_answers_holding_every_connection_finishes(
    file_db: Database,
) -> None:
    all_have_read = asyncio.Event()
    may_write = asyncio.Event()
    readers = 0

    async def answer(who: int) -> None:
        nonlocal readers
        async with file_db.unit_of_work(optimistic=True) as uow:
            await uow.session.execute(text("SELECT count(*) FROM answers"))  # holds a connection
            readers += 1
            if readers == POOL_CONNECTIONS:
                all_have_read.set()
            await may_write.wait()
            await uow.session.execute(
                text("INSERT INTO answers VALUES (:who, 'answer')"), {"who": who}
            )
            await uow.commit()

    async def reminders() -> None:
        async with file_db.unit_of_work() as uow:
            due = (await uow.session.execute(text("SELECT count(*) FROM answers"))).scalar_one()
            await uow.session.execute(
                text("INSERT INTO answers VALUES (0, :note)"), {"note": f"reminded after {due}"}
            )
            await uow.commit()

    answers = [asyncio.create_task(answer(who)) for who in range(1, POOL_CONNECTIONS + 1)]
    await asyncio.wait_for(all_have_read.wait(), STALL_S)
    job = asyncio.create_task(reminders())
    await asyncio.sleep(0.05)  # the job starts while every connection is out
    may_write.set()
    everything = [*answers, job]
    done, stalled = await asyncio.wait(everything, timeout=STALL_S)
    for task in stalled:
        task.cancel()
    await asyncio.gather(*stalled, return_exceptions=True)
    assert not stalled, f"{len(stalled)} of {len(everything)} units of work stalled (deadlock)"
    for task in done:
        task.result()  # an error in any unit fails the test with that error
    async with file_db.unit_of_work() as uow:
        stored = (await uow.session.execute(text("SELECT who FROM answers"))).scalars().all()
    assert sorted(stored) == list(range(POOL_CONNECTIONS + 1))


async def test_many_plain_and_optimistic_units_at_once_all_finish(file_db: Database) -> None:
    async def unit(who: int, *, optimistic: bool) -> None:
        async with file_db.unit_of_work(optimistic=optimistic) as uow:
            await uow.session.execute(text("SELECT count(*) FROM answers"))
            await asyncio.sleep(0)
            await uow.session.execute(text("INSERT INTO answers VALUES (:who, 'x')"), {"who": who})
            await uow.commit()

    units = [unit(who, optimistic=who % 4 != 0) for who in range(1, 101)]
    await asyncio.wait_for(asyncio.gather(*units), STALL_S * 3)
    async with file_db.unit_of_work() as uow:
        count = (await uow.session.execute(text("SELECT count(*) FROM answers"))).scalar_one()
    assert count == 100

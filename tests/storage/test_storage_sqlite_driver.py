"""SQLite's two drivers (SQLITE_DRIVER): the inline cursor gives what the stock aiosqlite
adapter gives (rows, counts, ids, errors, transactions) on the event loop's thread; both
take the write turn the same way and wait for another process's lock without holding the
event loop up."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import Database, sqlite_driver
from storage.sqlite_driver import (
    InlineCursor,
    SqliteDriver,
    TurnTakingConnection,
    TurnTakingCursor,
    TurnTakingDBAPI,
)

DRIVERS: list[SqliteDriver] = ["inline", "stock"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "driver.db"


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> SqliteDriver:
    chosen: SqliteDriver = request.param
    return chosen


@pytest.fixture
async def sqlite_db(path: Path, driver: SqliteDriver):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{path}", sqlite_driver=driver)
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        )
        await uow.commit()
    yield db
    await db.dispose()


async def test_the_chosen_driver_is_the_one_connected_through(
    sqlite_db: Database, driver: SqliteDriver
) -> None:
    async with sqlite_db.unit_of_work() as uow:
        connection = await uow.session.connection()
        raw = await connection.get_raw_connection()
        adapted, cursor = raw.dbapi_connection, raw.dbapi_connection.cursor()  # type: ignore[union-attr]
    module = sqlite_db.engine.dialect.loaded_dbapi
    if driver == "inline":
        assert isinstance(module, TurnTakingDBAPI)
        assert type(adapted) is TurnTakingConnection
        assert type(cursor) is InlineCursor
    else:
        assert not isinstance(module, TurnTakingDBAPI)
        assert type(adapted) is AsyncAdapt_aiosqlite_connection
        assert type(cursor) is AsyncAdapt_aiosqlite_cursor


async def test_rows_counts_and_ids_are_those_of_sqlite(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as uow:
        inserted = await uow.session.execute(text("INSERT INTO t (name) VALUES ('红砖')"))
        assert inserted.lastrowid == 1  # type: ignore[attr-defined]
        await uow.session.execute(text("INSERT INTO t (name) VALUES ('砌块'), ('瓦')"))
        returned = await uow.session.execute(
            text("INSERT INTO t (name) VALUES (:name) RETURNING id, name"), {"name": "空心砖"}
        )
        assert returned.all() == [(4, "空心砖")]
        changed = await uow.session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert changed.rowcount == 3  # type: ignore[attr-defined]
        await uow.commit()
    async with sqlite_db.unit_of_work() as uow:
        rows = (await uow.session.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        nothing = (await uow.session.execute(text("SELECT id FROM t WHERE id > 99"))).all()
    assert rows == [(1, "红砖"), (2, "砌块!"), (3, "瓦!"), (4, "空心砖!")]
    assert nothing == []


async def test_errors_keep_their_kind_and_rollback_undoes(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as uow:
        await uow.session.execute(text("INSERT INTO t (name) VALUES ('红砖')"))
        await uow.commit()
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with sqlite_db.unit_of_work() as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('砌块')"))
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('红砖')"))
    with pytest.raises(OperationalError, match="no such table"):
        async with sqlite_db.unit_of_work() as uow:
            await uow.session.execute(text("SELECT * FROM missing"))
    async with sqlite_db.unit_of_work() as uow:
        await uow.session.execute(text("INSERT INTO t (name) VALUES ('瓦')"))
        # not committed: leaving the unit of work rolls it back
    async with sqlite_db.unit_of_work() as uow:
        names = (await uow.session.execute(text("SELECT name FROM t ORDER BY id"))).scalars()
        assert list(names) == ["红砖"]


async def test_statements_run_on_the_event_loops_thread_only_with_the_inline_driver(
    sqlite_db: Database, driver: SqliteDriver
) -> None:
    threads: list[str] = []
    async with sqlite_db.unit_of_work() as uow:
        connection = await uow.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.create_function(  # type: ignore[union-attr]
            "where_am_i", 0, lambda: threads.append(threading.current_thread().name) or 1
        )
        await uow.session.execute(text("SELECT where_am_i()"))
        await uow.session.execute(text("INSERT INTO t (name) SELECT 'x' WHERE where_am_i()"))
        await uow.session.execute(text("UPDATE t SET name = 'y' WHERE where_am_i()"))
        await uow.commit()
    here = threading.current_thread().name
    if driver == "inline":
        assert threads == [here] * 3
    else:  # aiosqlite's own thread, as SQLAlchemy's adapter uses it
        assert len(threads) == 3 and here not in threads


@pytest.fixture
def other_process_holds_the_lock(sqlite_db: Database, path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer, as SQLite sees it: its own connection, holding the lock."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (name) VALUES ('另一进程')")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


async def test_a_write_waits_for_another_processs_lock_while_the_event_loop_runs_on(
    sqlite_db: Database, other_process_holds_the_lock: sqlite3.Connection
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    asyncio.get_running_loop().call_later(0.3, other_process_holds_the_lock.execute, "COMMIT")
    ticking = asyncio.create_task(ticker())
    try:
        async with asyncio.timeout(10), sqlite_db.unit_of_work() as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('本进程')"))
            await uow.commit()
    finally:
        ticking.cancel()
    assert ticks >= 15  # a wait on the event loop's thread would have stopped the ticker
    async with sqlite_db.unit_of_work() as uow:
        names = (await uow.session.execute(text("SELECT name FROM t ORDER BY id"))).scalars()
        assert list(names) == ["另一进程", "本进程"]


async def test_a_lock_held_too_long_is_reported_and_the_turn_given_back(
    path: Path,
    other_process_holds_the_lock: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
    driver: SqliteDriver,
) -> None:
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_S", 0.1)
    db = Database(f"sqlite:///{path}", sqlite_driver=driver)

    async def write(name: str) -> None:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES (:name)"), {"name": name})
            await uow.commit()

    try:
        async with asyncio.timeout(10):
            with pytest.raises(OperationalError, match="database is locked"):
                await asyncio.create_task(write("等太久"))
            other_process_holds_the_lock.execute("COMMIT")
            await asyncio.create_task(write("之后"))
            async with db.unit_of_work() as uow:
                names = await uow.session.execute(text("SELECT name FROM t ORDER BY id"))
                stored = list(names.scalars())
    finally:
        await db.dispose()
    assert stored == ["另一进程", "之后"]


async def test_without_aiosqlites_internals_the_stock_cursor_serves_the_same(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "_can_reach_sqlite3", lambda: False)
    db = Database(f"sqlite:///{path}")
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (name TEXT UNIQUE)"))
            await uow.session.execute(text("INSERT INTO t VALUES ('红砖')"))
            await uow.commit()
        with pytest.raises(IntegrityError):
            async with db.unit_of_work(optimistic=True) as uow:
                await uow.session.execute(text("INSERT INTO t VALUES ('红砖')"))
        async with db.unit_of_work(optimistic=True) as uow:
            raw = await (await uow.session.connection()).get_raw_connection()
            cursor = raw.dbapi_connection.cursor()  # type: ignore[union-attr]
            await uow.session.execute(text("INSERT INTO t VALUES ('瓦')"))
            await uow.commit()
        async with asyncio.timeout(5), db.unit_of_work() as uow:
            names = list((await uow.session.execute(text("SELECT name FROM t"))).scalars())
    finally:
        await db.dispose()
    assert type(cursor) is TurnTakingCursor
    assert sorted(names) == ["瓦", "红砖"]


@pytest.mark.parametrize("optimistic", [False, True], ids=["plain", "optimistic"])
async def test_plain_units_run_one_at_a_time_and_optimistic_readers_side_by_side(
    sqlite_db: Database, optimistic: bool
) -> None:
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with sqlite_db.unit_of_work(optimistic=optimistic) as uow:
            await uow.session.execute(text("SELECT count(*) FROM t"))
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    async with asyncio.timeout(10):
        await asyncio.gather(*(work() for _ in range(4)))
    assert most == (4 if optimistic else 1)


async def test_an_optimistic_unit_reads_beside_a_writer_and_waits_only_to_write(
    sqlite_db: Database,
) -> None:
    written, read = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def writer() -> None:
        async with sqlite_db.unit_of_work() as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('写者')"))
            written.set()
            await read.wait()
            await asyncio.sleep(0.05)
            order.append("writer commits")
            await uow.commit()

    async def reader() -> list[str]:
        await written.wait()
        async with sqlite_db.unit_of_work(optimistic=True) as uow:
            before = list((await uow.session.execute(text("SELECT name FROM t"))).scalars())
            order.append("reader read")
            read.set()
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('读者')"))
            order.append("reader wrote")
            await uow.commit()
        return before

    async with asyncio.timeout(10):
        _, before = await asyncio.gather(writer(), reader())
    async with sqlite_db.unit_of_work() as uow:
        names = list((await uow.session.execute(text("SELECT name FROM t"))).scalars())
    assert before == []  # the writer had not committed
    assert order == ["reader read", "writer commits", "reader wrote"]
    assert sorted(names) == ["写者", "读者"]


@pytest.mark.parametrize("optimistic", [False, True], ids=["plain", "optimistic"])
async def test_the_turn_is_given_back_however_the_transaction_ends(
    sqlite_db: Database, optimistic: bool
) -> None:
    """Each unit in a task of its own, as updates run: a turn kept would stall the next."""

    async def left_without_commit() -> None:
        async with sqlite_db.unit_of_work(optimistic=optimistic) as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('未提交')"))

    async def failed_statement() -> None:
        async with sqlite_db.unit_of_work(optimistic=optimistic) as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES (NULL)"))

    async def failed_handler() -> None:
        async with sqlite_db.unit_of_work(optimistic=optimistic) as uow:
            await uow.session.execute(text("INSERT INTO t (name) VALUES ('出错')"))
            raise RuntimeError("the handler failed half-way")

    async def committed_then_more(run: int) -> None:
        async with sqlite_db.unit_of_work(optimistic=optimistic) as uow:
            for name in (f"提交{run}", f"又一次{run}"):
                await uow.session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": name})
                await uow.commit()

    async with asyncio.timeout(10):
        await asyncio.create_task(left_without_commit())
        with pytest.raises(IntegrityError):
            await asyncio.create_task(failed_statement())
        with pytest.raises(RuntimeError):
            await asyncio.create_task(failed_handler())
        await asyncio.create_task(committed_then_more(1))
        await asyncio.create_task(committed_then_more(2))
        async with sqlite_db.unit_of_work() as uow:
            names = list((await uow.session.execute(text("SELECT name FROM t"))).scalars())
    assert names == ["提交1", "又一次1", "提交2", "又一次2"]


async def test_overlapping_optimistic_writers_queue_for_the_turn_instead_of_the_lock(
    path: Path, driver: SqliteDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write holds SQLite's lock far longer than another may wait for it (20 ms), yet
    every one is stored: they met in the turn's queue, never on the lock."""
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_S", 0.02)
    db = Database(f"sqlite:///{path}", sqlite_driver=driver)

    async def answer(n: int) -> None:
        async with db.unit_of_work(optimistic=True) as uow:
            await uow.session.execute(text("SELECT count(*) FROM t"))
            await uow.session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": f"答{n}"})
            await asyncio.sleep(0.03)
            await uow.commit()

    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (name TEXT UNIQUE)"))
            await uow.commit()
        async with asyncio.timeout(20):
            await asyncio.gather(*(answer(n) for n in range(12)))
        async with db.unit_of_work() as uow:
            count = (await uow.session.execute(text("SELECT count(*) FROM t"))).scalar_one()
    finally:
        await db.dispose()
    assert count == 12

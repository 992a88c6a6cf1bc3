"""SQLite's inline cursor gives what the stock aiosqlite adapter gives (rows, counts, ids,
errors, transactions) on the event loop's thread, and waits for another process's lock
without holding the event loop up."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import Database, sqlite_driver
from storage.sqlite_driver import InlineCursor, TurnTakingCursor


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "driver.db"


@pytest.fixture
async def sqlite_db(path: Path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{path}")
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        )
        await uow.commit()
    yield db
    await db.dispose()


async def test_statements_run_on_the_inline_cursor(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as uow:
        connection = await uow.session.connection()
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), InlineCursor)  # type: ignore[union-attr]


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


async def test_statements_commits_and_rollbacks_run_on_the_event_loops_thread(
    sqlite_db: Database,
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
    assert threads == [threading.current_thread().name] * 3


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
) -> None:
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_S", 0.1)
    db = Database(f"sqlite:///{path}")

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

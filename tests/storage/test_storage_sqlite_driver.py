"""SQLite's one-trip cursor gives what the stock aiosqlite adapter gives: rows, counts,
ids, errors and transactions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import Database
from storage.sqlite_driver import OneTripCursor


@pytest.fixture
async def sqlite_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        )
        await uow.commit()
    yield db
    await db.dispose()


async def test_statements_run_on_the_one_trip_cursor(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as uow:
        connection = await uow.session.connection()
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)  # type: ignore[union-attr]


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

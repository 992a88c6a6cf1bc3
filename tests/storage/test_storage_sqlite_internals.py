"""The private parts of aiosqlite and SQLAlchemy that the inline SQLite driver relies on.

storage/sqlite_driver.py subclasses SQLAlchemy's aiosqlite adapter and reaches aiosqlite's
sqlite3 connection. Neither library promises these names, so a dependency update may
change them silently; each test here names the one that changed. If one fails, fix the
driver or run with SQLITE_DRIVER=stock (SQLAlchemy's own adapter) until it is fixed.
"""

from __future__ import annotations

import inspect
import sqlite3
from collections import deque
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import AdaptedConnection, Connection

from storage import Database, sqlite_driver
from storage.sqlite_driver import SqliteDriver, TurnTakingConnection


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


async def test_aiosqlite_connection_still_exposes_its_sqlite3_connection(tmp_path: Path) -> None:
    assert sqlite_driver._can_reach_sqlite3(), "aiosqlite.Connection._conn is gone"
    async with aiosqlite.connect(tmp_path / "canary.db") as connection:
        inner = connection._conn
    assert isinstance(inner, sqlite3.Connection), (
        f"aiosqlite.Connection._conn is no longer a sqlite3.Connection but {type(inner)!r}"
    )


def test_sqlalchemys_adapter_dbapi_is_still_built_from_aiosqlite_and_sqlite3() -> None:
    assert _parameters(AsyncAdapt_aiosqlite_dbapi.__init__)[1:] == ["aiosqlite", "sqlite"], (
        "SQLAlchemy's AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite) signature changed"
    )
    assert callable(getattr(AsyncAdapt_aiosqlite_dbapi, "connect", None)), (
        "SQLAlchemy's AsyncAdapt_aiosqlite_dbapi no longer has connect()"
    )


@pytest.mark.parametrize(
    "name", ["_handle_exception", "await_", "commit", "rollback", "close", "terminate", "cursor"]
)
def test_sqlalchemys_adapter_connection_keeps_what_the_driver_overrides_or_calls(
    name: str,
) -> None:
    assert hasattr(AsyncAdapt_aiosqlite_connection, name), (
        f"SQLAlchemy's AsyncAdapt_aiosqlite_connection no longer has {name}"
    )


def test_sqlalchemys_adapter_connection_is_still_built_from_dbapi_and_connection() -> None:
    assert _parameters(AsyncAdapt_aiosqlite_connection.__init__)[1:] == ["dbapi", "connection"], (
        "SQLAlchemy's AsyncAdapt_aiosqlite_connection(dbapi, connection) signature changed"
    )
    assert issubclass(AsyncAdapt_aiosqlite_connection, AdaptedConnection), (
        "SQLAlchemy's AsyncAdapt_aiosqlite_connection is no longer an AdaptedConnection"
    )


@pytest.mark.parametrize(
    "name",
    ["_adapt_connection", "_connection", "_rows", "await_", "description", "lastrowid", "rowcount"],
)
def test_sqlalchemys_adapter_cursor_keeps_the_slots_the_inline_cursor_fills(name: str) -> None:
    slots = {
        slot
        for cls in AsyncAdapt_aiosqlite_cursor.__mro__
        for slot in getattr(cls, "__slots__", ())
    }
    assert name in slots, f"SQLAlchemy's AsyncAdapt_aiosqlite_cursor no longer has {name}"


@pytest.mark.parametrize("driver", ["inline", "stock"])
async def test_a_connection_through_the_driver_reaches_every_internal_it_uses(
    tmp_path: Path, driver: SqliteDriver
) -> None:
    """The same, end to end: the objects SQLAlchemy really hands the driver."""

    def check(connection: Connection) -> None:
        adapted = connection.connection.dbapi_connection
        assert isinstance(adapted, AsyncAdapt_aiosqlite_connection)
        assert isinstance(adapted.driver_connection, aiosqlite.Connection), (
            "SQLAlchemy's AsyncAdapt_aiosqlite_connection.driver_connection is no longer "
            "aiosqlite's Connection"
        )
        cursor = adapted.cursor()
        assert cursor._adapt_connection is adapted, (
            "SQLAlchemy's AsyncAdapt_aiosqlite_cursor._adapt_connection is not its connection"
        )
        assert isinstance(cursor._rows, deque), (
            "SQLAlchemy's AsyncAdapt_aiosqlite_cursor._rows is no longer a deque"
        )
        cursor.execute("SELECT 1, 'x'")
        assert cursor.fetchall() == [(1, "x")]
        if driver == "inline":
            assert isinstance(adapted, TurnTakingConnection)
            assert isinstance(adapted.sqlite3, sqlite3.Connection)
        else:  # the stock driver takes the turn through this public method
            assert callable(getattr(adapted, "run_async", None)), (
                "SQLAlchemy's AdaptedConnection.run_async is gone"
            )

    db = Database(f"sqlite:///{tmp_path / 'canary.db'}", sqlite_driver=driver)
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(check)
    finally:
        await db.dispose()

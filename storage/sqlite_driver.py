"""SQLite through aiosqlite with one trip to its worker thread per statement.

aiosqlite runs sqlite3 in a thread of its own; SQLAlchemy's adapter makes a trip there to
open a cursor, one to execute, one to fetch the rows and one to close the cursor: three or
four per statement, each a hand-over between threads and a wake-up of the event loop.
Here a statement is one function run in that thread from cursor to close, with the same
results, errors and transaction behaviour as the stock adapter. It cut the bot's CPU time
per update on SQLite by about a fifth (bench/README.md).

It relies on two of aiosqlite's internals (`Connection._execute`, `Connection._conn`),
which its own helpers have used for years; if a release drops them, `dbapi()` returns
SQLAlchemy's stock adapter and only the speed differs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Outcome = tuple[Any, list[Any], int | None, int]


def _run_statement(connection: aiosqlite.Connection, operation: str, parameters: Any) -> _Outcome:
    """In aiosqlite's thread: execute, read every row, close; what the cursor knew."""
    cursor = connection._conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Sequence[Any] | None = None) -> Any:
        try:
            description, rows, lastrowid, rowcount = self.await_(
                self._connection._execute(_run_statement, self._connection, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = description
        self._rows.clear()
        self._rows.extend(rows)
        self.lastrowid = lastrowid
        self.rowcount = rowcount


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:  # results streamed in batches keep the stock cursor
            return super().cursor(server_side=True)
        return OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        stock = super().connect(*arg, **kw)
        if type(stock) is not AsyncAdapt_aiosqlite_connection:
            return stock  # SQLAlchemy's synchronous fallback mode: left as it is
        return OneTripConnection(self, stock._connection)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for create_async_engine(module=...) with a SQLite URL."""
    connection = aiosqlite.Connection
    if hasattr(connection, "_execute") and hasattr(connection, "_conn"):
        return OneTripDBAPI(aiosqlite, sqlite3)
    return AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)

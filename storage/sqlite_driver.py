"""SQLite through aiosqlite, with every statement run on the event loop's own thread.

aiosqlite runs sqlite3 in a thread of its own; SQLAlchemy's adapter makes a trip there to
open a cursor, one to execute, one to fetch the rows and one to close the cursor, and one
more to roll back even where nothing was written. Each trip is a hand-over between
threads: the worker waits for the GIL behind the busy event loop, then the loop for the
worker, and on two busy cores the operating system adds waits of its own. Under load a
statement of 0.1 ms took 0.6 ms at the median and 23 ms at the 99th percentile that way,
while SQLite's one write turn was held (bench/README.md). Here statements, commits and
rollbacks run at once where they are issued, as sqlite3 is meant to be used; aiosqlite's
thread only opens and closes connections.

Nothing in it may then wait on the event loop's thread. SQLite's own busy_timeout would
sleep there while another process holds the lock, so these connections have none
(Database sets it to 0) and a statement refused with SQLITE_BUSY is retried here after an
asynchronous sleep, with SQLite's own back-off, for up to `LOCK_WAIT_S`. Retrying is safe:
a statement refused that way changed nothing, and in WAL mode only a statement that opens
a transaction can be refused. What remains on the thread is SQLite's work itself, with
the commit's fsync (about half a millisecond here) and now and then a WAL checkpoint.

SQLite has one writer at a time, and sqlite3 opens the write transaction at a statement
that writes (reads before it run on their own, on the last committed data). So the
connection takes this process's write turn (`WriteTurns`) just before such a statement and
gives it back when the transaction ends: a unit of work that reads and thinks first holds
the turn only for its writes.

It relies on internals of aiosqlite (`Connection._conn`, the sqlite3 connection) and of
SQLAlchemy's aiosqlite adapter (the connection's `_connection` and `_handle_exception`,
the cursor's `_adapt_connection`, `_rows` and writable results). A canary test
(tests/storage/test_storage_sqlite_internals.py) names whichever a dependency update
removes. If aiosqlite drops `_conn`, the connections use SQLAlchemy's stock cursor, one
trip per step to aiosqlite's thread (still taking the write turn and waiting for locks
the same way), and only the speed differs. `SQLITE_DRIVER=stock` leaves all of this out
and connects through SQLAlchemy's own adapter untouched (`take_turns_on_stock_driver`):
the turn is then taken through SQLAlchemy's public events, and SQLite's busy_timeout
waits for other processes in aiosqlite's thread.

Pool connections and the write turn are always taken in that order: a connection first,
then the turn (here at a writing statement; `Database.unit_of_work` at the start of a
plain unit). Nobody holding the turn ever waits for a connection, so the two cannot wait
on each other however busy the pool is.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import AdaptedConnection, Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from sqlalchemy.connectors.asyncio import AsyncIODBAPIConnection

_Outcome = tuple[Any, list[Any], int, int]
_Parameters = Sequence[Any] | Mapping[str, Any] | None
_T = TypeVar("_T")

#: Which aiosqlite adapter SQLite connects through (the SQLITE_DRIVER setting).
SqliteDriver = Literal["inline", "stock"]

#: How long a statement waits for another process's lock before "database is locked".
LOCK_WAIT_S = 5.0
#: The pauses between attempts, as SQLite's own busy handler spaces them; then the last.
_BACKOFF_S = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)

#: Statements that never open SQLite's write transaction; anything else is taken to write.
_READS = ("select", "pragma", "explain")


class WriteTurns:
    """SQLite's writers in this process, one at a time, in the order they asked.

    Writers that overlap on several connections meet on SQLite's file lock and can only
    poll for it, sleeping between attempts (1, 2, 5 ... 100 ms): under load most of the
    time went to sleeping, and unlucky waiters starved past their wait ("database is
    locked"). Queued here they never meet on the lock; other processes still do, and the
    driver's wait for the lock (`LOCK_WAIT_S`) covers them. A task that holds the turn is
    never made to wait for it again (a unit of work opened inside another by the same task
    would deadlock).
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: asyncio.Task[Any] | None = None

    async def take(self) -> bool:
        """Wait for the turn; False when this task holds it already (nothing to give back)."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            return False
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop  # a lock serves one event loop
        await self._lock.acquire()
        self._holder = task
        return True

    def give_back(self) -> None:
        assert self._lock is not None  # only after a take() that returned True
        self._holder = None
        self._lock.release()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """The turn for a whole block, reads included."""
        taken = await self.take()
        try:
            yield
        finally:
            if taken:
                self.give_back()


def _writes(operation: str) -> bool:
    return not operation.lstrip()[:7].lower().startswith(_READS)


def _run_statement(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """Execute, read every row, close; what the cursor knew."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        lastrowid = cursor.lastrowid if cursor.lastrowid is not None else -1  # None: never
        return None, [], lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _refused_for_a_lock(error: Exception) -> bool:
    """SQLITE_BUSY and its extended codes: another connection holds what is needed."""
    code = getattr(error, "sqlite_errorcode", None)
    busy = code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
    return isinstance(error, sqlite3.OperationalError) and busy


async def _at_once(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """The statement, run in a coroutine that never suspends: SQLAlchemy's AsyncConnection
    insists that a statement passed through an await."""
    return _run_statement(connection, operation, parameters)


class TurnTakingCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's cursor, taking the write turn before a statement that writes."""

    __slots__ = ()
    _adapt_connection: TurnTakingConnection

    def execute(self, operation: Any, parameters: _Parameters = None) -> Any:
        self._adapt_connection.before_statement(_writes(operation))
        stock = super().execute
        return self._adapt_connection.patiently(lambda: stock(operation, parameters))

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._adapt_connection.before_statement(True)
        stock = super().executemany
        return self._adapt_connection.patiently(lambda: stock(operation, seq_of_parameters))


class InlineCursor(TurnTakingCursor):
    """Runs each statement where it is issued, on the event loop's thread."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: _Parameters = None) -> Any:
        connection = self._adapt_connection
        connection.before_statement(_writes(operation))
        sqlite = connection.sqlite3
        try:
            outcome = connection.patiently(
                lambda: self.await_(_at_once(sqlite, operation, parameters))
            )
        except Exception as error:
            connection._handle_exception(error)
        self.description, rows, self.lastrowid, self.rowcount = outcome
        self._rows.clear()
        self._rows.extend(rows)


class TurnTakingConnection(AsyncAdapt_aiosqlite_connection):
    """Holds the write turn from its first writing statement to the transaction's end."""

    __slots__ = ("_aiosqlite", "_holds_turn")
    dbapi: TurnTakingDBAPI

    def __init__(self, dbapi: TurnTakingDBAPI, connection: aiosqlite.Connection) -> None:
        # aiosqlite's Connection is what SQLAlchemy's protocol describes; only its stubs
        # spell cursor() differently (an awaitable context manager).
        super().__init__(dbapi, cast("AsyncIODBAPIConnection", connection))
        self._aiosqlite = connection
        self._holds_turn = False

    @property
    def sqlite3(self) -> sqlite3.Connection:
        """aiosqlite's own sqlite3 connection (its internal `_conn`), for the inline path."""
        return self._aiosqlite._conn

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:  # results streamed in batches: reads, on the stock cursor
            return super().cursor(server_side=True)
        return InlineCursor(self) if self.dbapi.inline else TurnTakingCursor(self)

    def before_statement(self, writes: bool) -> None:
        if writes and not self._holds_turn:
            self._holds_turn = self.await_(self.dbapi.turns.take())

    def patiently(self, attempt: Callable[[], _T]) -> _T:
        """The attempt's result; while another process holds the lock, sleep and retry."""
        deadline: float | None = None
        for pause in itertools.chain(_BACKOFF_S, itertools.repeat(_BACKOFF_S[-1])):
            try:
                return attempt()
            except Exception as error:
                if not _refused_for_a_lock(error):
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.dbapi.lock_wait_s
                if now >= deadline:
                    raise
                self.await_(asyncio.sleep(min(pause, deadline - now)))
        raise AssertionError("unreachable: the pauses never end")

    def _give_back(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            self.dbapi.turns.give_back()

    def commit(self) -> None:
        try:
            if not self.dbapi.inline:
                self.patiently(super().commit)
            elif self.sqlite3.in_transaction:  # after reads alone: nothing to do
                self.patiently(self.sqlite3.commit)
        except Exception as error:
            self._handle_exception(error)
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            if not self.dbapi.inline:
                super().rollback()
            else:
                self.sqlite3.rollback()
        except Exception as error:
            self._handle_exception(error)
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._give_back()


def _can_reach_sqlite3() -> bool:
    """Whether aiosqlite still offers its sqlite3 connection, which the inline cursor uses."""
    return hasattr(aiosqlite.Connection, "_conn")


class TurnTakingDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The module SQLAlchemy connects through; its connections share the process's turns."""

    def __init__(self, turns: WriteTurns) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.turns = turns
        self.lock_wait_s = LOCK_WAIT_S
        self.inline = _can_reach_sqlite3()

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        if self.inline:
            # Opened in aiosqlite's thread, used on the event loop's, never in both at once.
            kw["check_same_thread"] = False
        stock = super().connect(*arg, **kw)
        if type(stock) is not AsyncAdapt_aiosqlite_connection:
            return stock  # SQLAlchemy's synchronous fallback mode: left as it is
        driver = stock.driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        return TurnTakingConnection(self, driver)


def dbapi(turns: WriteTurns) -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for create_async_engine(module=...) with a SQLite URL."""
    return TurnTakingDBAPI(turns)


#: Where a pooled connection of the stock driver notes that it holds the write turn.
_HOLDS_TURN = "greenlist_holds_write_turn"


def take_turns_on_stock_driver(engine: Engine, turns: WriteTurns) -> None:
    """The write turn on SQLAlchemy's own aiosqlite adapter, through public events only.

    A connection takes the turn just before a statement that writes, as the inline driver
    does, and gives it back when it returns to the pool, which a session does as soon as
    its transaction ends. Statements, commits and lock waits stay in aiosqlite's thread.
    """

    def before_a_write(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        if not (executemany or _writes(statement)):
            return
        pooled = connection.connection
        if pooled.info.get(_HOLDS_TURN):
            return
        adapted = pooled.dbapi_connection
        assert isinstance(adapted, AdaptedConnection)
        if adapted.run_async(lambda _driver: turns.take()):
            pooled.info[_HOLDS_TURN] = True

    def back_in_the_pool(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if record.info.pop(_HOLDS_TURN, False):
            turns.give_back()

    event.listen(engine, "before_cursor_execute", before_a_write)
    event.listen(engine.pool, "checkin", back_in_the_pool)

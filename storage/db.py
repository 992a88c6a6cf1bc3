"""Engine, connection settings and the unit of work every caller goes through.

A unit of work is one transaction: everything done through its repositories becomes
durable on `commit()` and is discarded otherwise, so a handler that fails half-way leaves
nothing behind. Optimistic-locking conflicts surface as `ConcurrentUpdate`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from storage import sqlite_driver
from storage.errors import ConcurrentUpdate
from storage.repositories import (
    AuditRepository,
    EvidenceRepository,
    InboxRepository,
    NoticeRepository,
    PendingActionRepository,
    PeopleRepository,
    ProcessedUpdateRepository,
    ReviewRepository,
    RulesetRepository,
    SessionRepository,
)
from storage.sqlite_driver import SqliteDriver, WriteTurns, dbapi, take_turns_on_stock_driver

_EXAMPLES = "e.g. sqlite:///greenlist.db or postgresql://user:password@host:5432/greenlist"
_SQLITE_DRIVERS = {"", "pysqlite", "aiosqlite"}
_POSTGRES_DRIVERS = {"", "asyncpg", "psycopg2", "psycopg", "pg8000"}
_CREDENTIALS = re.compile(r"(://[^/@]*:)[^/@]*@")


def _redact(url: str) -> str:
    return _CREDENTIALS.sub(r"\1***@", url)


def normalise_url(url: str) -> str:
    """The async-driver form of a database URL, as SQLAlchemy's async engine needs it.

    Accepts what people paste from hosting dashboards and docs (`postgres://`,
    `postgresql+psycopg2://`, `sqlite:///file.db`) and maps libpq's `sslmode` to asyncpg's
    `ssl`. Anything else is refused with a sentence saying why.
    """
    text = url.strip() if isinstance(url, str) else ""
    if not text:
        raise ValueError(f"The database URL is empty; give one, {_EXAMPLES}.")
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):  # ValueError: a non-numeric port
        raise ValueError(
            f"The database URL {_redact(text)!r} cannot be parsed; expected {_EXAMPLES}."
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite":
        if driver not in _SQLITE_DRIVERS:
            raise ValueError(
                f"The SQLite driver {driver!r} is not supported; use sqlite:///path/to/file.db."
            )
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in {"postgresql", "postgres"}:
        if driver not in _POSTGRES_DRIVERS:
            raise ValueError(
                f"The PostgreSQL driver {driver!r} is not supported; "
                "use postgresql://user:password@host:5432/dbname."
            )
        if not parsed.host and "host" not in parsed.query:
            raise ValueError(
                f"The database URL {_redact(text)!r} names no PostgreSQL host; "
                "expected postgresql://user:password@host:5432/dbname."
            )
        return _to_asyncpg(parsed).render_as_string(hide_password=False)
    raise ValueError(
        f"The database backend {backend!r} is not supported; use SQLite or PostgreSQL, {_EXAMPLES}."
    )


def _to_asyncpg(parsed: URL) -> URL:
    query = dict(parsed.query)
    sslmode = query.pop("sslmode", None)
    if sslmode is not None and "ssl" not in query:
        query["ssl"] = sslmode
    return parsed.set(drivername="postgresql+asyncpg", query=query)


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return database in {"", ":memory:"} or "mode=memory" in database


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings; SQLite forgets all but journal_mode on close.

    foreign_keys makes SQLite enforce the schema's references like PostgreSQL does; WAL
    lets readers proceed while one writer commits. busy_timeout is 0 because SQLite's own
    wait for another process's lock would sleep on the event loop's thread, where the
    inline driver runs statements: it waits instead, asleep in asyncio
    (sqlite_driver.LOCK_WAIT_S).
    """
    _run_pragmas(dbapi_connection, busy_timeout_ms=0)


def _set_stock_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The same settings for the stock driver, whose statements run in aiosqlite's thread:
    there SQLite's own busy_timeout may sleep while another process holds the lock."""
    _run_pragmas(dbapi_connection, busy_timeout_ms=round(sqlite_driver.LOCK_WAIT_S * 1000))


def _run_pragmas(dbapi_connection: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    finally:
        cursor.close()


def _skip_closed_connection(
    _dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any
) -> None:
    """Hand out no pooled connection the server has closed (a restart, an outage).

    SQLAlchemy's pool_pre_ping does the same with a query, which on asyncpg costs three
    round trips on every checkout, that is on every update; a server that closes a
    connection tells the driver at once, so asking the driver is enough. Raising
    DisconnectionError makes the pool drop the connection and open a new one.
    """
    driver = record.driver_connection
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


#: How long one connection attempt, statement or commit may take on PostgreSQL. A server
#: that stops answering without closing the connection (a partition) would otherwise keep
#: a person waiting for as long as the partition lasts.
DEFAULT_TIMEOUT_S = 3.0


#: How long a unit of work waits for a pooled PostgreSQL connection (SQLAlchemy's default).
POOL_WAIT_S = 30.0


def postgres_timeouts(timeout_s: float) -> dict[str, Any]:
    """asyncpg's bounds: the connect timeout, the client-side command timeout (every
    statement, COMMIT included) and the server's own statement_timeout, so a statement
    the client gave up on does not go on holding locks on the server."""
    millis = str(max(1, round(timeout_s * 1000)))
    return {
        "timeout": timeout_s,
        "command_timeout": timeout_s,
        "server_settings": {
            "statement_timeout": millis,
            # A transaction whose client vanished mid-way releases its locks soon.
            "idle_in_transaction_session_timeout": str(max(1, round(timeout_s * 10_000))),
        },
    }


class UnitOfWork:
    """One transaction with the repositories bound to it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.people = PeopleRepository(session)
        self.sessions = SessionRepository(session)
        self.evidence = EvidenceRepository(session)
        self.reviews = ReviewRepository(session)
        self.rulesets = RulesetRepository(session)
        self.audit = AuditRepository(session)
        self.updates = ProcessedUpdateRepository(session)
        self.inbox = InboxRepository(session)
        self.pending = PendingActionRepository(session)
        self.notices = NoticeRepository(session)

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except StaleDataError as exc:
            raise ConcurrentUpdate(str(exc)) from exc

    async def rollback(self) -> None:
        await self.session.rollback()


class Database:
    """The process-wide handle on one database; create once, dispose on shutdown.

    `sqlite_driver` (the SQLITE_DRIVER setting) picks how SQLite is reached: "inline" runs
    statements on the event loop's thread (storage/sqlite_driver.py), "stock" through
    SQLAlchemy's own aiosqlite adapter, should a dependency update break the inline one.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        sqlite_driver: SqliteDriver = "inline",
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.url = make_url(normalise_url(url))
        self.sqlite_driver: SqliteDriver = sqlite_driver
        self.timeout_s = timeout_s
        options: dict[str, Any] = {"echo": echo}
        self._turns: WriteTurns | None = None
        self._reads_before_turn = True
        stock = sqlite_driver == "stock"
        if self.url.get_backend_name() == "sqlite":
            # The session always ends its transaction itself (commit, or rollback on
            # close); the pool's extra rollback on return would be work for nothing.
            options["pool_reset_on_return"] = None
            self._turns = WriteTurns()
            if not stock:
                options["module"] = dbapi(self._turns)
            if _is_sqlite_memory(self.url):
                # Every new connection to :memory: is a new empty database; share one.
                options["poolclass"] = StaticPool
                # A reader on that shared connection would see another unit of work's
                # uncommitted writes, so there every unit of work takes the turn first.
                self._reads_before_turn = False
        else:
            options.update(
                pool_size=5,
                max_overflow=10,
                pool_recycle=1800,
                # Waiting for a pooled connection is load, not an outage: every connection
                # in use is bounded by the statement and commit timeouts, so in a partition
                # they come back within timeout_s and the wait ends with them. A wait as
                # short as timeout_s would turn a busy minute into errors for suppliers.
                pool_timeout=POOL_WAIT_S,
                connect_args=postgres_timeouts(timeout_s),
            )
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            pragmas = _set_stock_sqlite_pragmas if stock else _set_sqlite_pragmas
            event.listen(self.engine.sync_engine, "connect", pragmas)
            if stock and self._turns is not None:
                take_turns_on_stock_driver(self.engine.sync_engine, self._turns)
        else:
            event.listen(self.engine.sync_engine.pool, "checkout", _skip_closed_connection)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """The backend name: sqlite or postgresql."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def unit_of_work(
        self, *, optimistic: bool = False, autocommit: bool = False
    ) -> AsyncIterator[UnitOfWork]:
        """A transaction that is rolled back unless `commit()` was called.

        An `autocommit` one (PostgreSQL only) is no transaction at all: each statement
        commits as it runs, without the BEGIN and COMMIT round trips, for one write that
        other processes must see at once.

        On SQLite a unit of work holds this process's write turn from its connection to
        its end, so what it reads cannot change before it writes. An `optimistic` one
        takes the turn only at its first write: its reads run beside other writers on the
        last committed data, which suits a caller whose every write checks what it read (a
        version, ON CONFLICT). PostgreSQL's transactions are the same either way.

        Both take a pooled connection first and the turn second, never the other way
        round. Were a plain unit to wait for the turn first and then for a connection, it
        could hold the turn while every connection belonged to an optimistic unit waiting
        for that same turn: all of them would stall until the pool gave up. In one order
        the holder of the turn already has its connection and needs nothing more, so it
        finishes and hands the turn on. A plain unit keeps its one connection for all its
        transactions, so even after a commit it never waits for the pool with the turn.
        The price is that a plain unit waiting for the turn holds a connection meanwhile,
        as an optimistic one waiting to write always did; readers wait for the pool a
        little sooner. One case is left to callers: a unit opened inside another by the
        same task takes a second connection while the outer one may hold the turn, so units
        that write are not nested.

        Leaving closes the session, which rolls back whatever was not committed while
        leaving loaded objects readable (a read-only unit of work need not commit).
        """
        async with contextlib.AsyncExitStack() as stack:
            if autocommit:
                if self.dialect != "postgresql":
                    raise ValueError("autocommit units of work are for PostgreSQL")
                connection = await stack.enter_async_context(self.engine.connect())
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                session = await stack.enter_async_context(self._sessions(bind=connection))
            elif self._turns is not None and not (optimistic and self._reads_before_turn):
                connection = await stack.enter_async_context(self.engine.connect())
                await stack.enter_async_context(self._turns.turn())
                session = await stack.enter_async_context(self._sessions(bind=connection))
            else:
                session = await stack.enter_async_context(self._sessions())
            try:
                yield UnitOfWork(session)
            except StaleDataError as exc:
                raise ConcurrentUpdate(str(exc)) from exc

    def url_for_another_process(self) -> str | None:
        """The URL (password included) another process opens this same data with.

        A long read (an export of every session) runs there so that the chat's event loop
        and interpreter never wait for it. None for in-memory SQLite, where another handle
        would be another, empty database.
        """
        if self.dialect == "sqlite" and _is_sqlite_memory(self.url):
            return None
        return self.url.render_as_string(hide_password=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

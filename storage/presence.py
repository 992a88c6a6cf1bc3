"""Which bot processes share this PostgreSQL database right now.

Each process holds one shared advisory lock, at session level, on a connection of its own
for as long as it runs. The server drops the lock with the connection, so a process that
died or lost the network stops counting within the server's own detection of a dead
client, without a heartbeat table to clean up. Counting the holders of the lock is how a
process learns whether a person's next input could reach another process.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database, postgres_timeouts

#: The lock's two int4 keys ("gl", "bot"); apart from the per-person locks' namespace.
PRESENCE_KEYS = {"space": 0x676D, "key": 0x626F74}

_JOIN = text("SELECT pg_advisory_lock_shared(:space, :key)")
_COUNT = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = :space AND objid = :key AND objsubid = 2"
)


class Presence:
    """This process's mark among the processes sharing the database (PostgreSQL only)."""

    def __init__(self, db: Database) -> None:
        if db.dialect != "postgresql":
            raise ValueError("only PostgreSQL is shared by several bot processes")
        # A connection outside the pool: it is held for the process's whole life.
        self._engine: AsyncEngine = create_async_engine(
            db.url, poolclass=NullPool, connect_args=postgres_timeouts(db.timeout_s)
        )
        self._connection: AsyncConnection | None = None

    async def processes(self) -> int:
        """How many bot processes hold the mark, this one included once it has joined.

        Joins first when this process is not (or no longer) holding it, so a connection
        lost and found again counts this process back in.
        """
        if self._connection is None or self._connection.closed:
            await self._join()
        assert self._connection is not None
        try:
            return int(await self._connection.scalar(_COUNT, PRESENCE_KEYS) or 0)
        except Exception:
            await self.leave()
            raise

    async def _join(self) -> None:
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(_JOIN, PRESENCE_KEYS)
        except Exception:
            await connection.close()
            raise
        self._connection = connection

    async def leave(self) -> None:
        """Drop the mark (closing the connection releases the lock)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # a dead connection has released it already
                await connection.invalidate()
        await self._engine.dispose()


__all__ = ["PRESENCE_KEYS", "Presence"]

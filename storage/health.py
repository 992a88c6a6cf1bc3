"""Is the database there, and which schema revisions does this program know?

Used by `greenlist doctor` and by commands that want a clear "cannot connect" before they
start work; nothing here changes the database.
"""

from __future__ import annotations

import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database
from storage.schema import alembic_config


async def ping_url(url: str, time_limit: float) -> None:
    """One `SELECT 1` over a fresh connection, bounded by `time_limit`.

    A pool-less engine of its own, so a probe never keeps a connection open; raises
    TimeoutError when the server does not answer in time, or the driver's error.
    """
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": time_limit})
    try:
        async with asyncio.timeout(time_limit), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def ping(db: Database) -> None:
    """One `SELECT 1` through the database's own pool; raises the driver's error."""
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def known_revisions() -> set[str]:
    """Every schema revision the packaged migrations define."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


__all__ = ["known_revisions", "ping", "ping_url"]

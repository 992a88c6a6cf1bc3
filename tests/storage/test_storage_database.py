from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from storage import Database, normalise_url
from storage.sqlite_driver import SqliteDriver


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///greenlist.db", "sqlite+aiosqlite:///greenlist.db"),
        ("sqlite:////var/lib/greenlist/bot.db", "sqlite+aiosqlite:////var/lib/greenlist/bot.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        (
            "postgresql://bot:s3cret@db.internal:5432/greenlist",
            "postgresql+asyncpg://bot:s3cret@db.internal:5432/greenlist",
        ),
        ("postgres://bot@db/greenlist", "postgresql+asyncpg://bot@db/greenlist"),
        ("postgresql+psycopg2://bot@db/greenlist", "postgresql+asyncpg://bot@db/greenlist"),
        ("postgresql+asyncpg://bot@db/greenlist", "postgresql+asyncpg://bot@db/greenlist"),
        (
            "postgres://bot@db/greenlist?sslmode=require",
            "postgresql+asyncpg://bot@db/greenlist?ssl=require",
        ),
        (
            "postgresql://bot:p%40ss@db/greenlist",
            "postgresql+asyncpg://bot:p%40ss@db/greenlist",
        ),
        ("  sqlite:///padded.db\n", "sqlite+aiosqlite:///padded.db"),
    ],
)
def test_accepted_urls_become_async_driver_urls(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("greenlist.db", "cannot be parsed"),
        ("not a url at all", "cannot be parsed"),
        ("mysql://root@localhost/greenlist", "backend 'mysql' is not supported"),
        ("oracle+cx_oracle://u:p@h/db", "backend 'oracle' is not supported"),
        ("sqlite+pysqlcipher:///x.db", "SQLite driver 'pysqlcipher' is not supported"),
        ("postgresql+unknowndriver://u@h/db", "PostgreSQL driver 'unknowndriver'"),
        ("postgresql:///greenlist", "names no PostgreSQL host"),
    ],
)
def test_rejected_urls_name_the_problem(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_url(given)


def test_rejection_does_not_echo_the_password() -> None:
    with pytest.raises(ValueError) as excinfo:
        normalise_url("mssql://admin:hunter2@db/greenlist")
    with pytest.raises(ValueError) as unparsable:
        normalise_url("postgresql://admin:hunter2@db:notaport/greenlist")
    assert "hunter2" not in str(excinfo.value)
    assert "hunter2" not in str(unparsable.value)
    assert "***" in str(unparsable.value)


async def test_database_refuses_a_bad_url_before_connecting() -> None:
    with pytest.raises(ValueError, match="backend 'mysql' is not supported"):
        Database("mysql://root@localhost/greenlist")


@pytest.mark.parametrize("driver", ["inline", "stock"])
async def test_in_memory_sqlite_keeps_one_database_across_units_of_work(
    driver: SqliteDriver,
) -> None:
    db = Database("sqlite://", sqlite_driver=driver)
    try:
        async with db.unit_of_work() as uow:
            await uow.session.run_sync(
                lambda session: session.connection().exec_driver_sql("CREATE TABLE t (x INT)")
            )
            await uow.commit()
        async with db.unit_of_work() as uow:
            tables = await uow.session.run_sync(
                lambda session: (
                    session.connection()
                    .exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .scalars()
                    .all()
                )
            )
        assert tables == ["t"]
    finally:
        await db.dispose()


@pytest.mark.parametrize(("driver", "busy_timeout_ms"), [("inline", 0), ("stock", 5000)])
async def test_sqlite_connections_enforce_keys_use_wal_and_wait_for_locks_off_the_loop(
    tmp_path: Path, driver: SqliteDriver, busy_timeout_ms: int
) -> None:
    """The inline driver waits for another process's lock itself, asleep in asyncio; the
    stock one lets SQLite wait, in aiosqlite's thread."""
    db = Database(f"sqlite:///{tmp_path / 'pragmas.db'}", sqlite_driver=driver)
    try:
        async with db.unit_of_work() as uow:
            settings = [
                (await uow.session.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            ]
    finally:
        await db.dispose()
    assert settings == [1, "wal", busy_timeout_ms]


async def test_postgresql_database_hides_the_password() -> None:
    db = Database("postgres://bot:s3cret@db.invalid/greenlist")
    try:
        assert db.dialect == "postgresql"
        assert "s3cret" not in repr(db)
        assert "bot:***@db.invalid" in repr(db)
    finally:
        await db.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_unnoticed(
    postgres_migrated: str,
) -> None:
    """A server restart or an administrator ending sessions closes idle pooled connections;
    the next unit of work gets a fresh one instead of failing."""
    db = Database(postgres_migrated)
    pid_query = text("SELECT pg_backend_pid()")
    try:
        async with db.unit_of_work() as uow:
            first = (await uow.session.execute(pid_query)).scalar_one()
        async with db.unit_of_work() as uow:  # the same pooled connection again
            assert (await uow.session.execute(pid_query)).scalar_one() == first
        killer = await asyncpg.connect(postgres_migrated.replace("+asyncpg", ""))
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", first) is True
        finally:
            await killer.close()
        await asyncio.sleep(0.2)  # the driver reads the server's goodbye
        async with db.unit_of_work() as uow:
            second = (await uow.session.execute(pid_query)).scalar_one()
    finally:
        await db.dispose()
    assert second != first

"""Database fixtures shared by every test folder.

Any test that takes `database_url`, `db` or `empty_database_url` runs twice: on SQLite,
and on the PostgreSQL server named by TEST_DATABASE_URL (skipped when it is not set).
`database_url` / `db` give an empty database at the newest schema revision (a copy of a
migrated SQLite file; the shared PostgreSQL database migrated once per run and truncated
before each test). `empty_database_url` has no tables, for tests that run migrations.
Schemas come from the migrations, never from `metadata.create_all`, so the tests exercise
exactly what production runs. Mark a test `postgres_only` to run just its PostgreSQL
variant. `worker_niceness` spies on the worker pools a module starts.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.services.background import worker_pool
from storage import Database, normalise_url, upgrade_async

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL tests skipped"

_T = TypeVar("_T")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres_only: the test needs PostgreSQL (TEST_DATABASE_URL)"
    )


def postgres_test_url() -> str | None:
    """The async form of TEST_DATABASE_URL, or None when PostgreSQL tests are off."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return normalise_url(url) if url else None


def run_outside_loop(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine from a synchronous fixture without touching the test's event loop."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(factory())).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_outside_loop(lambda: upgrade_async(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """TEST_DATABASE_URL migrated to head once per run."""
    url = postgres_test_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    run_outside_loop(lambda: upgrade_async(url))
    return url


async def _truncate_all(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            tables = (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables "
                        "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            names = ", ".join(f'"{name}"' for name in sorted(tables))
            if names:
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the newest schema revision, as an async SQLAlchemy URL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "greenlist.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    run_outside_loop(lambda: _truncate_all(url))
    return url


async def _postgres_admin(url: str, statement: str) -> None:
    """Run a statement that PostgreSQL refuses inside a transaction (CREATE DATABASE)."""
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for tests that run the migrations themselves.

    On PostgreSQL it is a throwaway database created beside TEST_DATABASE_URL's and
    dropped afterwards, so migrating it up and down leaves the shared one alone.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server_url = postgres_test_url()
    if server_url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = f"greenlist_mig_{secrets.token_hex(6)}"
    run_outside_loop(lambda: _postgres_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_outside_loop(
            lambda: _postgres_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the sqlite variant of `postgres_only` tests; skip the rest without PostgreSQL."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if item.get_closest_marker("postgres_only") is None:
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        if "sqlite" in (params.get("database_url"), params.get("empty_database_url")):
            dropped.append(item)
            continue
        if postgres_test_url() is None:
            item.add_marker(pytest.mark.skip(reason=POSTGRES_SKIP_REASON))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def worker_niceness(monkeypatch: pytest.MonkeyPatch) -> Callable[[ModuleType], list[int]]:
    """Make a module's `worker_pool` record the niceness its workers run at, one entry a
    pool: background work must leave the cores to the chats on a small server."""

    def spy(module: ModuleType) -> list[int]:
        seen: list[int] = []

        def recording_pool(workers: int) -> ProcessPoolExecutor:
            pool = worker_pool(workers)
            seen.append(pool.submit(os.nice, 0).result())
            return pool

        monkeypatch.setattr(module, "worker_pool", recording_pool)
        return seen

    return spy

"""Schema migrations, run from code: no alembic.ini, the scripts ship inside this package.

Upgrading is the only way tables are created, in production and in tests alike, so the
migrations are exercised on every test run.

Developers add a revision after changing `storage/models.py` with one command, which
compares the models with a scratch SQLite database migrated to head (or with the database
given by --url) and writes `storage/migrations/versions/NNNN_<slug>.py` for review:

    python -m storage revision -m "add plant address"

The same module upgrades, downgrades and reports (`--url` defaults to $DATABASE_URL):

    python -m storage upgrade [REVISION] --url sqlite:///greenlist.db
    python -m storage downgrade REVISION --url ...
    python -m storage current --url ...
    python -m storage head
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import event, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.db import normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_T = TypeVar("_T")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged scripts (and at `url`, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    ruff = _ruff()
    if ruff is not None:
        # New revision scripts come out formatted and import-sorted like the rest of the code.
        hooks = {
            "hooks": "ruff_fix, ruff_format",
            "ruff_fix.type": "exec",
            "ruff_fix.executable": ruff,
            "ruff_fix.options": "check --fix --select I --quiet REVISION_SCRIPT_FILENAME",
            "ruff_format.type": "exec",
            "ruff_format.executable": ruff,
            "ruff_format.options": "format --quiet REVISION_SCRIPT_FILENAME",
        }
        for key, value in hooks.items():
            config.set_section_option("post_write_hooks", key, value)
    if url is not None:
        # ConfigParser treats '%' as interpolation; URL-encoded passwords contain it.
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migration_engine(url: str) -> AsyncEngine:
    """An engine for schema changes, distinct from the application's.

    On SQLite, foreign-key enforcement stays off (table rebuilds in batch migrations would
    otherwise cascade), and the driver's implicit transaction handling is replaced by an
    explicit BEGIN so a failing migration leaves no half-applied DDL behind.
    """
    engine = create_async_engine(normalise_url(url), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _manual_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


def _missing_sqlite_file(url: str) -> bool:
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return False
    return not database.startswith("file:") and not Path(database).exists()


def _ruff() -> str | None:
    """ruff from PATH or beside the running interpreter (a virtualenv's bin/)."""
    beside = Path(sys.executable).with_name("ruff")
    return shutil.which("ruff") or (str(beside) if beside.exists() else None)


def _on_connection(
    connection: Connection, url: str, action: Callable[..., object], *args: Any, **kwargs: Any
) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    action(config, *args, **kwargs)


async def _run_command(url: str, action: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_on_connection, url, action, *args, **kwargs)
    finally:
        await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Upgrade inside a running event loop (the bot's startup, async tests)."""
    await _run_command(url, command.upgrade, revision)


async def downgrade_async(url: str, revision: str) -> None:
    await _run_command(url, command.downgrade, revision)


async def current_revision_async(url: str) -> str | None:
    """The database's revision, or None for a database never migrated (or not there)."""
    if _missing_sqlite_file(url):
        return None  # connecting would create an empty file as a side effect of asking
    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _run(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from synchronous code.

    With no loop running in this thread (a CLI, a worker thread) it runs here; called from
    inside a running loop it runs on a short-lived thread of its own, since a loop cannot
    be re-entered.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema-migration") as executor:
        return executor.submit(lambda: asyncio.run(factory())).result()


def upgrade(url: str, revision: str = "head") -> None:
    _run(lambda: upgrade_async(url, revision))


def downgrade(url: str, revision: str) -> None:
    _run(lambda: downgrade_async(url, revision))


def current_revision(url: str) -> str | None:
    return _run(lambda: current_revision_async(url))


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts found in {MIGRATIONS_DIR}")
    return head


def _next_revision_id() -> str | None:
    """Sequential ids (0002 after 0001) keep the versions folder readable in order."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        return "0001"
    return f"{int(head) + 1:04d}" if head.isdigit() else None


def revision(message: str, url: str | None = None, *, autogenerate: bool = True) -> None:
    """Write a new revision script comparing the models with `url` (default: a scratch DB)."""
    rev_id = _next_revision_id()
    if url is not None:
        _run(lambda: _run_command(url, command.revision, message, autogenerate, rev_id=rev_id))
        return
    with tempfile.TemporaryDirectory(prefix="greenlist-schema-") as scratch:
        scratch_url = f"sqlite:///{Path(scratch) / 'head.db'}"
        upgrade(scratch_url)
        _run(
            lambda: _run_command(
                scratch_url, command.revision, message, autogenerate, rev_id=rev_id
            )
        )


def _database_url(given: str | None) -> str:
    url = given or os.environ.get("DATABASE_URL")
    if not url:
        raise ValueError("No database given: pass --url or set DATABASE_URL.")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m storage", description="Manage the greenlist database schema."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("revision", help="write a new migration script from the models")
    new.add_argument("-m", "--message", required=True, help="what the migration changes")
    new.add_argument("--url", help="compare with this database instead of a scratch one")
    new.add_argument("--empty", action="store_true", help="write an empty script to fill in")
    up = commands.add_parser("upgrade", help="upgrade the database (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    up.add_argument("--url")
    down = commands.add_parser("downgrade", help="downgrade the database to a revision")
    down.add_argument("revision", help='a revision id, "-1" or "base"')
    down.add_argument("--url")
    current = commands.add_parser("current", help="print the database's revision")
    current.add_argument("--url")
    commands.add_parser("head", help="print the newest revision shipped")
    args = parser.parse_args(argv)

    try:
        if args.command == "revision":
            revision(args.message, args.url, autogenerate=not args.empty)
        elif args.command == "upgrade":
            upgrade(_database_url(args.url), args.revision)
        elif args.command == "downgrade":
            downgrade(_database_url(args.url), args.revision)
        elif args.command == "current":
            print(current_revision(_database_url(args.url)) or "(none)")
        else:
            print(head_revision())
    except (ValueError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0

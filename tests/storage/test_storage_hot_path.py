"""What every update relies on: overlapping units of work on SQLite queue instead of failing,
and the per-update statements (person upsert, redelivery guard) store what they should."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from storage import Database, Language, Role

PERSON = 7_000_000_001


def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=20")
    finally:
        cursor.close()


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "busy.db"
    shutil.copyfile(sqlite_template, path)
    return path


async def test_overlapping_writes_in_one_process_queue_instead_of_failing_on_sqlite(
    sqlite_file: Path,
) -> None:
    """Twelve suppliers answering at once: each write holds SQLite's lock far longer than
    busy_timeout allows another to wait, yet every answer is stored."""
    db = Database(f"sqlite:///{sqlite_file}")
    event.listen(db.engine.sync_engine, "connect", _short_busy_timeout)  # after the 5 s one

    async def answer(person: int) -> None:
        async with db.unit_of_work() as uow:
            await uow.people.upsert(person, f"供应商{person}")
            await asyncio.sleep(0.03)  # the rest of the update's work, lock held
            await uow.commit()

    try:
        async with asyncio.timeout(20):
            await asyncio.gather(*(answer(PERSON + n) for n in range(12)))
        async with db.unit_of_work() as uow:
            stored = await uow.people.list()
    finally:
        await db.dispose()
    assert sorted(p.telegram_id for p in stored) == [PERSON + n for n in range(12)]


async def test_a_unit_of_work_opened_inside_another_by_the_same_task_still_runs(
    db: Database,
) -> None:
    async with asyncio.timeout(10), db.unit_of_work() as outer:
        await outer.people.upsert(PERSON, "外层")
        await outer.commit()
        async with db.unit_of_work() as inner:
            person = await inner.people.get(PERSON)
    assert person is not None and person.name == "外层"


async def test_units_of_work_of_different_tasks_overlap_only_where_the_backend_allows(
    db: Database,
) -> None:
    """SQLite's one writer: one at a time in this process. PostgreSQL: side by side."""
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with db.unit_of_work():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    async with asyncio.timeout(10):
        await asyncio.gather(*(work() for _ in range(4)))
    assert most == (1 if db.dialect == "sqlite" else 4)


async def test_upsert_hands_back_the_stored_person_and_changes_language_only_when_given(
    db: Database,
) -> None:
    async with db.unit_of_work() as uow:
        first = await uow.people.upsert(PERSON, "张三", "zs", initial_language="en")
        await uow.people.set_role(PERSON, "assessor")
        again = await uow.people.upsert(PERSON, "张三丰", None, initial_language="zh")
        assert (again.name, again.username, again.language) == ("张三丰", None, Language.EN)
        assert again.role == Role.ASSESSOR
        chosen = await uow.people.upsert(PERSON, "张三丰", language="zh")
        await uow.commit()
    assert first.created_at == chosen.created_at
    assert chosen.updated_at >= first.updated_at
    async with db.unit_of_work() as uow:
        stored = await uow.people.get(PERSON)
    assert stored is not None
    assert (stored.name, stored.language, stored.role) == ("张三丰", Language.ZH, Role.ASSESSOR)


async def test_upsert_without_returning_support_reads_the_row_back(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35 has no RETURNING: the same result through a second statement."""
    monkeypatch.setattr(db.engine.dialect, "insert_returning", False)
    async with db.unit_of_work() as uow:
        created = await uow.people.upsert(PERSON, "李四", "ls", initial_language="en")
        assert (created.name, created.language) == ("李四", Language.EN)
        renamed = await uow.people.upsert(PERSON, "李四光", language="zh")
        await uow.commit()
    assert (renamed.name, renamed.username, renamed.language) == ("李四光", None, Language.ZH)


async def test_a_redelivered_update_is_recognised_only_after_its_first_delivery_committed(
    db: Database,
) -> None:
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(PERSON) is False
        # not committed: the update's effects are gone, so it must be handled again
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(PERSON) is False
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.updates.seen(PERSON) is True

"""What every update relies on: overlapping units of work on SQLite queue for the write turn
instead of failing, optimistic ones read beside a writer, and the per-update statements
(person upsert, redelivery guard) store what they should."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage import Database, Language, Role, sqlite_driver

PERSON = 7_000_000_001


@pytest.fixture
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that met another's lock would give up after 20 ms."""
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_S", 0.02)


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "busy.db"
    shutil.copyfile(sqlite_template, path)
    return path


async def test_overlapping_writes_in_one_process_queue_instead_of_failing_on_sqlite(
    sqlite_file: Path, short_lock_wait: None
) -> None:
    """Twelve suppliers answering at once: each write holds SQLite's lock far longer than
    another may wait for it, yet every answer is stored."""
    db = Database(f"sqlite:///{sqlite_file}")

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


@pytest.mark.parametrize("optimistic", [False, True], ids=["whole", "optimistic"])
async def test_units_of_work_of_different_tasks_overlap_only_where_the_backend_allows(
    db: Database, optimistic: bool
) -> None:
    """SQLite's one writer: units of work holding the turn from the start run one at a time
    in this process; optimistic ones that only read run side by side, as all do on
    PostgreSQL."""
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with db.unit_of_work(optimistic=optimistic) as uow:
            await uow.people.get(PERSON)
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    async with asyncio.timeout(10):
        await asyncio.gather(*(work() for _ in range(4)))
    assert most == (1 if db.dialect == "sqlite" and not optimistic else 4)


async def test_an_optimistic_unit_of_work_reads_beside_a_writer_and_waits_only_to_write(
    sqlite_file: Path, short_lock_wait: None
) -> None:
    """It reads the last committed data while another holds SQLite's write turn, then
    queues for the turn at its first write instead of meeting the lock."""
    db = Database(f"sqlite:///{sqlite_file}")
    written, read = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def writer() -> None:
        async with db.unit_of_work() as uow:
            await uow.people.upsert(PERSON, "写者")
            written.set()
            await read.wait()  # an eager reader would wait for this commit: a deadlock
            await asyncio.sleep(0.05)
            order.append("writer commits")
            await uow.commit()

    async def reader() -> object:
        await written.wait()
        async with db.unit_of_work(optimistic=True) as uow:
            before = await uow.people.get(PERSON)
            order.append("reader read")
            read.set()
            await uow.people.upsert(PERSON + 1, "读者")
            order.append("reader wrote")
            await uow.commit()
        return before

    try:
        async with asyncio.timeout(10):
            _, before = await asyncio.gather(writer(), reader())
        async with db.unit_of_work() as uow:
            stored = await uow.people.list()
    finally:
        await db.dispose()
    assert before is None  # the writer's row was not committed yet
    assert order == ["reader read", "writer commits", "reader wrote"]
    assert sorted(p.name for p in stored) == ["写者", "读者"]


async def test_the_write_turn_is_given_back_however_the_transaction_ends(
    sqlite_file: Path,
) -> None:
    """Each unit of work in a task of its own, as updates run: a turn not given back
    would keep the next task waiting for ever."""
    db = Database(f"sqlite:///{sqlite_file}")

    async def left_without_commit() -> None:
        async with db.unit_of_work(optimistic=True) as uow:
            await uow.people.upsert(PERSON, "未提交")

    async def failed_statement() -> None:
        async with db.unit_of_work(optimistic=True) as uow:
            await uow.session.execute(text("INSERT INTO people (telegram_id) VALUES (1)"))

    async def failed_handler() -> None:
        async with db.unit_of_work(optimistic=True) as uow:
            await uow.people.upsert(PERSON, "出错")
            raise RuntimeError("the handler failed half-way")

    async def committed() -> None:
        async with db.unit_of_work() as uow:
            await uow.people.upsert(PERSON, "提交")
            await uow.commit()

    try:
        async with asyncio.timeout(10):
            await asyncio.create_task(left_without_commit())
            with pytest.raises(IntegrityError):
                await asyncio.create_task(failed_statement())
            with pytest.raises(RuntimeError):
                await asyncio.create_task(failed_handler())
            await asyncio.create_task(committed())
            async with db.unit_of_work() as uow:
                stored = await uow.people.list()
    finally:
        await db.dispose()
    assert [p.name for p in stored] == ["提交"]


async def test_on_in_memory_sqlite_every_unit_of_work_takes_the_turn_first() -> None:
    """All units of work share the one connection there: a reader must not see another's
    writes before they are committed, so an optimistic one waits like the rest."""
    db = Database("sqlite://")
    written = asyncio.Event()
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INT)"))
            await uow.commit()

        async def writer() -> None:
            async with db.unit_of_work() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (1)"))
                written.set()
                await asyncio.sleep(0.05)
                await uow.session.execute(text("INSERT INTO t VALUES (2)"))
                await uow.commit()

        async def reader() -> list[int]:
            await written.wait()
            async with db.unit_of_work(optimistic=True) as uow:
                return list((await uow.session.scalars(text("SELECT x FROM t"))).all())

        async with asyncio.timeout(10):
            _, seen = await asyncio.gather(writer(), reader())
    finally:
        await db.dispose()
    assert sorted(seen) == [1, 2]


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

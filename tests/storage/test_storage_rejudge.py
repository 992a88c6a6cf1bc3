"""A re-evaluation's batch write: every verdict of the batch stored in one statement."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import event, select, text

from storage import AssessmentSession, Database
from storage.repositories import Rejudged
from tests.exports.conftest import SUPPLIER, seed

# Several kB, like a real evaluation, so that the server compresses it.
EVALUATION = {
    "qualified": False,
    "clauses": {
        f"5.{n}": {"passed": n % 2 == 0, "reason": "本地原材料占比 91.2% 低于 95%" * 8}
        for n in range(40)
    },
}


async def test_one_batch_stores_each_verdict_and_bumps_versions(
    db: Database,
) -> None:
    seeded = await seed(db)
    async with db.unit_of_work() as uow:
        before = {row.id: row.version for row in await uow.sessions.submitted.page(0, 10)}
    assert set(before) == {seeded.qualified}
    async with db.unit_of_work() as uow:
        await uow.sessions.submitted.rejudge(
            "green-sintered-wall",
            7,
            [Rejudged(seeded.qualified, json.dumps(EVALUATION, ensure_ascii=False), False, True)],
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        row = (
            await uow.session.execute(
                select(AssessmentSession).where(AssessmentSession.id == seeded.qualified)
            )
        ).scalar_one()
        assert row.evaluation == EVALUATION
        assert (row.qualified, row.needs_review) == (False, True)
        assert (row.ruleset_id, row.ruleset_version) == ("green-sintered-wall", 7)
        assert row.version == before[seeded.qualified] + 1
        if db.dialect == "postgresql":
            offered = await uow.session.scalar(
                text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                    " WHERE name = 'default_toast_compression'"
                )
            )
            method = await uow.session.scalar(
                text(
                    "SELECT pg_column_compression(evaluation) FROM assessment_sessions"
                    " WHERE id = :id"
                ),
                {"id": seeded.qualified},
            )
            assert method == ("lz4" if offered else "pglz")
        # The draft and the rejected session were not touched.
        untouched = await uow.session.scalars(
            select(AssessmentSession.ruleset_version).where(
                AssessmentSession.id.in_([seeded.not_qualified, seeded.draft])
            )
        )
        assert 7 not in set(untouched)


async def test_a_large_batch_is_written_a_hundred_sessions_a_statement_and_the_loop_runs_between(
    db: Database,
) -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "王建国")
        ids = [(await uow.sessions.create(SUPPLIER, {}, {}, None)).id for _ in range(250)]
        await uow.commit()
    updates: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    seen_between: list[int] = []

    async def other_chats() -> None:
        while True:
            seen_between.append(len(updates))
            await asyncio.sleep(0)

    evaluation = json.dumps(EVALUATION, ensure_ascii=False)
    verdicts = [Rejudged(sid, evaluation, True, False) for sid in ids]
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    ticker = asyncio.create_task(other_chats())
    try:
        async with db.unit_of_work() as uow:
            await uow.sessions.submitted.rejudge("sintered-wall-2020", 3, verdicts)
            await uow.commit()
    finally:
        ticker.cancel()
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(updates) == 3  # 100 + 100 + 50
    # Between one statement and the next, other tasks on the loop had their turn.
    assert {1, 2} <= set(seen_between)
    async with db.unit_of_work() as uow:
        stamped = await uow.session.scalars(
            select(AssessmentSession.ruleset_version).where(AssessmentSession.id.in_(ids))
        )
        assert list(stamped) == [3] * 250

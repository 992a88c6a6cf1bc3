"""The assessors' most common lookup (a status, newest submissions first) uses its index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from storage import AssessmentSession, Database, Status
from storage.repositories import search_statement

INDEX = "ix_assessment_sessions_status_submitted_at"
OWNER = 20_000_000_001


async def fill(db: Database, rows: int) -> None:
    """Mostly decided sessions with a few awaiting review, as in a running deployment."""
    start = datetime(2023, 1, 1, tzinfo=UTC)
    cycle = [Status.APPROVED] * 40 + [Status.REJECTED] * 8 + [Status.SUBMITTED] * 2
    async with db.unit_of_work() as uow:
        await uow.people.upsert(OWNER, "plan owner")
        await uow.session.execute(
            insert(AssessmentSession),
            [
                {
                    "owner_id": OWNER,
                    "status": cycle[n % len(cycle)],
                    "state": {},
                    "answers": {},
                    "needs_review": False,
                    "version": 1,
                    "created_at": start,
                    "updated_at": start,
                    "submitted_at": start + timedelta(minutes=n),
                }
                for n in range(rows)
            ],
        )
        await uow.commit()


async def test_status_search_uses_the_status_submitted_at_index(db: Database) -> None:
    await fill(db, 3000)
    query = search_statement(status="submitted").limit(20)
    async with db.unit_of_work() as uow:
        connection = await uow.session.connection()
        sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        await connection.execute(text("ANALYZE"))
        if db.dialect == "postgresql":
            plan = (await connection.execute(text(f"EXPLAIN {sql}"))).scalars().all()
        else:
            plan = [row[-1] for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        rows, total = await uow.sessions.search(status="submitted", limit=20)

    assert any(INDEX in line for line in plan), "\n".join(plan)
    assert total == 120
    assert [row.status for row in rows] == [Status.SUBMITTED] * 20
    assert rows[0].submitted_at == datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=2999)

"""A stored status changes only as the review workflow allows."""

from __future__ import annotations

import pytest

from criteria.review import TransitionRefused
from storage import Database, Status

SUPPLIER = 10_000_000_101
EVALUATION = {"qualified": True, "needs_review": False}


async def test_set_status_refuses_a_move_the_workflow_does_not_make(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "王经理")
        draft = await uow.sessions.create(SUPPLIER, {}, {}, None)
        with pytest.raises(
            TransitionRefused, match="cannot move to approved: the session is in_progress"
        ):
            await uow.sessions.set_status(draft, Status.APPROVED)
        await uow.sessions.mark_submitted(draft, EVALUATION, "sintered-wall-2020", 1)
        await uow.sessions.set_status(draft, "rejected")
        with pytest.raises(
            TransitionRefused, match="cannot move to approved: the session is rejected"
        ):
            await uow.sessions.set_status(draft, Status.APPROVED)
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.get(draft.id)
    assert stored is not None
    assert stored.status == Status.REJECTED and stored.decided_at is not None

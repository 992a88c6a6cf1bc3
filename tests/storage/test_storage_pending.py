from __future__ import annotations

from storage import Database


async def test_one_pending_step_per_person_taken_only_with_its_token(db: Database) -> None:
    async with db.unit_of_work() as uow:
        first = await uow.pending.put(
            7, "decision.comment", {"session_id": 3, "decision": "approved"}
        )
        second = await uow.pending.put(7, "threshold.confirm", {"key": "energy.porous_brick"})
        await uow.pending.put(8, "decision.comment", {"session_id": 4})
        await uow.commit()
    assert first.token != second.token

    async with db.unit_of_work() as uow:
        mine = await uow.pending.get(7)
        assert mine is not None and mine.kind == "threshold.confirm"
        assert await uow.pending.take(7, kind="decision.comment") is None
        assert await uow.pending.take(7, token="wrong") is None
        taken = await uow.pending.take(7, kind="threshold.confirm", token=second.token)
        assert taken is not None and taken.payload == {"key": "energy.porous_brick"}
        await uow.commit()

    async with db.unit_of_work() as uow:
        assert await uow.pending.get(7) is None
        other = await uow.pending.get(8)
        assert other is not None and other.payload == {"session_id": 4}
        await uow.pending.clear(8)
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.pending.get(8) is None


async def test_a_notice_is_claimed_once(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(5, "供应商")
        row = await uow.sessions.create(5, state={}, answers={}, current_question=None)
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.notices.claim(row.id, "draft_idle") is True
        assert await uow.notices.claim(row.id, "draft_idle") is False
        assert await uow.notices.claim(row.id, "certificate_expiry", "qms_expiry") is True
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.notices.sent(row.id, "draft_idle")
        assert not await uow.notices.sent(row.id, "reassess")

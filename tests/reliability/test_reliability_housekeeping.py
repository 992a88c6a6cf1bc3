"""The redelivery guard and the inbox forget what is past keeping, in small batches, and
keep what a redelivery or the order of inputs still needs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.services.evidence import EvidenceArchive
from bot.services.housekeeping import GUARD_KEPT, INBOX_KEPT, Housekeeping
from storage import Database, ProcessedUpdate, ReceivedUpdate
from storage.evidence_store import LocalEvidenceStore
from storage.models import utcnow


async def test_old_update_records_go_in_batches_and_recent_ones_stay(
    db: Database, tmp_path: Path
) -> None:
    archive = EvidenceArchive(db, LocalEvidenceStore(tmp_path))
    async with db.unit_of_work() as uow:
        for update_id in range(1, 8):
            await uow.updates.seen(update_id)
            await uow.inbox.receive(update_id, 4242)
        await uow.commit()
    async with db.unit_of_work() as uow:
        now = utcnow()
        await uow.session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id <= 5)
            .values(processed_at=now - GUARD_KEPT - timedelta(minutes=1))
        )
        await uow.session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id <= 3)
            .values(received_at=now - INBOX_KEPT - timedelta(minutes=1))
        )
        await uow.commit()

    assert await Housekeeping(db, archive, batch=2).forget_old_updates() == 5 + 3

    async with db.unit_of_work() as uow:
        guarded = (await uow.session.scalars(select(ProcessedUpdate.update_id))).all()
        received = (await uow.session.scalars(select(ReceivedUpdate.update_id))).all()
        assert await uow.updates.seen(6) is True  # a redelivery of a recent one still caught
    assert sorted(guarded) == [6, 7]
    assert sorted(received) == [4, 5, 6, 7]
    assert await Housekeeping(db, archive, batch=2).forget_old_updates() == 0

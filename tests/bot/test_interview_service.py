"""The interview's transaction reads and steps before it writes: what another writer
changes in between is neither lost nor overwritten, and a redelivery writes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.services.interview import InterviewService
from bot.services.outcome import Who
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from conversations import Engine, InterviewState, TextInput
from storage import Database
from storage.repositories import PeopleRepository
from tests.bot.conftest import TODAY
from tests.conversations.interview_driver import Chat

ENGINE = Engine.default(today=lambda: TODAY)
SUPPLIER = Who(user_id=8301, name="并发砖厂")
DIGEST = "cd" * 32


@pytest.fixture
def service(db: Database) -> InterviewService:
    return InterviewService(db, ENGINE, RulesetProvider(), load_catalogue())


async def switch_to_english_elsewhere(db: Database, owner: int) -> None:
    """Another process's write to the same session: it moves the row's version on."""
    async with db.unit_of_work() as uow:
        row = await uow.sessions.open_for_owner(owner)
        assert row is not None
        result = ENGINE.set_language(InterviewState.model_validate(row.state), "en")
        await uow.sessions.save_progress(
            row,
            state=result.state.model_dump(mode="json"),
            answers=ENGINE.answers_document(result.state),
            current_question=result.state.current,
        )
        await uow.commit()


async def test_a_write_between_the_read_and_the_save_is_kept_and_the_input_applied_again(
    db: Database, service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.start(SUPPLIER, update_id=1)
    visit = PeopleRepository.visit
    reads = 0

    async def visit_then_another_writes(self: PeopleRepository, *args: Any, **kw: Any) -> Any:
        nonlocal reads
        reads += 1
        found = await visit(self, *args, **kw)
        if reads == 1:
            await switch_to_english_elsewhere(db, SUPPLIER.user_id)
        return found

    monkeypatch.setattr(PeopleRepository, "visit", visit_then_another_writes)
    outcome = await service.handle(SUPPLIER, TextInput(text="并发新型墙材有限公司"), update_id=2)

    assert reads == 2  # the stale step was thrown away and done again on a fresh read
    assert outcome.language == "en"
    assert outcome.replies[-1].text.startswith("What is the unified social credit code")
    async with db.unit_of_work() as uow:
        row = await uow.sessions.open_for_owner(SUPPLIER.user_id)
        recorded = await uow.updates.seen(2)
    assert row is not None
    assert row.state["lang"] == "en"
    assert row.company_name == "并发新型墙材有限公司"
    assert row.version == 3  # created, switched elsewhere, answered
    assert recorded


async def test_a_redelivered_input_is_stepped_but_nothing_of_it_is_stored(
    db: Database, service: InterviewService
) -> None:
    await service.start(SUPPLIER, update_id=1)
    first = await service.handle(SUPPLIER, TextInput(text="重投新型墙材有限公司"), update_id=2)
    again = await service.handle(SUPPLIER, TextInput(text="改过的名字"), update_id=2)

    assert first.replies and again.replies == []
    async with db.unit_of_work() as uow:
        row = await uow.sessions.open_for_owner(SUPPLIER.user_id)
    assert row is not None
    assert row.company_name == "重投新型墙材有限公司"
    assert row.version == 2


async def at_certificate_with_its_file(db: Database) -> None:
    """The supplier's session at the QMS certificate, with one stored upload there."""
    chat = Chat(ENGINE)
    chat.answer_until("qms_certificate")
    state = chat.state
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER.user_id, SUPPLIER.name)
        row = await uow.sessions.create(
            SUPPLIER.user_id,
            state=state.model_dump(mode="json"),
            answers=ENGINE.answers_document(state),
            current_question=state.current,
        )
        await uow.evidence.add(
            row.id,
            "qms_certificate",
            "f-1",
            "u-1",
            "证书.pdf",
            "application/pdf",
            10,
            sha256=DIGEST,
        )
        await uow.commit()


async def test_a_certificate_read_while_the_supplier_keeps_answering_is_still_recorded(
    db: Database, service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading arrives beside the supplier's own inputs: however many of their answers
    land between its read and its save, it is applied again on the fresh state."""
    await at_certificate_with_its_file(db)
    visit = PeopleRepository.visit
    reads = 0

    async def visit_then_the_supplier_answers(self: PeopleRepository, *a: Any, **kw: Any) -> Any:
        nonlocal reads
        reads += 1
        found = await visit(self, *a, **kw)
        if reads <= 5:
            await switch_to_english_elsewhere(db, SUPPLIER.user_id)
        return found

    monkeypatch.setattr(PeopleRepository, "visit", visit_then_the_supplier_answers)
    outcome = await service.file_read(SUPPLIER, DIGEST, "证书.pdf", {"expires": "2031-03-01"})

    assert reads == 6
    assert [reply.text for reply in outcome.replies] == [
        "The certificate says valid until 2031/3/1. Is that right?"
    ]
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.open_for_owner(SUPPLIER.user_id)
    assert stored is not None and DIGEST in stored.state["readings"]


async def test_a_reading_waits_for_the_input_in_flight_instead_of_colliding_with_it(
    db: Database, service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await at_certificate_with_its_file(db)
    visit = PeopleRepository.visit
    reads = 0

    async def slow_visit(self: PeopleRepository, *a: Any, **kw: Any) -> Any:
        nonlocal reads
        reads += 1
        found = await visit(self, *a, **kw)
        await asyncio.sleep(0.05)  # the step takes its time; the reading arrives meanwhile
        return found

    monkeypatch.setattr(PeopleRepository, "visit", slow_visit)
    resumed = asyncio.create_task(service.start(SUPPLIER, update_id=5))
    await asyncio.sleep(0.01)
    await service.file_read(SUPPLIER, DIGEST, "证书.pdf", {"expires": "2031-03-01"})
    await resumed

    assert reads == 2  # each read once: neither met the other's write
    async with db.unit_of_work() as uow:
        stored = await uow.sessions.open_for_owner(SUPPLIER.user_id)
        assert await uow.updates.seen(5)
    assert stored is not None and DIGEST in stored.state["readings"]
    assert stored.version == 3  # created, resumed, read
    assert len(service.person_locks) == 0

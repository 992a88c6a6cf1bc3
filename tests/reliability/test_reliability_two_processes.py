"""Two bot processes behind one webhook, sharing one PostgreSQL database: a supplier's
burst of answers, typed without waiting and delivered alternately to the two, lands
every answer on its own question."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from telegram import Update

from bot.settings import Settings
from bot.telegram.app import build_application
from storage import Database, ReceivedUpdate
from tests.bot.conftest import make_services
from tests.conversations.interview_driver import TYPED
from tests.fakebot import FakeTelegram, running_application
from tests.reliability.test_reliability_hostile import place_at

BURST = [
    "company_name",
    "credit_code",
    "contact_person",
    "contact_phone",
    "plant_location",
    "period_start",
    "period_end",
]


@pytest.fixture
async def two_bots(database_url: str, bot_settings: Settings) -> AsyncIterator[list[Any]]:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes share a PostgreSQL database")
    async with (
        running_application(build_application(bot_settings, make_services(bot_settings))) as a,
        running_application(build_application(bot_settings, make_services(bot_settings))) as b,
    ):
        yield [a, b]


def _typed(user: dict[str, Any], update_id: int, message_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
            "text": text,
        },
    }


async def test_a_burst_split_between_two_processes_lands_on_its_own_questions(
    telegram: FakeTelegram, two_bots: list[Any], read_db: Database
) -> None:
    for n in range(3):
        user_id = 720_000 + n
        telegram.user(user_id, "连发")
        await place_at(read_db, user_id, BURST[0])
        user = {"id": user_id, "is_bot": False, "first_name": "连发", "language_code": "zh-hans"}
        for index, question_id in enumerate(BURST):
            app = two_bots[index % 2]
            raw = _typed(user, 50_000 + n * 100 + index, 1_000 + index, TYPED[question_id])
            await app.update_queue.put(Update.de_json(raw, app.bot))
            await asyncio.sleep(0.002)

    async def all_answered() -> bool:
        async with read_db.unit_of_work() as uow:
            for n in range(3):
                (row,) = await uow.sessions.list_for_owner(720_000 + n)
                if not set(BURST) <= set(row.state["answers"]):
                    return False
        return True

    deadline = time.monotonic() + 30
    while not await all_answered():
        assert time.monotonic() < deadline, "the burst was not applied within 30 s"
        await asyncio.sleep(0.1)
    async with read_db.unit_of_work() as uow:
        for n in range(3):
            (row,) = await uow.sessions.list_for_owner(720_000 + n)
            stored = {q: row.state["answers"][q] for q in BURST}
            assert stored == {
                "company_name": TYPED["company_name"],
                "credit_code": TYPED["credit_code"],
                "contact_person": TYPED["contact_person"],
                "contact_phone": TYPED["contact_phone"],
                "plant_location": TYPED["plant_location"],
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
            }


async def test_an_input_that_arrives_after_a_later_one_is_not_applied_to_the_next_question(
    telegram: FakeTelegram, two_bots: list[Any], read_db: Database
) -> None:
    user_id = 720_100
    fake_user = telegram.user(user_id, "迟到")
    await place_at(read_db, user_id, "company_name")
    user = {"id": user_id, "is_bot": False, "first_name": "迟到", "language_code": "zh-hans"}
    a, b = two_bots
    await a.update_queue.put(Update.de_json(_typed(user, 61_010, 2_010, "砖厂甲"), a.bot))
    await fake_user.wait_for("统一社会信用代码")
    await b.update_queue.put(Update.de_json(_typed(user, 61_005, 2_005, "砖厂乙"), b.bot))
    told = await fake_user.wait_for("问题已经往下走了")
    assert told.text.startswith("这条消息到达时，问题已经往下走了")
    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
    assert row.state["answers"]["company_name"] == "砖厂甲"
    assert "credit_code" not in row.state["answers"]
    assert row.state["current"] == "credit_code"


async def test_after_a_week_of_silence_a_lower_update_id_is_not_taken_for_a_late_one(
    telegram: FakeTelegram, two_bots: list[Any], read_db: Database
) -> None:
    """Telegram restarts its numbering at random after a week without updates."""
    user_id = 720_200
    fake_user = telegram.user(user_id, "隔周")
    await place_at(read_db, user_id, "company_name")
    async with read_db.unit_of_work() as uow:
        await uow.inbox.receive(99_000_000, user_id)
        await uow.updates.seen(99_000_000)
        await uow.commit()
    async with read_db.unit_of_work() as uow:
        week_ago = datetime.now(UTC) - timedelta(days=8)
        await uow.session.execute(update(ReceivedUpdate).values(received_at=week_ago))
        await uow.commit()
    user = {"id": user_id, "is_bot": False, "first_name": "隔周", "language_code": "zh-hans"}
    a = two_bots[0]
    await a.update_queue.put(Update.de_json(_typed(user, 62_001, 3_001, "隔周砖厂"), a.bot))
    await fake_user.wait_for("统一社会信用代码")
    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
    assert row.state["answers"]["company_name"] == "隔周砖厂"

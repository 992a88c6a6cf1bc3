"""Reminders come from database state: after a (re)start the due ones go out, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.services import reminders as reminders_module
from bot.services.reminders import Reminders, load_rules, months_before
from bot.services.texts import load_catalogue
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.context import Services
from conversations import Engine
from storage import AssessmentSession, Database, Status
from tests.bot.conftest import TODAY
from tests.conversations.interview_driver import Chat
from tests.fakebot import FakeTelegram, running_application

ENGINE = Engine.default(today=lambda: TODAY)
NOW = datetime.now(UTC)


async def stored_session(db: Database, user_id: int, company: str, **columns: Any) -> int:
    chat = Chat(ENGINE)
    chat.answer_until(None, plan=None)  # a complete interview
    state = chat.state.model_copy(
        update={"answers": {**chat.state.answers, **columns.pop("answers", {})}}
    )
    document = ENGINE.answers_document(state)
    document["enterprise"]["name"] = company
    async with db.unit_of_work() as uow:
        await uow.people.upsert(user_id, company)
        row = await uow.sessions.create(
            user_id, state=state.model_dump(mode="json"), answers=document, current_question=None
        )
        await uow.session.execute(
            update(AssessmentSession).where(AssessmentSession.id == row.id).values(**columns)
        )
        await uow.commit()
        return row.id


async def test_due_reminders_go_out_once_across_restarts(
    telegram: FakeTelegram, bot_settings: Settings, read_db: Database
) -> None:
    in_30_days = (NOW + timedelta(days=30)).date().isoformat()
    await stored_session(read_db, 9301, "久未填写砖厂", updated_at=NOW - timedelta(days=4))
    await stored_session(read_db, 9302, "刚填写砖厂", updated_at=NOW - timedelta(days=1))
    await stored_session(
        read_db,
        9303,
        "一年前通过砖厂",
        status=Status.APPROVED,
        decided_at=months_before(NOW, 12),
        submitted_at=months_before(NOW, 12),
    )
    await stored_session(
        read_db,
        9304,
        "证书将到期砖厂",
        status=Status.SUBMITTED,
        submitted_at=NOW,
        answers={"qms_expiry": in_30_days},
    )
    for user_id in (9301, 9302, 9303, 9304):  # they all talked to the bot before
        telegram.register_chat({"id": user_id, "type": "private", "first_name": "供应商"})
    rules = load_rules().model_copy(update={"first_check_seconds": 1.0})

    def build() -> Any:
        services = Services.create(bot_settings, engine=ENGINE, reminder_rules=rules)
        return build_application(bot_settings, services)

    async with running_application(build()):
        idle = await telegram.user(9301).wait_for("还没有完成")
        renew = await telegram.user(9303).wait_for("将近一年")
        expiring = await telegram.user(9304).wait_for("到期")
    assert "久未填写砖厂" in idle.text and "/start" in idle.text
    assert "一年前通过砖厂" in renew.text
    assert in_30_days in expiring.text and "质量管理体系" in expiring.text
    assert telegram.user(9302).messages == []

    sent_before = len(telegram.calls("sendMessage"))
    async with running_application(build()):  # a restart: the same state, nothing new is due
        await telegram.wait_for_call("setMyCommands")
        await telegram.user(9301).messages_until_idle(idle=0.5)
    assert len(telegram.calls("sendMessage")) == sent_before
    async with read_db.unit_of_work() as uow:
        assert await uow.notices.sent(await _id(read_db, 9301), "draft_idle")


async def _id(db: Database, user_id: int) -> int:
    async with db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
        return row.id


async def test_the_walk_reaches_every_range_of_ids_and_claims_each_reminder_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job reads the sessions a few ids at a time (here two): each due reminder in any
    range is found, and a certificate far from expiry is not."""
    monkeypatch.setattr(reminders_module, "SPAN", 2)
    for n in range(5):
        await stored_session(db, 9400 + n, f"久未填写{n}号砖厂", updated_at=NOW - timedelta(days=5))
    in_10_days = (NOW + timedelta(days=10)).date().isoformat()
    in_400_days = (NOW + timedelta(days=400)).date().isoformat()
    await stored_session(
        db,
        9410,
        "证书将到期砖厂",
        status=Status.SUBMITTED,
        submitted_at=NOW,
        answers={"qms_expiry": in_400_days, "ems_expiry": in_10_days},
    )
    reminders = Reminders(db, ENGINE, load_catalogue(), load_rules())

    notices = await reminders.due(NOW)

    assert sorted(notice.user_id for notice in notices) == [9400, 9401, 9402, 9403, 9404, 9410]
    (expiring,) = [notice for notice in notices if notice.user_id == 9410]
    (reply,) = expiring.replies
    assert in_10_days in reply.text and "环境管理体系" in reply.text
    assert in_400_days not in reply.text
    assert await reminders.due(NOW) == []

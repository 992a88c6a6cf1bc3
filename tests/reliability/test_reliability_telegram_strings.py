"""Strings Telegram forwards are cleaned before they reach the database: a NUL byte in a
name, a broken surrogate in a username, a control character in a file name."""

from __future__ import annotations

from typing import Any

from bot.telegram.inbound import NAME_MAX, clean
from storage import Database
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram
from tests.reliability.test_reliability_hostile import ENGINE


def test_clean_drops_controls_replaces_broken_surrogates_and_bounds_length() -> None:
    assert clean("红砖\x00厂\x1b\x85", 64) == "红砖厂"
    assert clean("行一\n行二\t", 64) == "行一\n行二\t"
    assert clean("a\ud83db", 64) == "a\ufffdb"
    assert clean("长" * 500, NAME_MAX) == "长" * NAME_MAX


async def test_a_nul_in_a_first_name_does_not_lock_the_person_out(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    user_id = 700_101
    user = telegram.user(user_id, "王\x00五", username="wang\x00_5", last_name="砖\x07厂")
    s = TelegramSupplier(user, ENGINE)
    first = await s.start()
    question = s.question_on_screen(first)
    assert question is not None and question.id == ENGINE.bank.questions[0].id
    await s.user.send_text("红砖\x00有限公司")
    second = await s.next_screen()
    assert s.question_on_screen(second) != question
    assert all("出了问题" not in m.text and "暂时不可用" not in m.text for m in [first, second])
    async with read_db.unit_of_work() as uow:
        person = await uow.people.get(user_id)
        (row,) = await uow.sessions.list_for_owner(user_id)
    assert person is not None
    assert person.name == "王五 砖厂"
    assert person.username == "wang_5"
    assert row.state["answers"][question.id] == "红砖有限公司"

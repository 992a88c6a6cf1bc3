"""The supplier's journey through the real bot and a fake Telegram, checked by what they see
and what is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.telegram.context import services_of
from conversations import Engine
from storage import Database, Status
from tests.bot.conftest import TODAY, RunningBot
from tests.bot.telegram_supplier import TelegramSupplier, labels
from tests.conversations.interview_driver import TYPED, VALID_CODE
from tests.fakebot import FakeTelegram

ENGINE = Engine.default(today=lambda: TODAY)


def supplier(telegram: FakeTelegram, user_id: int, name: str = "张三") -> TelegramSupplier:
    return TelegramSupplier(telegram.user(user_id, name), ENGINE)


async def sessions_of(db: Database, user_id: int) -> list[Any]:
    async with db.unit_of_work() as uow:
        return await uow.sessions.list_for_owner(user_id)


async def test_full_interview_by_buttons_and_typing_ends_in_a_cited_verdict(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    zhang = supplier(telegram, 1001)
    await zhang.user.send_command("start")
    greeting = await zhang.user.next_message()
    assert "绿名单" in greeting.text and "营业执照" in greeting.text

    screen = await zhang.next_screen()
    assert "第 1/" in screen.text and zhang.t("section.enterprise") in screen.text
    plan = {"company_name": "冀南 <新型> 墙材 & 砖瓦有限公司"}
    screen = await zhang.answer_until(screen, plan=plan)
    assert zhang.t("review.title") in screen.text
    assert "冀南 <新型> 墙材 & 砖瓦有限公司" in screen.text  # escaped on the way out, intact here
    assert zhang.t("button.submit") in labels(screen)

    await zhang.user.press(zhang.t("button.submit"), screen)
    verdict = await zhang.user.wait_for(zhang.t("chat.verdict_heading"))
    for clause in ("4.1 a)", "4.2.1", "5.1 a)", "5.1 b)", "5.2 a)", "5.3", "5.4"):
        assert clause in verdict.text
    assert "kgce/t" in verdict.text
    await zhang.user.wait_for(zhang.t("submit.done"))

    (row,) = await sessions_of(read_db, 1001)
    assert row.status == Status.SUBMITTED
    assert row.company_name == "冀南 <新型> 墙材 & 砖瓦有限公司"
    assert row.credit_code == VALID_CODE
    assert row.answers["energy"]["output_t"] in (120000, "120000")
    assert Decimal(str(row.answers["raw_materials"]["local_t"])) == Decimal(TYPED["raw_local_t"])
    assert row.evaluation["qualified"] is row.qualified
    assert row.ruleset_id == "sintered-wall-2020" and row.ruleset_version == 1
    async with read_db.unit_of_work() as uow:
        evidence = await uow.evidence.list_for_session(row.id)
    uploaded = {q for q in zhang.asked if ENGINE.bank.question(q).kind in ("file", "link_or_file")}
    assert {e.question_id for e in evidence} == uploaded
    assert all(e.mime_type == "application/pdf" and e.file_size for e in evidence)

    # Submitted means frozen: any further answer gets the notice, nothing changes.
    await zhang.user.send_text("123")
    await zhang.user.wait_for(zhang.t("chat.submitted_frozen"))
    (again,) = await sessions_of(read_db, 1001)
    assert again.answers == row.answers and again.status == Status.SUBMITTED


async def test_restart_in_the_middle_resumes_at_the_same_question(
    telegram: FakeTelegram, run_bot: RunningBot, read_db: Database
) -> None:
    li = supplier(telegram, 2002, "李四")
    async with run_bot():
        screen = await li.start()
        screen = await li.answer_until(screen, stop="raw_total_t")
        before = li.question_on_screen(screen)
        assert before is not None and before.id == "raw_total_t"
    (stored,) = await sessions_of(read_db, 2002)
    assert stored.current_question == "raw_total_t"
    answered = dict(stored.state["answers"])

    async with run_bot():  # a new process: nothing but the database carries over
        await li.user.send_command("start")
        await li.user.wait_for(li.t("chat.welcome_back"))
        screen = await li.next_screen()
        resumed = li.question_on_screen(screen)
        assert resumed is not None and resumed.id == "raw_total_t"
        (after_restart,) = await sessions_of(read_db, 2002)
        assert after_restart.state["answers"] == answered
        screen = await li.answer_until(screen)
        await li.user.press(li.t("button.submit"), screen)
        await li.user.wait_for(li.t("chat.verdict_heading"))
    (done,) = await sessions_of(read_db, 2002)
    assert done.status == Status.SUBMITTED
    assert done.company_name == TYPED["company_name"]


async def test_two_suppliers_at_once_are_kept_apart(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    a = supplier(telegram, 3001, "王五")
    b = supplier(telegram, 3002, "赵六")
    screen_a = await a.start()
    screen_b = await b.start()
    screen_a = await a.answer(screen_a, {"company_name": "甲砖厂"})
    screen_b = await b.answer(screen_b, {"company_name": "乙砖厂"})
    screen_a = await a.answer(screen_a)
    screen_b = await b.answer(screen_b)
    assert (
        a.question_on_screen(screen_a).id == b.question_on_screen(screen_b).id == "contact_person"
    )
    (row_a,) = await sessions_of(read_db, 3001)
    (row_b,) = await sessions_of(read_db, 3002)
    assert (row_a.company_name, row_b.company_name) == ("甲砖厂", "乙砖厂")
    assert row_a.id != row_b.id
    assert all(m.chat_id == 3001 for m in a.user.messages)
    assert all(m.chat_id == 3002 for m in b.user.messages)


async def test_invalid_inputs_are_reprompted_and_lose_nothing(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    sun = supplier(telegram, 4004, "孙七")
    screen = await sun.start()
    screen = await sun.answer(screen, {"company_name": "孙氏砖厂"})
    assert sun.question_on_screen(screen).id == "credit_code"

    await sun.user.send_text("12345")
    reprompt = await sun.next_screen()
    assert sun.question_on_screen(reprompt).id == "credit_code"
    said = "\n".join(m.text for m in sun.user.messages[-3:])
    assert "91" in said  # the re-prompt shows an example of a valid code

    await sun.user.send_sticker()
    await sun.user.wait_for(sun.t("chat.unsupported"))
    still = await sun.next_screen()
    assert sun.question_on_screen(still).id == "credit_code"

    await sun.user.send_command("nonsense")
    await sun.user.wait_for(sun.t("chat.unknown_command"))
    await sun.next_screen()

    await sun.user.send_command("help")
    await sun.next_screen()
    (row,) = await sessions_of(read_db, 4004)
    assert row.company_name == "孙氏砖厂" and row.current_question == "credit_code"
    screen = await sun.answer(still)
    assert sun.question_on_screen(screen).id == "contact_person"


async def test_menus_are_set_per_language_at_start(telegram: FakeTelegram, bot: Any) -> None:
    zh = telegram.commands(scope={"type": "all_private_chats"})
    en = telegram.commands(scope={"type": "all_private_chats"}, language_code="en")
    assert [c["command"] for c in zh][:2] == ["start", "status"]
    assert any("评价" in c["description"] for c in zh)
    assert any("assessment" in c["description"].lower() for c in en)
    assert services_of(bot).settings.database_url

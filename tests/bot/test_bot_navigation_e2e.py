"""Going back, editing from the review, cancelling, switching language, files and /status,
through the real bot and a fake Telegram."""

from __future__ import annotations

from typing import Any

from conversations import Engine
from storage import Database, Status
from tests.bot.conftest import TODAY
from tests.bot.telegram_supplier import TelegramSupplier, labels
from tests.conversations.interview_driver import TYPED
from tests.fakebot import FakeTelegram

ENGINE = Engine.default(today=lambda: TODAY)


async def stored(db: Database, user_id: int) -> list[Any]:
    async with db.unit_of_work() as uow:
        return await uow.sessions.list_for_owner(user_id)


async def test_back_button_returns_to_the_previous_question_with_its_answer(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5001), ENGINE)
    screen = await s.start()
    screen = await s.answer(screen, {"company_name": "回退测试砖厂"})
    await s.user.press(s.t("button.back"), screen)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    assert "回退测试砖厂" in screen.text  # the current answer is shown
    screen = await s.answer(screen, {"company_name": "回退后改名砖厂"})
    assert s.question_on_screen(screen).id == "credit_code"
    (row,) = await stored(read_db, 5001)
    assert row.company_name == "回退后改名砖厂"


async def test_a_press_telegram_no_longer_lets_the_bot_answer_is_still_handled(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    """After downtime the presses waiting for the bot are too old to answer; answering is
    cosmetic (it stops the spinner), so the press itself still counts."""
    s = TelegramSupplier(telegram.user(5009), ENGINE)
    screen = await s.answer_until(await s.start(), stop="product_category")
    telegram.fail_next(
        "answerCallbackQuery",
        error_code=400,
        description="Bad Request: query is too old and response timeout expired or query "
        "ID is invalid",
    )
    screen = await s.answer(screen)
    assert s.asked[-1] == "product_category"
    assert s.question_on_screen(screen).id != "product_category"
    (row,) = await stored(read_db, 5009)
    assert row.product_category == ENGINE.bank.question("product_category").options[0].value


async def test_edit_from_review_changes_one_answer_and_returns_to_review(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5002), ENGINE)
    screen = await s.answer_until(await s.start())
    assert s.t("review.title") in screen.text
    section = s.t("button.edit_section", section=s.t("section.enterprise"))
    await s.user.press(section, screen)
    menu = await s.user.wait_for(lambda m: s.t("q.company_name.label") in labels(m))
    await s.user.press(s.t("q.company_name.label"), menu)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    await s.user.send_text("复核后更名砖厂")
    review = await s.next_screen()
    assert s.t("review.title") in review.text and "复核后更名砖厂" in review.text
    (row,) = await stored(read_db, 5002)
    assert row.company_name == "复核后更名砖厂" and row.status == Status.IN_PROGRESS


async def test_cancel_asks_first_then_deletes_the_draft_and_its_files(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5003), ENGINE)
    screen = await s.answer_until(await s.start(), stop="qms_expiry")
    (row,) = await stored(read_db, 5003)
    async with read_db.unit_of_work() as uow:
        assert await uow.evidence.list_for_session(row.id) == []

    await s.user.send_command("cancel")
    confirm = await s.user.wait_for(s.t("chat.cancel_confirm"))
    await s.user.press(s.t("chat.cancel_no"), confirm)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "qms_expiry"
    assert len(await stored(read_db, 5003)) == 1

    screen = await s.answer_until(screen, stop="environmental_management")
    async with read_db.unit_of_work() as uow:
        files = await uow.evidence.list_for_session(row.id)
    assert [f.question_id for f in files] == ["qms_certificate"]

    await s.user.send_command("cancel")
    confirm = await s.user.wait_for(s.t("chat.cancel_confirm"))
    await s.user.press(s.t("chat.cancel_yes"), confirm)
    await s.user.wait_for(s.t("chat.cancelled"))
    assert await stored(read_db, 5003) == []
    async with read_db.unit_of_work() as uow:
        assert await uow.evidence.list_for_session(row.id) == []


async def test_language_switch_is_remembered(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5004), ENGINE)
    await s.start()
    await s.user.send_command("language", "en")
    english = TelegramSupplier(s.user, ENGINE, lang="en")
    screen = await english.next_screen()
    assert english.question_on_screen(screen).id == "company_name"
    assert "Question 1/" in screen.text
    async with read_db.unit_of_work() as uow:
        person = await uow.people.get(5004)
    assert person is not None and person.language == "en"
    (row,) = await stored(read_db, 5004)
    assert row.state["lang"] == "en"


async def test_english_telegram_users_start_in_english(telegram: FakeTelegram, bot: Any) -> None:
    user = telegram.user(5005, "Alice", language_code="en")
    s = TelegramSupplier(user, ENGINE, lang="en")
    screen = await s.start()
    assert s.question_on_screen(screen).id == "company_name"


async def test_files_photos_and_refusals(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5006), ENGINE)
    screen = await s.answer_until(await s.start(), stop="qms_certificate")

    await s.user.send_document("virus.exe", b"MZ....", "application/x-msdownload")
    await s.user.wait_for("virus.exe")
    await s.user.send_raw(
        document={
            "file_id": "big-file",
            "file_unique_id": "big-unique",
            "file_name": "scan.pdf",
            "mime_type": "application/pdf",
            "file_size": 25 * 1024 * 1024,
        }
    )
    await s.user.wait_for("20 MB")
    await s.user.send_photo()
    done = await s.user.wait_for(lambda m: s.t("button.done") in labels(m))
    await s.user.press(s.t("button.done"), done)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "environmental_management"

    (row,) = await stored(read_db, 5006)
    async with read_db.unit_of_work() as uow:
        files = await uow.evidence.list_for_session(row.id)
    assert [(f.question_id, f.mime_type) for f in files] == [("qms_certificate", "image/jpeg")]


async def test_status_and_a_new_assessment_after_submitting(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(5007), ENGINE)
    screen = await s.answer_until(await s.start())
    await s.user.press(s.t("button.submit"), screen)
    await s.user.wait_for(s.t("submit.done"))

    await s.user.send_command("status")
    status = await s.user.wait_for(s.t("chat.status_heading"))
    assert TYPED["company_name"] in status.text
    assert s.t("chat.status_name.submitted") in status.text

    await s.user.send_command("new")
    await s.user.wait_for(s.t("chat.new_started"))
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    rows = await stored(read_db, 5007)
    assert sorted(r.status for r in rows) == [Status.IN_PROGRESS, Status.SUBMITTED]

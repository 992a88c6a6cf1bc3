"""Going back, editing from the review, cancelling, switching language, files and /status,
through the real bot and a fake Telegram."""

from __future__ import annotations

from typing import Any

from conversations import Engine
from storage import Database, Status
from tests.bot.conftest import TODAY
from tests.bot.shown import offers, shows
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
    await s.user.send_command("back")
    first = await s.user.wait_for(s.t("notice.no_back"))
    assert first.text == "这已经是第一题，无法再返回。"
    screen = await s.next_screen()
    screen = await s.answer(screen, {"company_name": "回退测试砖厂"})
    offers(screen, "⬅️ 返回")
    await s.user.press(s.t("button.back"), screen)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    assert "回退测试砖厂" in screen.text  # the current answer is shown
    shows(screen, "第 1/8 部分 · 企业信息", "当前答案：回退测试砖厂")
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
    offers(screen, "✏️ 企业信息", "📨 提交评价")
    section = s.t("button.edit_section", section=s.t("section.enterprise"))
    await s.user.press(section, screen)
    menu = await s.user.wait_for(lambda m: s.t("q.company_name.label") in labels(m))
    shows(menu, "要修改“企业信息”中的哪一题？", f"企业名称：{TYPED['company_name']}")
    offers(menu, "企业名称", "统一社会信用代码", "↩️ 返回核对")
    await s.user.press(s.t("q.company_name.label"), menu)
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    shows(screen, f"当前答案：{TYPED['company_name']}")
    await s.user.send_text("复核后更名砖厂")
    review = await s.next_screen()
    assert s.t("review.title") in review.text and "复核后更名砖厂" in review.text
    shows(review, "请核对您的答案", "【企业信息】\n企业名称：复核后更名砖厂\n")
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
    assert confirm.text == "确定要放弃本次评价吗？已填写的答案和已上传的文件都将删除。"
    offers(confirm, "确定放弃", "继续填写")
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
    cancelled = await s.user.wait_for(s.t("chat.cancelled"))
    assert cancelled.text == "已放弃本次评价。发送 /new 可以重新开始。"
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
    assert "Part 1/" in screen.text
    shows(screen, "Part 1/8 · Enterprise")
    offers(screen, "❓ Help")
    assert "Switched to English." in {m.text for m in s.user.messages}
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

    shows(
        screen,
        "请上传质量管理体系认证证书（扫描件或照片）。",
        "发送文件或照片（每个不超过 20 MB），发完点“完成”。",
    )
    await s.user.send_document("virus.exe", b"MZ....", "application/x-msdownload")
    refused = await s.user.wait_for("virus.exe")
    shows(refused, "不支持文件“virus.exe”的格式。可接受的格式：PDF, JPG, JPEG, PNG,")
    await s.user.send_raw(
        document={
            "file_id": "big-file",
            "file_unique_id": "big-unique",
            "file_name": "scan.pdf",
            "mime_type": "application/pdf",
            "file_size": 25 * 1024 * 1024,
        }
    )
    # (the question shown again also says 20 MB: wait for the refusal itself)
    await s.user.wait_for("文件“scan.pdf”超过 20 MB，无法接收。请压缩或拆分后重新发送。")
    await s.user.send_photo()
    done = await s.user.wait_for(lambda m: s.t("button.done") in labels(m))
    shows(done, "已收到“", "（共 1 个）。发完点“完成”。")
    offers(done, "✅ 完成", "🗑 清空重传")
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
    (submitted,) = await stored(read_db, 5007)

    await s.user.send_command("status")
    status = await s.user.wait_for(s.t("chat.status_heading"))
    assert TYPED["company_name"] in status.text
    assert s.t("chat.status_name.submitted") in status.text
    assert status.text.startswith("您的评价记录：\n")
    shows(
        status,
        f"#{submitted.id} {TYPED['company_name']} · 烧结多孔砖和多孔砌块 · 已提交，待审核 · "
        "符合绿名单要求 · ",
        "发送 /new 开始新的评价。",
    )

    await s.user.send_command("new")
    started = await s.user.wait_for(s.t("chat.new_started"))
    assert started.text == "已开始新的评价。"
    screen = await s.next_screen()
    assert s.question_on_screen(screen).id == "company_name"
    shows(screen, "第 1/8 部分 · 企业信息", "企业名称是什么？")
    rows = await stored(read_db, 5007)
    assert sorted(r.status for r in rows) == [Status.IN_PROGRESS, Status.SUBMITTED]

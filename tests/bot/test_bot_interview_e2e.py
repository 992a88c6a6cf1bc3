"""The supplier's journey through the real bot and a fake Telegram, checked by what they see
and what is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.telegram.context import services_of
from conversations import Engine
from storage import Database, Status
from tests.bot.conftest import TODAY, RunningBot
from tests.bot.shown import earlier, offers, shows
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
    assert len(greeting.text) < 250  # what a phone screen shows at once
    shows(
        greeting,
        "您好！我是绿名单评价助手",
        "约需 15 分钟，一次一题，答案自动保存，可以随时离开、下次接着填。",
        "请准备：营业执照、管理体系认证证书、连续 12 个月的产量和能耗台账",
    )

    screen = await zhang.next_screen()
    assert "第 1/" in screen.text and zhang.t("section.enterprise") in screen.text
    shows(screen, "第 1/8 部分 · 企业信息", "企业名称是什么？请填写营业执照上的全称。")
    offers(screen, "❓ 说明")
    plan = {"company_name": "冀南 <新型> 墙材 & 砖瓦有限公司"}
    screen = await zhang.answer_until(screen, stop="output_t", plan=plan)

    # What the scripted run went through: a question with buttons, a file and its receipt.
    # Answered, they carry no live buttons: the chat reads as a record. The new screen
    # comes first, then the old buttons go, and nothing else is sent.
    assert await zhang.user.messages_until_idle() == []
    category = earlier(zhang.user, "本次参评的主要产品属于哪一类？")
    shows(category, "第 2/8 部分 · 产品类别")
    assert category.buttons == []
    assert earlier(zhang.user, "企业是否建立并运行质量管理体系").buttons == []
    shows(
        earlier(zhang.user, "请上传质量管理体系认证证书（扫描件或照片）。"),
        "发送文件或照片（每个不超过 20 MB），发完点“完成”。",
    )
    receipt = earlier(zhang.user, "已收到“qms_certificate.pdf”")
    shows(receipt, "已收到“qms_certificate.pdf”（共 1 个）。发完点“完成”。")
    assert receipt.buttons == []
    with_buttons = [m for m in zhang.user.messages if m.buttons]
    assert [zhang.question_on_screen(m).id for m in with_buttons] == ["output_t"]  # type: ignore[union-attr]

    # A number the bot cannot read is refused, naming what was typed, and asked again.
    shows(screen, "第 6/8 部分 · 能源", "评价期内合格产品的产量是多少吨？")
    await zhang.user.send_text("十几万吨吧")
    # One message: the reason, then the same question with its buttons.
    screen = await zhang.user.wait_for(
        "没能读出数字“十几万吨吧”。请只输入一个数，可以带单位（吨、千克、块、立方米）。"
    )
    shows(screen, "第 6/8 部分 · 能源", "评价期内合格产品的产量是多少吨？")
    await zhang.user.send_text("-5 吨")
    screen = await zhang.user.wait_for("数量不能是负数（收到的是“-5 吨”）。例如：120000 或 12万吨")
    assert zhang.question_on_screen(screen).id == "output_t"

    screen = await zhang.answer_until(screen, plan=plan)
    assert zhang.t("review.title") in screen.text
    assert "冀南 <新型> 墙材 & 砖瓦有限公司" in screen.text  # escaped on the way out, intact here
    assert zhang.t("button.submit") in labels(screen)
    shows(
        screen,
        "请核对您的答案",
        "【企业信息】\n企业名称：冀南 <新型> 墙材 & 砖瓦有限公司\n"
        "统一社会信用代码：91130185MA07LQ8K3P",
        "合格产品产量：120,000 吨",
        "全部问题已回答。确认无误请点“提交评价”；需要修改请点对应部分。提交后答案将冻结。",
    )
    offers(screen, "📨 提交评价", "✏️ 企业信息", "✏️ 能源")
    assert await zhang.user.messages_until_idle() == []  # the old buttons gone
    assert [m.text for m in zhang.user.messages if m.buttons] == [screen.text]

    await zhang.user.press(zhang.t("button.submit"), screen)
    verdict = await zhang.user.wait_for(zhang.t("chat.verdict_heading"))
    for clause in ("4.1 a)", "4.2.1", "5.1 a)", "5.1 b)", "5.2 a)", "5.3", "5.4"):
        assert clause in verdict.text
    assert "kgce/t" in verdict.text
    assert verdict.text.startswith("评价结果\n")
    shows(
        verdict,
        "企业：冀南 <新型> 墙材 & 砖瓦有限公司",
        "结论：✅ 符合绿名单要求（基本要求全部满足，评价指标满足 5.1 a)、5.1 b)、5.2 a)",
        "✅ 4.2.1 质量管理体系（GB/T 19001 / ISO 9001）",
        "5.2 a) 满足：E = 37.97 kgce/t ≤ 46 kgce/t（表2 烧结多孔砖和多孔砌块）",
        "5.1 b) 满足：R = m1/m = 50,000 t ÷ 52,000 t = 96.15 % ≥ 95 %",
    )
    done = await zhang.user.wait_for(zhang.t("submit.done"))
    assert done.text == (
        "答案已提交并冻结。绿色供应链评审人员会审核您的材料，结果会在这里通知您。"
        "发送 /status 查看进度。"
    )

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
    frozen = await zhang.user.wait_for(zhang.t("chat.submitted_frozen"))
    shows(frozen, "本次评价已提交，答案已冻结，不能再修改。发送 /status 查看进度")
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
        welcome = await li.user.wait_for(li.t("chat.welcome_back"))
        assert welcome.text == "欢迎回来！您的答案都已保存，我们从上次的位置继续。"
        screen = await li.next_screen()
        resumed = li.question_on_screen(screen)
        assert resumed is not None and resumed.id == "raw_total_t"
        shows(screen, "第 5/8 部分 · 原材料本地化", "评价期内使用的主要原材料总量是多少吨？")
        (after_restart,) = await sessions_of(read_db, 2002)
        assert after_restart.state["answers"] == answered
        screen = await li.answer_until(screen)
        await li.user.press(li.t("button.submit"), screen)
        verdict = await li.user.wait_for(li.t("chat.verdict_heading"))
        shows(verdict, f"企业：{TYPED['company_name']}", "结论：✅ 符合绿名单要求")
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
    for screen in (screen_a, screen_b):
        shows(screen, "本次评价的联系人是谁？")


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
    assert "统一社会信用代码应为 18 位，您输入的是 5 位。例如：91130185MA07LQ8K3P" in said
    shows(reprompt, "请输入统一社会信用代码（18 位，见营业执照）。")

    await sun.user.send_sticker()
    unsupported = await sun.user.wait_for(sun.t("chat.unsupported"))
    assert unsupported.text == "这里只能接收文字、按钮和文件（文档或照片）。"
    still = await sun.next_screen()
    assert sun.question_on_screen(still).id == "credit_code"

    await sun.user.send_command("nonsense")
    unknown = await sun.user.wait_for(sun.t("chat.unknown_command"))
    shows(unknown, "没有这个命令。可用命令：/start /status /review")
    await sun.next_screen()

    await sun.user.send_command("help")
    await sun.user.wait_for("统一社会信用代码共 18 位，由数字和大写字母组成（不含 I、O、Z、S、V）")
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
    assert {"command": "start", "description": "开始或继续评价"} in zh
    assert {"command": "cancel", "description": "放弃本次评价"} in zh
    assert any("assessment" in c["description"].lower() for c in en)
    assert services_of(bot).settings.database_url


async def test_a_plant_that_misses_a_basic_requirement_is_told_which_and_why(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    qian = supplier(telegram, 4005, "钱八")
    screen = await qian.answer_until(
        await qian.start(), plan={"company_name": "钱家窑厂", "white_list": "否"}
    )
    shows(screen, "白名单或环境合规：否")
    await qian.user.press(qian.t("button.submit"), screen)
    verdict = await qian.user.wait_for(qian.t("chat.verdict_heading"))
    # The result and what blocks it come first, with what meeting it takes.
    assert verdict.text.splitlines()[3:7] == [
        "结论：❌ 暂不符合绿名单要求",
        "未满足的基本要求（须全部满足）：",
        "❌ 4.1 b) 在白名单范围内或符合白名单环境合规化要求",
        "   需要：列入白名单，或达到白名单的环境合规化要求",
    ]
    shows(verdict, "企业：钱家窑厂", "✅ 4.1 a) 依法设立、合规生产，近三年无较大事故")
    (row,) = await sessions_of(read_db, 4005)
    assert row.qualified is False and row.status == Status.SUBMITTED

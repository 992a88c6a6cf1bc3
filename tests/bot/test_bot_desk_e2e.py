"""The assessor's desk through the real bot: list, open, fetch evidence, ask for more,
resubmission, approval, notices, refusals for suppliers, export and the PDF report."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from openpyxl import load_workbook

from conversations import Engine
from storage import Database, Role, Status
from tests.bot.conftest import TODAY
from tests.bot.shown import offers, shows
from tests.bot.telegram_supplier import TelegramSupplier, labels
from tests.conversations.interview_driver import TYPED
from tests.fakebot import FakeTelegram, FakeUser

ENGINE = Engine.default(today=lambda: TODAY)
ASSESSOR = 9001


async def grant(db: Database, user_id: int, role: Role, name: str = "审核员老周") -> None:
    async with db.unit_of_work() as uow:
        await uow.people.upsert(user_id, name)
        await uow.people.set_role(user_id, role)
        await uow.commit()


async def submitted_by(telegram: FakeTelegram, user_id: int, company: str) -> TelegramSupplier:
    s = TelegramSupplier(telegram.user(user_id, "供应商"), ENGINE)
    screen = await s.answer_until(await s.start(), plan={"company_name": company})
    await s.user.press(s.t("button.submit"), screen)
    await s.user.wait_for(s.t("submit.done"))
    return s


def t(key: str, **params: object) -> str:
    from bot.services.texts import load_catalogue

    return load_catalogue().text(key, "zh", **params)


async def session_row(db: Database, user_id: int) -> Any:
    async with db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
        return row


async def test_review_round_trip_with_more_information_then_approval(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await grant(read_db, ASSESSOR, Role.ASSESSOR)
    supplier = await submitted_by(telegram, 7001, "审核流程砖厂")
    row = await session_row(read_db, 7001)
    assessor: FakeUser = telegram.user(ASSESSOR, "老周")

    await assessor.send_command("sessions")
    listing = await assessor.wait_for("评审列表")
    assert "审核流程砖厂" in listing.text and "待审核" in listing.text
    shows(
        listing,
        "评审列表 · 状态：已提交，待审核 · 结论：全部 · 类别：全部 · 复核：全部 · "
        "共 1 条 · 第 1/1 页",
        f"#{row.id} 审核流程砖厂 · 烧结多孔砖和多孔砌块 · 符合 · ",
    )
    offers(listing, f"#{row.id} 审核流程砖厂", "状态：已提交，待审核 ▸", "结论：全部 ▸")
    await assessor.press(f"#{row.id}", listing)
    card = await assessor.wait_for(f"评价会话 #{row.id}")
    assert TYPED["credit_code"] in card.text and "5.2 a)" in card.text
    assert "评价规则：房地产行业绿色供应链 烧结墙体材料绿名单评价导则（2020）第 1 版" in card.text
    assert card.text.startswith(f"评价会话 #{row.id} · 已提交，待审核\n")
    shows(
        card,
        "企业：审核流程砖厂（统一社会信用代码 91130185MA07LQ8K3P）",
        "联系人：张伟 · 13812345678",
        "供应商 Telegram 用户：供应商（7001）",
        "结论：✅ 符合绿名单要求（基本要求全部满足",
        "5.2 a) 满足：E = 37.97 kgce/t ≤ 46 kgce/t",
        "证明文件（10）：\n1. qms_certificate.pdf（质量管理体系证书文件，1 KB）",
        "审核记录：暂无",
    )
    offers(
        card,
        "✅ 通过",
        "❌ 不通过",
        "📝 要求补充材料",
        "📎 qms_certificate.pdf",
        "📄 评价报告（PDF）",
        "↩️ 返回列表",
    )

    evidence_button = next(label for label in labels(card) if label.startswith("📎"))
    await assessor.press(evidence_button, card)
    sent = await assessor.wait_for(lambda m: m.method == "sendDocument")
    assert sent.document is not None and sent.document.content.startswith(b"%PDF")

    await assessor.press(t("desk.button.ask_info"), card)
    asked = await assessor.wait_for("请发送对")
    assert asked.text == (
        f"请发送对 #{row.id}（审核流程砖厂）“要求补充材料”的意见，意见会转达给供应商。"
        "点“取消”放弃。"
    )
    offers(asked, "取消")
    await assessor.send_text("请补充 <2024年> 全年电费发票")
    recorded = await assessor.wait_for("已记录")
    assert recorded.text == f"已记录：#{row.id}（审核流程砖厂）要求补充材料。已通知供应商。"
    needs_info = await supplier.user.wait_for("需要补充材料")
    assert "请补充 <2024年> 全年电费发票" in needs_info.text
    shows(
        needs_info,
        f"您的评价 #{row.id}（审核流程砖厂）需要补充材料。\n评审意见：请补充 <2024年> 全年电费发票",
        "请在下面的核对页面修改答案或补充文件，然后重新提交。",
    )
    review = await supplier.user.wait_for(supplier.t("review.title"))
    assert (await session_row(read_db, 7001)).status == Status.NEEDS_INFO

    # The supplier changes one answer from the review screen and submits again.
    section = supplier.t("button.edit_section", section=supplier.t("section.energy"))
    await supplier.user.press(section, review)
    menu = await supplier.user.wait_for(lambda m: supplier.t("q.diesel_kg.label") in labels(m))
    await supplier.user.press(supplier.t("q.diesel_kg.label"), menu)
    await supplier.next_screen()
    await supplier.user.send_text("6000 kg")
    review = await supplier.user.wait_for(supplier.t("review.title"))
    await supplier.user.press(supplier.t("button.submit"), review)
    await supplier.user.wait_for(supplier.t("chat.verdict_heading"))
    told = await assessor.wait_for("重新提交")
    assert f"#{row.id}" in told.text
    shows(
        told,
        f"供应商已补充材料并重新提交：#{row.id}（审核流程砖厂），结论：",
        f"发送 /session {row.id} 查看。",
    )
    resubmitted = await session_row(read_db, 7001)
    assert resubmitted.status == Status.SUBMITTED
    assert resubmitted.answers["energy"]["diesel_kg"] in (6000, "6000")

    await assessor.send_command("session", str(row.id))
    card = await assessor.wait_for(f"评价会话 #{row.id}")
    assert "要求补充材料" in card.text  # the history shows the earlier request
    shows(card, "审核记录：\n", " 要求补充材料：请补充 <2024年> 全年电费发票")
    await assessor.press(t("desk.button.approve"), card)
    await assessor.wait_for(f"请发送对 #{row.id}（审核流程砖厂）“通过”的意见")
    await assessor.send_text("材料齐全，同意纳入")
    recorded = await assessor.wait_for("已记录")
    assert recorded.text == f"已记录：#{row.id}（审核流程砖厂）通过。已通知供应商。"
    approved = await supplier.user.wait_for("审核结果")
    assert "通过" in approved.text and "材料齐全，同意纳入" in approved.text
    assert approved.text == (
        f"您的评价 #{row.id}（审核流程砖厂）审核结果：通过。\n评审意见：材料齐全，同意纳入"
    )

    final = await session_row(read_db, 7001)
    assert final.status == Status.APPROVED and final.decided_at is not None
    async with read_db.unit_of_work() as uow:
        decisions = await uow.reviews.list_for_session(row.id)
        audit = await uow.audit.latest(10)
    assert [d.decision for d in decisions] == ["needs_info", "approved"]
    assert all(d.assessor_id == ASSESSOR for d in decisions)
    assert {"decision.needs_info", "decision.approved"} <= {a.action for a in audit}

    # A decided session is not re-decided without an explicit re-open.
    await assessor.send_command("session", str(row.id))
    card = await assessor.wait_for(f"评价会话 #{row.id}")
    assert t("desk.button.approve") not in labels(card)
    assert t("desk.button.reopen") in labels(card)
    assert card.text.startswith(f"评价会话 #{row.id} · 已通过\n")
    offers(card, "🔓 重新打开")
    assert "✅ 通过" not in labels(card)


async def test_a_rejection_reaches_the_supplier_with_the_reason_after_a_change_of_mind(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await grant(read_db, ASSESSOR, Role.ASSESSOR)
    supplier = await submitted_by(telegram, 7011, "拒绝流程砖厂")
    row = await session_row(read_db, 7011)
    assessor: FakeUser = telegram.user(ASSESSOR, "老周")

    await assessor.send_command("session", str(row.id))
    card = await assessor.wait_for(f"评价会话 #{row.id}")
    await assessor.press(t("desk.button.reject"), card)
    asked = await assessor.wait_for(f"请发送对 #{row.id}（拒绝流程砖厂）“不通过”的意见")
    await assessor.press(t("desk.button.cancel"), asked)
    withdrawn = await assessor.wait_for(t("desk.comment_cancelled"))
    assert withdrawn.text == "已取消，没有做出任何决定。"
    assert (await session_row(read_db, 7011)).status == Status.SUBMITTED

    await assessor.press(t("desk.button.reject"), card)
    await assessor.wait_for("请发送对")
    await assessor.send_text("能耗台账只有 9 个月")
    recorded = await assessor.wait_for("已记录")
    assert recorded.text == f"已记录：#{row.id}（拒绝流程砖厂）不通过。已通知供应商。"
    rejected = await supplier.user.wait_for(t("desk.decision_name.rejected"))
    assert rejected.text == (
        f"您的评价 #{row.id}（拒绝流程砖厂）审核结果：不通过。\n评审意见：能耗台账只有 9 个月"
    )

    await supplier.user.send_command("status")
    status = await supplier.user.wait_for(supplier.t("chat.status_heading"))
    shows(status, f"#{row.id} 拒绝流程砖厂 · 烧结多孔砖和多孔砌块 · 未通过 · 符合绿名单要求 · ")
    final = await session_row(read_db, 7011)
    assert final.status == Status.REJECTED and final.decided_at is not None
    async with read_db.unit_of_work() as uow:
        decisions = await uow.reviews.list_for_session(row.id)
    assert [(d.decision, d.comment) for d in decisions] == [("rejected", "能耗台账只有 9 个月")]


async def test_staff_with_no_comment_asked_of_them_answer_their_own_interview(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    """Typed text from staff goes to the desk first; with nothing pending there it is an
    answer like anyone's (an assessor may run a trial assessment of their own)."""
    await grant(read_db, ASSESSOR, Role.ASSESSOR)
    trial = TelegramSupplier(telegram.user(ASSESSOR, "老周"), ENGINE)
    screen = await trial.start()
    assert trial.question_on_screen(screen) is not None
    screen = await trial.answer(screen, {"company_name": "试评砖厂"})

    assert trial.asked == ["company_name"]
    assert trial.question_on_screen(screen) is not None
    assert (await session_row(read_db, ASSESSOR)).company_name == "试评砖厂"
    async with read_db.unit_of_work() as uow:
        assert await uow.pending.get(ASSESSOR) is None


async def test_suppliers_are_refused_desk_commands_and_forged_buttons(
    telegram: FakeTelegram, bot: Any, read_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.services.access")
    victim = await submitted_by(telegram, 7101, "受害者砖厂")
    row = await session_row(read_db, 7101)
    intruder = TelegramSupplier(telegram.user(7102, "冒充者"), ENGINE)
    await intruder.start()

    for command, args in (
        ("sessions", ""),
        ("session", str(row.id)),
        ("find", "受害者"),
        ("export", ""),
    ):
        await intruder.user.send_command(command, args)
        refusal = await intruder.user.wait_for(t("desk.refused"))
        assert "受害者砖厂" not in refusal.text
        assert refusal.text == "抱歉，您没有评审权限，无法执行此操作。"

    for data in (
        f"as:d:{row.id}:a",
        f"as:s:{row.id}",
        "as:e:1",
        f"as:p:{row.id}",
        "as:l:s:*:*:*:1",
    ):
        telegram.enqueue(
            {
                "callback_query": {
                    "id": f"forged-{data}",
                    "from": intruder.user.as_user(),
                    "chat_instance": "forged",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 7102, "type": "private"},
                    },
                }
            }
        )
        await intruder.user.wait_for(t("desk.refused"))
    assert not any(m.method == "sendDocument" for m in intruder.user.messages)
    unchanged = await session_row(read_db, 7101)
    assert unchanged.status == Status.SUBMITTED
    async with read_db.unit_of_work() as uow:
        assert await uow.reviews.list_for_session(row.id) == []
    assert victim.user.messages[-1].text == victim.t("submit.done")
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.services.access"]
    assert len(refusals) == 9 and all("user 7102" in line for line in refusals)


async def test_filters_find_export_and_report(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await grant(read_db, ASSESSOR, Role.ADMIN)
    await submitted_by(telegram, 7201, "甲级砖厂")
    await submitted_by(telegram, 7202, "乙级砖厂")
    assessor = telegram.user(ASSESSOR, "老周")

    await assessor.send_command("find", TYPED["credit_code"])
    found = await assessor.wait_for("搜索")
    assert "甲级砖厂" in found.text and "乙级砖厂" in found.text
    shows(found, f"搜索“{TYPED['credit_code']}” · 共 2 条 · 第 1/1 页")
    await assessor.send_command("find", "乙级")
    found = await assessor.wait_for("搜索")
    assert "乙级砖厂" in found.text and "甲级砖厂" not in found.text
    shows(found, "搜索“乙级” · 共 1 条 · 第 1/1 页")

    await assessor.send_command("sessions")
    listing = await assessor.wait_for("评审列表")
    status_filter = next(label for label in labels(listing) if label.startswith("状态"))
    await assessor.press(status_filter, listing)
    edited = await assessor.next_edit()
    assert "需补充材料" in edited.text and "甲级砖厂" not in edited.text
    shows(edited, "评审列表 · 状态：需补充材料 · 结论：全部 · ", "没有符合条件的评价会话。")

    await assessor.send_command("export")
    exported = await assessor.wait_for(lambda m: m.method == "sendDocument")
    assert exported.document is not None
    assert exported.text == "评价会话导出（2 条）"
    book = load_workbook(io.BytesIO(exported.document.content), read_only=True)
    cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "甲级砖厂" in cells and "乙级砖厂" in cells

    row = await session_row(read_db, 7201)
    await assessor.send_command("session", str(row.id))
    card = await assessor.wait_for(f"评价会话 #{row.id}")
    await assessor.press(t("desk.button.report"), card)
    report = await assessor.wait_for(lambda m: m.method == "sendDocument")
    assert report.document is not None and report.document.content.startswith(b"%PDF")
    assert report.text == f"#{row.id} 评价报告"


async def test_staff_menus_and_admins_from_settings(
    telegram: FakeTelegram, run_bot: Any, read_db: Database, bot_settings: Any
) -> None:
    await grant(read_db, ASSESSOR, Role.ASSESSOR)
    bot_settings.admin_ids = frozenset({9100})
    async with run_bot():
        desk_menu = telegram.commands(scope={"type": "chat", "chat_id": ASSESSOR})
        admin_menu = telegram.commands(scope={"type": "chat", "chat_id": 9100})
        suppliers = telegram.commands(scope={"type": "all_private_chats"})
    assert desk_menu is not None and admin_menu is not None and suppliers is not None
    assert "sessions" in {c["command"] for c in desk_menu}
    assert "sessions" in {c["command"] for c in admin_menu}
    assert "sessions" not in {c["command"] for c in suppliers}
    async with read_db.unit_of_work() as uow:
        admin = await uow.people.get(9100)
        audit = await uow.audit.latest(5)
    assert admin is not None and admin.role == Role.ADMIN
    assert any(a.action == "role.bootstrap" and a.target == "person:9100" for a in audit)

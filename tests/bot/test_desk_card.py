"""The desk's session card: the desk reads it as data, `bot.reports.card` shows it."""

from __future__ import annotations

from dataclasses import replace

from bot.reports.card import render_card
from bot.services.desk import MAX_EVIDENCE_BUTTONS, AssessorDesk
from bot.services.outcome import Who
from bot.services.session_card import CardEvidence, SessionCard
from bot.services.texts import load_catalogue
from conversations import Engine, InterviewState, Reading, Reply
from storage import Database, Role, Status
from tests.admin.admin_sessions import person, plant, submitted

ENGINE = Engine.default()
CATALOGUE = load_catalogue()
ASSESSOR = 9101


def shown(card: SessionCard) -> Reply:
    return render_card(card, ENGINE, CATALOGUE)


def button_data(reply: Reply) -> list[list[str]]:
    return [[b.data for b in row] for row in reply.buttons]


async def test_a_submitted_session_reads_with_its_verdict_evidence_and_history(
    db: Database,
) -> None:
    await person(db, ASSESSOR, "审核员老周", Role.ASSESSOR)
    seeded = await submitted(db, 7101, plant("甲砖厂", "porous_brick", "45.5"))
    sid = seeded.session_id
    async with db.unit_of_work() as uow:
        await uow.evidence.add(sid, "q_x", "f1", "u1", "检测报告.pdf", "application/pdf", 3 << 20)
        await uow.evidence.add(sid, "q_x", "f2", "uniq-2", None, None, None)
        await uow.reviews.add(sid, ASSESSOR, "needs_info", "请补充检测报告")
        await uow.commit()

    result = await AssessorDesk(db, ENGINE, CATALOGUE).open_session(Who(ASSESSOR, "老周"), sid)

    card = result.card
    assert result.replies == [] and card is not None
    assert (card.status, card.company_name, card.owner_name) == (
        Status.SUBMITTED,
        "甲砖厂",
        "供应商7101",
    )
    assert [(e.name, e.size) for e in card.evidence] == [
        ("检测报告.pdf", 3 << 20),
        ("uniq-2", None),
    ]
    assert [(h.assessor, h.comment) for h in card.history] == [("审核员老周", "请补充检测报告")]
    reply = shown(card)
    assert f"评价会话 #{sid} · 已提交，待审核" in reply.text
    assert "企业：甲砖厂（统一社会信用代码 91130185MA07LQ8K3P）" in reply.text
    assert "5.2 a)" in reply.text and "烧结墙体材料绿名单评价导则（2020）第 1 版" in reply.text
    assert (
        "以下为企业自评结果（系统按企业填报数据评价），待评审人员审核，不是评审决定。" in reply.text
    )
    assert "评审决定：" not in reply.text
    assert "1. 检测报告.pdf（q_x，3 MB）" in reply.text
    assert "2. uniq-2（q_x，—）" in reply.text
    assert "审核员老周 要求补充材料：请补充检测报告" in reply.text
    assert button_data(reply) == [
        [f"as:d:{sid}:a", f"as:d:{sid}:r"],
        [f"as:d:{sid}:i"],
        [f"as:e:{card.evidence[0].id}"],
        [f"as:e:{card.evidence[1].id}"],
        [f"as:p:{sid}"],
        ["as:l:s:*:*:*:1"],
    ]


async def test_a_decided_session_offers_reopening_and_a_draft_shows_its_answers(
    db: Database,
) -> None:
    await person(db, ASSESSOR, "Reviewer", Role.ASSESSOR, lang="en")
    desk = AssessorDesk(db, ENGINE, CATALOGUE)
    decided = await submitted(db, 7102, plant("乙", "hollow_brick", "60"), status=Status.REJECTED)
    await person(db, 7103, "草稿", Role.SUPPLIER)
    state = ENGINE.start(ENGINE.new_state(lang="zh")).state
    async with db.unit_of_work() as uow:
        draft = await uow.sessions.create(
            7103, state.model_dump(mode="json"), ENGINE.answers_document(state), state.current
        )
        await uow.commit()

    rejected = (await desk.open_session(Who(ASSESSOR, "R"), decided.session_id)).card
    assert rejected is not None
    reply = shown(rejected)
    assert f"Session #{decided.session_id} · rejected" in reply.text
    assert "Evidence: none" in reply.text
    assert button_data(reply) == [
        [f"as:o:{decided.session_id}"],
        [f"as:p:{decided.session_id}"],
        ["as:l:s:*:*:*:1"],
    ]

    unsent = (await desk.open_session(Who(ASSESSOR, "R"), draft.id)).card
    assert unsent is not None and unsent.evaluation is None and unsent.draft is not None
    reply = shown(unsent)
    assert CATALOGUE.text("desk.card.not_submitted", "en") in reply.text
    assert button_data(reply) == [["as:l:s:*:*:*:1"]]


async def test_a_decided_card_names_the_decision_and_the_assessor(db: Database) -> None:
    await person(db, ASSESSOR, "审核员老周", Role.ASSESSOR)
    seeded = await submitted(
        db, 7104, plant("丙砖厂", "porous_brick", "60"), status=Status.REJECTED
    )
    async with db.unit_of_work() as uow:
        await uow.reviews.add(seeded.session_id, ASSESSOR, "rejected", "能耗超标")
        await uow.commit()
    desk = AssessorDesk(db, ENGINE, CATALOGUE)
    card = (await desk.open_session(Who(ASSESSOR, "老周"), seeded.session_id)).card
    assert card is not None
    text = shown(card).text
    assert "评审决定：不通过（评审人 审核员老周，" in text
    assert "待评审人员审核" not in text


async def test_an_unknown_session_is_a_reply_not_a_card(db: Database) -> None:
    await person(db, ASSESSOR, "审核员老周", Role.ASSESSOR)
    result = await AssessorDesk(db, ENGINE, CATALOGUE).open_session(Who(ASSESSOR, "老周"), 424242)
    assert result.card is None
    assert [r.text for r in result.replies] == [CATALOGUE.text("desk.not_found", "zh", id=424242)]


def test_evidence_buttons_stop_at_the_limit_while_the_text_lists_every_file() -> None:
    from datetime import UTC, datetime

    many = tuple(CardEvidence(i, f"f{i}.pdf", "q", 2048) for i in range(MAX_EVIDENCE_BUTTONS + 5))
    card = SessionCard(
        lang="zh",
        session_id=5,
        status=Status.NEEDS_INFO,
        company_name=None,
        credit_code=None,
        contact_person="王经理",
        contact_phone=None,
        plant_location=None,
        period_start="2025-01-01",
        period_end=None,
        product_category=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        submitted_at=None,
        owner_id=77,
        owner_name=None,
        evaluation=None,
        draft=None,
        evidence=many,
        history=(),
    )
    reply = shown(card)
    assert "联系人：王经理 · —" in reply.text
    assert "评价期：2025-01-01 至 —" in reply.text
    assert f"{MAX_EVIDENCE_BUTTONS + 5}. f{MAX_EVIDENCE_BUTTONS + 4}.pdf（q，2 KB）" in reply.text
    evidence_rows = [row for row in button_data(reply) if row[0].startswith("as:e:")]
    assert len(evidence_rows) == MAX_EVIDENCE_BUTTONS
    assert button_data(shown(replace(card, evidence=()))) == [["as:l:s:*:*:*:1"]]


async def test_each_file_shows_what_was_read_and_whether_it_matches(db: Database) -> None:
    """matches / differs (how) / unreadable, per file, beside the supplier's answers."""
    await person(db, ASSESSOR, "审核员老周", Role.ASSESSOR)
    seeded = await submitted(
        db, 7111, plant("河南（新郑）华瑞建材有限责任公司", "porous_brick", "45")
    )
    sid = seeded.session_id
    read = {
        "holder": "河南(新郑)华瑞建材有限公司",
        "standard": "GB/T 19001",
        "number": "00124Q31234R2M",
        "expires": "2027-03-01",
    }
    state = InterviewState(
        mode="submitted",
        answers={"qms_certificate_no": "00124Q31234R2M", "qms_expiry": "2027-03-01"},
        readings={
            "a" * 64: Reading(question_id="qms_certificate", fields=read),
            "b" * 64: Reading(question_id="ems_certificate", fields={"expires": "2027-01-03"}),
            "c" * 64: Reading(question_id="cert_miit_file", readable=False),
        },
    )
    async with db.unit_of_work() as uow:
        row = await uow.sessions.get(sid)
        assert row is not None
        await uow.sessions.save_progress(
            row, state=state.model_dump(mode="json"), answers=row.answers, current_question=None
        )
        for digest, question in (("a", "qms_certificate"), ("b", "ems_certificate")):
            await uow.evidence.add(
                sid,
                question,
                f"f{digest}",
                f"u{digest}",
                f"{question}.pdf",
                None,
                1000,
                sha256=digest * 64,
            )
        await uow.evidence.add(
            sid, "cert_miit_file", "fc", "uc", "扫描.jpg", None, 1000, sha256="c" * 64
        )
        await uow.evidence.add(sid, "cert_samr_file", "fd", "ud", "未读.pdf", None, 1000)
        await uow.commit()

    result = await AssessorDesk(db, ENGINE, CATALOGUE).open_session(Who(ASSESSOR, "老周"), sid)
    assert result.card is not None
    text = shown(result.card).text
    assert (
        "   读取：单位名称 河南(新郑)华瑞建材有限公司；依据标准 GB/T 19001；编号 00124Q31234R2M；"
        "有效期至 2027-03-01 —— 与填写一致"
    ) in text
    assert "   读取：有效期至 2027-01-03 —— 无可比对的填写" in text
    assert "   读取：无法读取" in text
    assert text.count("读取：") == 3  # the file not read yet shows nothing

    # An expiry that differs from the typed one says how.
    state.answers["ems_expiry"] = "2027-03-31"
    async with db.unit_of_work() as uow:
        row = await uow.sessions.get(sid)
        assert row is not None
        await uow.sessions.save_progress(
            row, state=state.model_dump(mode="json"), answers=row.answers, current_question=None
        )
        await uow.commit()
    result = await AssessorDesk(db, ENGINE, CATALOGUE).open_session(Who(ASSESSOR, "老周"), sid)
    assert result.card is not None
    assert (
        "   读取：有效期至 2027-01-03 —— 不一致："
        "有效期至：文件上是“2027-01-03”，填写的是“2027-03-31”"
    ) in shown(result.card).text


async def test_an_export_over_what_a_chat_can_send_points_to_the_command_line(
    db: Database,
) -> None:
    from bot.services.desk import ExportRequest
    from bot.telegram.desk_handlers import BOT_API_SEND_LIMIT

    desk = AssessorDesk(db, ENGINE, CATALOGUE)
    workbook = b"x" * (BOT_API_SEND_LIMIT + 3 * 1024 * 1024)
    result = desk.exported(ExportRequest(None, "zh"), workbook, 100_000, BOT_API_SEND_LIMIT)
    assert result.document is None
    assert [reply.text for reply in result.replies] == [
        "100,000 条评价的导出文件有 53 MB，超过聊天中可发送的 50 MB。"
        "请在服务器上运行 greenlist export（可加 --status 或 --since 缩小范围）取得文件。"
    ]
    fits = desk.exported(ExportRequest(None, "zh"), b"PK", 2, BOT_API_SEND_LIMIT)
    assert fits.document is not None and fits.document.caption == "评价会话导出（2 条）"

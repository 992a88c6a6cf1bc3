"""Cross-field and skip rules: answers that must agree, and what a changed answer undoes."""

from __future__ import annotations

from interview_driver import typed
from interview_plans import ENGINE, at, completed, refused

from conversations import FilesCleared

# -- answers that must agree ----------------------------------------------------------------


def test_the_evaluation_period_is_twelve_consecutive_past_months() -> None:
    chat = at("period_start")
    error = refused(chat, "2025-07")
    assert "2025-07 还没有结束" in error
    error = refused(chat, "2024-08")
    assert error.startswith("从 2024-08 开始的连续 12 个月要到 2025-07 才结束。")
    error = refused(chat, "some time")
    assert error == "没能读出月份“some time”。请按“年-月”填写。例如：2024-06（或 2024年6月）"
    chat.text("2024年3月")
    assert chat.state.answers["period_start"] == "2024-03-01"
    # The end has one valid value: derived and shown, not asked.
    assert chat.state.answers["period_end"] == "2025-02-28"
    assert chat.replies[0].text == "评价期结束：2025-02（连续 12 个月）"
    assert chat.current == "product_category"
    assert ENGINE.answers_document(chat.state)["enterprise"]["period_end"] == "2025-02-28"


def test_waste_shares_cannot_add_up_to_more_than_100() -> None:
    chat = at(
        "fly_ash_pct", {"waste_types": typed("煤矸石、粉煤灰"), "coal_gangue_pct": typed("60")}
    )
    error = refused(chat, "50")
    assert "与“煤矸石掺加量”合计为 110%，超过了 100%" in error
    chat.text("40")
    assert chat.state.answers["fly_ash_pct"] == "40"


def test_local_raw_materials_cannot_exceed_the_total() -> None:
    chat = at("raw_local_t", {"raw_total_t": typed("5.2万吨")})
    error = refused(chat, "60000")
    assert "不能大于“主要原材料总量（不含固废）”的答案（52,000 吨）" in error
    chat.text("52000")
    assert chat.state.answers["raw_local_t"] == "52000"


# -- when an earlier answer changes ---------------------------------------------------------


def test_changing_an_answer_drops_the_follow_ups_and_their_files() -> None:
    chat = at("environmental_management")
    assert "qms_certificate" in chat.state.answers
    for _ in range(7):
        chat.command("back")
    chat.press("iv:a:quality_management:n")
    assert FilesCleared(question_id="qms_certificate") in chat.result.effects
    assert chat.replies[0].text.startswith("以下问题因您的修改不再适用，其答案已删除：")
    assert (
        "质量管理体系证明方式、质量管理体系证书编号、质量管理体系证书发证机构、质量管理体系证书发证日期、"
        "质量管理体系证书有效期至、质量管理体系证书文件" in chat.replies[0].text
    )
    for gone in (
        "qms_proof",
        "qms_certificate_no",
        "qms_issuer",
        "qms_issued",
        "qms_expiry",
        "qms_certificate",
    ):
        assert gone not in chat.state.answers


def test_an_edit_that_breaks_a_later_answer_asks_it_again() -> None:
    chat = completed()
    chat.tap("✏️ 原材料本地化")
    chat.tap("主要原材料总量（不含固废）")
    chat.text("40000")
    assert chat.replies[0].text == (
        "“100 km 内原材料用量”原来的答案（50,000 吨）与刚修改的答案不再一致，请稍后重新回答。"
    )
    assert chat.current == "raw_local_t"
    chat.text("39000")
    assert chat.state.mode == "review"
    assert ENGINE.answers_document(chat.state)["raw_materials"]["local_t"] == 39000

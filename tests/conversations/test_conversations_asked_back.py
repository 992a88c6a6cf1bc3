"""Figures a brick plant cannot have, asked back as they are given, and certificates'
details carried into the evidence the verdict weighs: through the interview to the verdict."""

from __future__ import annotations

from interview_driver import TODAY, Chat, press, typed
from interview_plans import ENGINE, NOT_QUALIFIED, at, completed, submit

from conversations import Input

# A plant reporting its energy as a total, 120,000 t of output.
TOTAL: dict[str, list[Input]] = {**NOT_QUALIFIED, "output_t": typed("120000")}
PER_TONNE_SLIP: dict[str, list[Input]] = {**TOTAL, "total_kgce": typed("46")}

ASKED_BACK_TOTAL = (
    "您填写的综合能耗总量是 46 千克标准煤，产量是 120,000 吨：折合每吨产品还不到 1 千克标准煤，"
    "而这个数本身像是每吨产品的能耗。\n\n"
    "您填写的是每吨产品的能耗吗？是的话请点“改填”，填写评价期内的总量（每吨能耗 × 产量）；"
    "数字确实无误请点“数字无误”。"
)
ASKED_BACK_ELECTRICITY = (
    "您只填写了电力，但窑炉是外燃（燃料从窑外投入）：烧砖离不开燃料（煤、天然气或掺入坯体的内燃料），"
    "只有电的能耗低得不可能。\n\n"
    "燃料是不是漏填了？漏填请点“改填”补上；确实只用电请点“数字无误”。"
)


def _progress(chat: Chat) -> int:
    return ENGINE.progress(chat.state)[0]


def _asked_back_on_46() -> Chat:
    chat = at("total_kgce", PER_TONNE_SLIP)
    chat.text("46")
    assert chat.current == "energy_check"
    assert chat.last.text == ASKED_BACK_TOTAL
    assert chat.last.button_labels()[:2] == ["数字无误", "改填"]
    return chat


def test_a_total_that_looks_per_tonne_is_asked_back_and_confirmed_is_flagged() -> None:
    chat = _asked_back_on_46()
    section = _progress(chat)
    chat.tap("数字无误")
    assert chat.current == "energy_management"
    assert _progress(chat) >= section
    assert ENGINE.answers_document(chat.state)["energy"]["plausibility_confirmed"] is True
    chat.answer_until(None, PER_TONNE_SLIP)
    assert "能耗数字核对：数字无误" in chat.last.text
    evaluation = submit(chat).evaluation
    assert evaluation["needs_review"] is True
    reasons = [str(reason["text"]) for reason in evaluation["review_reasons"]]  # type: ignore[index, union-attr]
    assert any(
        reason.startswith(
            "供应商确认数字无误，请对照能源台账核实。原提示：填报的综合能耗总量 46 kgce"
        )
        for reason in reasons
    )


def test_a_corrected_total_is_used_and_nothing_is_flagged() -> None:
    chat = _asked_back_on_46()
    section = _progress(chat)
    chat.tap("改填")
    assert chat.current == "total_kgce"
    assert "当前答案：46 千克标准煤" in chat.last.text
    assert _progress(chat) == section
    chat.text("5520 tce")
    assert chat.current == "energy_management"
    assert "energy_check" not in chat.state.answers
    chat.answer_until(None, PER_TONNE_SLIP)
    document = ENGINE.answers_document(chat.state)
    assert document["energy"]["total_kgce"] == 5520000
    assert "plausibility_confirmed" not in document["energy"]
    evaluation = submit(chat).evaluation
    codes = [reason["code"] for reason in evaluation["review_reasons"]]  # type: ignore[index, union-attr]
    assert not [code for code in codes if "tonne" in str(code) or "confirmed" in str(code)]
    assert evaluation["metrics"]["unit_energy_kgce_per_t"] == "46"  # type: ignore[index, call-overload]


def test_typed_replies_answer_the_question_asked_back() -> None:
    chat = _asked_back_on_46()
    chat.text("填错了")
    assert chat.current == "total_kgce"
    chat.text("46")
    assert chat.last.text == ASKED_BACK_TOTAL
    chat.text("数字无误")
    assert chat.current == "energy_management"


def test_a_confirmation_goes_when_the_figure_changes() -> None:
    chat = _asked_back_on_46()
    chat.tap("数字无误")
    chat.answer_until(None, PER_TONNE_SLIP)
    chat.tap("✏️ 能源")
    chat.tap("综合能耗总量")
    chat.text("47")
    assert chat.current == "energy_check"
    assert "energy_check" not in chat.state.answers
    assert "plausibility_confirmed" not in ENGINE.answers_document(chat.state)["energy"]


ELECTRICITY_ONLY: dict[str, list[Input]] = {
    "output_t": typed("120000"),
    "kiln_firing": press("iv:a:kiln_firing:external"),
    "energy_mode": press("iv:a:energy_mode:carriers"),
    "energy_carriers": press("iv:t:energy_carriers:none") + press("iv:d:energy_carriers"),
}


def test_electricity_only_on_a_coal_fired_kiln_is_asked_back() -> None:
    chat = at("energy_carriers", ELECTRICITY_ONLY)
    for inp in ELECTRICITY_ONLY["energy_carriers"]:
        chat.send(inp)
    assert chat.current == "energy_check"
    assert chat.last.text == ASKED_BACK_ELECTRICITY
    chat.tap("改填")
    assert chat.current == "energy_carriers"
    chat.press("iv:t:energy_carriers:raw_coal")
    chat.press("iv:d:energy_carriers")
    assert chat.current == "raw_coal_kg"
    chat.text("6000吨")
    assert chat.current == "energy_management"


# -- certificates and reports ---------------------------------------------------------------


def test_an_expired_certificate_fails_its_clause_with_the_reason() -> None:
    yesterday = TODAY.replace(day=TODAY.day - 1).isoformat()
    chat = completed({"qms_expiry": typed(yesterday)})
    evaluation = submit(chat).evaluation
    clause = evaluation["clauses"]["4.2.1"]  # type: ignore[index, call-overload]
    assert clause["passed"] is False
    assert (
        f"证书或报告 00124Q31234R2M 有效期至 {yesterday}，评价日 {TODAY.isoformat()} 已过期"
        in clause["reason"]
    )
    assert evaluation["evaluated_on"] == TODAY.isoformat()


def test_details_not_known_leave_the_evidence_incomplete_and_flagged() -> None:
    chat = at("qms_issuer")
    assert "⏭ 跳过" in chat.last.button_labels()
    chat.text("不知道")
    assert chat.current == "qms_issued"
    assert chat.state.answers["qms_issuer"] is None
    chat.text("不清楚")
    chat.answer_until(None)
    item = ENGINE.answers_document(chat.state)["evidence"]["quality_management"]
    assert item == {
        "number": "00124Q31234R2M",
        "expires": "2026-06-30",
        "kind": "certificate",
        "file": "u-qms_certificate.pdf",
    }
    evaluation = submit(chat).evaluation
    clause = evaluation["clauses"]["4.2.1"]  # type: ignore[index, call-overload]
    assert clause["passed"] is True and clause["needs_review"] is True
    assert (
        "企业声明，证据不完整（缺少：发证机构或检测机构、发证日期或报告日期）" in clause["reason"]
    )
    assert evaluation["needs_review"] is True


def test_complete_details_evidence_every_claim() -> None:
    evaluation = submit(completed()).evaluation
    clauses = evaluation["clauses"]
    for clause in ("4.2.1", "4.2.2", "5.2b"):
        assert clauses[clause]["values"]  # type: ignore[index, call-overload]
        evidence = [
            value
            for key, value in clauses[clause]["values"].items()  # type: ignore[index, call-overload]
            if key.endswith("_evidence")
        ]
        assert evidence == ["evidenced"], clause


def test_the_report_details_are_asked_after_the_report() -> None:
    chat = at("report_lab")
    assert chat.last.text.startswith("出具检测报告的检测机构是？")
    chat.text("河北省建筑材料产品质量检验检测中心")
    assert chat.last.text.startswith("检测报告上的 CMA 编号是？")
    chat.text("170312340123")
    assert chat.last.text.startswith("检测报告的报告日期是哪天？")
    chat.text("2025-01-10")
    assert chat.last.text.startswith("报告测得的固体废弃物掺加量是百分之多少？")
    chat.text("85%")
    assert chat.current == "waste_report_file"


def test_a_system_shown_by_its_manual_and_audits_passes_for_the_assessor_to_judge() -> None:
    chat = at("qms_proof")
    assert chat.last.button_labels()[:2] == ["认证证书", "体系手册和内审记录"]
    chat.tap("体系手册和内审记录")
    assert chat.last.text.startswith("最近一次内部审核是哪天？")
    chat.text("2025-03-20")
    assert chat.last.text.startswith("请上传质量管理体系手册和最近一次内审记录（扫描件或照片）。")
    chat.answer_until(None)
    item = ENGINE.answers_document(chat.state)["evidence"]["quality_management"]
    assert item == {
        "kind": "manual_and_audit",
        "issued": "2025-03-20",
        "file": "u-qms_manual_file.pdf",
    }
    clause = submit(chat).evaluation["clauses"]["4.2.1"]  # type: ignore[index, call-overload]
    assert clause["passed"] is True and clause["needs_review"] is True
    assert "2025-03-20" in clause["reason"]


def test_output_and_energy_an_order_apart_go_back_to_the_output() -> None:
    plan: dict[str, list[Input]] = {**TOTAL, "output_t": typed("1200000")}
    chat = at("total_kgce", plan)
    chat.text("5520 tce")
    assert chat.current == "energy_check"
    assert chat.last.text.startswith(
        "按您填写的产量（1,200,000 吨）和能耗，每吨产品的能耗不在烧结砖厂可能的范围内，"
        "可能是单位填混了（如吨和千克、万吨和吨）。"
    )
    section = _progress(chat)
    chat.tap("改填")
    assert chat.current == "output_t"
    assert _progress(chat) == section
    chat.text("120000")
    chat.answer_until("energy_management", plan)
    assert "energy_check" not in chat.state.answers
    assert chat.state.answers["energy_flag"] == "plausible"


def test_a_date_of_issue_yet_to_come_is_refused_with_a_date_from_today() -> None:
    chat = at("qms_issued")
    chat.text("2030-01-01")
    assert chat.current == "qms_issued"
    assert chat.last.text.startswith(
        "2030-01-01 还没到。发证日期、报告日期或内审日期应是已经过去的日子。"
        f"例如：{TODAY.year - 1}-06-30（或 {TODAY.year - 1}年6月30日）"
    )


def test_a_draft_from_before_the_proof_question_keeps_its_certificate() -> None:
    chat = at("environmental_management")
    draft = chat.state.model_copy(deep=True)
    for added in ("qms_proof", "qms_issuer", "qms_issued", "energy_flag"):
        draft.answers.pop(added, None)
    resumed = ENGINE.resume(draft)
    assert resumed.effects == []
    answers = resumed.state.answers
    assert answers["qms_proof"] == "certificate"
    assert answers["qms_certificate_no"] == "00124Q31234R2M"
    assert answers["qms_certificate"] == draft.answers["qms_certificate"]
    assert resumed.state.current == "environmental_management"

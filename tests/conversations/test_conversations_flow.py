"""Whole interviews: the review, edits from it, submitting, verdicts, and resuming from JSON."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml
from interview_driver import TODAY, Chat, inputs_for, pdf, press, typed
from interview_plans import ENGINE, NOT_QUALIFIED, RULESET, completed, submit

from conversations import (
    AnswerAccepted,
    Catalogue,
    ChoiceInput,
    Command,
    Engine,
    FilesCleared,
    Input,
    InterviewState,
    Submitted,
    TextInput,
)
from conversations.bank import QuestionBank
from criteria import Evaluation

# A plant that passes every basic requirement but no indicator: no solid waste, 80 % local
# raw materials, 60 kgce/t, and no certification of any kind.

# The same qualified plant as the default plan, every button question answered by typing.


# -- submitting -----------------------------------------------------------------------------


def test_a_qualified_plant_is_judged_qualified() -> None:
    chat = completed()
    submitted = submit(chat)
    assert submitted.evaluation["qualified"] is True
    assert submitted.answers == ENGINE.answers_document(chat.state)
    assert chat.state.mode == "submitted"
    verdict = chat.replies[0].text
    assert verdict.startswith("评价结果\n\n")
    assert "符合绿名单要求" in verdict
    assert "5.1 a)" in verdict
    assert chat.last.text.startswith("答案已提交并冻结")


def test_a_plant_that_meets_no_indicator_is_judged_not_qualified() -> None:
    chat = completed(NOT_QUALIFIED)
    evaluation = Evaluation.model_validate(submit(chat).evaluation)
    assert evaluation.qualified is False
    assert evaluation.metrics.unit_energy_kgce_per_t is not None
    assert not any(evaluation.clauses[c].passed for c in ("5.1a", "5.1b", "5.2a", "5.4"))
    assert "❌" in chat.replies[0].text


def test_a_plant_missing_a_basic_requirement_is_not_qualified() -> None:
    chat = completed({"white_list": press("iv:a:white_list:n")})
    evaluation = Evaluation.model_validate(submit(chat).evaluation)
    assert evaluation.qualified is False
    assert evaluation.clauses["4.1b"].passed is False


def test_the_verdict_comes_in_the_supplier_language() -> None:
    chat = completed(lang="en")
    submit(chat)
    assert chat.replies[0].text.startswith("Assessment result\n\n")
    assert "Your answers are submitted and frozen" in chat.last.text


@pytest.mark.parametrize(
    "inp",
    [
        TextInput(text="我想修改"),
        ChoiceInput(data="iv:rv:sec:basic"),
        Command(name="back"),
        Command(name="cancel"),
        Command(name="language", arg="en"),
        pdf("late.pdf"),
    ],
)
def test_a_submitted_interview_is_frozen(inp: Input) -> None:
    chat = completed()
    submit(chat)
    frozen = chat.state.model_dump(mode="json")
    chat.send(inp)
    assert [r.text for r in chat.replies] == [ENGINE.catalogue.text("chat.submitted_frozen", "zh")]
    assert chat.result.effects == []
    assert chat.state.model_dump(mode="json") == frozen


def test_reopening_returns_to_the_review_for_more_information() -> None:
    chat = completed()
    submit(chat)
    chat.result = ENGINE.reopen(chat.state)
    assert chat.state.mode == "review"
    assert chat.last.text.startswith("请核对您的答案")
    chat.tap("✏️ 原材料本地化")
    chat.tap("原材料证明文件")
    chat.upload(pdf("ledger-2024.xlsx"))
    chat.tap("完成")
    assert chat.state.mode == "review"
    assert "原材料证明文件：raw_evidence_file.pdf、ledger-2024.xlsx" in chat.last.text
    assert submit(chat).evaluation["qualified"] is True


def test_answers_criteria_refuses_send_the_supplier_to_the_question_that_feeds_them() -> None:
    data = yaml.safe_load(
        resources.files("conversations").joinpath("data/questions.yaml").read_text("utf-8")
    )
    data = copy.deepcopy(data)
    output = next(q for q in data["questions"] if q["id"] == "output_t")
    output["min_exclusive"] = False  # the bank lets 0 through; criteria does not
    engine = Engine(QuestionBank.model_validate(data), Catalogue.load(), today=lambda: TODAY)
    chat = Chat(engine)
    chat.answer_until(None, {"output_t": typed("0")})
    chat.tap("提交")
    chat.result = engine.submit(chat.state, RULESET)
    assert not any(isinstance(e, Submitted) for e in chat.result.effects)
    assert chat.replies[0].text == "提交前需要修正：已填报能源消耗量，合格产品产量必须大于 0。"
    assert "当前答案：0 吨" in chat.last.text
    assert chat.state.mode == "interview"
    assert chat.current == "output_t"
    chat.text("120000")
    assert chat.state.mode == "review"
    chat.tap("提交")
    chat.result = engine.submit(chat.state, RULESET)
    assert any(isinstance(e, Submitted) for e in chat.result.effects)


def test_submitting_with_questions_unanswered_asks_them_first() -> None:
    chat = Chat(ENGINE)
    chat.answer_until("white_list")
    chat.command("review")
    result = ENGINE.submit(chat.state, RULESET)
    assert result.effects == []
    assert result.replies[0].text == "还有问题没有回答，请先回答。"
    assert result.state.current == "white_list"


# -- the review -----------------------------------------------------------------------------


def test_typing_at_the_review_points_to_the_buttons() -> None:
    chat = completed()
    chat.text("好的")
    assert chat.replies[0].text == "请使用下方按钮：修改某一部分，或提交评价。"
    assert chat.state.mode == "review"
    chat.command("help")
    assert chat.replies[0].text.startswith("这里汇总了您的全部答案")


def test_the_review_mid_way_lets_the_supplier_continue() -> None:
    chat = Chat(ENGINE)
    chat.answer_until("white_list")
    chat.command("review")
    assert chat.state.mode == "review"
    assert "白名单或环境合规：（未回答）" in chat.last.text
    missing = len([q for q in ENGINE.bank.applicable(chat.state.answers)]) - len(chat.state.answers)
    assert f"还有 {missing} 题未回答" in chat.last.text
    assert chat.last.button_labels()[-1] == "▶️ 继续作答"
    assert "iv:rv:submit" not in chat.last.button_data()
    chat.tap("继续作答")
    assert chat.current == "white_list"


def test_edit_opens_newly_applicable_follow_ups_before_returning() -> None:
    chat = completed({"quality_management": press("iv:a:quality_management:n")})
    assert "质量管理体系证书编号" not in chat.last.text
    chat.tap("✏️ 基本要求")
    assert chat.state.mode == "choosing_edit"
    assert chat.last.text.startswith("要修改“基本要求”中的哪一题？")
    assert chat.last.button_labels()[-1] == "↩️ 返回核对"
    chat.tap("质量管理体系（GB/T 19001 / ISO 9001）")
    assert chat.current == "quality_management"
    assert "当前答案：否" in chat.last.text
    chat.press("iv:a:quality_management:y")
    assert chat.current == "qms_proof"
    chat.tap("认证证书")
    assert chat.current == "qms_certificate_no"
    chat.text("00124Q31234R2M")
    chat.text("中国质量认证中心")
    chat.text("2024-01-31")
    chat.text("2027-01-31")
    chat.upload(pdf("qms.pdf"))
    chat.tap("完成")
    assert chat.state.mode == "review"
    assert "\n质量管理体系证书有效期至：2027-01-31\n" in chat.last.text
    assert chat.state.answers["environmental_management"] is True


def test_edit_that_removes_follow_ups_clears_their_answers_and_files() -> None:
    chat = completed()
    chat.tap("✏️ 基本要求")
    chat.tap("质量管理体系（GB/T 19001 / ISO 9001）")
    chat.press("iv:a:quality_management:n")
    assert FilesCleared(question_id="qms_certificate") in chat.result.effects
    assert AnswerAccepted(question_id="quality_management") in chat.result.effects
    assert chat.state.mode == "review"
    assert "质量管理体系证书" not in chat.last.text
    assert ENGINE.answers_document(chat.state)["basic"]["quality_management"] is False


def test_edit_that_turns_off_a_whole_section_of_waste_questions() -> None:
    chat = completed()
    chat.tap("✏️ 固体废弃物")
    chat.tap("掺加的固体废弃物")
    assert chat.state.selection == ["coal_gangue"]
    assert chat.last.button_labels()[0] == "✅ 煤矸石"
    chat.press("iv:t:waste_types:none")
    chat.tap("完成")
    assert FilesCleared(question_id="waste_report_file") in chat.result.effects
    assert chat.state.mode == "review"
    assert ENGINE.answers_document(chat.state)["solid_waste"] == {
        "coal_gangue_pct": 0,
        "fly_ash_pct": 0,
        "other_pct": 0,
        "third_party_report": False,
    }


def test_back_from_an_edit_and_keep_both_return_to_the_review() -> None:
    chat = completed()
    answers = dict(chat.state.answers)
    chat.tap("✏️ 企业信息")
    chat.tap("联系人")
    chat.command("back")
    assert chat.state.mode == "review"
    chat.tap("✏️ 企业信息")
    chat.tap("联系人")
    chat.tap("保留当前答案")
    assert chat.state.mode == "review"
    chat.tap("✏️ 企业信息")
    chat.tap("返回核对")
    assert chat.state.mode == "review"
    assert chat.state.answers == answers


def test_back_from_the_review_goes_to_the_last_question() -> None:
    chat = completed()
    chat.command("back")
    assert chat.current == ENGINE.bank.applicable(chat.state.answers)[-1].id
    chat.tap("保留当前答案")
    assert chat.state.mode == "review"


def test_review_buttons_are_stale_once_the_review_is_left() -> None:
    chat = completed()
    chat.tap("✏️ 企业信息")
    chat.tap("联系人")
    chat.press("iv:rv:submit")
    assert chat.replies[0].text.startswith("这个按钮来自较早的消息")
    assert chat.result.effects == []
    chat.press("iv:ed:company_name")
    assert chat.current == "contact_person"


def test_cancel_at_the_review_and_decline_returns_to_the_review() -> None:
    chat = completed()
    chat.command("cancel")
    chat.press("iv:cc:n")
    assert chat.state.mode == "review"
    assert chat.last.text.startswith("请核对您的答案")


def test_resume_at_the_review_shows_the_review() -> None:
    chat = completed()
    result = ENGINE.resume(chat.state)
    assert result.replies[0].text.startswith("欢迎回来")
    assert result.replies[-1].text.startswith("请核对您的答案")


# -- resuming from JSON ---------------------------------------------------------------------


def test_every_state_survives_json_and_continues_identically() -> None:
    """Two suppliers answer alike; one's state goes through JSON text after every step."""
    direct = Chat(ENGINE)
    stored = Chat(ENGINE, through_json=True)
    plan: dict[str, list[Input]] = {
        "waste_types": press("iv:t:waste_types:coal_gangue")
        + press("iv:t:waste_types:other")
        + press("iv:d:waste_types"),
        "coal_gangue_pct": typed("60"),
        "other_waste_pct": typed("25%"),
        "natural_gas_m3": [Command(name="skip")],
        "white_list": [Command(name="help"), ChoiceInput(data="iv:a:white_list:y")],
        "metering": [TextInput(text="maybe"), ChoiceInput(data="iv:a:metering:y")],
        "diesel_kg": [Command(name="back"), TextInput(text="0"), TextInput(text="8吨")],
        "cert_miit_file": [pdf("a.pdf"), pdf("b.pdf"), ChoiceInput(data="iv:d:cert_miit_file")],
    }
    steps = 0
    while direct.state.mode == "interview":
        assert direct.current is not None
        inputs = plan.pop(direct.current, None) or inputs_for(ENGINE, direct.state, {})
        for inp in inputs:
            direct.send(inp)
            stored.send(inp)
            steps += 1
            assert stored.result.model_dump(mode="json") == direct.result.model_dump(mode="json")
            text = direct.state.model_dump_json()
            resumed = ENGINE.resume(InterviewState.model_validate_json(text))
            assert resumed.replies[-1] == ENGINE.resume(direct.state).replies[-1]
    assert steps > 60
    assert submit(stored).evaluation == submit(direct).evaluation

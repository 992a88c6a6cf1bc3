"""Typed answers read per kind of question: what is stored, and what is refused and why."""

from __future__ import annotations

import pytest
from interview_driver import TODAY, VALID_CODE, Chat, typed
from interview_plans import ENGINE, at, example_of, refused

from conversations import AnswerAccepted

# -- text, credit code, phone ---------------------------------------------------------------


def test_text_answers_are_trimmed() -> None:
    chat = Chat(ENGINE)
    chat.text("  石家庄某某   建材有限公司 ")
    assert chat.state.answers["company_name"] == "石家庄某某 建材有限公司"
    assert chat.result.effects == [AnswerAccepted(question_id="company_name")]
    assert chat.current == "credit_code"


def test_empty_and_overlong_text_is_refused_with_an_example() -> None:
    chat = Chat(ENGINE)
    error = refused(chat, "   ")
    assert "不能为空" in error and example_of("company_name") in error
    error = refused(chat, "某" * 101)
    assert "最多 100 字" in error and example_of("company_name") in error


def test_credit_codes_are_checked_and_normalised() -> None:
    chat = at("credit_code")
    assert "应为 18 位，您输入的是 7 位" in refused(chat, "9113018")
    error = refused(chat, "91130185MA07LQ8K3Q")
    assert "校验位" in error and example_of("credit_code") in error
    error = refused(chat, "91130185MI07LQ8K3P")
    assert "“I”" in error
    chat.text("  " + VALID_CODE.lower() + " ")
    assert chat.state.answers["credit_code"] == VALID_CODE


def test_phone_numbers() -> None:
    chat = at("contact_phone")
    error = refused(chat, "12345")
    assert "“12345”" in error and example_of("contact_phone") in error
    chat.text("+86 311-8765-4321")
    assert chat.state.answers["contact_phone"] == "031187654321"


# -- dates ----------------------------------------------------------------------------------


def test_an_expired_certificate_is_taken_and_the_supplier_told_the_clause_fails() -> None:
    chat = at("qms_expiry")
    yesterday = TODAY.replace(day=TODAY.day - 1).isoformat()
    chat.text(yesterday)
    assert chat.state.answers["qms_expiry"] == yesterday
    assert chat.replies[0].text == (
        f"这张证书已于 {yesterday} 到期：评价按今天的日期进行，导则 4.2.1 条将判为不通过。"
        "已换新证的话，请点“⬅️ 返回”改填新证书的信息。"
    )
    assert chat.current == "qms_certificate"
    chat.command("back")
    assert chat.current == "qms_expiry"
    error = refused(chat, "2026-02-30")
    assert "没能读出日期" in error
    error = refused(chat, "2026-06")
    assert "具体哪一天" in error
    chat.text(TODAY.isoformat())
    assert chat.state.answers["qms_expiry"] == TODAY.isoformat()
    assert chat.current == "qms_certificate"
    assert "到期" not in chat.said


# -- yes/no and single choice ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed_text", "value"),
    [("是", True), ("有", True), ("Yes", True), ("y", True), ("否", False), ("没有", False),
     ("NO", False), ("n", False), ("ｙｅｓ", True)],
)  # fmt: skip
def test_yes_no_questions_accept_typed_answers(typed_text: str, value: bool) -> None:
    chat = at("white_list")
    chat.text(typed_text)
    assert chat.state.answers["white_list"] is value


def test_a_typed_answer_that_is_not_a_choice_gets_the_buttons_again() -> None:
    chat = at("white_list")
    error = refused(chat, "maybe later")
    assert "是 / 否" in error and "例如：是" in error
    assert chat.last.button_data()[:2] == ["iv:a:white_list:y", "iv:a:white_list:n"]


def test_single_choices_by_button_label_or_synonym() -> None:
    chat = at("product_category")
    labels = chat.last.button_labels()[:4]
    assert labels[0] == "烧结多孔砖和多孔砌块"
    chat.press("iv:a:product_category:hollow_brick")
    assert chat.state.answers["product_category"] == "hollow_brick"

    chat = at("product_category")
    chat.text("烧结保温砖和保温砌块")
    assert chat.state.answers["product_category"] == "insulation_brick"

    chat = at("product_category")
    chat.text("实心砖")
    assert chat.state.answers["product_category"] == "solid_product"

    chat = at("product_category", lang="en")
    chat.text("sintered hollow bricks and blocks")
    assert chat.state.answers["product_category"] == "hollow_brick"


def test_an_unknown_choice_is_refused_with_the_options() -> None:
    chat = at("product_category")
    error = refused(chat, "瓷砖")
    assert "烧结多孔砖和多孔砌块 / 烧结空心砖和空心砌块" in error
    assert example_of("product_category") in error


# -- multi choice ---------------------------------------------------------------------------


def test_several_choices_can_be_typed() -> None:
    chat = at("waste_types")
    chat.text("煤矸石、粉煤灰")
    assert chat.state.answers["waste_types"] == ["coal_gangue", "fly_ash"]
    chat = at("waste_types", lang="en")
    chat.text("Fly ash, other solid waste")
    assert chat.state.answers["waste_types"] == ["fly_ash", "other"]


def test_typed_choices_that_contradict_each_other_are_refused() -> None:
    chat = at("waste_types")
    error = refused(chat, "无，煤矸石")
    assert "“无（不掺加固体废弃物）”不能与其他选项同时选择" in error
    error = refused(chat, "煤矸石、沙子")
    assert "煤矸石 / 粉煤灰" in error


# -- amounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "text", "stored"),
    [
        ("electricity_kwh", "120万度", "1200000"),
        ("electricity_kwh", "1,200 MWh", "1200000"),
        ("electricity_kwh", "１２０００００ kWh", "1200000"),
        ("natural_gas_m3", "35万立方米", "350000"),
        ("natural_gas_m3", "350,000 m³", "350000"),
        ("diesel_kg", "12吨", "12000"),
        ("diesel_kg", "8000 公斤", "8000"),
    ],
)
def test_amounts_are_converted_to_the_question_unit(
    question_id: str, text: str, stored: str
) -> None:
    chat = at(question_id)
    chat.text(text)
    assert chat.state.answers[question_id] == stored


@pytest.mark.parametrize(
    ("question_id", "text", "says"),
    [
        ("electricity_kwh", "12 吨", "不能使用单位“吨”"),
        ("electricity_kwh", "-5", "不能是负数"),
        ("electricity_kwh", "100 200", "只输入一个数"),
        ("electricity_kwh", "1,2345", "逗号看不出是千位分隔还是小数点"),
        ("electricity_kwh", "很多", "没能读出数字"),
        ("electricity_kwh", "1000.5亿度", "不能大于 100,000,000,000 千瓦时"),
        ("output_t", "0", "必须大于 0 吨"),
        ("coal_gangue_pct", "101", "不能大于 100%"),
        ("coal_gangue_pct", "0", "必须大于 0%"),
        ("coal_gangue_pct", "85 kg", "不能使用单位“kg”"),
    ],
)
def test_wrong_amounts_are_refused_with_the_reason_and_an_example(
    question_id: str, text: str, says: str
) -> None:
    chat = at(question_id)
    error = refused(chat, text)
    assert says in error
    assert example_of(question_id) in error


def test_a_unit_error_lists_the_units_the_question_accepts_by_their_chinese_names() -> None:
    chat = at("electricity_kwh")
    error = refused(chat, "12 吨")
    assert "可用的单位：千瓦时、兆瓦时。" in error
    assert "kWh" not in error


def test_percentages_accept_full_width_signs() -> None:
    chat = at("coal_gangue_pct", {"waste_types": typed("煤矸石、粉煤灰")})
    chat.text("８５％")
    assert chat.state.answers["coal_gangue_pct"] == "85"

"""Answers as a plant manager types them: understood, or asked back clearly, never misread."""

from __future__ import annotations

from decimal import Decimal

import pytest
from interview_driver import Chat, pdf
from interview_plans import ENGINE, at, refused

from conversations.parsing import (
    ParseError,
    parse_month,
    parse_number,
    split_approximation,
    split_choices,
    yes_no_marker,
)

TONNES = {"t": Decimal(1), "吨": Decimal(1)}
PERCENT = {"%": Decimal(1)}
WORDS = ENGINE.bank.approximate
YES_NO = ENGINE.bank.yes_no


def approx(text: str) -> tuple[str, bool]:
    return split_approximation(text, before=WORDS.before, after=WORDS.after, inside=WORDS.inside)


# -- parser level ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ISO9001有", "y"),
        ("有的", "y"),
        ("能", "y"),
        ("可以", "y"),
        ("做过", "y"),
        ("已通过认证", "y"),
        ("没有公布", "n"),
        ("未通过", "n"),
        ("还没做", "n"),
        ("明天再说", None),
    ],
)
def test_replies_that_carry_a_yes_or_a_no(text: str, expected: str | None) -> None:
    assert yes_no_marker(text, yes=YES_NO.yes_markers, no=YES_NO.no_markers) == expected


@pytest.mark.parametrize(
    ("text", "figure", "approximate"),
    [
        ("约35%", "35%", True),
        ("约46", "46", True),
        ("46左右", "46", True),
        ("3万多吨", "3万吨", True),
        ("35000吨。", "35000吨", False),
        ("35000", "35000", False),
    ],
)
def test_approximate_figures_are_recognised(text: str, figure: str, approximate: bool) -> None:
    assert approx(text) == (figure, approximate)


def test_a_trailing_full_stop_is_not_part_of_the_unit() -> None:
    assert parse_number("35000吨。", TONNES) == Decimal(35000)
    assert parse_number("35000吨.", TONNES) == Decimal(35000)


def test_a_comma_that_could_be_a_decimal_comma_is_asked_back() -> None:
    with pytest.raises(ParseError) as asked:
        parse_number("120,00", TONNES)
    assert asked.value.code == "number.ambiguous"
    assert parse_number("120,000", TONNES) == Decimal(120000)


def test_a_two_digit_year_names_this_century() -> None:
    assert parse_month("25年1月") == (2025, 1)
    assert parse_month("24年12月份") == (2024, 12)


def test_spaces_separate_choices_when_asked() -> None:
    assert split_choices("煤矸石 其他", on_spaces=True) == ["煤矸石", "其他"]
    assert split_choices("other waste") == ["other waste"]


# -- through the engine ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "text", "stored"),
    [
        ("quality_management", "ISO9001有", True),
        ("lawful_operation", "有的", True),
        ("metering", "能", True),
        ("product_quality", "可以", True),
        ("ghg_accounted", "做过", True),
        ("ghg_published", "没有公布", False),
        ("environmental_management", "已通过认证", True),
    ],
)
def test_yes_no_questions_understand_natural_replies(
    question_id: str, text: str, stored: bool
) -> None:
    chat = at(question_id)
    chat.text(text)
    assert chat.state.answers[question_id] is stored
    assert chat.current != question_id


@pytest.mark.parametrize(
    ("question_id", "text", "stored"),
    [
        ("output_t", "35000吨。", "35000"),
        ("output_t", "3万多吨", "30000"),
        ("electricity_kwh", "约46", "46"),
        ("electricity_kwh", "46左右", "46"),
    ],
)
def test_figures_typed_loosely_are_accepted(question_id: str, text: str, stored: str) -> None:
    chat = at(question_id)
    chat.text(text)
    assert chat.state.answers[question_id] == stored


def test_an_approximate_figure_compared_with_a_threshold_is_asked_back() -> None:
    chat = at("coal_gangue_pct")
    error = refused(chat, "约35%")
    assert "“约35%”是个约数" in error
    assert "请填写台账上的准确数值（如 35%）" in error
    chat.text("35.2%")
    assert chat.state.answers["coal_gangue_pct"] == "35.2"


def test_an_ambiguous_comma_is_asked_back_never_guessed() -> None:
    chat = at("raw_total_t")
    error = refused(chat, "120,00")
    assert "“120,00”中的逗号看不出是千位分隔还是小数点" in error


def test_a_month_with_a_two_digit_year() -> None:
    chat = at("period_start")
    chat.text("24年1月")
    assert chat.state.answers["period_start"] == "2024-01-01"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("煤矸石 其他", ["coal_gangue", "other"]),
        ("煤矸石、炉渣", ["coal_gangue", "other"]),
        ("粉煤灰 脱硫石膏", ["fly_ash", "other"]),
        ("建筑垃圾", ["other"]),
    ],
)
def test_wastes_named_in_definition_3_2_map_to_their_table_1_category(
    text: str, stored: list[str]
) -> None:
    chat = at("waste_types")
    chat.text(text)
    assert chat.state.answers["waste_types"] == stored


def test_done_typed_after_an_upload_finishes_the_question() -> None:
    chat = at("qms_certificate")
    chat.upload(pdf("证书.pdf"))
    chat.text("完成")
    assert [f["file_name"] for f in chat.state.answers["qms_certificate"]] == ["证书.pdf"]
    assert chat.current == "environmental_management"


def test_done_typed_before_any_upload_says_none_arrived() -> None:
    chat = at("qms_certificate")
    error = refused(chat, "完成")
    assert "还没有收到文件" in error


def test_an_unreadable_yes_no_reply_is_still_asked_back() -> None:
    chat = Chat(ENGINE)
    chat.answer_until("metering")
    error = refused(chat, "明天再说")
    assert "请点击下方按钮选择" in error


# -- examples that are valid on the day they are shown ----------------------------------------


def test_date_examples_are_computed_from_today() -> None:
    from datetime import date

    from conversations import Engine

    engine = Engine.default(today=lambda: date(2026, 12, 4))
    chat = Chat(engine)
    chat.answer_until("qms_expiry")
    chat.text("下个月")
    assert "例如：2027-12-31（或 2027年12月31日）" in chat.last.text
    chat = Chat(engine)
    chat.answer_until("period_start")
    chat.text("去年")
    assert "请按“年-月”填写。例如：2025-12（或 2025年12月）" in chat.last.text
    assert "年-月-日" not in chat.last.text


# -- at the review ------------------------------------------------------------------------------


def test_submit_typed_at_the_review_submits_without_reprinting_it() -> None:
    from interview_plans import completed

    from conversations import SubmitRequested

    chat = completed()
    chat.text("提交")
    assert chat.result.effects == [SubmitRequested()]
    assert chat.replies == []


def test_other_text_at_the_review_gets_one_short_line_with_its_buttons() -> None:
    from interview_plans import completed

    chat = completed()
    review_buttons = chat.last.buttons
    chat.text("好的")
    assert [reply.text for reply in chat.replies] == ["请使用下方按钮：修改某一部分，或提交评价。"]
    assert chat.last.buttons == review_buttons

"""What a supplier types, and the value or the refusal it becomes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conversations.parsing import (
    CREDIT_CODE_CHARSET,
    ParseError,
    credit_code_check_char,
    decimal_to_str,
    match_choice,
    normalize,
    parse_credit_code,
    parse_date,
    parse_link,
    parse_month,
    parse_number,
    parse_phone,
    parse_text,
    split_choices,
)

ONE = Decimal(1)
KWH = {
    "kWh": ONE,
    "度": ONE,
    "千瓦时": ONE,
    "MWh": Decimal(1000),
}
KG = {"kg": ONE, "千克": ONE, "公斤": ONE, "t": Decimal(1000), "吨": Decimal(1000)}
TONNES = {"t": ONE, "吨": ONE}
VOLUME = {"m3": ONE, "立方米": ONE, "方": ONE}
PERCENT = {"%": ONE}
MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


def number(text: str, units: dict[str, Decimal]) -> str:
    return decimal_to_str(parse_number(text, units, multipliers=MULTIPLIERS))


@pytest.mark.parametrize(
    ("text", "units", "expected"),
    [
        ("123", KWH, "123"),
        ("１２３", KWH, "123"),
        ("１２３．５", KWH, "123.5"),
        ("1,234,567", KWH, "1234567"),
        ("1，234", KWH, "1234"),
        ("1,234.5", KWH, "1234.5"),
        ("0.5", KWH, "0.5"),
        (".5", KWH, "0.5"),
        ("+7", KWH, "7"),
        ("  42  ", KWH, "42"),
        ("120000 kWh", KWH, "120000"),
        ("120000KWH", KWH, "120000"),
        ("120000 ｋＷｈ", KWH, "120000"),
        ("12万 kWh", KWH, "120000"),
        ("12万kWh", KWH, "120000"),
        ("12万度", KWH, "120000"),
        ("12万", KWH, "120000"),
        ("3.5万千瓦时", KWH, "35000"),
        ("1.2亿度", KWH, "120000000"),
        ("120 MWh", KWH, "120000"),
        ("1,200 mwh", KWH, "1200000"),
        ("5000 度", KWH, "5000"),
        ("8 吨", KG, "8000"),
        ("8t", KG, "8000"),
        ("1.5公斤", KG, "1.5"),
        ("12千克", KG, "12"),
        ("3.5万吨", TONNES, "35000"),
        ("350000 m³", VOLUME, "350000"),
        ("35万立方米", VOLUME, "350000"),
        ("35万方", VOLUME, "350000"),
        ("85%", PERCENT, "85"),
        ("８５％", PERCENT, "85"),
        ("85.5 %", PERCENT, "85.5"),
        ("0", KWH, "0"),
        ("-0", KWH, "0"),
    ],
)
def test_numbers_people_type_are_read_exactly(
    text: str, units: dict[str, Decimal], expected: str
) -> None:
    assert number(text, units) == expected


@pytest.mark.parametrize(
    ("text", "units", "code"),
    [
        ("", KWH, "number.not_a_number"),
        ("abc", KWH, "number.not_a_number"),
        ("十二万", KWH, "number.not_a_number"),
        ("约 120000", KWH, "number.not_a_number"),
        ("100 200", KWH, "number.several"),
        ("100-200", KWH, "number.several"),
        ("1.2.3", KWH, "number.several"),
        ("12kWh 5", KWH, "number.several"),
        ("-5", KWH, "number.negative"),
        ("－5", KWH, "number.negative"),
        ("−5 kWh", KWH, "number.negative"),
        ("1,2345", KWH, "number.ambiguous"),
        ("12,5", KWH, "number.ambiguous"),
        ("12,50", KWH, "number.ambiguous"),
        ("120,00", TONNES, "number.ambiguous"),
        ("1,23,456", KWH, "number.ambiguous"),
        ("1,23.5", KWH, "number.ambiguous"),
        ("12 吨", KWH, "number.unit"),
        ("12万元", KWH, "number.unit"),
        ("5 度电", KWH, "number.unit"),
        ("12 kg", TONNES, "number.unit"),
        ("85 kg", PERCENT, "number.unit"),
        ("1" * 80, KWH, "number.not_a_number"),
    ],
)
def test_numbers_that_cannot_be_read_are_refused_with_a_reason(
    text: str, units: dict[str, Decimal], code: str
) -> None:
    with pytest.raises(ParseError) as refused:
        parse_number(text, units, multipliers=MULTIPLIERS)
    assert refused.value.code == code


def test_a_unit_error_names_the_unit_typed() -> None:
    with pytest.raises(ParseError) as refused:
        parse_number("12 吨", KWH, multipliers=MULTIPLIERS)
    assert refused.value.params["unit"] == "吨"


def test_tonnes_count_for_a_kilogram_question_only_when_it_says_so() -> None:
    assert number("2 t", KG) == "2000"
    with pytest.raises(ParseError):
        parse_number("2 t", {"kg": ONE}, multipliers=MULTIPLIERS)


def test_conversions_never_round() -> None:
    milli = {"kg": Decimal("0.001")}
    assert number("123456789.123456789 kg", milli) == "123456.789123456789"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.2E+5"), "120000"),
        (Decimal("12.50"), "12.5"),
        (Decimal("0.000"), "0"),
        (Decimal("0.1229"), "0.1229"),
    ],
)
def test_decimals_are_stored_in_plain_notation(value: Decimal, text: str) -> None:
    assert decimal_to_str(value) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-12-31", date(2025, 12, 31)),
        ("2025/12/31", date(2025, 12, 31)),
        ("2025.12.31", date(2025, 12, 31)),
        ("2025年12月31日", date(2025, 12, 31)),
        ("2025年1月5号", date(2025, 1, 5)),
        ("２０２５年１２月３１日", date(2025, 12, 31)),
        ("2025 - 3 - 7", date(2025, 3, 7)),
        ("20251231", date(2025, 12, 31)),
    ],
)
def test_dates_in_the_usual_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2025-02-30", "date.invalid"),
        ("2025-13-01", "date.invalid"),
        ("2025/12-31", "date.invalid"),
        ("31.12.2025", "date.invalid"),
        ("next year", "date.invalid"),
        ("0999-01-01", "date.invalid"),
        ("2025-12", "date.day_required"),
        ("2025年12月", "date.day_required"),
    ],
)
def test_impossible_or_unclear_dates_are_refused(text: str, code: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_date(text)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01", (2024, 1)),
        ("2024/1", (2024, 1)),
        ("2024.12", (2024, 12)),
        ("2024年3月", (2024, 3)),
        ("2024年3月份", (2024, 3)),
        ("2024年3", (2024, 3)),
        ("2024-03-15", (2024, 3)),
        ("２０２４年１２月", (2024, 12)),
    ],
)
def test_months_in_the_usual_forms(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2024-13", "2024", "March 2024", "24-03"])
def test_impossible_months_are_refused(text: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_month(text)
    assert refused.value.code == "date.invalid"


def _weighted_check(body: str) -> str:
    """GB 32100 computed independently: weight of position i is 3^(i-1) mod 31."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


@pytest.mark.parametrize(
    "body",
    ["91130185MA07LQ8K3", "91110108MA0123456", "12100000400000624", "31440300MA5FXYT2K"],
)
def test_the_check_character_follows_gb_32100(body: str) -> None:
    assert credit_code_check_char(body) == _weighted_check(body)
    assert parse_credit_code(body + _weighted_check(body)) == body + _weighted_check(body)


def test_a_code_whose_sum_is_a_multiple_of_31_ends_in_zero() -> None:
    body = next(
        f"9111000{n:010d}"
        for n in range(1000)
        if sum(
            CREDIT_CODE_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(f"9111000{n:010d}")
        )
        % 31
        == 0
    )
    assert credit_code_check_char(body) == "0"


def test_credit_codes_accept_lower_case_and_surrounding_spaces() -> None:
    assert parse_credit_code("  91130185ma07lq8k3p \n") == "91130185MA07LQ8K3P"
    assert parse_credit_code("９１１３０１８５ＭＡ０７ＬＱ８Ｋ３Ｐ") == "91130185MA07LQ8K3P"


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("91130185MA07LQ8K3", "credit_code.length", ("length", "17")),
        ("91130185MA07LQ8K3PX", "credit_code.length", ("length", "19")),
        ("91130185MA07LQ8K3Q", "credit_code.check", ("code", "91130185MA07LQ8K3Q")),
        ("91130185MA07LQ8K4P", "credit_code.check", ("code", "91130185MA07LQ8K4P")),
        ("91130185MI07LQ8K3P", "credit_code.charset", ("char", "I")),
        ("91130185MA07LO8K3P", "credit_code.charset", ("position", "14")),
        ("9113 0185MA07LQ8K3P", "credit_code.length", ("length", "19")),
    ],
)
def test_wrong_credit_codes_are_refused_with_the_reason(
    text: str, code: str, detail: tuple[str, str]
) -> None:
    with pytest.raises(ParseError) as refused:
        parse_credit_code(text)
    assert refused.value.code == code
    assert refused.value.params[detail[0]] == detail[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("＋８６ １３８１２３４５６７８", "13812345678"),
        ("010-12345678", "01012345678"),
        ("0311-87654321", "031187654321"),
        ("(0311) 8765 4321", "031187654321"),
        ("+86 10 12345678", "01012345678"),
        ("+86-311-8765432", "03118765432"),
    ],
)
def test_mainland_phone_numbers(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text", ["12345", "12812345678", "1381234567", "138123456789", "+1 415 555 0100", "电话"]
)
def test_other_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_phone(text)
    assert refused.value.code == "phone.invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.example.com/ghg-2024.pdf", "https://www.example.com/ghg-2024.pdf"),
        ("http://example.cn", "http://example.cn"),
        ("www.example.com/report?id=3", "https://www.example.com/report?id=3"),
        ("gov.example.org.cn:8080/a", "https://gov.example.org.cn:8080/a"),
    ],
)
def test_links(text: str, expected: str) -> None:
    assert parse_link(text) == expected


@pytest.mark.parametrize("text", ["not a link", "ftp://example.com", "example", "http://", ""])
def test_things_that_are_not_links(text: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_link(text)
    assert refused.value.code == "link.invalid"


def test_text_is_trimmed_and_bounded() -> None:
    assert parse_text("  某某  建材 \n 公司 ", max_length=20) == "某某 建材 公司"
    with pytest.raises(ParseError) as empty:
        parse_text("   ", max_length=20)
    assert empty.value.code == "text.empty"
    with pytest.raises(ParseError) as long:
        parse_text("长" * 21, max_length=20)
    assert long.value.code == "text.too_long"
    assert long.value.params == {"max": "20", "length": "21"}


def test_text_patterns_come_from_the_question() -> None:
    import re

    pattern = re.compile(r"[A-Z0-9-]+")
    assert parse_text("ABC-123", max_length=20, pattern=pattern) == "ABC-123"
    with pytest.raises(ParseError) as refused:
        parse_text("abc 123", max_length=20, pattern=pattern)
    assert refused.value.code == "text.pattern"


def test_choices_match_labels_and_synonyms_whatever_the_width_or_case() -> None:
    choices = {"y": ["是", "yes", "Y"], "n": ["否", "no"]}
    assert match_choice("是", choices) == "y"
    assert match_choice(" YES! ", choices) == "y"
    assert match_choice("ｎｏ", choices) == "n"
    assert match_choice("否。", choices) == "n"
    assert match_choice("maybe", choices) is None
    assert match_choice("", choices) is None


def test_typed_lists_of_choices_split_on_the_usual_separators() -> None:
    assert split_choices("煤矸石、粉煤灰") == ["煤矸石", "粉煤灰"]
    assert split_choices("煤矸石和粉煤灰，其他") == ["煤矸石", "粉煤灰", "其他"]
    assert split_choices("coal gangue, fly ash and other") == ["coal gangue", "fly ash", "other"]


def test_normalize_folds_full_width_forms() -> None:
    assert normalize("１２３，５％") == "123,5%"

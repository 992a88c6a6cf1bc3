"""What was read from a file against what the plant typed: matches, differs (how), unreadable."""

from __future__ import annotations

from datetime import date

import pytest

from criteria.answers import EvidenceItem
from criteria.reading_match import Read, compare, same_company, standard_family

ON = date(2026, 6, 1)
COMPANY = "河南（新郑）华瑞建材有限责任公司"


def _item(**kw: object) -> EvidenceItem:
    base: dict[str, object] = {
        "kind": "certificate",
        "number": "00124Q31234R2M",
        "issuer": "中国质量认证中心",
        "issued": "2024-03-02",
        "expires": "2027-03-01",
    }
    base.update(kw)
    return EvidenceItem.model_validate(base)


def _read(**kw: object) -> Read:
    base: dict[str, object] = {
        "holder": "河南(新郑)华瑞建材有限公司",
        "standard": "GB/T 19001",
        "number": "00124Q31234R2M",
        "issued": "2024-03-02",
        "expires": "2027-03-01",
    }
    base.update(kw)
    return Read.from_mapping(base)


@pytest.mark.parametrize(
    "read",
    [
        "河南(新郑)华瑞建材有限公司",
        "河南 （新郑） 华瑞建材 有限责任公司",
        "河南新郑华瑞建材有限公司",
    ],
)
def test_company_names_that_differ_only_in_form_are_the_same(read: str) -> None:
    assert same_company(read, COMPANY)


@pytest.mark.parametrize(
    "read",
    [
        "河南华瑞建材有限公司",
        "河南（新郑）华瑞建材股份有限公司",
        "河南（新郑）华瑞新材有限公司",
        "",
    ],
)
def test_other_company_names_are_not_the_same(read: str) -> None:
    assert not same_company(read, COMPANY)


GANGUE = "山西晋城煤矸石砖业有限公司"


@pytest.mark.parametrize(
    "read",
    [
        "山西晋城煤研石砖业有限公司",  # how the recogniser reads 矸, on every scan
        "山西晋城煤研石砖业有限责任公司",
    ],
)
def test_a_known_misread_character_is_the_same_company(read: str) -> None:
    assert same_company(read, GANGUE)


@pytest.mark.parametrize(
    ("read", "typed"),
    [
        # Another character in the same place, or the misread the other way round.
        ("山西晋城煤砰石砖业有限公司", GANGUE),
        ("山西晋城煤矸石砖业有限公司", "山西晋城煤研石砖业有限公司"),
        # The misread plus any other difference: the trade name, the place, the form.
        ("山西晋城煤研石建材有限公司", GANGUE),
        ("山西普城煤研石砖业有限公司", GANGUE),
        ("山西晋城煤研石砖业股份有限公司", GANGUE),
        ("山西晋城煤研石砖业分公司", GANGUE),
        ("山西晋城新煤研石砖业有限公司", GANGUE),
        ("晋城煤研石砖业有限公司", GANGUE),
        # Two misreads, or one in a name too short to tell companies apart by the rest.
        ("煤研石研砖业有限公司", "煤矸石矸砖业有限公司"),
        ("煤研石砖厂", "煤矸石砖厂"),
    ],
)
def test_near_misses_of_a_misread_name_are_other_companies(read: str, typed: str) -> None:
    assert not same_company(read, typed)


def test_a_misread_holder_matches_but_another_company_differs() -> None:
    misread = compare(
        _read(holder="山西晋城煤研石砖业有限公司"), "quality_management", _item(), GANGUE, ON
    )
    assert misread.field("holder").state == "matches"  # type: ignore[union-attr]
    other = compare(
        _read(holder="山西晋城煤研石建材有限公司"), "quality_management", _item(), GANGUE, ON
    )
    assert other.field("holder").state == "differs"  # type: ignore[union-attr]


def test_a_certificate_that_says_what_was_typed_matches() -> None:
    result = compare(_read(), "quality_management", _item(), COMPANY, ON)
    assert result.state == "matches"
    assert {f.field: f.state for f in result.fields} == {
        "holder": "matches",
        "standard": "matches",
        "number": "matches",
        "issued": "matches",
        "expires": "matches",
    }
    assert result.differences == []


def test_iso_and_gb_t_names_of_one_standard_match() -> None:
    result = compare(_read(standard="ISO 9001"), "quality_management", _item(), COMPANY, ON)
    assert result.field("standard").state == "matches"  # type: ignore[union-attr]
    assert standard_family("GB/T 19001-2016 idt ISO 9001:2015") == "quality"


def test_a_certificate_of_another_standard_differs() -> None:
    result = compare(_read(standard="ISO 14001"), "quality_management", _item(), COMPANY, ON)
    assert result.state == "differs"
    assert (
        result.differences[0].zh == "依据标准：文件上是“ISO 14001”，填写的是“GB/T 19001 / ISO 9001”"
    )


def test_a_typed_standard_is_the_one_compared() -> None:
    item = _item(standard="ISO 50001:2018")
    result = compare(_read(standard="GB/T 23331"), "energy_management_certified", item, COMPANY, ON)
    assert result.field("standard").state == "matches"  # type: ignore[union-attr]


def test_a_different_expiry_says_both_dates() -> None:
    result = compare(_read(expires="2027-01-03"), "quality_management", _item(), COMPANY, ON)
    assert result.state == "differs"
    assert [t.zh for t in result.differences] == [
        "有效期至：文件上是“2027-01-03”，填写的是“2027-03-01”"
    ]


def test_a_number_typed_with_spaces_or_lower_case_matches() -> None:
    result = compare(_read(), "quality_management", _item(number="00124q3 1234-R2M"), COMPANY, ON)
    assert result.field("number").state == "matches"  # type: ignore[union-attr]


def test_a_different_number_differs() -> None:
    result = compare(_read(number="00124Q31234R3M"), "quality_management", _item(), COMPANY, ON)
    assert result.field("number").state == "differs"  # type: ignore[union-attr]


def test_a_certificate_out_of_date_at_the_evaluation_date_differs_even_when_typed_so() -> None:
    item = _item(expires="2026-01-31")
    result = compare(_read(expires="2026-01-31"), "quality_management", item, COMPANY, ON)
    assert result.state == "differs"
    assert result.differences[0].zh == "文件上的有效期至 2026-01-31，评价日 2026-06-01 已过期"


def test_an_issue_date_after_the_evaluation_date_differs() -> None:
    result = compare(
        _read(issued="2026-07-01"), "quality_management", _item(issued=None), COMPANY, ON
    )
    assert result.field("issued").state == "differs"  # type: ignore[union-attr]


def test_another_holder_differs() -> None:
    result = compare(
        _read(holder="郑州华瑞建材有限公司"), "quality_management", _item(), COMPANY, ON
    )
    assert result.state == "differs"
    assert result.differences[0].zh == (
        "单位名称：文件上是“郑州华瑞建材有限公司”，填写的是“河南（新郑）华瑞建材有限责任公司”"
    )


def test_a_field_not_read_is_never_a_match() -> None:
    result = compare(Read(expires="2027-03-01"), "quality_management", _item(), COMPANY, ON)
    assert result.state == "matches"
    assert [f.field for f in result.fields if f.state == "matches"] == ["expires"]
    assert result.field("holder").state == "not_read"  # type: ignore[union-attr]


def test_nothing_typed_and_nothing_wrong_is_unchecked() -> None:
    result = compare(Read(expires="2027-03-01"), "other_recognised", None, "", ON)
    assert result.state == "unchecked"


@pytest.mark.parametrize("read", [None, Read()])
def test_a_file_that_could_not_be_read_is_unreadable(read: Read | None) -> None:
    assert compare(read, "quality_management", _item(), COMPANY, ON).state == "unreadable"


def test_a_waste_report_compares_the_measured_content() -> None:
    item = EvidenceItem.model_validate(
        {"kind": "report", "issuer": "某检测中心", "issued": "2025-11-20", "content_pct": "62.5"}
    )
    same = compare(Read(content_pct=62.5, issued="2025-11-20"), "third_party_report", item, "", ON)
    other = compare(Read(content_pct=52.5), "third_party_report", item, "", ON)
    assert same.state == "matches"
    assert other.differences[0].zh == "固废掺加量：文件上是“52.5”，填写的是“62.5”"

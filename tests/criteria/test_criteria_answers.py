"""The answers document: what is accepted, and what is refused with which field named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from criteria import (
    PRODUCT_CATEGORIES,
    Answers,
    InvalidAnswers,
    answers_json_schema,
    evaluate,
    parse_answers,
)
from criteria.ruleset import Ruleset


def test_empty_document_claims_nothing(ruleset: Ruleset) -> None:
    answers = parse_answers({})
    assert answers.product_category is None
    assert answers.basic.lawful_operation is False
    assert answers.energy.output_t == 0
    assert answers.energy.total_kgce is None
    evaluation = evaluate(answers, ruleset)
    assert not evaluation.qualified
    assert not any(result.passed for result in evaluation.clauses.values())


def test_numbers_as_json_numbers_or_strings_are_exact() -> None:
    answers = parse_answers(
        {
            "energy": {
                "output_t": "1000",
                "electricity_kwh": 0.1,
                "natural_gas_m3": " 12.50 ",
                "diesel_kg": 7,
                "total_kgce": None,
            },
            "solid_waste": {"coal_gangue_pct": 80.0},
        }
    )
    assert answers.energy.output_t == Decimal(1000)
    assert str(answers.energy.electricity_kwh) == "0.1"
    assert str(answers.energy.natural_gas_m3) == "12.50"
    assert answers.energy.diesel_kg == 7
    assert answers.solid_waste.coal_gangue_pct == 80


def test_enterprise_accepts_the_interview_fields() -> None:
    answers = parse_answers(
        {
            "enterprise": {
                "name": "某某建材",
                "credit_code": "91410183MA45YQ7K2Y",
                "contact_person": "王工",
                "contact_phone": "+86 139 0000 0000",
                "plant_location": "河南省郑州市",
                "period_start": "2023-07-01",
                "period_end": "2024-06-30",
            }
        }
    )
    assert answers.enterprise.period_start == date(2023, 7, 1)
    assert answers.enterprise.period_end == date(2024, 6, 30)
    assert answers.enterprise.contact_person == "王工"


def test_document_with_every_field_round_trips(make_doc: Callable[..., dict]) -> None:
    document = make_doc(
        solid_waste={
            "coal_gangue_pct": 60,
            "fly_ash_pct": 0,
            "other_pct": 20,
            "third_party_report": True,
        },
        raw_materials={"local_t": 10, "total_t": 20, "evidence": True},
        energy={
            "output_t": 5,
            "electricity_kwh": 1,
            "natural_gas_m3": 2,
            "fuel_oil_kg": 3,
            "diesel_kg": 4,
            "total_kgce": None,
            "energy_management_certified": True,
        },
        ghg={"accounted": True, "published": False},
        certifications={
            "miit_green_manufacturing": False,
            "samr_product_certification": True,
            "environmental_label": False,
            "other_recognised": False,
        },
    )
    answers = parse_answers(document)
    assert parse_answers(answers.model_dump(mode="json")) == answers
    assert parse_answers(answers) is answers


INVALID: list[tuple[Any, str, str, str]] = [
    (
        {"energy": {"output_t": -1}},
        "energy.output_t",
        "合格产品产量（t）不能为负数。",
        "cannot be negative",
    ),
    (
        {"raw_materials": {"total_t": "-0.5"}},
        "raw_materials.total_t",
        "不能为负数",
        "cannot be negative",
    ),
    (
        {"solid_waste": {"fly_ash_pct": 101}},
        "solid_waste.fly_ash_pct",
        "粉煤灰掺加量（%）应在 0 到 100 之间。",
        "between 0 and 100",
    ),
    (
        {"solid_waste": {"coal_gangue_pct": 60, "other_pct": "50.5"}},
        "solid_waste.other_pct",
        "合计 110.5 %，不能超过 100 %",
        "110.5 %",
    ),
    (
        {"solid_waste": {"coal_gangue_pct": 60, "fly_ash_pct": 41}},
        "solid_waste.fly_ash_pct",
        "合计 101 %",
        "more than 100 %",
    ),
    (
        {"raw_materials": {"local_t": 11, "total_t": 10}},
        "raw_materials.local_t",
        "11 t 不能大于主要原材料总量 10 t",
        "cannot exceed",
    ),
    ({"raw_materials": {"local_t": 5}}, "raw_materials.local_t", "不能大于", "cannot exceed"),
    (
        {"energy": {"electricity_kwh": 100}},
        "energy.output_t",
        "合格产品产量必须大于 0",
        "must be greater than 0",
    ),
    (
        {"energy": {"output_t": 0, "total_kgce": 5}},
        "energy.output_t",
        "必须大于 0",
        "greater than 0",
    ),
    (
        {"product_category": "clay_brick"},
        "product_category",
        "产品类别 clay_brick 不在表2 中，可选：porous_brick、hollow_brick",
        "not in Table 2",
    ),
    ({"product_category": 3}, "product_category", "产品类别 3 不在表2 中", "not in Table 2"),
    (
        {"basic": {"metering": "yes"}},
        "basic.metering",
        "计量器具配备应为 true 或 false",
        "true or false",
    ),
    ({"ghg": {"published": 1}}, "ghg.published", "应为 true 或 false", "true or false"),
    ({"energy": {"output_t": "abc"}}, "energy.output_t", "应为数字", "must be a number"),
    ({"energy": {"output_t": True}}, "energy.output_t", "应为数字", "must be a number"),
    ({"energy": {"output_t": [1]}}, "energy.output_t", "应为数字", "must be a number"),
    ({"energy": {"output_t": "1,000"}}, "energy.output_t", "应为数字", "must be a number"),
    ({"energy": {"output_t": "NaN"}}, "energy.output_t", "有限的数字", "finite"),
    ({"energy": {"output_t": float("inf")}}, "energy.output_t", "有限的数字", "finite"),
    ({"energy": {"output_t": "1e30"}}, "energy.output_t", "数值过大", "implausibly large"),
    (
        {"energy": {"coal_t": 5}},
        "energy.coal_t",
        "不认识的字段 energy.coal_t",
        "Unknown field energy.coal_t",
    ),
    ({"enrgy": {}}, "enrgy", "不认识的字段 enrgy", "check the spelling"),
    ({"basic": "all"}, "basic", "基本要求应为一个 JSON 对象", "must be a JSON object"),
    ({"energy": None}, "energy", "能源应为一个 JSON 对象", "must be a JSON object"),
    ({"enterprise": {"name": 123}}, "enterprise.name", "企业名称应为文本", "must be text"),
    (
        {"enterprise": {"period_start": "2024-13-01"}},
        "enterprise.period_start",
        "应为 YYYY-MM-DD 格式的日期",
        "YYYY-MM-DD",
    ),
    (
        {"enterprise": {"period_start": 20240101}},
        "enterprise.period_start",
        "YYYY-MM-DD",
        "YYYY-MM-DD",
    ),
    (
        {"enterprise": {"period_start": "2024-06-01", "period_end": "2024-01-01"}},
        "enterprise.period_end",
        "结束日期 2024-01-01 早于开始日期 2024-06-01",
        "ends",
    ),
    ([], "", "答案文件应为一个 JSON 对象。", "must be a JSON object"),
    ("text", "", "答案文件应为一个 JSON 对象。", "must be a JSON object"),
]


@pytest.mark.parametrize(("document", "field", "message", "message_en"), INVALID)
def test_invalid_document_names_the_field(
    document: Any, field: str, message: str, message_en: str
) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        parse_answers(document)
    error = caught.value
    assert error.field == field
    assert message in error.message
    assert message_en in error.message_en
    assert error.message.endswith("。")
    assert str(error) == error.message


def test_every_problem_is_listed_in_document_order() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        parse_answers({"basic": {"metering": "yes"}, "energy": {"output_t": -1, "gas": 1}})
    fields = [problem.field for problem in caught.value.problems]
    assert fields == ["basic.metering", "energy.output_t", "energy.gas"]
    assert caught.value.field == "basic.metering"


def test_output_may_be_zero_when_no_energy_is_claimed() -> None:
    answers = parse_answers({"energy": {"output_t": 0, "total_kgce": 0}})
    assert answers.energy.output_t == 0


def test_evaluate_validates_a_plain_dict(ruleset: Ruleset) -> None:
    with pytest.raises(InvalidAnswers):
        evaluate({"energy": {"output_t": -1}}, ruleset)
    assert evaluate({"certifications": {"other_recognised": True}}, ruleset).passed_indicators == [
        "5.4"
    ]


def test_json_schema_describes_the_document() -> None:
    schema = answers_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "enterprise",
        "product_category",
        "basic",
        "solid_waste",
        "raw_materials",
        "energy",
        "ghg",
        "certifications",
        "evidence",
    }
    assert schema.get("required", []) == []
    category = schema["properties"]["product_category"]
    enum = next(option["enum"] for option in category["anyOf"] if "enum" in option)
    assert tuple(enum) == PRODUCT_CATEGORIES
    definitions = schema["$defs"]
    energy = definitions["Energy"]["properties"]
    assert energy["output_t"]["anyOf"][0] == {"type": "number", "minimum": 0}
    assert {"type": "null"} in energy["total_kgce"]["anyOf"]
    assert energy["output_t"]["description"] == "合格产品产量（t）"
    for field in (
        "firing",
        "raw_coal_kg",
        "lpg_kg",
        "purchased_heat_mj",
        "natural_gas_lcv_kj_per_m3",
        "internal_fuel_kg",
        "internal_fuel_lcv_kj_per_kg",
        "other_fuels",
    ):
        assert energy[field]["description"], field
    assert energy["raw_coal_kg"]["description"] == "原煤（外燃煤，kg）"
    evidence = definitions["EvidenceItem"]["properties"]
    assert evidence["expires"]["description"] == "有效期至"
    assert definitions["OtherFuel"]["properties"]["kgce_per_unit"]["description"]
    waste = definitions["SolidWaste"]["properties"]["fly_ash_pct"]
    assert waste["anyOf"][0] == {"type": "number", "minimum": 0, "maximum": 100}
    enterprise = definitions["Enterprise"]["properties"]
    assert {
        "contact_person",
        "contact_phone",
        "plant_location",
        "period_start",
        "period_end",
    } <= set(enterprise)
    for definition in definitions.values():
        assert definition["additionalProperties"] is False


def test_answers_model_is_immutable() -> None:
    answers = Answers()
    with pytest.raises(ValueError, match="frozen"):
        answers.product_category = "porous_brick"  # type: ignore[misc]

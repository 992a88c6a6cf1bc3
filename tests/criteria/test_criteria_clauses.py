"""Clause by clause: Table 1 and Table 2 at their limits, formulas A.1 and A.2, reasons."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from criteria import BASIC_CLAUSES, INDICATOR_CLAUSES, Evaluation

Judge = Callable[..., Evaluation]

# ---------------------------------------------------------------- Table 1 (clause 5.1 a)

# (mix at the limit, the same mix just below, the same mix just above, category)
TABLE_1 = [
    (
        {"coal_gangue_pct": 80},
        {"coal_gangue_pct": "79.9999"},
        {"coal_gangue_pct": "80.0001"},
        "coal_gangue_only",
    ),
    ({"fly_ash_pct": 50}, {"fly_ash_pct": "49.9999"}, {"fly_ash_pct": "50.0001"}, "fly_ash_only"),
    (
        {"coal_gangue_pct": 70, "other_pct": 10},
        {"coal_gangue_pct": 70, "other_pct": "9.9999"},
        {"coal_gangue_pct": 70, "other_pct": "10.0001"},
        "coal_gangue_plus_other",
    ),
    ({"other_pct": 30}, {"other_pct": "29.9999"}, {"other_pct": "30.0001"}, "other_only"),
]


@pytest.mark.parametrize(("at", "below", "above", "category"), TABLE_1)
def test_table_1_row_is_inclusive_and_exact(
    judge: Judge, at: dict, below: dict, above: dict, category: str
) -> None:
    results = {}
    for name, mix in (("at", at), ("below", below), ("above", above)):
        evaluation = judge(solid_waste={**mix, "third_party_report": True})
        assert evaluation.metrics.waste_category == category
        results[name] = evaluation.clauses["5.1a"].passed
    assert results == {"at": True, "below": False, "above": True}


def test_table_1_reason_cites_row_and_shortfall(judge: Judge) -> None:
    clause = judge(
        solid_waste={"coal_gangue_pct": 65, "other_pct": 10, "third_party_report": True}
    ).clauses["5.1a"]
    assert not clause.passed
    assert clause.reason.startswith("5.1 a) 未满足")
    assert "75 % < 80 %（表1 煤矸石加其他固体废弃物（不含粉煤灰））" in clause.reason
    assert "差 5 个百分点" in clause.reason
    assert "75 % < 80 % (Table 1, coal gangue plus other waste (no fly ash))" in (clause.reason_en)
    assert clause.values["waste_content_pct"] == "75"
    assert clause.values["threshold_pct"] == "80"


def test_table_1_just_below_shows_enough_decimals(judge: Judge) -> None:
    clause = judge(solid_waste={"fly_ash_pct": "49.9999", "third_party_report": True})
    assert "49.9999 % < 50 %" in clause.clauses["5.1a"].reason


def test_5_1a_needs_the_third_party_report(judge: Judge) -> None:
    clause = judge(solid_waste={"coal_gangue_pct": 90}).clauses["5.1a"]
    assert not clause.passed
    assert "90 % ≥ 80 %" in clause.reason
    assert "未提供第三方检测机构出具的有效期内固体废弃物掺加量报告" in clause.reason


@pytest.mark.parametrize(
    "mix",
    [
        {"coal_gangue_pct": 40, "fly_ash_pct": 45},
        {"fly_ash_pct": 60, "other_pct": 30},
        {"coal_gangue_pct": 30, "fly_ash_pct": 30, "other_pct": 30},
    ],
)
def test_mix_not_in_table_1_fails_and_needs_review(judge: Judge, mix: dict) -> None:
    evaluation = judge(solid_waste={**mix, "third_party_report": True})
    clause = evaluation.clauses["5.1a"]
    assert not clause.passed
    assert clause.needs_review
    assert evaluation.needs_review
    assert evaluation.metrics.waste_category == "uncovered"
    assert "不属于表1 的任何分类" in clause.reason
    assert "not covered by any row of Table 1" in clause.reason_en


def test_no_waste_is_category_none(judge: Judge) -> None:
    evaluation = judge(solid_waste={"third_party_report": True})
    assert evaluation.metrics.waste_category == "none"
    assert evaluation.metrics.waste_content_pct == "0"
    assert not evaluation.clauses["5.1a"].passed
    assert not evaluation.needs_review
    assert "未掺加固体废弃物" in evaluation.clauses["5.1a"].reason


# ---------------------------------------------------------------- Table 2 (clause 5.2 a)

TABLE_2 = [
    ("porous_brick", 46, "烧结多孔砖和多孔砌块"),
    ("hollow_brick", 47, "烧结空心砖和空心砌块"),
    ("insulation_brick", 50, "烧结保温砖和保温砌块"),
    ("solid_product", 44, "烧结实心制品"),
]


@pytest.mark.parametrize(("category", "limit", "name"), TABLE_2)
def test_table_2_value_is_inclusive_and_exact(
    judge: Judge, category: str, limit: int, name: str
) -> None:
    def unit_energy_passes(total_kgce: Decimal) -> bool:
        evaluation = judge(
            product_category=category, energy={"output_t": 1000, "total_kgce": str(total_kgce)}
        )
        return evaluation.clauses["5.2a"].passed

    exactly = Decimal(limit) * 1000
    assert unit_energy_passes(exactly)  # E = limit
    assert unit_energy_passes(exactly - Decimal("0.1"))  # E = limit - 0.0001
    assert not unit_energy_passes(exactly + Decimal("0.1"))  # E = limit + 0.0001


@pytest.mark.parametrize(("category", "limit", "name"), TABLE_2)
def test_table_2_reason_names_the_row(judge: Judge, category: str, limit: int, name: str) -> None:
    evaluation = judge(
        product_category=category, energy={"output_t": 1000, "total_kgce": limit * 1000 + 1000}
    )
    reason = evaluation.clauses["5.2a"].reason
    assert f"E = {limit + 1} kgce/t > {limit} kgce/t（表2 {name}）" in reason
    assert evaluation.clauses["5.2a"].values["threshold_kgce_per_t"] == str(limit)


def test_formula_a2_with_every_carrier(judge: Judge) -> None:
    # e = 1 000 000 × 0.1229 + 100 000 × 1.2143 + 10 000 × 1.4286 + 5 000 × 1.4571
    #   = 122 900 + 121 430 + 14 286 + 7 285.5 = 265 901.5 kgce; E = e / 6 000 t
    evaluation = judge(
        energy={
            "output_t": 6000,
            "electricity_kwh": 1000000,
            "natural_gas_m3": 100000,
            "fuel_oil_kg": 10000,
            "diesel_kg": 5000,
        }
    )
    clause = evaluation.clauses["5.2a"]
    assert clause.values["energy_kgce"] == "265901.5"
    assert clause.values["energy_basis"] == "carriers"
    assert clause.values["factor_electricity_kwh"] == "0.1229"
    assert evaluation.metrics.unit_energy_kgce_per_t == "44.3169166667"
    assert evaluation.metrics.energy_kgce == "265901.5"
    assert clause.passed
    assert "E = 44.32 kgce/t ≤ 46 kgce/t（表2 烧结多孔砖和多孔砌块）" in clause.reason
    assert "265,901.5 kgce ÷ 6,000 t" in clause.reason


def test_formula_a2_exactly_at_the_limit_through_a_factor(judge: Judge) -> None:
    # 460 000 kWh × 0.1229 = 56 534 kgce = 46 kgce/t × 1 229 t
    at_limit = judge(energy={"output_t": 1229, "electricity_kwh": 460000})
    assert at_limit.metrics.unit_energy_kgce_per_t == "46"
    assert at_limit.clauses["5.2a"].passed
    # One more kWh adds 0.1229 kgce, i.e. exactly 0.0001 kgce/t.
    over = judge(energy={"output_t": 1229, "electricity_kwh": 460001})
    assert over.metrics.unit_energy_kgce_per_t == "46.0001"
    assert not over.clauses["5.2a"].passed
    assert "E = 46.0001 kgce/t > 46 kgce/t" in over.clauses["5.2a"].reason
    assert "超出 0.0002 %" in over.clauses["5.2a"].reason


def test_total_kgce_replaces_the_carriers(judge: Judge) -> None:
    carriers = {"output_t": 1000, "electricity_kwh": 1000000}  # 122.9 kgce/t on its own
    assert not judge(energy=carriers).clauses["5.2a"].passed
    evaluation = judge(energy={**carriers, "total_kgce": 45000})
    clause = evaluation.clauses["5.2a"]
    assert clause.passed
    assert clause.values["energy_basis"] == "total_kgce"
    assert evaluation.metrics.unit_energy_kgce_per_t == "45"
    assert "e 为填报的综合能耗总量" in clause.reason


def test_every_counted_carrier_is_shown_with_its_factor(judge: Judge) -> None:
    evaluation = judge(energy={"output_t": 100, "electricity_kwh": 1000})
    assert evaluation.metrics.energy_kgce == "122.9"
    reason = evaluation.clauses["5.2a"].reason
    assert "e 为计入的各种能源按 GB/T 2589-2020 折算的标准煤之和" in reason
    assert "电力 1,000 kWh × 0.1229 = 122.9 kgce" in reason
    used = evaluation.metrics.factors[0]
    assert (used.carrier, used.factor, used.factor_unit, used.kgce) == (
        "electricity_kwh",
        "0.1229",
        "kgce/kWh",
        "122.9",
    )
    assert used.source == "GB/T 2589-2020 附录A 电力（当量值，3600 kJ/kWh）"


def test_5_2a_without_category_output_or_energy(judge: Judge) -> None:
    no_category = judge({"product_category": None}, energy={"output_t": 10, "total_kgce": 1})
    assert "未选择产品类别" in no_category.clauses["5.2a"].reason
    no_output = judge()
    assert "未提供合格产品产量" in no_output.clauses["5.2a"].reason
    no_energy = judge(energy={"output_t": 10})
    assert "未提供外购电力、燃气、燃油的消耗量" in no_energy.clauses["5.2a"].reason
    for evaluation in (no_category, no_output, no_energy):
        assert not evaluation.clauses["5.2a"].passed


# ---------------------------------------------------------------- formula A.1 (clause 5.1 b)


def test_formula_a1_at_and_around_95_percent(judge: Judge) -> None:
    at = judge(raw_materials={"local_t": 47500, "total_t": 50000, "evidence": True})
    assert at.metrics.local_material_ratio == "95"
    assert at.clauses["5.1b"].passed
    assert "R = m1/m = 47,500 t ÷ 50,000 t = 95 % ≥ 95 %" in at.clauses["5.1b"].reason

    below = judge(raw_materials={"local_t": "47499.99", "total_t": 50000, "evidence": True})
    assert below.metrics.local_material_ratio == "94.99998"
    assert not below.clauses["5.1b"].passed
    assert "94.99998 % < 95 %" in below.clauses["5.1b"].reason


def test_formula_a1_repeating_ratio(judge: Judge) -> None:
    evaluation = judge(raw_materials={"local_t": 40000, "total_t": 46000, "evidence": True})
    assert evaluation.metrics.local_material_ratio == "86.9565217391"
    assert "= 86.96 % < 95 %" in evaluation.clauses["5.1b"].reason
    assert "差 8.04 个百分点" in evaluation.clauses["5.1b"].reason


def test_5_1b_needs_evidence(judge: Judge) -> None:
    clause = judge(raw_materials={"local_t": 99, "total_t": 100}).clauses["5.1b"]
    assert not clause.passed
    assert "99 % ≥ 95 %" in clause.reason
    assert "未提供原材料采购合同、生产台账等证明材料" in clause.reason


def test_5_1b_without_total_is_no_data(judge: Judge) -> None:
    evaluation = judge(raw_materials={"evidence": True})
    assert evaluation.metrics.local_material_ratio is None
    assert not evaluation.clauses["5.1b"].passed
    assert "无法按式 A.1 计算 R" in evaluation.clauses["5.1b"].reason


# ---------------------------------------------------------------- documentary clauses


@pytest.mark.parametrize(
    ("ghg", "passed", "says"),
    [
        ({"accounted": True, "published": True}, True, "核算结果已对外公布"),
        ({"accounted": True}, False, "核算结果未对外公布"),
        ({"published": True}, False, "未按 GB/T 32150 或其他适用标准核算温室气体排放"),
        ({}, False, "未按 GB/T 32150"),
    ],
)
def test_5_3_says_what_is_missing(judge: Judge, ghg: dict, passed: bool, says: str) -> None:
    clause = judge(ghg=ghg).clauses["5.3"]
    assert clause.passed is passed
    assert says in clause.reason


@pytest.mark.parametrize(
    ("certification", "name"),
    [
        ("miit_green_manufacturing", "工信部绿色制造名单"),
        ("samr_product_certification", "低碳、节能或节水产品认证"),
        ("environmental_label", "环境标志产品认证"),
        ("other_recognised", "其他业内认可的绿色评价或认证"),
    ],
)
def test_5_4_names_the_certification(judge: Judge, certification: str, name: str) -> None:
    evaluation = judge(certifications={certification: True})
    assert evaluation.qualified
    assert evaluation.passed_indicators == ["5.4"]
    assert name in evaluation.clauses["5.4"].reason


# ---------------------------------------------------------------- the verdict

SINGLE_INDICATORS = [
    ("5.1a", {"solid_waste": {"coal_gangue_pct": 85, "third_party_report": True}}),
    ("5.1b", {"raw_materials": {"local_t": 960, "total_t": 1000, "evidence": True}}),
    ("5.2a", {"energy": {"output_t": 1000, "total_kgce": 40000}}),
    ("5.2b", {"energy": {"energy_management_certified": True}}),
    ("5.3", {"ghg": {"accounted": True, "published": True}}),
    ("5.4", {"certifications": {"environmental_label": True}}),
]


def test_baseline_meets_basics_and_no_indicator(judge: Judge) -> None:
    evaluation = judge()
    assert evaluation.basic_passed
    assert evaluation.passed_indicators == []
    assert not evaluation.qualified


@pytest.mark.parametrize(("clause", "changes"), SINGLE_INDICATORS)
def test_each_indicator_qualifies_on_its_own(judge: Judge, clause: str, changes: dict) -> None:
    evaluation = judge(changes)
    assert evaluation.qualified
    assert evaluation.passed_indicators == [clause]
    assert evaluation.nearest_path is None
    assert evaluation.clauses[clause].reason.startswith(
        evaluation.clauses[clause].title.split(" ")[0]
    )


@pytest.mark.parametrize(
    ("field", "clause"),
    [
        ("lawful_operation", "4.1a"),
        ("white_list", "4.1b"),
        ("quality_management", "4.2.1"),
        ("environmental_management", "4.2.2"),
        ("metering", "4.3"),
        ("product_quality", "4.4"),
    ],
)
def test_each_basic_requirement_blocks_on_its_own(judge: Judge, field: str, clause: str) -> None:
    evaluation = judge(
        basic={field: False},
        certifications={"miit_green_manufacturing": True},
        ghg={"accounted": True, "published": True},
    )
    assert not evaluation.qualified
    assert not evaluation.basic_passed
    assert [c for c in BASIC_CLAUSES if not evaluation.clauses[c].passed] == [clause]
    assert evaluation.passed_indicators == ["5.3", "5.4"]
    assert "未满足" in evaluation.clauses[clause].reason
    path = evaluation.nearest_path
    assert path is not None
    assert path.blocking_basic == [clause]
    assert path.clause is None


def test_clause_kinds_and_order(judge: Judge) -> None:
    evaluation = judge()
    assert list(evaluation.clauses) == [*BASIC_CLAUSES, *INDICATOR_CLAUSES]
    assert {evaluation.clauses[c].kind for c in BASIC_CLAUSES} == {"basic"}
    assert {evaluation.clauses[c].kind for c in INDICATOR_CLAUSES} == {"indicator"}

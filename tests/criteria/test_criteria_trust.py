"""A verdict an assessor can trust: every kiln carrier counted, factors shown, implausible
energy figures, evidence and the evaluation period checked, figures that agree with
their verdict, and a carbon estimate beside (not inside) the verdict."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from criteria import Evaluation, evaluate, load_ruleset, parse_answers, render_report
from criteria.figures import figure
from tests.criteria.conftest import BASELINE, merge

ROOT = Path(__file__).resolve().parents[2]
ON = date(2025, 9, 1)
RULESET = load_ruleset()


def judged(changes: dict[str, Any], on: date = ON) -> Evaluation:
    return evaluate(parse_answers(merge(BASELINE, changes)), RULESET, on)


def codes(evaluation: Evaluation) -> list[str]:
    return [reason.code for reason in evaluation.review_reasons]


def reasons(evaluation: Evaluation) -> str:
    return "\n".join(reason.text for reason in evaluation.review_reasons)


# ---------------------------------------------------------------- kiln fuels


def test_electricity_only_on_a_coal_fired_kiln_is_flagged() -> None:
    evaluation = judged(
        {"energy": {"output_t": 120000, "electricity_kwh": 2600000, "firing": "external"}}
    )
    assert evaluation.metrics.unit_energy_kgce_per_t is not None
    assert evaluation.clauses["5.2a"].passed  # the figure itself is below Table 2
    assert evaluation.needs_review
    assert "electricity_only_fired_kiln" in codes(evaluation)
    assert "窑炉为外燃，却只填报了电力（E = 2.66 kgce/t）：燃料消耗未填报" in reasons(evaluation)
    assert "unit_energy_implausible" in codes(evaluation)
    assert "E = 2.66 kgce/t 不在烧结砖厂可能的范围 20～150 kgce/t 内" in reasons(evaluation)


def test_electricity_only_without_a_firing_mode_is_flagged_too() -> None:
    evaluation = judged({"energy": {"output_t": 120000, "electricity_kwh": 2600000}})
    assert "electricity_only" in codes(evaluation)
    assert "窑炉燃料可能未填报" in reasons(evaluation)


def test_a_coal_fired_plant_counts_its_coal_and_internal_fuel() -> None:
    evaluation = judged(
        {
            "energy": {
                "output_t": 120000,
                "firing": "mixed",
                "electricity_kwh": 2600000,
                "raw_coal_kg": 3000000,
                "internal_fuel_kg": 9000000,
                "internal_fuel_lcv_kj_per_kg": 3800,
            }
        }
    )
    factors = {f.carrier: f for f in evaluation.metrics.factors}
    assert factors["raw_coal_kg"].factor == "0.7143"
    assert factors["raw_coal_kg"].kgce == "2142900"
    assert (
        factors["raw_coal_kg"].source == "GB/T 2589-2020 附录A 原煤（20908 kJ/kg，即 5000 kcal/kg）"
    )
    internal = factors["internal_fuel_kg"]
    assert internal.counted and internal.factor == "0.129659"
    # e = 319540 + 2142900 + 9000000 × 3800 / 29307.6
    assert evaluation.metrics.energy_kgce == "3629372.8092371944"
    assert evaluation.metrics.unit_energy_kgce_per_t == "30.2447734103"
    reason = evaluation.clauses["5.2a"].reason
    assert "原煤 3,000,000 kg × 0.7143 = 2,142,900 kgce" in reason
    assert "内燃料 9,000,000 kg × 0.129659 = 1,166,932.81 kgce" in reason
    assert internal.source.startswith(
        "低位发热量 3800 kJ/kg；内燃料（掺入坯体的煤、煤矸石等高热值废弃物）"
    )
    assert not evaluation.review_reasons


def test_internal_fuel_without_calorific_value_is_shown_not_counted_and_flagged() -> None:
    evaluation = judged(
        {
            "energy": {
                "output_t": 120000,
                "firing": "internal",
                "electricity_kwh": 2600000,
                "raw_coal_kg": 6000000,
                "internal_fuel_kg": 9000000,
            }
        }
    )
    internal = next(f for f in evaluation.metrics.factors if f.carrier == "internal_fuel_kg")
    assert not internal.counted and internal.kgce == "0"
    assert internal.note == "内燃料未提供低位发热量，无法折算，未计入 E"
    assert "internal_fuel_not_counted" in codes(evaluation)
    assert "内燃料 9,000,000 kg：未计入 E（内燃料未提供低位发热量，无法折算，未计入 E）" in (
        evaluation.clauses["5.2a"].reason
    )


def test_other_fuels_count_with_the_plants_factor_and_are_flagged() -> None:
    evaluation = judged(
        {
            "energy": {
                "output_t": 10000,
                "electricity_kwh": 300000,
                "other_fuels": [
                    {
                        "name": "发生炉煤气",
                        "amount": 2000000,
                        "unit": "m3",
                        "kgce_per_unit": 0.1786,
                        "source": "GB/T 2589-2020 附录A 发生炉煤气",
                    }
                ],
            }
        }
    )
    used = next(f for f in evaluation.metrics.factors if f.carrier == "other:发生炉煤气")
    assert (used.factor, used.kgce, used.counted) == ("0.1786", "357200", True)
    assert "other_fuel_factor" in codes(evaluation)


# ---------------------------------------------------------------- a total typed per tonne


def test_46_typed_as_the_total_is_asked_back() -> None:
    evaluation = judged({"energy": {"output_t": 120000, "total_kgce": 46}})
    assert evaluation.needs_review
    assert codes(evaluation)[0] == "total_looks_per_tonne"
    assert reasons(evaluation).startswith(
        "填报的综合能耗总量 46 kgce 对产量 120,000 t 只得 E = 0.000383 kgce/t，"
        "而 46 本身像是每吨产品的能耗：您填写的是每吨产品的能耗吗？"
    )


def test_output_and_energy_an_order_of_magnitude_apart() -> None:
    # 12,000 t typed instead of 120,000 t: E = 350 kgce/t, ten times a usual plant.
    evaluation = judged({"energy": {"output_t": 12000, "total_kgce": 4200000}})
    assert "产量与能耗相差约一个数量级，可能填错了单位" in reasons(evaluation)


def test_a_plausible_plant_has_no_energy_reason() -> None:
    evaluation = judged({"energy": {"output_t": 100000, "total_kgce": 4300000}})
    assert evaluation.review_reasons == []
    assert not evaluation.needs_review


# ---------------------------------------------------------------- the natural-gas range

GAS_PLANT = {
    "energy": {
        "output_t": 185000,
        "electricity_kwh": 5860000,
        "natural_gas_m3": 5900000,
        "diesel_kg": 36500,
    }
}


def test_a_gas_plant_whose_verdict_flips_within_the_range_is_flagged() -> None:
    evaluation = judged(GAS_PLANT)
    assert evaluation.clauses["5.2a"].passed  # at the default 1.2143
    assert evaluation.needs_review
    assert "range_factor_natural_gas_m3" in codes(evaluation)
    assert (
        "天然气折标准煤系数在 GB/T 2589-2020 范围 1.1～1.33 kgce/m³ 内取值不同，"
        "判定会改变：取 1.1 时 E = 39.26 kgce/t，取 1.33 时 E = 46.6 kgce/t（限值 46 kgce/t）"
    ) in reasons(evaluation)
    gas = next(f for f in evaluation.metrics.factors if f.carrier == "natural_gas_m3")
    assert gas.factor == "1.2143"
    assert "GB/T 2589-2020 附录A 天然气（1.1000～1.3300 kgce/m³" in gas.source


def test_a_measured_calorific_value_settles_the_gas_factor() -> None:
    measured = merge(GAS_PLANT, {"energy": {"natural_gas_lcv_kj_per_m3": 38000}})
    evaluation = judged(measured)
    assert "range_factor_natural_gas_m3" not in codes(evaluation)
    gas = next(f for f in evaluation.metrics.factors if f.carrier == "natural_gas_m3")
    assert gas.factor == "1.296592"
    assert gas.source.startswith("实测低位发热量 38000 kJ/m³")
    assert evaluation.metrics.unit_energy_kgce_per_t == "45.5311946516"
    assert evaluation.clauses["5.2a"].passed


def test_a_gas_plant_far_from_the_limit_is_not_flagged() -> None:
    small = merge(GAS_PLANT, {"energy": {"natural_gas_m3": 4000000}})
    assert "range_factor_natural_gas_m3" not in codes(judged(small))


# ---------------------------------------------------------------- evidence


def test_an_expired_certificate_fails_its_clause_and_says_so() -> None:
    evaluation = judged(
        {
            "energy": {"energy_management_certified": True},
            "evidence": {
                "energy_management_certified": {
                    "number": "CQM24EnMS0123",
                    "issuer": "方圆标志认证集团",
                    "issued": "2021-06-01",
                    "expires": "2024-05-31",
                }
            },
        }
    )
    clause = evaluation.clauses["5.2b"]
    assert not clause.passed
    assert "证书或报告 CQM24EnMS0123 有效期至 2024-05-31，评价日 2025-09-01 已过期" in clause.reason


def test_an_expired_quality_certificate_fails_4_2_1() -> None:
    evaluation = judged({"evidence": {"quality_management": {"expires": "2025-08-31"}}})
    assert not evaluation.clauses["4.2.1"].passed
    assert not evaluation.basic_passed


def test_missing_details_pass_only_as_claimed_and_flag() -> None:
    evaluation = judged(
        {
            "certifications": {"environmental_label": True},
            "evidence": {"environmental_label": {"number": "CEC2024ELP0001"}},
        }
    )
    clause = evaluation.clauses["5.4"]
    assert clause.passed and clause.needs_review
    assert (
        "企业声明，证据不完整（缺少：发证机构或检测机构、发证日期或报告日期、有效期至）"
        in clause.reason
    )
    assert evaluation.needs_review


def test_a_bare_yes_reads_as_declared_not_as_verified() -> None:
    document = merge(BASELINE, {})
    del document["evidence"]
    evaluation = evaluate(parse_answers(document), RULESET, ON)
    clause = evaluation.clauses["4.2.1"]
    assert clause.passed and clause.needs_review
    assert clause.reason.startswith("4.2.1 满足：企业声明已建立满足 GB/T 19001 或 ISO 9001")
    assert "仅为企业声明，未提供证书或报告信息（证据不完整）" in clause.reason


def test_a_conforming_system_without_a_certificate_meets_4_2_2() -> None:
    evaluation = judged(
        {
            "evidence": {
                "environmental_management": {"kind": "manual_and_audit", "issued": "2025-03-01"}
            }
        }
    )
    clause = evaluation.clauses["4.2.2"]
    assert clause.passed and clause.needs_review
    assert "未认证，以体系手册和内部审核记录（2025-03-01）证明体系符合要求" in clause.reason


def test_manual_and_audit_do_not_replace_the_5_2_b_certificate() -> None:
    evaluation = judged(
        {
            "energy": {"energy_management_certified": True},
            "evidence": {"energy_management_certified": {"kind": "manual_and_audit"}},
        }
    )
    assert "体系手册与内审记录不能代替本条要求的认证证书" in evaluation.clauses["5.2b"].reason


def test_a_test_report_without_expiry_is_valid_for_the_ruleset_months() -> None:
    report = {
        "solid_waste": {"coal_gangue_pct": 85, "third_party_report": True},
        "evidence": {
            "third_party_report": {
                "issuer": "山西省建筑材料产品质量监督检验站",
                "issued": "2024-06-30",
                "content_pct": 85.6,
            }
        },
    }
    assert judged(report, on=date(2025, 6, 30)).clauses["5.1a"].passed
    late = judged(report, on=date(2025, 7, 1)).clauses["5.1a"]
    assert not late.passed
    assert "有效期至 2025-06-30，评价日 2025-07-01 已过期" in late.reason


# ---------------------------------------------------------------- the evaluation period


def test_a_six_month_period_gets_a_clear_reason() -> None:
    evaluation = judged({"enterprise": {"period_start": "2025-01-01", "period_end": "2025-06-30"}})
    assert evaluation.needs_review
    assert reasons(evaluation) == (
        "评价期 2025-01-01 至 2025-06-30（181 天）不是连续 12 个月：从 2025-01-01 起应至 2025-12-31"
    )


def test_twelve_recent_months_pass_and_an_old_period_does_not() -> None:
    recent = {"enterprise": {"period_start": "2024-07-01", "period_end": "2025-06-30"}}
    assert judged(recent).review_reasons == []
    old = {"enterprise": {"period_start": "2023-01-01", "period_end": "2023-12-31"}}
    assert reasons(judged(old)) == (
        "评价期结束于 2023-12-31，早于评价日 2025-09-01 前 12 个月，数据已过时"
    )


# ---------------------------------------------------------------- figures and verdicts agree


def test_figures_are_shown_on_the_side_of_the_threshold_they_are_on() -> None:
    assert figure("46.000003", "46") == "46.000003"
    assert figure("79.9999", "80") == "79.9999"
    assert figure("42.9", "46") == "42.9"
    assert figure("46", "46") == "46"
    assert figure("3.14159", None) == "3.14"


def test_the_text_report_never_rounds_onto_the_threshold() -> None:
    evaluation = judged(
        {
            "solid_waste": {"coal_gangue_pct": "79.9999", "third_party_report": True},
            "energy": {"output_t": 100000, "total_kgce": "4600000.3"},
        }
    )
    assert not evaluation.clauses["5.2a"].passed
    report = render_report(evaluation)
    assert "单位产品综合能耗 E：46.000003 kgce/t" in report
    assert "固体废弃物：煤矸石，掺加量 79.9999 %" in report
    assert "E：46 " not in report
    assert "E = 46.000003 kgce/t > 46 kgce/t（表2 烧结多孔砖和多孔砌块）" in (
        evaluation.clauses["5.2a"].reason
    )
    assert "E = e/P = 4,600,000.3 kgce ÷ 100,000 t" in evaluation.clauses["5.2a"].reason
    assert "5.1 a) 未满足：煤矸石掺加量 79.9999 % < 80 %" in evaluation.clauses["5.1a"].reason


# ---------------------------------------------------------------- waste mixes


def test_an_uncovered_mix_quotes_the_figures_given() -> None:
    evaluation = judged({"solid_waste": {"fly_ash_pct": 30, "other_pct": "0.001"}})
    assert "（煤矸石 0 %、粉煤灰 30 %、其他 0.001 %）" in evaluation.clauses["5.1a"].reason


def test_a_trace_of_gangue_names_the_row_and_why() -> None:
    evaluation = judged({"solid_waste": {"coal_gangue_pct": "0.001", "other_pct": 40}})
    reason = evaluation.clauses["5.1a"].reason
    assert (
        "按表1 煤矸石加其他固体废弃物（不含粉煤灰）判定，因为掺有煤矸石 0.001 % "
        "和其他固体废弃物 40 %、不含粉煤灰（任何含量的煤矸石都使混掺归入此行）" in reason
    )


# ---------------------------------------------------------------- carbon estimate


def test_the_carbon_estimate_is_beside_the_verdict() -> None:
    evaluation = judged(
        {"energy": {"output_t": 10000, "electricity_kwh": 300000, "raw_coal_kg": 400000}}
    )
    carbon = evaluation.carbon
    assert carbon is not None
    # 300000 × 0.5366 + 400000 × 0.020908 × 26.37 × 0.94 × 44/12 = 160980 + 760119.54
    assert [line.co2_kg for line in carbon.lines] == ["160980.00", "760119.54"]
    assert carbon.co2_t_per_year == "921.10"
    assert evaluation.metrics.unit_co2_kg_per_t == carbon.unit_co2_kg_per_t == "92.11"
    assert "2022 年全国电力平均二氧化碳排放因子 0.5366" in carbon.source
    report = render_report(evaluation)
    assert "碳排放估算（非评价结论）" in report
    # An estimate reads with the precision it has: tenths per tonne and per year, whole kg.
    assert "单位产品二氧化碳排放（估算）：92.1 kg CO2/t" in report
    assert "年二氧化碳排放（估算）：921.1 t CO2" in report
    assert "• 原煤：760,120 kg CO2" in report


# ---------------------------------------------------------------- the command line


def test_the_coal_fired_example_through_evaluate(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.criteria import run_evaluate  # the front end over the same evaluation

    class Args:
        file = str(ROOT / "examples" / "coal-fired.json")
        format = "json"
        ruleset = "sintered-wall-2020"
        lang = "zh"
        on = "2026-03-01"

    assert run_evaluate(Args()) == 0  # type: ignore[arg-type]
    data = json.loads(capsys.readouterr().out)
    assert data["qualified"] is True
    assert data["evaluated_on"] == "2026-03-01"
    carriers = [f["carrier"] for f in data["metrics"]["factors"]]
    assert carriers == ["electricity_kwh", "diesel_kg", "raw_coal_kg", "internal_fuel_kg"]
    assert data["metrics"]["unit_energy_kgce_per_t"].startswith("30.3")
    assert data["metrics"]["unit_co2_kg_per_t"] is not None
    assert [r["code"] for r in data["review_reasons"]] == ["clause_4.2.2"]


def test_a_bad_evaluation_date_is_refused_with_the_form_to_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli.criteria import run_evaluate

    class Args:
        file = str(ROOT / "examples" / "coal-fired.json")
        format = "text"
        ruleset = "sintered-wall-2020"
        lang = "zh"
        on = "2024-13-01"

    assert run_evaluate(Args()) == 2  # type: ignore[arg-type]
    assert capsys.readouterr().err == (
        "错误：评价日期 2024-13-01 无效，应写作 YYYY-MM-DD，例如 2025-03-31\n"
    )

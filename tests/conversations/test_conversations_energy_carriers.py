"""Every carrier a kiln burns is asked, read as the plant says it, and counted in E."""

from __future__ import annotations

import pytest
from interview_driver import press, typed
from interview_plans import ENGINE, at, completed, refused, submit

from conversations import Input
from criteria import Evaluation

COAL_FIRED: dict[str, list[Input]] = {
    "kiln_firing": typed("内外燃结合"),
    "energy_carriers": typed("原煤"),
    "raw_coal_kg": typed("我们烧原煤 3000吨"),
    "internal_fuel_kg": typed("8000吨"),
    "internal_fuel_lcv": typed("1500 大卡/千克"),
}


def test_the_firing_and_carrier_questions_read_in_chinese() -> None:
    chat = at("kiln_firing")
    assert chat.last.text.startswith("窑炉是怎样烧成的？")
    assert [b.label for row in chat.last.buttons for b in row][:3] == [
        "外燃（燃料从窑外投入）",
        "内燃（煤或煤矸石等掺入坯体）",
        "内外燃结合",
    ]
    chat = at("energy_carriers")
    assert chat.last.text.startswith("除电以外，评价期内生产还用了哪些能源？（可多选）")
    labels = [b.label for row in chat.last.buttons for b in row]
    for label in ("天然气", "原煤（外投煤）", "液化石油气", "外购热力、蒸汽",
                  "发生炉煤气等其他燃气", "生物质燃料", "除电以外都没有"):  # fmt: skip
        assert any(label in shown for shown in labels), label


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("我们烧原煤 3000吨", "3000000"),
        ("全年用了原煤3000吨", "3000000"),
        ("原煤：3000 t", "3000000"),
        ("约3000吨", "3000000"),
        ("3000000", "3000000"),
    ],
)
def test_raw_coal_is_understood_as_the_plant_says_it(text: str, stored: str) -> None:
    chat = at("raw_coal_kg", COAL_FIRED)
    chat.text(text)
    assert chat.state.answers["raw_coal_kg"] == stored


def test_words_that_change_the_figure_are_not_dropped() -> None:
    chat = at("raw_coal_kg", COAL_FIRED)
    error = refused(chat, "少于3000吨")
    assert error.startswith("没能读出数字“少于3000吨”")


def test_calorific_values_are_converted_to_kilojoules() -> None:
    plan = {"energy_carriers": typed("天然气")}
    chat = at("natural_gas_lcv", plan)
    assert chat.last.text.startswith("燃气账单或供气方质量报告上有天然气的实测低位发热量吗？")
    chat.text("8400 大卡/立方米")
    assert chat.state.answers["natural_gas_lcv"] == "35169.12"
    chat = at("natural_gas_lcv", plan)
    chat.text("35.5 兆焦/立方米")
    assert chat.state.answers["natural_gas_lcv"] == "35500"


def test_a_coal_fired_plant_gets_a_verdict_that_counts_its_coal() -> None:
    chat = completed(COAL_FIRED)
    energy = ENGINE.answers_document(chat.state)["energy"]
    assert energy["firing"] == "mixed"
    assert energy["raw_coal_kg"] == 3000000
    assert energy["internal_fuel_kg"] == 8000000
    assert energy["internal_fuel_lcv_kj_per_kg"] == 6280.2
    assert energy["natural_gas_m3"] == 0
    evaluation = Evaluation.model_validate(submit(chat).evaluation)
    assert str(evaluation.metrics.unit_energy_kgce_per_t).startswith("34.60")
    verdict = chat.replies[0].text
    assert "内燃料 8,000,000 kg × 0.214286 kgce/kg = 1,714,285.71 kgce" in verdict
    source = "原煤 3,000,000 kg × 0.7143 kgce/kg = 2,142,900 kgce（GB/T 2589-2020 附录A 原煤"
    assert source in verdict
    assert "碳排放估算（非评价结论）" in verdict


def test_electricity_alone_on_a_coal_kiln_is_flagged() -> None:
    plan = {
        "kiln_firing": typed("外燃"),
        "energy_carriers": press("iv:t:energy_carriers:none") + press("iv:d:energy_carriers"),
        "electricity_kwh": typed("260万度"),
    }
    chat = completed(plan)
    evaluation = Evaluation.model_validate(submit(chat).evaluation)
    assert evaluation.needs_review is True
    assert any("外燃" in reason.text for reason in evaluation.review_reasons)


def test_producer_gas_and_biomass_go_into_other_fuels_with_the_plant_factor() -> None:
    plan = {
        "energy_carriers": typed("发生炉煤气、生物质"),
        "other_gas_m3": typed("200万立方米"),
        "other_gas_factor": typed("0.1786"),
        "biomass_kg": typed("500吨"),
    }
    chat = completed(plan)
    fuels = ENGINE.answers_document(chat.state)["energy"]["other_fuels"]
    assert fuels == [
        {"name": "发生炉煤气等其他燃气", "amount": 2000000, "unit": "m3",
         "kgce_per_unit": 0.1786, "source": "企业填报"},
        {"name": "生物质燃料", "amount": 500000, "unit": "kg",
         "kgce_per_unit": 0, "source": ""},
    ]  # fmt: skip


# The README's example plant: at the ruleset's default gas factor E = 42.91 kgce/t passes the
# 46 of Table 2; at the top of GB/T 2589-2020's range it would not.
GAS_NEAR_THE_LIMIT: dict[str, list[Input]] = {
    "output_t": typed("185000吨"),
    "electricity_kwh": typed("586万度"),
    "energy_carriers": typed("天然气、柴油"),
    "natural_gas_m3": typed("590万方"),
    "diesel_kg": typed("36.5吨"),
}


def test_a_gas_plant_whose_verdict_flips_within_the_gas_range_is_flagged_with_the_ask() -> None:
    chat = completed(GAS_NEAR_THE_LIMIT)
    evaluation = Evaluation.model_validate(submit(chat).evaluation)
    assert evaluation.clauses["5.2a"].passed
    assert evaluation.metrics.unit_energy_kgce_per_t.startswith("42.906")
    assert evaluation.needs_review
    (reason,) = [r for r in evaluation.review_reasons if r.code == "range_factor_natural_gas_m3"]
    assert reason.text == (
        "天然气折标准煤系数在 GB/T 2589-2020 范围 1.1～1.33 kgce/m³ 内取值不同，判定会改变："
        "取 1.1 时 E = 39.26 kgce/t，取 1.33 时 E = 46.6 kgce/t（限值 46 kgce/t）；"
        "请提供燃气账单或供气方质量报告上的实测低位发热量"
    )
    verdict = "\n".join(reply.text for reply in chat.replies)
    assert "⚠ 需评审人员复核" in verdict  # the verdict the supplier reads says so
    assert "天然气折标准煤系数在 GB/T 2589-2020 范围 1.1～1.33 kgce/m³ 内取值不同" in verdict


def test_a_measured_calorific_value_settles_the_gas_factor_and_the_flag() -> None:
    plan = {**GAS_NEAR_THE_LIMIT, "natural_gas_lcv": typed("34000 千焦/立方米")}
    evaluation = Evaluation.model_validate(submit(completed(plan)).evaluation)
    gas = next(f for f in evaluation.metrics.factors if f.carrier == "natural_gas_m3")
    assert gas.factor == "1.160109"  # 34000 ÷ 29307.6, GB/T 2589's standard coal
    assert "range_factor_natural_gas_m3" not in {r.code for r in evaluation.review_reasons}

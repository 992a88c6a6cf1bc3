"""Gaps, the nearest route, the evaluation JSON contract and the text report."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from criteria import CLAUSE_IDS, Evaluation, render_report

Judge = Callable[..., Evaluation]


# ---------------------------------------------------------------- gaps


def test_energy_gap_in_kgce_per_tonne(judge: Judge) -> None:
    evaluation = judge(energy={"output_t": 10000, "total_kgce": 472700})
    (gap,) = [g for g in evaluation.gaps if g.clause == "5.2a"]
    assert (gap.metric, gap.unit, gap.current, gap.target) == (
        "unit_energy",
        "kgce/t",
        "47.27",
        "46",
    )
    assert gap.shortfall == "1.27"
    assert gap.shortfall_relative_pct == "2.7608695652"
    assert "高 1.27 kgce/t（2.76 %）" in gap.text
    assert "约需少用 12,700 kgce。" in gap.text
    assert "1.27 kgce/t (2.76 %) above 46 kgce/t" in gap.text_en


def test_waste_gap_in_percentage_points(judge: Judge) -> None:
    evaluation = judge(solid_waste={"coal_gangue_pct": 65, "other_pct": 10})
    (gap,) = [g for g in evaluation.gaps if g.clause == "5.1a"]
    assert (gap.unit, gap.current, gap.target, gap.shortfall) == ("pp", "75", "80", "5")
    assert gap.missing_documents == ["third_party_report"]
    assert "低 5 个百分点；另须提供第三方检测报告。" in gap.text


def test_localisation_gap_in_points_and_tonnes(judge: Judge) -> None:
    evaluation = judge(raw_materials={"local_t": 40000, "total_t": 46000, "evidence": True})
    (gap,) = [g for g in evaluation.gaps if g.clause == "5.1b"]
    assert gap.current == "86.9565217391"
    assert gap.shortfall == "8.0434782609"
    assert gap.missing_documents == []
    assert "比 95 % 低 8.04 个百分点；约需将 3,700 t 主要原材料改为 100 km 内采购" in gap.text


def test_documents_only_gap_has_zero_shortfall(judge: Judge) -> None:
    evaluation = judge(
        raw_materials={"local_t": 99, "total_t": 100}, solid_waste={"fly_ash_pct": 55}
    )
    gaps = {gap.clause: gap for gap in evaluation.gaps}
    assert gaps["5.1b"].shortfall == "0"
    assert gaps["5.1b"].missing_documents == ["evidence"]
    assert "仅缺采购合同、生产台账等证明材料" in gaps["5.1b"].text
    assert gaps["5.1a"].shortfall == "0"
    assert "仅缺第三方检测报告" in gaps["5.1a"].text


def test_gaps_without_data(judge: Judge) -> None:
    evaluation = judge({"product_category": None})
    gaps = {gap.clause: gap for gap in evaluation.gaps}
    assert set(gaps) == {"5.1a", "5.1b", "5.2a"}
    assert all(gap.shortfall is None for gap in gaps.values())
    assert "未选择产品类别" in gaps["5.2a"].text
    assert "无法计算 R" in gaps["5.1b"].text
    assert "未掺加固体废弃物" in gaps["5.1a"].text


def test_uncovered_mix_gap_asks_for_review(judge: Judge) -> None:
    evaluation = judge(solid_waste={"fly_ash_pct": 40, "other_pct": 40, "third_party_report": True})
    (gap,) = [g for g in evaluation.gaps if g.clause == "5.1a"]
    assert gap.shortfall is None
    assert gap.current == "80"
    assert "需评审人员复核" in gap.text


def test_qualified_plant_still_sees_unmet_routes(judge: Judge) -> None:
    evaluation = judge(
        energy={"output_t": 1000, "total_kgce": 40000},
        raw_materials={"local_t": 90, "total_t": 100, "evidence": True},
    )
    assert evaluation.qualified
    assert evaluation.nearest_path is None
    assert [gap.clause for gap in evaluation.gaps] == ["5.1a", "5.1b"]


def test_passed_routes_have_no_gap(judge: Judge) -> None:
    evaluation = judge(energy={"output_t": 1000, "total_kgce": 40000})
    assert "5.2a" not in [gap.clause for gap in evaluation.gaps]


# ---------------------------------------------------------------- nearest path


def test_a_missing_document_is_nearer_than_any_production_change(judge: Judge) -> None:
    evaluation = judge(
        ghg={"accounted": True}, energy={"output_t": 1000, "total_kgce": 46100}
    )  # 0.2 % over
    path = evaluation.nearest_path
    assert path is not None
    assert (path.clause, path.route) == ("5.3", "documentary")
    assert path.advice == "将已完成的温室气体排放核算结果对外公布，即可满足 5.3。"


def test_smallest_relative_shortfall_wins(judge: Judge) -> None:
    energy_close = judge(
        energy={"output_t": 1000, "total_kgce": 46460},  # 1 % over
        raw_materials={"local_t": 90, "total_t": 100, "evidence": True},
    )
    path = energy_close.nearest_path
    assert path is not None
    assert (path.clause, path.route) == ("5.2a", "quantitative")
    assert "从 46.46 kgce/t 降到不高于 46 kgce/t（降低 0.46 kgce/t，即 1 %）" in path.advice

    local_close = judge(
        energy={"output_t": 1000, "total_kgce": 50000},
        raw_materials={"local_t": "94.5", "total_t": 100},
    )
    path = local_close.nearest_path
    assert path is not None
    assert (path.clause, path.route) == ("5.1b", "quantitative")
    assert "从 94.5 % 提高到至少 95 %" in path.advice
    assert "并提供采购合同、生产台账等证明材料" in path.advice


def test_waste_route_advice(judge: Judge) -> None:
    evaluation = judge(solid_waste={"coal_gangue_pct": 79, "third_party_report": True})
    path = evaluation.nearest_path
    assert path is not None
    assert path.clause == "5.1a"
    assert path.advice == (
        "将煤矸石掺加量从 79 % 提高到至少 80 %（提高 1 个百分点），即可满足 5.1 a)。"
    )


def test_ghg_accounting_comes_before_certification(judge: Judge) -> None:
    path = judge().nearest_path
    assert path is not None
    assert (path.clause, path.route) == ("5.3", "ghg")
    assert "核算温室气体排放并对外公布" in path.advice


def test_a_quantitative_route_comes_before_accounting_or_certification(judge: Judge) -> None:
    path = judge(
        ghg={"published": True},
        solid_waste={"fly_ash_pct": 30, "other_pct": 30},
        raw_materials={"local_t": 0, "total_t": 10},
    ).nearest_path
    assert path is not None
    # The uncovered mix offers no route; 5.1 b) does, however far it is.
    assert (path.clause, path.route) == ("5.1b", "quantitative")
    assert "约 9.5 t 改为本地采购" in path.advice


def test_blocking_basic_requirements_lead_the_advice(judge: Judge) -> None:
    evaluation = judge(basic={"metering": False, "white_list": False}, ghg={"accounted": True})
    path = evaluation.nearest_path
    assert path is not None
    assert path.blocking_basic == ["4.1b", "4.3"]
    assert path.clause == "5.3"
    assert path.advice.startswith("须满足基本要求 4.1 b)、4.3。将已完成的温室气体排放核算结果")
    assert path.advice_en.startswith("The basic requirements 4.1 b), 4.3 must be met. Publish")


# ---------------------------------------------------------------- the JSON contract


def test_evaluation_json_contract(judge: Judge) -> None:
    evaluation = judge(energy={"output_t": 10000, "total_kgce": 472700})
    data = json.loads(json.dumps(evaluation.model_dump(mode="json")))
    assert data["qualified"] is False
    assert data["needs_review"] is False
    assert (data["ruleset_id"], data["ruleset_version"]) == ("sintered-wall-2020", 1)
    assert list(data["clauses"]) == list(CLAUSE_IDS)
    for clause_id, clause in data["clauses"].items():
        assert {"passed", "reason", "reason_en", "title", "title_en", "kind", "values"} <= set(
            clause
        )
        assert clause["clause"] == clause_id
    assert data["clauses"]["5.2a"]["values"]["unit_energy_kgce_per_t"] == "47.27"
    assert data["metrics"] == {
        "unit_energy_kgce_per_t": "47.27",
        "energy_kgce": "472700",
        "output_t": "10000",
        "local_material_ratio": None,
        "waste_category": "none",
        "waste_category_label": "未掺加固体废弃物",
        "waste_category_label_en": "no solid waste",
        "waste_content_pct": "0",
        "factors": [],
        "unit_co2_kg_per_t": None,
        "co2_t_per_year": None,
    }
    assert data["review_reasons"] == []
    assert isinstance(data["gaps"], list)
    assert data["nearest_path"]["advice"]
    assert Evaluation.model_validate(data) == evaluation


# ---------------------------------------------------------------- the report


def test_report_in_chinese(judge: Judge) -> None:
    evaluation = judge(
        energy={"output_t": 10000, "total_kgce": 472700},
        solid_waste={"fly_ash_pct": 20, "coal_gangue_pct": 20},
    )
    report = render_report(evaluation)
    lines = report.splitlines()
    assert lines[0] == "烧结墙体材料绿名单评价报告"
    assert "企业：测试建材有限公司" in lines
    assert "产品类别：烧结多孔砖和多孔砌块" in lines
    assert "评价规则：房地产行业绿色供应链 烧结墙体材料绿名单评价导则（2020）第 1 版" in lines
    assert lines[1] == "结论：❌ 暂不符合绿名单要求"
    assert lines[2] == "基本要求已全部满足，尚无一项评价指标满足（满足任意一项即可）。"
    assert lines[3] == "最接近的路径"
    assert "sintered-wall-2020" not in report
    assert "⚠ 需评审人员复核：5.1 a)（共 1 项原因，见下）" in lines
    assert "✅ 4.2.1 质量管理体系（GB/T 19001 / ISO 9001）" in lines
    assert "❌ 5.2 a) 单位产品综合能耗（表2，式 A.2）" in lines
    assert "单位产品综合能耗 E：47.27 kgce/t" in lines
    assert "原材料本地化程度 R：无法计算" in lines
    assert any(line.startswith("• 5.2 a)：E = 47.27 kgce/t") for line in lines)
    assert "最接近的路径" in lines
    assert sum(line.startswith(("✅", "❌")) for line in lines) == len(CLAUSE_IDS)


def test_a_failing_verdict_leads_with_the_basic_requirement_that_blocks_it(
    judge: Judge,
) -> None:
    """Plant B: everything but 4.2.1, with an indicator met and a 5.2 a) gap further down."""
    evaluation = judge(
        basic={"quality_management": False},
        energy={"output_t": 10000, "total_kgce": 472700},
        certifications={"environmental_label": True},
    )
    assert not evaluation.qualified
    lines = render_report(evaluation).splitlines()
    assert lines[1:5] == [
        "结论：❌ 暂不符合绿名单要求",
        "未满足的基本要求（须全部满足）：",
        "❌ 4.2.1 质量管理体系（GB/T 19001 / ISO 9001）",
        "   需要：建立并运行满足 GB/T 19001 的质量管理体系并取得证书或体系文件",
    ]
    assert lines.index("   需要：建立并运行满足 GB/T 19001 的质量管理体系并取得证书或体系文件") < (
        next(i for i, line in enumerate(lines) if line.startswith("• 5.2 a)"))
    )
    english = render_report(evaluation, "en")
    assert "Needs: a quality management system to GB/T 19001 (ISO 9001)" in english


def test_report_in_english_from_stored_json(judge: Judge) -> None:
    evaluation = judge(certifications={"environmental_label": True})
    report = render_report(evaluation.model_dump(mode="json"), "en")
    assert (
        "Verdict: ✅ qualifies for the green list (all basic requirements met; indicators "
        "met: 5.4)" in report
    )
    assert "Product category: Sintered perforated bricks and blocks" in report
    assert "Nearest route" not in report
    assert "符合" not in report


def test_report_refuses_an_unknown_language(judge: Judge) -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        render_report(judge(), "fr")

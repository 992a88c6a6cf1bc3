"""The figures a supplier reads in the chat: the review and the verdict write them alike."""

from __future__ import annotations

from interview_driver import press, typed
from interview_plans import completed, submit

from conversations import Input

# A porous-brick plant whose E = 4,600,000.3 kgce ÷ 100,000 t = 46.000003 kgce/t: a hair
# over Table 2's 46, so 5.2 a) fails and the figure must not read "46".
A_HAIR_OVER: dict[str, list[Input]] = {
    "output_t": typed("100000"),
    "energy_mode": press("iv:a:energy_mode:total"),
    "total_kgce": typed("4600000.3"),
    "energy_management": press("iv:a:energy_management:n"),
}


def test_the_review_writes_amounts_with_separators() -> None:
    chat = completed(A_HAIR_OVER)
    review = chat.last.text
    assert "4,600,000.3 千克标准煤" in review
    assert "100,000 吨" in review


def test_a_hair_over_the_limit_reads_over_the_limit_in_the_verdict() -> None:
    chat = completed(A_HAIR_OVER)
    submit(chat)
    verdict = chat.replies[0].text
    assert "❌ 5.2 a) 单位产品综合能耗（表2，式 A.2）" in verdict
    assert "单位产品综合能耗 E：46.000003 kgce/t" in verdict
    assert (
        "5.2 a)：E = 46.000003 kgce/t，比 46 kgce/t（表2 烧结多孔砖和多孔砌块）高 0.000003 kgce/t"
        "（0.00001 %）；按本期产量 100,000 t 计，约需少用 0.3 kgce。"
    ) in verdict
    assert "46.00 kgce/t" not in verdict


def test_the_verdict_writes_kgce_with_separators_and_no_empty_decimals() -> None:
    plan: dict[str, list[Input]] = {
        "kiln_firing": typed("外燃"),
        "energy_carriers": typed("原煤"),
        "raw_coal_kg": typed("3000吨"),
    }
    chat = completed(plan)
    submit(chat)
    verdict = chat.replies[0].text
    assert "原煤 3,000,000 kg × 0.7143 kgce/kg = 2,142,900 kgce" in verdict
    assert "2142900.00" not in verdict
    assert "kgce 标准煤" not in verdict

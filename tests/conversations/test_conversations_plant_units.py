"""Output counted as a brick plant counts it (万块, m³): the unit weight or bulk density is
asked next, and the tonnes it makes are shown and stored."""

from __future__ import annotations

from interview_plans import ENGINE, at


def test_ten_thousand_bricks_ask_the_unit_weight_and_store_tonnes() -> None:
    chat = at("output_t")
    chat.text("3000万块")
    assert chat.said == "产量 30,000,000 块：平均每块多少千克？用于折算为吨。"
    assert chat.current == "output_t" and "output_t" not in chat.state.answers

    chat.text("2.6kg")
    assert chat.replies[0].text == "30,000,000 块 × 2.6 千克/块 = 78,000 吨，按此计入产量。"
    assert chat.state.answers["output_t"] == "78000"
    assert chat.current == "kiln_firing"
    assert ENGINE.answers_document(chat.state)["energy"]["output_t"] == 78000
    assert "合格产品产量：78,000 吨" in "\n".join(ENGINE.summary(chat.state))


def test_cubic_metres_ask_the_bulk_density() -> None:
    chat = at("output_t")
    chat.text("8万方。")
    assert chat.said == "产量 80,000 立方米：产品的体积密度是多少吨/立方米？用于折算为吨。"
    chat.text("1.1吨/立方米")
    assert chat.replies[0].text == "80,000 立方米 × 1.1 吨/立方米 = 88,000 吨，按此计入产量。"
    assert chat.state.answers["output_t"] == "88000"


def test_a_bad_factor_is_asked_again_in_one_message_and_back_forgets_the_amount() -> None:
    chat = at("output_t")
    chat.text("3000万块")
    chat.text("0.01")
    assert [r.text for r in chat.replies] == [
        "不能小于 0.1 千克/块。例如：2.6\n\n产量 30,000,000 块：平均每块多少千克？用于折算为吨。"
    ]
    chat.text("两公斤")
    assert chat.said.startswith("没能读出数字“两公斤”。请只输入一个数，可以带单位（千克/块）。")
    assert chat.state.conversion is not None

    chat.command("back")
    assert chat.state.conversion is None and chat.current != "output_t"


def test_tonnes_still_read_as_before_and_units_are_listed_in_chinese() -> None:
    chat = at("output_t")
    chat.text("12万吨")
    assert chat.state.answers["output_t"] == "120000"
    chat = at("output_t")
    chat.text("3000万张")
    assert "可用的单位：吨、千克、块、立方米。" in chat.said


def test_resuming_while_the_factor_is_awaited_shows_the_factor_question() -> None:
    chat = at("output_t")
    chat.text("3000万块")
    result = ENGINE.resume(chat.state)
    assert result.replies[-1].text == "产量 30,000,000 块：平均每块多少千克？用于折算为吨。"

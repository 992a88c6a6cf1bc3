"""Natural Chinese answers typed over Telegram: understood, or asked back in one message."""

from __future__ import annotations

from typing import Any

from conversations import Engine
from tests.bot.conftest import TODAY
from tests.bot.shown import shows
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram

ENGINE = Engine.default(today=lambda: TODAY)


async def test_a_plant_manager_types_as_he_speaks(telegram: FakeTelegram, bot: Any) -> None:
    li = TelegramSupplier(telegram.user(1801, "李厂长"), ENGINE)
    screen = await li.start()
    screen = await li.answer_until(screen, stop="quality_management")

    await li.user.send_text("ISO9001有")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "qms_proof"  # type: ignore[union-attr]
    await li.user.send_text("有证书")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "qms_certificate_no"  # type: ignore[union-attr]

    screen = await li.answer_until(screen, stop="qms_certificate")
    await li.user.send_document("证书.pdf", b"%PDF-1.4 qms", "application/pdf")
    await li.user.wait_for("已收到“证书.pdf”（共 1 个）。")
    await li.user.send_text("完成")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "environmental_management"  # type: ignore[union-attr]

    screen = await li.answer_until(screen, stop="waste_types")
    await li.user.send_text("煤矸石、炉渣")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "coal_gangue_pct"  # type: ignore[union-attr]

    await li.user.send_text("约35%")
    refusal = await li.user.wait_for("“约35%”是个约数。")
    shows(refusal, "请填写台账上的准确数值（如 35%）", "煤矸石")
    assert li.question_on_screen(refusal).id == "coal_gangue_pct"  # type: ignore[union-attr]
    await li.user.send_text("85%")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "other_waste_pct"  # type: ignore[union-attr]

    screen = await li.answer_until(screen, stop="raw_total_t")
    await li.user.send_text("120,00")
    refusal = await li.user.wait_for("“120,00”中的逗号看不出是千位分隔还是小数点")
    assert li.question_on_screen(refusal).id == "raw_total_t"  # type: ignore[union-attr]
    await li.user.send_text("52000吨。")
    screen = await li.next_screen()
    assert li.question_on_screen(screen).id == "raw_local_t"  # type: ignore[union-attr]


async def test_output_in_ten_thousand_bricks_is_converted_with_the_unit_weight(
    telegram: FakeTelegram, bot: Any
) -> None:
    wang = TelegramSupplier(telegram.user(1803, "王厂长"), ENGINE)
    screen = await wang.answer_until(await wang.start(), stop="output_t")
    await wang.user.send_text("3000万块")
    asked = await wang.user.wait_for("平均每块多少千克")
    assert asked.text == "产量 30,000,000 块：平均每块多少千克？用于折算为吨。"
    await wang.user.send_text("2.6公斤")
    await wang.user.wait_for("30,000,000 块 × 2.6 千克/块 = 78,000 吨，按此计入产量。")
    screen = await wang.next_screen()
    assert wang.question_on_screen(screen).id == "kiln_firing"  # type: ignore[union-attr]
    review = await wang.answer_until(screen)
    shows(review, "合格产品产量：78,000 吨")

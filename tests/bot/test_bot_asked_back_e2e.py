"""Through the real bot: an energy figure a brick plant cannot have is asked back with
buttons, and the certificates' details reach the submitted answers as evidence."""

from __future__ import annotations

import hashlib
from typing import Any

from storage import Database
from tests.bot.telegram_supplier import TelegramSupplier, labels
from tests.bot.test_bot_desk_e2e import ENGINE, session_row
from tests.fakebot import FakeTelegram

ASKED = "您填写的是每吨产品的能耗吗？"
TOTAL_PLAN = {
    "output_t": "120000",
    "energy_mode": ENGINE.catalogue.text("option.energy_mode.total", "zh"),
    "total_kgce": "46",
}


async def test_a_per_tonne_total_is_asked_back_and_the_confirmation_flags_the_verdict(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(6301, "供应商"), ENGINE)
    await s.answer_until(await s.start(), stop="total_kgce", plan=TOTAL_PLAN)
    await s.user.send_text("46")
    asked = await s.user.wait_for(ASKED)
    assert asked.text.startswith(
        "您填写的综合能耗总量是 46 千克标准煤，产量是 120,000 吨：折合每吨产品还不到 1 千克标准煤"
    )
    assert {"改填", "数字无误"} <= labels(asked)

    await s.user.press("改填", asked)
    again = await s.user.wait_for("当前答案：46 千克标准煤")
    await s.user.send_text("46")
    asked = await s.user.wait_for(ASKED)
    await s.user.press("数字无误", asked)
    screen = await s.answer_until(await s.next_screen(), plan=TOTAL_PLAN)
    del again
    assert "能耗数字核对：数字无误" in screen.text
    await s.user.press(s.t("button.submit"), screen)
    await s.user.wait_for(s.t("submit.done"))

    row = await session_row(read_db, 6301)
    assert row.answers["energy"]["plausibility_confirmed"] is True
    assert row.needs_review is True
    reasons = [r["text"] for r in row.evaluation["review_reasons"]]
    assert any(r.startswith("供应商确认数字无误，请对照能源台账核实。") for r in reasons)


async def test_certificate_details_and_the_kept_file_reach_the_evidence(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(6302, "供应商"), ENGINE)
    screen = await s.answer_until(await s.start(), plan={"qms_issuer": "不知道"})
    await s.user.press(s.t("button.submit"), screen)
    await s.user.wait_for(s.t("submit.done"))

    row = await session_row(read_db, 6302)
    item = row.answers["evidence"]["quality_management"]
    assert item["number"] == "00124Q31234R2M" and "issuer" not in item
    assert item["file"] == hashlib.sha256(b"%PDF-1.4 qms_certificate").hexdigest()
    clause = row.evaluation["clauses"]["4.2.1"]
    assert clause["passed"] is True and clause["needs_review"] is True
    assert "企业声明，证据不完整（缺少：发证机构或检测机构）" in clause["reason"]
    waste = row.answers["evidence"]["third_party_report"]
    assert (waste["kind"], waste["cma_number"], waste["content_pct"]) == (
        "report",
        "170312340123",
        85,
    )

"""Certificates read through the real bot: the upload is confirmed at once, the file is read
beside the interview, and what it says is put to the supplier before it replaces an answer."""

from __future__ import annotations

from typing import Any

from storage import Database
from tests.bot.telegram_supplier import TelegramSupplier
from tests.bot.test_bot_desk_e2e import ENGINE, session_row
from tests.fakebot import FakeTelegram
from tests.reading.test_reading import certificate_pdf


async def test_a_certificate_is_read_beside_the_interview_and_confirmed(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(6201, "读证砖厂"), ENGINE)
    await s.answer_until(await s.start(), stop="qms_certificate")

    await s.user.send_document("质量证书.pdf", certificate_pdf(), "application/pdf")
    await s.user.wait_for("已收到“质量证书.pdf”")
    number = await s.user.wait_for("证书上的证书编号")
    expiry = await s.user.wait_for("证书上的有效期至")
    assert number.text == "证书上的证书编号 00123Q45678R0M，对吗？"
    assert expiry.text == "证书上的有效期至 2027年3月1日，对吗？"

    await s.user.press("是", expiry)
    await s.user.wait_for("已按证书改为：有效期至 2027年3月1日。")
    await s.user.press("否", number)
    await s.user.wait_for("好的，仍以您填写的为准（00124Q31234R2M）。")

    row = await session_row(read_db, 6201)
    answers = row.state["answers"]
    assert (answers["qms_expiry"], answers["qms_certificate_no"]) == (
        "2027-03-01",
        "00124Q31234R2M",
    )
    assert row.state["current"] == "qms_certificate"

"""A supplier sees what is stored about them and can have their personal data erased."""

from __future__ import annotations

from typing import Any

from bot.services.texts import load_catalogue
from conversations import Engine
from storage import Database, Status
from tests.bot.conftest import TODAY
from tests.bot.shown import offers, shows
from tests.bot.telegram_supplier import TelegramSupplier
from tests.conversations.interview_driver import TYPED
from tests.fakebot import FakeTelegram

ENGINE = Engine.default(today=lambda: TODAY)


def t(key: str, **params: object) -> str:
    return load_catalogue().text(key, "zh", **params)


async def test_mydata_then_erasure_keeps_the_anonymised_evaluation(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(8001, "周八"), ENGINE)
    screen = await s.answer_until(await s.start())
    await s.user.press(s.t("button.submit"), screen)
    await s.user.wait_for(s.t("submit.done"))
    await s.user.send_command("new")
    await s.user.wait_for(s.t("chat.new_started"))

    await s.user.send_command("mydata")
    mine = await s.user.wait_for(t("privacy.heading"))
    assert TYPED["contact_person"] in mine.text and TYPED["contact_phone"] in mine.text
    assert "周八" in mine.text and "8001" in mine.text
    assert mine.text.startswith("我们保存的关于您的信息：\n")
    shows(
        mine,
        "Telegram 用户编号 8001 · 姓名“周八” · ",
        "评价记录（2 份）：",
        f"联系人 {TYPED['contact_person']} · 电话 {TYPED['contact_phone']} · 证明文件 10 个",
        "发送 /delete_my_data 可以删除您的个人信息。",
    )

    await s.user.send_command("delete_my_data")
    confirm = await s.user.wait_for(t("privacy.confirm"))
    shows(confirm, "确定删除您的个人信息吗？将删除：您的姓名和用户名、各份评价中的联系人和联系电话")
    offers(confirm, "确定删除", "取消")
    await s.user.press(t("privacy.confirm_no"), confirm)
    kept_all = await s.user.wait_for(t("privacy.cancelled"))
    assert kept_all.text == "已取消，没有删除任何信息。"
    async with read_db.unit_of_work() as uow:
        assert len(await uow.sessions.list_for_owner(8001)) == 2

    await s.user.send_command("delete_my_data")
    confirm = await s.user.wait_for(t("privacy.confirm"))
    await s.user.press(t("privacy.confirm_yes"), confirm)
    erased = await s.user.wait_for(t("privacy.done", sessions=1, drafts=1))
    shows(erased, "已删除您的个人信息：1 份评价中的联系人信息已清除，1 份草稿已删除。")
    # The old confirmation cannot be replayed.
    await s.user.press(t("privacy.confirm_yes"), confirm)
    stale = await s.user.wait_for(t("privacy.stale"))
    assert stale.text == "这个确认按钮已经失效。如需删除，请重新发送 /delete_my_data。"

    async with read_db.unit_of_work() as uow:
        person = await uow.people.get(8001)
        (kept,) = await uow.sessions.list_for_owner(8001)
        audit = await uow.audit.latest(5)
    assert person is not None and person.name == "" and person.username is None
    assert kept.status == Status.SUBMITTED
    enterprise = kept.answers["enterprise"]
    assert "contact_person" not in enterprise and "contact_phone" not in enterprise
    assert enterprise["name"] == TYPED["company_name"]
    assert "contact_person" not in kept.state["answers"]
    assert kept.evaluation is not None and kept.qualified is not None
    erase = next(a for a in audit if a.action == "privacy.erase")
    assert erase.actor_id == 8001 and TYPED["contact_phone"] not in str(erase.new_value)

"""Roles and the audit log through the real bot: /grant, /revoke, /people (with the
last-admin rule and command menus following each change) and /audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage import Database, Role
from tests.admin.admin_sessions import person, t
from tests.bot.shown import shows
from tests.fakebot import FakeTelegram

ADMIN = 9601
COLLEAGUE = 9602
NEWCOMER = 30_000_000_777


def menu(telegram: FakeTelegram, user_id: int) -> set[str] | None:
    found = telegram.commands(scope={"type": "chat", "chat_id": user_id})
    return None if found is None else {c["command"] for c in found}


async def roles_in(db: Database) -> dict[int, Role]:
    async with db.unit_of_work() as uow:
        return {p.telegram_id: Role(p.role) for p in await uow.people.list()}


async def test_grant_revoke_and_people_with_menus_notices_and_audit(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    await person(read_db, COLLEAGUE, "周工", Role.SUPPLIER)
    admin = telegram.user(ADMIN, "老王")
    colleague = telegram.user(COLLEAGUE, "周工")

    await admin.send_command("grant", f"{COLLEAGUE} assessor")
    done = await admin.wait_for("已将")
    assert done.text == f"已将 周工（{COLLEAGUE}）的角色由供应商改为评审员。"
    told = await colleague.wait_for("评审员")
    assert told.text == t("admin.roles.notice_granted", role="评审员")
    assert told.text == "您已被授予绿名单机器人的评审员角色，命令菜单已更新。"
    assessor_menu = menu(telegram, COLLEAGUE)
    assert assessor_menu is not None and "sessions" in assessor_menu
    assert "thresholds" not in assessor_menu

    await admin.send_command("grant", f"{COLLEAGUE} ADMIN")
    promoted = await admin.wait_for("由评审员改为管理员")
    assert promoted.text == f"已将 周工（{COLLEAGUE}）的角色由评审员改为管理员。"
    told = await colleague.wait_for("管理员")
    assert told.text == "您已被授予绿名单机器人的管理员角色，命令菜单已更新。"
    admin_menu = menu(telegram, COLLEAGUE)
    assert admin_menu is not None and {"thresholds", "set", "reevaluate", "audit"} <= admin_menu

    await admin.send_command("grant", f"{NEWCOMER} assessor")
    new = await admin.wait_for(str(NEWCOMER))
    assert "尚未使用过本机器人；已为其建立记录并授予评审员角色" in new.text

    await admin.send_command("people")
    listing = await admin.wait_for(t("admin.people.heading"))
    lines = listing.text.splitlines()
    assert lines[0] == "具有角色的人员："
    assert lines[1] == "管理员（2）："
    assert any(f"管理员老王 · ID {ADMIN}" in line for line in lines[2:4])
    assert any(f"周工 · ID {COLLEAGUE}" in line for line in lines[2:4])
    assert lines[4] == "评审员（1）：" and f"ID {NEWCOMER}" in lines[5]

    await admin.send_command("revoke", str(COLLEAGUE))
    revoked = await admin.wait_for("已撤销")
    assert revoked.text == f"已撤销 周工（{COLLEAGUE}）的管理员角色，现为供应商。"
    assert menu(telegram, COLLEAGUE) is None  # back to the suppliers' default menu
    demoted = await colleague.wait_for(t("admin.roles.notice_revoked", role="管理员"))
    assert demoted.text == "您在绿名单机器人中的管理员角色已被撤销。"

    assert await roles_in(read_db) == {
        ADMIN: Role.ADMIN,
        COLLEAGUE: Role.SUPPLIER,
        NEWCOMER: Role.ASSESSOR,
    }
    async with read_db.unit_of_work() as uow:
        entries = list(reversed(await uow.audit.latest(10)))
    assert [(e.actor_id, e.action, e.target, e.old_value, e.new_value) for e in entries] == [
        (ADMIN, "role.grant", f"person:{COLLEAGUE}", "supplier", "assessor"),
        (ADMIN, "role.grant", f"person:{COLLEAGUE}", "assessor", "admin"),
        (ADMIN, "role.grant", f"person:{NEWCOMER}", None, "assessor"),
        (ADMIN, "role.revoke", f"person:{COLLEAGUE}", "admin", "supplier"),
    ]


async def test_the_last_admin_can_be_neither_revoked_nor_demoted(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    admin = telegram.user(ADMIN, "老王")
    last = t("admin.roles.last_admin", id=ADMIN)
    assert last == f"{ADMIN} 是最后一位管理员，不能撤销或降级；请先将管理员角色授予其他人。"

    await admin.send_command("revoke", str(ADMIN))
    assert (await admin.wait_for("最后一位管理员")).text == last
    await admin.send_command("grant", f"{ADMIN} assessor")
    assert (await admin.wait_for("最后一位管理员")).text == last
    assert (await roles_in(read_db))[ADMIN] == Role.ADMIN

    for command, args, usage in (
        ("grant", "9x admin", "admin.usage.grant"),
        ("grant", f"{COLLEAGUE} owner", "admin.usage.grant"),
        ("grant", str(COLLEAGUE), "admin.usage.grant"),
        ("revoke", "", "admin.usage.revoke"),
    ):
        await admin.send_command(command, args)
        refused = await admin.wait_for(t(usage))
        assert refused.text.startswith(f"用法：/{command} 用户ID")
    await admin.send_command("revoke", "424242")
    unknown = await admin.wait_for(t("admin.roles.unknown", id=424242))
    assert unknown.text == "用户 424242 从未使用过本机器人，没有可撤销的角色。"

    # With a second admin, the first may step down, and is told that ADMIN_IDS would
    # bring them back if they are listed there.
    await person(read_db, COLLEAGUE, "周工", Role.ADMIN)
    await admin.send_command("revoke", str(ADMIN))
    stepped_down = await admin.wait_for("已撤销")
    assert "现为供应商" in stepped_down.text
    assert (await roles_in(read_db))[ADMIN] == Role.SUPPLIER
    async with read_db.unit_of_work() as uow:
        actions = [e.action for e in await uow.audit.latest(10)]
    assert actions == ["role.revoke"]  # refusals change nothing and leave no entry

    await admin.send_command("people")
    refused = await admin.wait_for(t("admin.refused"))
    assert refused.text == "抱歉，只有管理员可以执行此操作。"


async def test_revoking_an_admin_listed_in_admin_ids_warns(
    telegram: FakeTelegram, run_bot: Any, read_db: Database, bot_settings: Any
) -> None:
    bot_settings.admin_ids = frozenset({ADMIN, COLLEAGUE})
    async with run_bot():
        admin = telegram.user(ADMIN, "老王")
        await admin.send_command("revoke", str(COLLEAGUE))
        warned = await admin.wait_for("已撤销")
    assert t("admin.roles.env_admin", id=COLLEAGUE) in warned.text
    shows(
        warned,
        f"已撤销 {COLLEAGUE}（{COLLEAGUE}）的管理员角色，现为供应商。",  # never wrote to the bot
        f"注意：{COLLEAGUE} 列在 ADMIN_IDS 中，机器人下次启动时会重新授予其管理员角色",
    )


async def test_audit_shows_the_latest_entries_in_china_time(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    await person(read_db, ADMIN, "管理员老王", Role.ADMIN)
    async with read_db.unit_of_work() as uow:
        first = await uow.audit.add(
            ADMIN, "ruleset.set", "ruleset:sintered-wall-2020@2", {"a": "46"}, {"a": "45"}, "收紧"
        )
        first.created_at = datetime(2024, 3, 1, 16, 30, tzinfo=UTC)
        second = await uow.audit.add(None, "role.bootstrap", "person:1", "supplier", "admin")
        second.created_at = datetime(2024, 3, 2, 1, 0, tzinfo=UTC)
        await uow.commit()
    admin = telegram.user(ADMIN, "老王")

    await admin.send_command("audit")
    shown = await admin.wait_for(t("admin.audit.heading", count=2))
    lines = shown.text.splitlines()
    assert lines[0] == "最近 2 条审计记录（北京时间，新记录在前）："
    assert lines[1] == "2024-03-02 09:00 · 系统或命令行 · 按 ADMIN_IDS 授予管理员 · person:1"
    assert lines[2] == "   supplier → admin"
    assert lines[3] == (
        f"2024-03-02 00:30 · 管理员老王 ({ADMIN}) · 修改阈值 · ruleset:sintered-wall-2020@2"
    )
    assert lines[4] == '   {"a": "46"} → {"a": "45"}'
    assert lines[5] == "   说明：收紧"

    await admin.send_command("audit", "1")
    one = await admin.wait_for(t("admin.audit.heading", count=1))
    shows(one, "最近 1 条审计记录（北京时间，新记录在前）：")
    assert "person:1" in one.text and "ruleset:" not in one.text
    for bad in ("0", "abc", "-3"):
        await admin.send_command("audit", bad)
        usage = await admin.wait_for(t("admin.usage.audit", max=100))
        assert usage.text.startswith("用法：/audit [条数]，条数为 1 到 100 的整数")

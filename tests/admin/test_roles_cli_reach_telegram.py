"""`greenlist roles grant/revoke` reach the person at once: their command menu
(setMyCommands for their chat) and a notice arrive through the Bot API, with no restart."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from bot.cli import assessor as cli_assessor
from storage import Database, Role
from tests.admin.admin_sessions import person
from tests.fakebot.server import FakeTelegram

ADMIN = 9801
COLLEAGUE = 9802
CHAT_SCOPE = {"type": "chat", "chat_id": COLLEAGUE}


@pytest.fixture(autouse=True)
def environment(
    database_url: str, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.base_url)
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.chdir(tmp_path)


async def roles_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="greenlist")
    cli_assessor.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = await asyncio.to_thread(args.func, args)
    return code


def names(commands: list[dict[str, str]] | None) -> set[str]:
    return {command["command"] for command in commands or []}


async def test_a_grant_sets_the_menu_and_tells_them_and_a_revoke_removes_it(
    db: Database, telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    await person(db, ADMIN, "管理员老王", Role.ADMIN)
    await person(db, COLLEAGUE, "小李", Role.SUPPLIER)
    colleague = telegram.user(COLLEAGUE, "小李")

    assert await roles_command("roles", "grant", str(COLLEAGUE), "assessor") == 0
    out = capsys.readouterr().out
    assert "已更新其命令菜单并通知本人" in out
    menu = names(telegram.commands(CHAT_SCOPE))
    assert {"sessions", "start"} <= menu, menu
    assert names(telegram.commands(CHAT_SCOPE, "en")) == menu
    assert [m.text for m in colleague.messages] == [
        "您已被授予绿名单机器人的评审员角色，命令菜单已更新。"
    ]

    assert await roles_command("roles", "revoke", str(COLLEAGUE)) == 0
    assert "已更新其命令菜单并通知本人" in capsys.readouterr().out
    assert telegram.commands(CHAT_SCOPE) is None
    assert colleague.messages[-1].text == "您在绿名单机器人中的评审员角色已被撤销。"


async def test_without_telegram_the_role_still_applies_and_the_command_says_so(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    await person(db, COLLEAGUE, "小李", Role.SUPPLIER)
    assert await roles_command("roles", "grant", str(COLLEAGUE), "assessor") == 0
    captured = capsys.readouterr()
    assert "已将用户 9802（小李）的角色由供应商改为评审员" in captured.out
    assert "未能通知本人（TELEGRAM_BOT_TOKEN is not set）：角色已生效" in captured.err
    async with db.unit_of_work() as uow:
        found = await uow.people.get(COLLEAGUE)
    assert found is not None and found.role == Role.ASSESSOR

"""The admin commands of `greenlist`: criteria set/history/rollback, reevaluate, audit and
roles, through the real argparse program against a migrated database."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from bot.cli import assessor as cli_assessor
from bot.cli.main import main
from storage import Database, Role
from tests.admin.admin_sessions import person, plant, session_row, submitted

ADMIN = 9701


@pytest.fixture(autouse=True)
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.chdir(tmp_path)


async def greenlist(*argv: str) -> int:
    """One command, run as the console script runs it (its own event loop, in a thread)."""
    return await asyncio.to_thread(main, list(argv))


async def roles_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="greenlist")
    cli_assessor.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = await asyncio.to_thread(args.func, args)
    return code


async def versions(db: Database) -> list[Any]:
    async with db.unit_of_work() as uow:
        return await uow.rulesets.history("sintered-wall-2020")


async def audit(db: Database) -> list[tuple[Any, ...]]:
    async with db.unit_of_work() as uow:
        entries = reversed(await uow.audit.latest(50))
        return [(e.actor_id, e.action, e.target, e.note) for e in entries]


async def test_set_previews_then_stores_a_version_that_history_lists(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await submitted(db, 7001, plant("边缘砖厂", "porous_brick", "45.5"))
    await submitted(db, 7002, plant("达标砖厂", "porous_brick", "44"))

    assert (
        await greenlist(
            "criteria", "set", "energy.porous_brick", "45", "--note", "收紧", "--dry-run"
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "46 → 45 kgce/t" in out and "说明：收紧" in out
    assert "新版本为 v2，取代现行的 v1。" in out
    assert "结论会改变的有 1 份（合格 → 不合格 1 份" in out
    assert "（试运行：没有保存任何内容。）" in out
    assert await versions(db) == []

    assert await greenlist("criteria", "set", "energy.porous_brick", "45", "--note", "收紧") == 0
    out = capsys.readouterr().out
    assert "已保存：版本 v2 现已生效（energy.porous_brick 46 → 45 kgce/t）" in out
    assert "greenlist reevaluate" in out
    (stored,) = await versions(db)
    assert (stored.version, stored.author_id, stored.note) == (2, None, "收紧")
    assert stored.values["energy"]["porous_brick"]["value"] == "45"
    assert await audit(db) == [(None, "ruleset.set", "ruleset:sintered-wall-2020@2", "收紧")]

    assert await greenlist("criteria", "history", "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "v2 (in force) · " in out and " · system or command line" in out
    assert "changes: energy.porous_brick 46 → 45 kgce/t" in out and "note: 收紧" in out
    assert "v1 · the baseline shipped with the bot (guideline of 2020-03-31)" in out


async def test_bad_values_end_with_one_line_and_exit_code_2(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        (
            "energy.porous_brick",
            "-1",
        ): "greenlist：设置项 energy.porous_brick 的值无效：应在 1 到 500",
        ("energy.porous_brick", "46"): "greenlist：energy.porous_brick 现在已经是 46 kgce/t",
        ("energy.granite", "40"): "greenlist：没有设置项 energy.granite",
        ("factors.diesel_kg", "x"): "greenlist：设置项 factors.diesel_kg 的值无效：应为数字",
    }
    for (key, value), expected in cases.items():
        assert await greenlist("criteria", "set", key, value, "--note", "n") == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(expected), captured.err
        assert captured.err.count("\n") == 1 and captured.out == ""
    with pytest.raises(SystemExit) as exited:
        await greenlist("criteria", "set", "energy.porous_brick", "45")
    assert exited.value.code == 2
    assert "--note" in capsys.readouterr().err
    assert await versions(db) == []


async def test_rollback_and_its_refusals(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        await greenlist("criteria", "set", "localisation.min_ratio_pct", "85", "--note", "a") == 0
    )
    capsys.readouterr()
    assert await greenlist("criteria", "rollback", "v1", "--note", "恢复") == 0
    out = capsys.readouterr().out
    assert "拟恢复版本 v1 的数值" in out and "85 → 95 %" in out
    assert "已保存：版本 v3 现已生效" in out
    assert [r.version for r in await versions(db)] == [3, 2]

    assert await greenlist("criteria", "rollback", "7", "--note", "x") == 2
    assert "没有版本 v7；现有版本：v1, v2, v3。" in capsys.readouterr().err
    assert await greenlist("criteria", "rollback", "1", "--note", "x") == 2
    assert "版本 v1 的数值与现行版本 v3 相同" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        await greenlist("criteria", "rollback", "latest", "--note", "x")
    assert "版本号应为正整数（例如 1 或 v1），而不是“latest”" in capsys.readouterr().err


async def test_reevaluate_lists_whom_to_tell_and_sends_nothing(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    flips = await submitted(db, 7101, plant("边缘砖厂", "porous_brick", "45.5"))
    stays = await submitted(db, 7102, plant("空心砖厂", "hollow_brick", "46.5"))
    assert await greenlist("criteria", "set", "energy.porous_brick", "45", "--note", "收紧") == 0
    capsys.readouterr()

    assert await greenlist("reevaluate") == 0
    out = capsys.readouterr().out
    assert "已按 sintered-wall-2020@2 重新评价 2 份待审核的已提交评价" in out
    assert "• 合格 → 不合格：1 份" in out
    assert "命令行不发送 Telegram 通知" in out
    assert f"#{flips.session_id} 边缘砖厂 → 用户 7101：不合格" in out
    assert "已收到通知" not in out
    assert (await session_row(db, flips.session_id)).qualified is False
    assert (await session_row(db, stays.session_id)).ruleset_version == 1
    assert (None, "ruleset.reevaluate", "ruleset:sintered-wall-2020@2", None) in await audit(db)

    with pytest.raises(SystemExit):
        await greenlist("reevaluate", "--help")
    assert "不发送任何 Telegram 通知" in " ".join(capsys.readouterr().out.split())


async def test_audit_as_text_as_csv_and_to_a_file(
    db: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await person(db, ADMIN, "管理员老王", Role.ADMIN)
    async with db.unit_of_work() as uow:
        await uow.audit.add(ADMIN, "role.grant", "person:5", "supplier", "assessor", "新同事")
        await uow.audit.add(None, "ruleset.set", "ruleset:x@2", {"k": "1"}, {"k": "2"}, "说明")
        await uow.commit()

    assert await greenlist("audit", "--limit", "1") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "最近 1 条审计记录（北京时间，新记录在前）："
    assert out[1].endswith(" · 系统或命令行 · 修改阈值 · ruleset:x@2")

    assert await greenlist("audit", "--format", "csv", "--lang", "en") == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == [
        "Time (China Standard Time)",
        "Actor id",
        "Actor",
        "Action",
        "Target",
        "Old value",
        "New value",
        "Note",
    ]
    assert table[2][1:] == [
        str(ADMIN),
        f"管理员老王 ({ADMIN})",
        "role.grant",
        "person:5",
        '"supplier"',
        '"assessor"',
        "新同事",
    ]
    assert table[2][0].endswith("+08:00")

    target = tmp_path / "audit.csv"
    assert await greenlist("audit", "--format", "csv", "-o", str(target)) == 0
    assert capsys.readouterr().out.strip() == f"已写出 2 条审计记录到 {target}"
    assert target.read_bytes().startswith("\ufeff时间（北京时间）".encode())
    assert await greenlist("audit", "-o", str(tmp_path)) == 2
    assert "是一个目录" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        await greenlist("audit", "--limit", "0")


async def test_roles_from_the_command_line_share_the_last_admin_rule(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await person(db, ADMIN, "管理员老王", Role.ADMIN)
    assert await roles_command("roles", "revoke", str(ADMIN)) == 2
    assert "是最后一位管理员，不能移除" in capsys.readouterr().err
    assert await roles_command("roles", "grant", "9702", "admin") == 0
    assert await roles_command("roles", "revoke", str(ADMIN)) == 0
    assert await roles_command("roles", "grant", "9702", "assessor") == 2
    assert "用户 9702 是最后一位管理员" in capsys.readouterr().err
    async with db.unit_of_work() as uow:
        roles = {p.telegram_id: p.role for p in await uow.people.list()}
    assert roles == {ADMIN: Role.SUPPLIER, 9702: Role.ADMIN}
    assert [a[1] for a in await audit(db)] == ["role.grant", "role.revoke"]


def test_an_unusable_database_fails_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["audit"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("greenlist：无法读写数据库") and "Traceback" not in err

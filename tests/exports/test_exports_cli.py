"""`greenlist export`, `report` and `roles`, driven through `register` and argparse."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.cli import assessor as cli_assessor
from bot.cli.assessor import register
from bot.reports import fonts, xlsx
from storage import Database

from .conftest import ASSESSOR, REPO, SUPPLIER, Seeded, run_sync


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="greenlist")
    register(root.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return root


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture
def env(seeded_url: tuple[str, Seeded], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Seeded:
    url, seeded = seeded_url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.chdir(tmp_path)
    return seeded


def people(url: str) -> dict[int, tuple[str, str]]:
    async def read() -> dict[int, tuple[str, str]]:
        db = Database(url)
        try:
            async with db.unit_of_work() as uow:
                return {p.telegram_id: (p.name, p.role.value) for p in await uow.people.list()}
        finally:
            await db.dispose()

    return run_sync(read)


def audit(url: str) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        db = Database(url)
        try:
            async with db.unit_of_work() as uow:
                entries = await uow.audit.latest(50)
                return [
                    (e.actor_id, e.action, e.target, e.old_value, e.new_value)
                    for e in reversed(entries)
                ]
        finally:
            await db.dispose()

    return run_sync(read)


# -- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["export"], ["report"], ["roles"], ["roles", "grant"], ["roles", "revoke"], ["roles", "list"]],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: greenlist {' '.join(command)}")
    assert "--lang" in out or command == ["roles"]


# -- export ---------------------------------------------------------------------------------


def test_export_xlsx(env: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", "--format", "xlsx", "-o", "out.xlsx"]) == 0
    assert capsys.readouterr().out.strip() == "已导出 3 条评价记录到 out.xlsx"
    workbook = load_workbook(tmp_path / "out.xlsx")
    ids = [row[0] for row in workbook["评价汇总"].iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted([env.qualified, env.not_qualified, env.draft])


def test_export_csv_filtered_by_status_and_date(
    env: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["export", "-o", "s.csv", "--status", "submitted", "--since", "2024-03-02"]) == 0
    assert "已导出 1 条评价记录" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text("utf-8-sig"))))
    assert [int(row[0]) for row in rows[1:]] == [env.qualified]

    # A status may also be named as it is shown.
    assert run(["export", "-o", "r.csv", "--status", "未通过", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == "exported 1 sessions to r.csv"
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    assert rows[0][0] == "Session ID"
    assert [int(row[0]) for row in rows[1:]] == [env.not_qualified]


def test_export_csv_clause_rows(env: Seeded, tmp_path: Path) -> None:
    assert run(["export", "--format", "csv", "--clauses", "-o", "c.csv"]) == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text("utf-8-sig"))))
    assert rows[0] == ["评价编号", "企业名称", "条款", "条款名称", "是否满足", "说明"]
    assert len(rows) == 1 + 24


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--status", "closed", "-o", "x.csv"], "未知状态“closed”，可选：in_progress, submitted"),
        (["--since", "2024-02-30", "-o", "x.csv"], "日期“2024-02-30”无效，请使用 YYYY-MM-DD"),
        (["-o", "missing/x.csv"], "目录“missing”不存在"),
        (["-o", "."], "“.”是一个目录，请给出文件名"),
        (["-o", "x.txt"], "无法从文件名“x.txt”判断格式，请加 --format xlsx 或 --format csv"),
        (["-o", "x.xlsx", "--clauses"], "--clauses 只用于 CSV"),
    ],
)
def test_export_refuses_bad_input(
    env: Seeded,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert run(["export", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("greenlist：")
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".csv", ".xlsx", ".txt"}) == []


def test_export_to_an_unwritable_place(
    env: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refused(*_: Any, **__: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli_assessor.tempfile, "mkstemp", refused)
    assert run(["export", "-o", "x.csv"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "greenlist：无法写入“x.csv”：Permission denied"
    assert not (tmp_path / "x.csv").exists()


def test_a_full_disk_during_the_export(
    env: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx.Worksheet, "append_many", full)
    assert run(["export", "-o", "x.xlsx"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "greenlist：写入输出文件失败：No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir() if "x.xlsx" in p.name) == []


def test_unreachable_database_fails_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert run(["roles", "list"]) == 1
    err = capsys.readouterr().err
    assert "无法读写数据库" in err
    assert "greenlist db upgrade" in err
    assert "Traceback" not in err


# -- report ---------------------------------------------------------------------------------


def test_report_writes_the_pdf(
    env: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["report", str(env.not_qualified), "-o", "report.pdf"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"已生成评价 {env.not_qualified} 的 PDF 评价报告：report.pdf")
    reader = PdfReader(tmp_path / "report.pdf")
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert "邢台冀南烧结砖瓦有限公司" in text
    assert "张评审（ID" in text


def test_report_of_an_unknown_session(
    env: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["report", "999", "-o", "r.pdf"]) == 2
    assert capsys.readouterr().err.strip() == "greenlist：没有编号为 999 的评价记录"
    assert not (tmp_path / "r.pdf").exists()


def test_report_session_id_must_be_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["report", "abc", "-o", "r.pdf"])
    assert exited.value.code == 2
    assert "评价编号必须是正整数，而不是“abc”" in capsys.readouterr().err


def test_report_without_a_chinese_font_says_what_to_install(
    env: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(fonts, "_packaged", lambda: iter(()))
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", ())
    assert run(["report", str(env.qualified), "-o", "r.pdf"]) == 2
    err = capsys.readouterr().err
    assert "pip install pylopdf-fonts-zh-cn" in err
    assert "apt-get install fonts-noto-cjk" in err
    assert "Traceback" not in err


# -- roles ----------------------------------------------------------------------------------


def test_grant_list_and_revoke_roles(
    env: Seeded, seeded_url: tuple[str, Seeded], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = seeded_url
    newcomer = 30_000_000_001

    assert run(["roles", "grant", str(newcomer), "admin"]) == 0
    assert "已为从未使用过本机器人的用户 30000000001 建立记录并授予管理员角色" in (
        capsys.readouterr().out
    )
    assert people(url)[newcomer] == (str(newcomer), "admin")

    assert run(["roles", "grant", str(SUPPLIER), "assessor"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"已将用户 {SUPPLIER}（王建国）的角色由供应商改为评审员"
    )
    assert run(["roles", "grant", str(SUPPLIER), "assessor"]) == 0
    assert "已是评审员，无需更改" in capsys.readouterr().out

    assert run(["roles", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["用户", "ID", "姓名", "用户名", "角色", "最近更新"]
    listed = {line.split()[0]: line.split()[3] for line in lines[1:]}
    assert listed == {
        str(newcomer): "管理员",
        str(ASSESSOR): "评审员",
        str(SUPPLIER): "评审员",
    }

    assert run(["roles", "revoke", str(SUPPLIER)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"已撤销用户 {SUPPLIER}（王建国）的评审员角色，现为供应商"
    )
    assert people(url)[SUPPLIER] == ("王建国", "supplier")

    assert audit(url) == [
        (None, "role.grant", f"person:{newcomer}", None, "admin"),
        (None, "role.grant", f"person:{SUPPLIER}", "supplier", "assessor"),
        (None, "role.revoke", f"person:{SUPPLIER}", "assessor", "supplier"),
    ]


def test_the_last_admin_cannot_be_removed(
    env: Seeded, seeded_url: tuple[str, Seeded], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = seeded_url
    assert run(["roles", "grant", str(ASSESSOR), "admin"]) == 0
    capsys.readouterr()

    assert run(["roles", "revoke", str(ASSESSOR)]) == 2
    assert "是最后一位管理员，不能移除" in capsys.readouterr().err
    assert run(["roles", "grant", str(ASSESSOR), "assessor"]) == 2
    assert "是最后一位管理员，不能移除" in capsys.readouterr().err
    assert people(url)[ASSESSOR] == ("张评审", "admin")

    assert run(["roles", "grant", str(SUPPLIER), "admin"]) == 0
    assert run(["roles", "revoke", str(ASSESSOR), "--lang", "en"]) == 0
    assert "is no longer admin; now supplier" in capsys.readouterr().out
    assert people(url)[ASSESSOR] == ("张评审", "supplier")
    assert [entry[1] for entry in audit(url)] == ["role.grant", "role.grant", "role.revoke"]


def test_revoke_warns_when_admin_ids_still_grants_admin(
    env: Seeded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["roles", "grant", str(SUPPLIER), "admin"]) == 0
    assert run(["roles", "grant", str(ASSESSOR), "admin"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("ADMIN_IDS", str(ASSESSOR))
    assert run(["roles", "revoke", str(ASSESSOR)]) == 0
    assert "列在 ADMIN_IDS 中" in capsys.readouterr().err


def test_roles_refuse_unknown_people_and_bad_ids(
    env: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["roles", "revoke", "424242"]) == 2
    assert "用户 424242 从未使用过本机器人，没有可撤销的角色" in capsys.readouterr().err
    for argv in (["roles", "grant", "-5", "admin"], ["roles", "grant", "12x", "admin"]):
        with pytest.raises(SystemExit) as exited:
            run(argv)
        assert exited.value.code == 2
    assert "用户 ID 必须是正整数" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["roles", "grant", "5", "owner"])
    assert "invalid choice: 'owner'" in capsys.readouterr().err


def test_empty_role_list(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert run(["roles", "list"]) == 0
    assert capsys.readouterr().out.strip() == "目前没有评审员或管理员。"


# -- a real process -------------------------------------------------------------------------


def test_exit_codes_of_a_real_process(tmp_path: Path) -> None:
    """A fresh SQLite file is migrated by the command itself; errors never show a traceback."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    command = [sys.executable, "-m", "bot.cli"]

    def call(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *argv],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    granted = call("roles", "grant", "77", "admin")
    assert (granted.returncode, granted.stderr) == (0, "")
    refused = call("roles", "revoke", "77")
    assert refused.returncode == 2
    assert "最后一位管理员" in refused.stderr and "Traceback" not in refused.stderr
    bad = call("export", "--since", "yesterday", "-o", str(tmp_path / "x.csv"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    exported = call("export", "-o", str(tmp_path / "all.xlsx"))
    assert exported.returncode == 0
    assert exported.stdout.strip() == f"已导出 0 条评价记录到 {tmp_path / 'all.xlsx'}"
    assert asyncio.run(_sessions(environment["DATABASE_URL"])) == 0


async def _sessions(url: str) -> int:
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            _, total = await uow.sessions.search()
            return total
    finally:
        await db.dispose()

"""`greenlist chat`: the same interview in a terminal, on the same database."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli.terminal import TerminalChat, run_terminal_chat
from bot.services.bootstrap import Services
from bot.services.outcome import Who
from bot.settings import load_settings
from conversations import (
    ChoiceInput,
    Command,
    Engine,
    FileInput,
    Input,
    InterviewState,
    TextInput,
)
from storage import Database, Status
from tests.bot.conftest import TODAY
from tests.conversations.interview_driver import inputs_for

ENGINE = Engine.default(today=lambda: TODAY)


def typed_line(chat: TerminalChat, inp: Input, folder: Path) -> str:
    """What a person types in the terminal for this input."""
    if isinstance(inp, TextInput):
        return inp.text
    if isinstance(inp, ChoiceInput):
        numbers = [i for i, b in enumerate(chat.buttons, 1) if b.data == inp.data]
        assert numbers, f"no button for {inp.data} among {[b.label for b in chat.buttons]}"
        return f"#{numbers[0]}"
    if isinstance(inp, Command):
        return f"/{inp.name}"
    assert isinstance(inp, FileInput)
    path = folder / (inp.file_name or "file.pdf")
    path.write_bytes(b"%PDF-1.4 terminal upload")
    return f"/file {path}"


async def test_a_whole_interview_in_the_terminal(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url)
    services = Services.create(settings, engine=ENGINE)
    out = io.StringIO()
    chat = TerminalChat(services, Who(user_id=77, name="终端用户"), out)
    try:
        await chat.turn("/start")
        for _ in range(300):
            async with services.db.unit_of_work() as uow:
                row = await uow.sessions.open_for_owner(77)
            if row is None:
                break
            state = InterviewState.model_validate(row.state)
            if state.mode == "review":
                submit = ENGINE.catalogue.text("button.submit", "zh")
                await chat.turn(f"#{[b.label for b in chat.buttons].index(submit) + 1}")
                continue
            for inp in inputs_for(ENGINE, state, {}):
                await chat.turn(typed_line(chat, inp, tmp_path))
        shown = out.getvalue()
        assert ENGINE.catalogue.text("chat.verdict_heading", "zh") in shown
        assert "5.2 a)" in shown
        async with services.db.unit_of_work() as uow:
            (row,) = await uow.sessions.list_for_owner(77)
            files = await uow.evidence.list_for_session(row.id)
        assert row.status == Status.SUBMITTED and row.qualified is not None
        assert files and all(f.file_id.startswith("local:") for f in files)
    finally:
        await services.db.dispose()


def test_the_command_reads_lines_until_quit(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}")
    out = io.StringIO()
    lines = io.StringIO("终端砖厂\n12345\n/quit\n")
    assert run_terminal_chat(settings, user_id=5, name="终端", lang=None, lines=lines, out=out) == 0
    shown = out.getvalue()
    assert "#编号" in shown  # the banner explains the buttons
    # Moved on, then re-prompted the credit code in one message.
    assert "统一社会信用代码应为 18 位，您输入的是 5 位。" in shown
    assert "第 1/8 部分 · 企业信息" in shown


async def test_terminal_and_bot_share_the_session(database_url: str) -> None:
    db = Database(database_url)
    try:
        settings = load_settings(database_url=database_url)
        services = Services.create(settings, engine=ENGINE)
        chat = TerminalChat(services, Who(user_id=78, name="终端"), io.StringIO())
        await chat.turn("/start")
        await chat.turn("共享砖厂")
        await services.db.dispose()
        async with db.unit_of_work() as uow:
            (row,) = await uow.sessions.list_for_owner(78)
        assert row.company_name == "共享砖厂" and row.current_question == "credit_code"
    finally:
        await db.dispose()


def test_unknown_commands_and_quitting_are_answered_in_chinese(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}")
    out = io.StringIO()
    lines = io.StringIO("/foo\n#7\n/file /root/证书.pdf\n终端砖厂\n/quit\n")
    assert run_terminal_chat(settings, user_id=6, name="终端", lang=None, lines=lines, out=out) == 0
    shown = out.getvalue()
    assert "没有这个命令。可用命令：/start /status /review" in shown
    assert "没有 #7 号按钮：这一题请直接输入答案（/back 返回，/help 看说明）。" in shown
    assert "找不到文件“/root/证书.pdf”。请检查路径后重新输入：/file 文件路径" in shown
    assert "no such file" not in shown and "no button" not in shown
    assert "已退出。您的答案都已保存，再次运行 greenlist chat 即可从上次的位置继续。" in shown
    # /foo was not taken for the company name; the name typed after it was.
    assert "企业名称：/foo" not in shown
    assert "请输入统一社会信用代码（18 位，见营业执照）。" in shown


async def test_the_terminal_asks_back_a_per_tonne_total(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url)
    services = Services.create(settings, engine=ENGINE)
    out = io.StringIO()
    chat = TerminalChat(services, Who(user_id=79, name="终端用户"), out)
    plan: dict[str, list[Input]] = {
        "output_t": [TextInput(text="120000")],
        "energy_mode": [ChoiceInput(data="iv:a:energy_mode:total")],
        "total_kgce": [TextInput(text="46")],
    }
    try:
        await chat.turn("/start")
        for _ in range(300):
            async with services.db.unit_of_work() as uow:
                row = await uow.sessions.open_for_owner(79)
            assert row is not None
            state = InterviewState.model_validate(row.state)
            if state.current == "energy_check":
                break
            for inp in inputs_for(ENGINE, state, plan):
                await chat.turn(typed_line(chat, inp, tmp_path))
        shown = out.getvalue()
        assert "您填写的是每吨产品的能耗吗？" in shown
        labels = [b.label for b in chat.buttons]
        assert labels[:2] == ["数字无误", "改填"]
        await chat.turn("#2")
        assert "当前答案：46 千克标准煤" in out.getvalue()
        await chat.turn("5520 tce")
        async with services.db.unit_of_work() as uow:
            row = await uow.sessions.open_for_owner(79)
        assert row is not None
        state = InterviewState.model_validate(row.state)
        assert state.current == "energy_management"
        assert state.answers["total_kgce"] == "5520000"
    finally:
        await services.db.dispose()

"""SIGKILL of the real `greenlist run` process mid-interview loses nothing confirmed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from conversations import Engine
from storage import Database, Status
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram

ENGINE = Engine.default()
#: Certificates must be valid on the day the test runs, whatever that day is.
PLAN = {"qms_expiry": "2099-06-30", "ems_expiry": "2099-06-30"}


@asynccontextmanager
async def greenlist_run(
    telegram: FakeTelegram, database_url: str, workdir: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_API_FILE_URL": telegram.base_file_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_RATE_LIMIT": "false",
    }
    menus_before = len(telegram.calls("setMyCommands"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Menus are set in post_init, right before polling starts; updates queued from
        # then on are picked up by the first poll.
        await telegram.wait_for_call(
            "setMyCommands",
            lambda call: len(telegram.calls("setMyCommands")) > menus_before,
            timeout=30,
        )
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_sigkill_mid_interview_then_resume(
    telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    s = TelegramSupplier(telegram.user(8201, "钱九"), ENGINE)
    async with greenlist_run(telegram, database_url, tmp_path) as first:
        screen = await s.answer_until(await s.start(), stop="output_t", plan=PLAN)
        confirmed = list(s.asked)
        os.kill(first.pid, signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL

    db = Database(database_url)
    try:
        async with db.unit_of_work() as uow:
            (row,) = await uow.sessions.list_for_owner(8201)
        assert row.current_question == "output_t"
        assert set(confirmed) <= set(row.state["answers"])

        async with greenlist_run(telegram, database_url, tmp_path):
            await s.user.send_command("start")
            await s.user.wait_for(s.t("chat.welcome_back"), timeout=20)
            screen = await s.next_screen()
            assert s.question_on_screen(screen).id == "output_t"
            screen = await s.answer_until(screen, plan=PLAN)
            await s.user.press(s.t("button.submit"), screen)
            await s.user.wait_for(s.t("submit.done"))

        async with db.unit_of_work() as uow:
            (done,) = await uow.sessions.list_for_owner(8201)
        assert done.status == Status.SUBMITTED
        assert {k: v for k, v in done.state["answers"].items() if k in confirmed} == {
            k: row.state["answers"][k] for k in confirmed
        }
    finally:
        await db.dispose()

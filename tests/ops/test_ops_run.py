"""`greenlist run` as an operator starts it: a separate process, stopped with SIGTERM.

Webhook mode only: in polling mode a stop waits for the pending long poll (PTB's 10 s),
and the polling path is already exercised in-process by `runner.run_bot`'s tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.telegram import runner
from tests.fakebot import FakeTelegram

GREENLIST = Path(sys.executable).with_name("greenlist")
SECRET = "run-secret_0123"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(not GREENLIST.exists(), reason="the greenlist script is not installed")
@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is how systemd and Docker stop it")
async def test_greenlist_run_serves_a_webhook_and_stops_cleanly(
    tg: FakeTelegram, sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "greenlist.db"
    shutil.copyfile(sqlite_template, database)
    env = dict(os.environ)  # without any setting: the autouse fixture removed them
    env.update(
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        DATABASE_URL=f"sqlite:///{database}",
        LOG_FORMAT="json",
    )
    port = _free_port()
    env.update(
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    process = await asyncio.create_subprocess_exec(
        str(GREENLIST),
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await tg.wait_for_call("setWebhook", timeout=20)
        user = tg.user(7007)
        await user.send_command("start")
        reply = await user.next_message(timeout=10)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert reply.text.strip()
    assert process.returncode == 0
    log = stderr.decode()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert entries, log
    started = [entry["message"] for entry in entries if entry["logger"] == "bot.telegram.runner"]
    assert started == [
        f"receiving updates by webhook at http://127.0.0.1:{port}/telegram "
        f"on 127.0.0.1:{port}/telegram"
    ]
    assert tg.token not in log
    # An orderly stop is no emergency: PTB's "Updater stopped unexpectedly" must not appear.
    alarms = [e["message"] for e in entries if e.get("level") in {"CRITICAL", "ERROR"}]
    assert alarms == [], log
    assert tg.calls("setWebhook")[0].params["secret_token"] == SECRET
    assert tg.webhook_deliveries[-1].status == 200


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not installed on Windows")
def test_the_bot_runs_on_uvloop_where_it_is_installed() -> None:
    loop = runner.new_event_loop()
    try:
        assert type(loop).__module__.split(".")[0] == "uvloop"
    finally:
        loop.close()


def test_without_uvloop_the_bot_runs_on_the_standard_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop -> ImportError
    loop = runner.new_event_loop()
    try:
        assert isinstance(loop, asyncio.BaseEventLoop)
        assert type(loop).__module__.split(".")[0] == "asyncio"
    finally:
        loop.close()


def test_ptb_s_stop_alarm_is_lowered_to_an_explanation(caplog: pytest.LogCaptureFixture) -> None:
    runner.quiet_orderly_stop()
    updater_log = logging.getLogger("telegram.ext.Updater")
    with caplog.at_level(logging.INFO, logger="telegram.ext.Updater"):
        updater_log.critical(
            "Updater stopped unexpectedly. Pulled updates will be ignored and pulled "
            "again on restart."
        )
    (record,) = caplog.records
    assert record.levelname == "INFO"
    assert record.getMessage().startswith("stopping: updates fetched during the stop")

"""`greenlist doctor`: one line per check, and an exit status scripts can trust."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from telegram import Bot

from bot.cli import main as cli
from bot.cli.doctor import (
    EXIT_BAD_CONFIG,
    EXIT_HEALTHY,
    EXIT_UNHEALTHY,
    Check,
    diagnose,
    run_doctor,
)
from bot.settings import Settings, load_settings
from storage import head_revision
from tests.fakebot import FakeTelegram

SettingsFactory = Callable[..., Settings]

UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:1/x"
SECRET = "doctor-secret_1"


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def _statuses(checks: list[Check]) -> dict[str, str]:
    return {check.name: check.status for check in checks}


async def test_a_healthy_installation_passes_every_check(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    checks = await diagnose(settings_for(database_url=database_url), time_limit=3)
    assert [check.name for check in checks] == [
        "configuration",
        "database",
        "migrations",
        "evidence",
        "token",
        "webhook",
    ]
    assert _statuses(checks) == dict.fromkeys(_statuses(checks), "ok")
    found = _by_name(checks)
    assert found["configuration"].detail.startswith("polling mode")
    assert found["migrations"].detail == f"at head ({head_revision()})"
    assert found["token"].detail == f"valid for @{tg.bot_username} (id {tg.bot_id})"
    assert found["webhook"].detail.startswith("none set")
    assert [call.method for call in tg.calls()] == ["getMe", "getWebhookInfo"]


async def test_the_cli_prints_one_marked_line_per_check_and_exits_0(
    tg: FakeTelegram,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", tg.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", tg.base_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The command runs its own event loop; the fake server keeps answering on this one.
    code = await asyncio.to_thread(cli.main, ["doctor", "--timeout", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert code == EXIT_HEALTHY
    assert [line.split()[:2] for line in lines] == [
        ["✓", "configuration"],
        ["✓", "database"],
        ["✓", "migrations"],
        ["✓", "evidence"],
        ["✓", "token"],
        ["✓", "webhook"],
    ]
    assert tg.token not in "\n".join(lines)


async def test_a_token_telegram_refuses_fails_the_token_check(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    settings = settings_for(database_url=database_url, telegram_bot_token="123456:WRONG-TOKEN")
    found = _by_name(await diagnose(settings, time_limit=3))
    assert found["token"].status == "fail"
    assert found["token"].detail.startswith("Telegram refused the token")
    assert "WRONG-TOKEN" not in found["token"].detail
    assert found["webhook"].status == "skip"
    assert found["database"].status == found["migrations"].status == "ok"
    assert [request.status for request in tg.rejected] == [401]


def test_an_unreachable_database_fails_fast_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    code = run_doctor(Settings(database_url=UNREACHABLE_DATABASE), offline=True, time_limit=3)
    elapsed = time.monotonic() - started
    out = capsys.readouterr()
    assert code == EXIT_UNHEALTHY
    lines = out.out.splitlines()
    assert lines[1].startswith("✗ database")
    assert "cannot connect to postgresql+asyncpg://nobody@127.0.0.1:1/x" in lines[1]
    assert lines[2].startswith("- migrations") and "not checked" in lines[2]
    assert lines[4].startswith("- token") and "--offline" in lines[4]
    assert "Traceback" not in out.out + out.err
    assert elapsed < 3


def test_an_empty_database_is_behind_head(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    settings = Settings(database_url=f"sqlite:///{empty}")
    found = _by_name(asyncio.run(diagnose(settings, offline=True, time_limit=3)))
    assert found["database"].status == "ok"
    assert found["migrations"].status == "fail"
    assert "no schema yet" in found["migrations"].detail
    assert "greenlist db upgrade" in found["migrations"].detail


def test_a_missing_sqlite_file_is_not_created_by_asking(tmp_path: Path) -> None:
    missing = tmp_path / "greenlist.db"
    found = _by_name(
        asyncio.run(diagnose(Settings(database_url=f"sqlite:///{missing}"), offline=True))
    )
    assert found["database"].status == "fail"
    assert "does not exist" in found["database"].detail
    assert not missing.exists()


def test_a_database_behind_head_names_both_revisions(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import upgrade

    upgrade(empty_database_url, "0001")
    if head_revision() == "0001":
        pytest.skip("only one migration exists")
    code = run_doctor(Settings(database_url=empty_database_url), offline=True)
    out = capsys.readouterr().out
    assert code == EXIT_UNHEALTHY
    assert f"the database is at 0001, behind {head_revision()}" in out


def test_unusable_configuration_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WEBHOOK_PORT", "http")
    assert cli.main(["doctor"]) == EXIT_BAD_CONFIG
    out = capsys.readouterr()
    assert out.out.startswith("✗ configuration")
    assert "WEBHOOK_PORT" in out.out
    assert len(out.out.splitlines()) == 1
    assert "Traceback" not in out.err


def test_a_missing_token_is_unusable_unless_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert run_doctor(settings) == EXIT_BAD_CONFIG
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().out
    assert run_doctor(settings, offline=True) == EXIT_UNHEALTHY  # the file is missing


def test_webhook_mode_without_secret_is_unusable(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(
        telegram_bot_token="1:x", webhook_url="https://bot.example.com/telegram"
    )
    assert run_doctor(settings, offline=True) == EXIT_BAD_CONFIG
    assert "WEBHOOK_SECRET is not set" in capsys.readouterr().out


async def test_webhook_registered_at_webhook_url_passes(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    url = "http://127.0.0.1:9/telegram"
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        await bot.set_webhook(url, secret_token=SECRET)
    settings = settings_for(database_url=database_url, webhook_url=url, webhook_secret=SECRET)
    checks = await diagnose(settings, time_limit=3)
    found = _by_name(checks)
    assert found["configuration"].detail.startswith(f"webhook {url} -> 127.0.0.1:8080/telegram")
    assert found["webhook"].status == "ok"
    assert found["webhook"].detail == f"registered at {url}; 0 pending update(s)"
    assert not any(check.failed for check in checks)


async def test_webhook_failing_to_deliver_fails_with_telegrams_error(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    url = "http://127.0.0.1:9/telegram"  # nothing listens there
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        await bot.set_webhook(url, secret_token=SECRET)
    await tg.user(77).send_text("waiting")
    async with asyncio.timeout(5):
        # The fake server announces no event for a failed delivery; look until it has one.
        while not tg.webhook_deliveries:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    settings = settings_for(database_url=database_url, webhook_url=url, webhook_secret=SECRET)
    found = _by_name(await diagnose(settings, time_limit=3))
    assert found["webhook"].status == "fail"
    assert "last delivery error 0 min ago: Connection failed" in found["webhook"].detail
    assert found["webhook"].detail.endswith("1 pending update(s)")


async def test_webhook_pointing_elsewhere_fails(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        await bot.set_webhook("http://127.0.0.1:9/old-path", secret_token=SECRET)
    settings = settings_for(
        database_url=database_url,
        webhook_url="http://127.0.0.1:9/telegram",
        webhook_secret=SECRET,
    )
    found = _by_name(await diagnose(settings, time_limit=3))
    assert found["webhook"].status == "fail"
    assert "Telegram posts to http://127.0.0.1:9/old-path" in found["webhook"].detail


async def test_webhook_mode_before_the_bot_registered_fails(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    settings = settings_for(
        database_url=database_url,
        webhook_url="http://127.0.0.1:9/telegram",
        webhook_secret=SECRET,
    )
    found = _by_name(await diagnose(settings, time_limit=3))
    assert found["webhook"].status == "fail"
    assert found["webhook"].detail.startswith("no webhook is registered")


async def test_a_webhook_left_over_in_polling_mode_is_reported_not_failed(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        await bot.set_webhook("http://127.0.0.1:9/leftover")
    checks = await diagnose(settings_for(database_url=database_url), time_limit=3)
    found = _by_name(checks)
    assert found["webhook"].status == "warn"
    assert "http://127.0.0.1:9/leftover" in found["webhook"].detail
    assert not any(check.failed for check in checks)


async def test_telegram_that_does_not_answer_is_bounded(
    settings_for: SettingsFactory, database_url: str
) -> None:
    """A server that accepts the connection and never answers: the check gives up in time."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        settings = settings_for(
            database_url=database_url, telegram_api_base_url=f"http://127.0.0.1:{port}/bot"
        )
        started = time.monotonic()
        found = _by_name(await diagnose(settings, time_limit=0.5))
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert found["token"].status == "fail"
    assert "no answer from" in found["token"].detail
    assert elapsed < 3

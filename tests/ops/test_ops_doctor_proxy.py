"""`greenlist doctor` says which proxy the bot reaches Telegram through, and goes that way."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from bot.cli.doctor import diagnose
from bot.settings import ConfigError, Settings
from tests.bot.socks_server import socks_server
from tests.fakebot import FakeTelegram

SettingsFactory = Callable[..., Settings]


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_doctor_checks_the_token_through_telegram_proxy(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    port = urlsplit(tg.base_url).port
    assert port is not None
    async with socks_server(("127.0.0.1", port), "ops", "hunter2") as socks:
        proxy = f"socks5h://ops:hunter2@{socks.address}"
        settings = settings_for(database_url=database_url, telegram_proxy=proxy)
        checks = {check.name: check for check in await diagnose(settings, time_limit=3)}

    assert checks["configuration"].detail.endswith(
        f", Telegram through the proxy socks5h://ops:***@{socks.address} (TELEGRAM_PROXY)"
    )
    assert "hunter2" not in checks["configuration"].detail
    assert checks["token"].status == "ok"
    assert [call.method for call in tg.calls()] == ["getMe", "getWebhookInfo"]
    assert socks.targets  # the probe went through the proxy, not around it


async def test_doctor_names_the_environment_variable_or_says_direct(
    settings_for: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(telegram_api_base_url=None, telegram_api_file_url=None)
    (config, *_) = await diagnose(settings, offline=True, time_limit=1)
    assert config.detail.endswith(", Telegram direct")

    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    (config, *_) = await diagnose(settings, offline=True, time_limit=1)
    assert config.detail.endswith(
        ", Telegram through the proxy socks5://127.0.0.1:1080 (ALL_PROXY)"
    )

    monkeypatch.setenv("HTTPS_PROXY", "socks7://127.0.0.1:1080")
    with pytest.raises(ConfigError, match=r"^HTTPS_PROXY: the proxy scheme socks7:// is not"):
        await diagnose(settings, offline=True, time_limit=1)

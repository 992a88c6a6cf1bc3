"""Fixtures for the production face: settings from a clean environment, a fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from tests.fakebot import FakeTelegram

SettingsFactory = Callable[..., Settings]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable of the developer's shell and no stray .env may reach these tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings_for(tg: FakeTelegram) -> SettingsFactory:
    """Settings pointing at the fake server; keyword arguments override any field."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "telegram_bot_token": tg.token,
            "telegram_api_base_url": tg.base_url,
            "telegram_api_file_url": tg.base_file_url,
        }
        values.update(overrides)
        return load_settings(**values)

    return make

"""The real bot, wired as `greenlist run` wires it, talking HTTP to a fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, load_settings
from bot.telegram.app import build_application
from bot.telegram.context import Services
from conversations import Engine
from storage import Database
from tests.fakebot import FakeTelegram, running_application

#: A fixed "today" so certificate expiry dates in the scripts stay valid whatever the date.
TODAY = date(2025, 6, 15)

RunningBot = Callable[[], AbstractAsyncContextManager[Any]]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as tg:
        yield tg


@pytest.fixture
def bot_settings(
    database_url: str, telegram: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray .env from a developer's checkout
    return load_settings(
        telegram_bot_token=telegram.token,
        telegram_api_base_url=telegram.base_url,
        telegram_api_file_url=telegram.base_file_url,
        database_url=database_url,
    )


def make_services(settings: Settings) -> Services:
    """Production services, except the interview's clock is fixed for stable scripts."""
    return Services.create(settings, engine=Engine.default(today=lambda: TODAY))


@pytest.fixture
def run_bot(bot_settings: Settings) -> RunningBot:
    """Start (and, on leaving the block, stop) a fresh bot process on the same database."""

    @asynccontextmanager
    async def running() -> AsyncIterator[Any]:
        app = build_application(bot_settings, make_services(bot_settings))
        async with running_application(app):
            yield app

    return running


@pytest.fixture
async def bot(run_bot: RunningBot) -> AsyncIterator[Any]:
    async with run_bot() as app:
        yield app


@pytest.fixture
async def read_db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()

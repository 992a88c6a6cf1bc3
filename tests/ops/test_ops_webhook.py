"""The real bot in webhook mode, started from the same options `greenlist run` uses."""

from __future__ import annotations

import gc
import inspect
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram.ext import AIORateLimiter, Application

from bot.settings import Settings
from bot.telegram import runner
from bot.telegram.app import build_application
from bot.telegram.context import BotApplication
from tests.fakebot import FakeTelegram, FakeUser, running_application

SettingsFactory = Callable[..., Settings]
SECRET = "Webhook_secret-0123456789"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def webhook_settings(settings_for: SettingsFactory, database_url: str) -> Settings:
    port = _free_port()
    return settings_for(
        database_url=database_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_port=port,
    )


@asynccontextmanager
async def serving_webhook(app: BotApplication, options: dict[str, Any]) -> AsyncIterator[None]:
    """What `Application.run_webhook(**options)` does, inside the test's event loop."""
    assert app.updater is not None
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.updater.start_webhook(**options)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def _start_command(user: FakeUser) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 1,
            "from": user.as_user(),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "date": int(time.time()),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }


async def test_an_update_with_the_secret_reaches_the_bot(
    tg: FakeTelegram, webhook_settings: Settings
) -> None:
    options = runner.webhook_options(webhook_settings)
    app = build_application(webhook_settings)
    async with serving_webhook(app, options):
        assert tg.webhook_url is not None
        assert tg.webhook_url == webhook_settings.webhook_url
        assert tg.calls("setWebhook")[-1].params["secret_token"] == SECRET
        user = tg.user(6001)
        status = await tg.post_webhook(tg.webhook_url, _start_command(user), secret_token=SECRET)
        reply = await user.next_message()
    assert status == 200
    assert reply.chat_id == user.id
    assert reply.text.strip()
    assert any(call.params.get("chat_id") == user.id for call in tg.calls("sendMessage"))


@pytest.mark.parametrize("header", [None, "wrong-secret"], ids=["no-header", "wrong-header"])
async def test_an_update_without_the_right_secret_is_refused(
    tg: FakeTelegram, webhook_settings: Settings, header: str | None
) -> None:
    app = build_application(webhook_settings)
    async with serving_webhook(app, runner.webhook_options(webhook_settings)):
        assert tg.webhook_url is not None
        user = tg.user(6002)
        status = await tg.post_webhook(tg.webhook_url, _start_command(user), secret_token=header)
        assert await user.messages_until_idle(idle=0.3) == []
    assert status == 403
    assert tg.calls("sendMessage") == []


def test_greenlist_run_hands_the_webhook_options_to_ptb(
    monkeypatch: pytest.MonkeyPatch, webhook_settings: Settings
) -> None:
    seen: dict[str, Any] = {}

    def run_webhook(self: BotApplication, **kwargs: Any) -> None:
        seen["webhook"] = kwargs

    def run_polling(self: BotApplication, **kwargs: Any) -> None:
        seen["polling"] = kwargs
        seen["frozen"] = gc.get_freeze_count()

    # Every option is a parameter of PTB's real run_webhook.
    inspect.signature(Application.run_webhook).bind(
        None, **runner.webhook_options(webhook_settings)
    )
    monkeypatch.setattr(Application, "run_webhook", run_webhook)
    monkeypatch.setattr(Application, "run_polling", run_polling)
    monkeypatch.setattr(runner, "configure_logging", lambda settings: None)
    assert runner.run_bot(webhook_settings) == 0
    assert seen == {"webhook": runner.webhook_options(webhook_settings) | {"close_loop": False}}
    seen.clear()
    assert runner.run_bot(webhook_settings, webhook=False) == 0
    assert list(seen) == ["polling", "frozen"]
    # While it runs, what start-up built is out of the collector's way; given back at stop.
    assert seen["frozen"] > 10_000
    assert gc.get_freeze_count() == 0


def test_greenlist_run_refuses_webhook_mode_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, settings_for: SettingsFactory, database_url: str
) -> None:
    started: list[str] = []
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: started.append("run"))
    settings = settings_for(
        database_url=database_url, webhook_url="https://bot.example.com/telegram"
    )
    with pytest.raises(runner.ConfigError, match=r"^WEBHOOK_SECRET is not set"):
        runner.run_bot(settings)
    assert started == []


async def test_flood_control_429_is_retried_and_the_message_arrives(
    tg: FakeTelegram, settings_for: SettingsFactory, database_url: str
) -> None:
    app = build_application(settings_for(database_url=database_url))
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    tg.fail_next("sendMessage", error_code=429, retry_after=1)
    async with running_application(app):
        user = tg.user(6003)
        await user.send_command("start")
        reply = await user.next_message(timeout=10)
    assert reply.text.strip()
    statuses = [call.status for call in tg.calls("sendMessage")]
    assert statuses[:2] == [429, 200]

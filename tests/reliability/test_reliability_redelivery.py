"""A redelivered update (same update_id) has a single effect: one answer, one reply."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.settings import Settings
from bot.telegram.app import build_application
from conversations import Engine
from storage import Database
from tests.bot.conftest import TODAY, make_services
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram, running_application

ENGINE = Engine.default(today=lambda: TODAY)


def text_update(update_id: int, user_id: int, message_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "重投"},
            "from": {"id": user_id, "is_bot": False, "first_name": "重投"},
            "text": text,
        },
    }


async def answered_once(
    telegram: FakeTelegram, db: Database, s: TelegramSupplier, user_id: int, update_id: int
) -> None:
    replies = [m for m in await s.user.messages_until_idle(idle=0.5) if s.is_screen(m)]
    assert len(replies) == 1, [m.text for m in replies]
    assert s.question_on_screen(replies[0]).id == "credit_code"
    async with db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
        assert row.company_name == "重投砖厂"
        assert await uow.updates.seen(update_id) is True  # recorded by the first delivery


async def test_same_update_twice_by_polling(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    s = TelegramSupplier(telegram.user(8101, "重投"), ENGINE)
    await s.start()
    # Above the ids the fake gave /start: Telegram numbers a bot's updates in sequence.
    update = text_update(900_000_001, 8101, 50, "重投砖厂")
    telegram.enqueue(update)
    telegram.enqueue(update)  # both queued before the bot's next poll: one batch, two copies
    await answered_once(telegram, read_db, s, 8101, 900_000_001)
    delivered = [
        u["update_id"] for call in telegram.calls("getUpdates") for u in (call.result or [])
    ]
    assert delivered.count(900_000_001) == 2


async def test_same_update_twice_by_webhook(
    telegram: FakeTelegram, bot_settings: Settings, read_db: Database
) -> None:
    app = build_application(bot_settings, make_services(bot_settings))
    async with running_application(app, webhook=True, secret_token="s3cret-token"):
        s = TelegramSupplier(telegram.user(8102, "重投"), ENGINE)
        url = telegram.webhook_url
        assert url is not None
        await telegram.post_webhook(url, {"update_id": 990_000, **s_start(8102)}, "s3cret-token")
        await s.next_screen()
        update = text_update(990_001, 8102, 51, "重投砖厂")
        statuses = await asyncio.gather(
            telegram.post_webhook(url, update, "s3cret-token"),
            telegram.post_webhook(url, update, "s3cret-token"),
        )
        assert statuses == [200, 200]
        await answered_once(telegram, read_db, s, 8102, 990_001)


def s_start(user_id: int) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "重投"},
            "from": {"id": user_id, "is_bot": False, "first_name": "重投"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }

"""The database goes away for a while: the supplier hears their answers are safe, nothing
half-written remains, and the bot carries on by itself once the database is back."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.telegram.app import build_application
from conversations import Engine
from storage import Database
from tests.bot.conftest import TODAY, make_services
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram, running_application

ENGINE = Engine.default(today=lambda: TODAY)
Outage = Callable[[], Any]


@asynccontextmanager
async def outage(database_url: str) -> AsyncIterator[None]:
    """Make the database refuse work: a lock held by another process (SQLite), or the
    server refusing and dropping connections (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database="postgres"
    )
    name = url.database
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_outage_tells_the_supplier_and_recovers_without_restart(
    telegram: FakeTelegram, bot_settings: Settings, database_url: str, read_db: Database
) -> None:
    app = build_application(bot_settings, make_services(bot_settings))
    async with running_application(app, raise_handler_errors=False):
        s = TelegramSupplier(telegram.user(8301, "吴十"), ENGINE)
        screen = await s.answer(await s.start(), {"company_name": "停电前砖厂"})
        assert s.question_on_screen(screen).id == "credit_code"

        async with outage(database_url):
            lost = await s.user.send_text("91130185MA07LQ8K3P")
            sorry = await s.user.wait_for(s.t("chat.unavailable_not_saved"), timeout=20)
            assert "Traceback" not in sorry.text
            assert sorry.text == (
                "服务暂时不可用，您刚才的这条回答没有保存，请稍后再发送一次。"
                "之前的答案已安全保存，不会丢失。"
            )

        # Nothing half-written: neither the answer nor the update's mark went in.
        async with read_db.unit_of_work() as uow:
            (row,) = await uow.sessions.list_for_owner(8301)
            assert row.current_question == "credit_code"
            assert "credit_code" not in row.state["answers"]
            assert row.company_name == "停电前砖厂"
            assert await uow.updates.seen(lost["update_id"]) is False
            await uow.rollback()

        # Back again: the same bot, no restart, takes the answer.
        await s.user.send_text("91130185MA07LQ8K3P")
        screen = await s.next_screen()
        assert s.question_on_screen(screen).id == "contact_person"
    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(8301)
    assert row.credit_code == "91130185MA07LQ8K3P"

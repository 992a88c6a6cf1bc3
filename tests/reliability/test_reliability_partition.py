"""PostgreSQL reached through a proxy the test turns against the bot: a refused connection,
a connection cut right after COMMIT, a partition that answers nothing. The supplier is
answered as if nothing happened when the outage is short, is told within seconds when it
is not, and is never asked to resend an answer that is stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.settings import Settings
from bot.telegram.app import build_application
from storage import Database, pauses
from storage.db import postgres_timeouts
from tests.bot.conftest import make_services
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram, running_application
from tests.reliability.pgproxy import PgProxy, pg_proxy
from tests.reliability.test_reliability_hostile import ENGINE, place_at

RESEND = "没有保存"
UNAVAILABLE = "服务暂时不可用"


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[PgProxy]:
    if database_url.startswith("sqlite"):
        pytest.skip("the proxy stands between the bot and a PostgreSQL server")
    async with pg_proxy(database_url) as running:
        yield running


@pytest.fixture
async def proxied_bot(proxy: PgProxy, bot_settings: Settings) -> AsyncIterator[Any]:
    settings = bot_settings.model_copy(
        update={
            "database_url": proxy.url_for(bot_settings.database_url),
            "database_timeout": 1.0,
            "database_retry_budget": 2.0,
        }
    )
    app = build_application(settings, make_services(settings))
    # The partition's refusal is the bot's own error handler at work, not a test failure.
    async with running_application(app, raise_handler_errors=False):
        yield app


async def _at_phone(read_db: Database, telegram: FakeTelegram, user_id: int) -> TelegramSupplier:
    await place_at(read_db, user_id, "contact_phone")
    return TelegramSupplier(telegram.user(user_id, "断网"), ENGINE)


async def _stored(read_db: Database, user_id: int) -> dict[str, Any]:
    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
    return dict(row.state["answers"])


async def test_a_commit_whose_answer_was_lost_is_answered_as_the_success_it_was(
    telegram: FakeTelegram, proxy: PgProxy, proxied_bot: Any, read_db: Database
) -> None:
    s = await _at_phone(read_db, telegram, 710_001)
    proxy.drop_after_commit = 1
    await s.user.send_text("13800007501")
    seen = await s.user.messages_until_idle(idle=0.5)
    assert proxy.commits_cut == 1
    texts = [m.text for m in seen]
    assert all(UNAVAILABLE not in t for t in texts), texts
    question = s.question_on_screen(seen[-1])
    assert question is not None and question.id != "contact_phone"
    answers = await _stored(read_db, 710_001)
    assert answers["contact_phone"] == "13800007501"
    assert "13800007501" not in [v for k, v in answers.items() if k != "contact_phone"]


async def test_a_short_refusal_is_retried_inside_the_bot(
    telegram: FakeTelegram, proxy: PgProxy, proxied_bot: Any, read_db: Database
) -> None:
    s = await _at_phone(read_db, telegram, 710_002)
    proxy.mode = "refuse"
    proxy.cut_all()
    await s.user.send_text("13800007502")
    await asyncio.sleep(0.6)
    proxy.mode = "forward"
    seen = await s.user.messages_until_idle(idle=0.5)
    assert all(UNAVAILABLE not in m.text for m in seen)
    question = s.question_on_screen(seen[-1])
    assert question is not None and question.id != "contact_phone"
    assert (await _stored(read_db, 710_002))["contact_phone"] == "13800007502"


async def test_a_partition_is_reported_within_seconds_and_the_bot_recovers(
    telegram: FakeTelegram, proxy: PgProxy, proxied_bot: Any, read_db: Database
) -> None:
    s = await _at_phone(read_db, telegram, 710_003)
    proxy.mode = "blackhole"
    started = time.monotonic()
    await s.user.send_text("13800007503")
    told = await s.user.wait_for(UNAVAILABLE, timeout=15)
    assert time.monotonic() - started < 8
    assert told.text.startswith("服务暂时不可用，您刚才的这条回答没有保存")
    assert "contact_phone" not in await _stored(read_db, 710_003)

    proxy.mode = "forward"
    await s.user.send_text("13800007503")
    screen = await s.user.wait_for(lambda m: s.is_screen(m), timeout=15)
    question = s.question_on_screen(screen)
    assert question is not None and question.id != "contact_phone"
    assert (await _stored(read_db, 710_003))["contact_phone"] == "13800007503"


def test_the_back_off_grows_and_stays_within_its_budget() -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    taken = []
    for pause in pauses(4.0, clock=clock):
        taken.append(pause)
        now[0] += pause + 0.5  # the pause, then an attempt that fails after 0.5 s
    assert taken == [0.1, 0.25, 0.5, 1.0]
    assert list(pauses(0.05, clock=clock)) == []


def test_postgres_connections_carry_connect_statement_and_commit_timeouts() -> None:
    options = postgres_timeouts(1.5)
    assert options["timeout"] == 1.5
    assert options["command_timeout"] == 1.5
    assert options["server_settings"]["statement_timeout"] == "1500"

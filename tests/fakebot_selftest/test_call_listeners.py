"""Call listeners: a load driver learns of every answered call without polling the server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.fakebot import Call, FakeTelegram


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


async def test_listener_sees_each_answered_call_once_in_order_with_its_answer_time(
    tg: FakeTelegram, bot: Bot
) -> None:
    seen: list[Call] = []
    tg.add_call_listener(seen.append)
    sent = await tg.user(3101).send_text("你好")
    updates = await bot.get_updates(timeout=0)
    await bot.send_message(3101, "收到")

    assert [call.method for call in seen] == ["getUpdates", "sendMessage"]
    delivery, reply = seen
    assert [update["update_id"] for update in delivery.result] == [sent["update_id"]]
    assert updates[0].update_id == sent["update_id"]
    assert reply.result["text"] == "收到" and reply.params["chat_id"] == 3101
    for call in seen:
        assert call.ok and call.answered_at is not None and call.answered_at >= call.at
    assert delivery.answered_at is not None and reply.at >= delivery.answered_at


async def test_refused_calls_reach_listeners_and_removed_listeners_hear_nothing(
    tg: FakeTelegram, bot: Bot
) -> None:
    seen: list[Call] = []
    remove = tg.add_call_listener(seen.append)
    with pytest.raises(BadRequest):
        await bot.send_message(999_999, "nobody")
    assert [(call.method, call.status) for call in seen] == [("sendMessage", 400)]

    remove()
    remove()  # removing twice is harmless
    tg.user(3102)
    await bot.send_message(3102, "again")
    assert len(seen) == 1
    assert tg.calls("sendMessage")[-1].answered_at is not None


async def test_a_failing_listener_does_not_cost_the_bot_its_answer(
    tg: FakeTelegram, bot: Bot
) -> None:
    def broken(call: Call) -> None:
        raise RuntimeError("listener bug")

    seen: list[str] = []
    tg.add_call_listener(broken)
    tg.add_call_listener(lambda call: seen.append(call.method))
    tg.user(3103)
    message = await bot.send_message(3103, "still delivered")
    assert message.text == "still delivered"
    assert seen == ["sendMessage"]

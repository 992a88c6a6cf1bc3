"""Bot API behaviour of the fake server, checked through PTB's Bot and plain HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter

from tests.fakebot import FakeTelegram, png_bytes


async def _until_a_poll_is_pending(tg: FakeTelegram) -> None:
    """Let a getUpdates request reach the server before the test acts on it."""
    for _ in range(300):
        if any(call.status is None for call in tg.calls("getUpdates")):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no getUpdates request reached the server")


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


async def test_get_me_describes_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    assert bot.username == "greenlist_test_bot"
    assert bot.id == 123456
    assert tg.calls("getMe")[0].ok


async def test_unconfirmed_update_is_redelivered_until_an_offset_confirms_it(
    tg: FakeTelegram, bot: Bot
) -> None:
    sent = await tg.user(2001).send_text("hello")
    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    assert [update.update_id for update in first] == [sent["update_id"]]
    assert [update.update_id for update in again] == [sent["update_id"]]
    assert first[0].message is not None and first[0].message.text == "hello"
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == ()
    assert tg.pending_updates == []


async def test_limit_and_negative_offset(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2002)
    ids = [(await user.send_text(str(number)))["update_id"] for number in range(5)]
    assert [update.update_id for update in await bot.get_updates(limit=2)] == ids[:2]
    assert [update.update_id for update in await bot.get_updates(offset=-1)] == ids[-1:]
    assert [update["update_id"] for update in tg.pending_updates] == ids[-1:]


async def test_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await _until_a_poll_is_pending(tg)
    started = time.monotonic()
    await tg.user(2003).send_text("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert len(updates) == 1
    assert time.monotonic() - started < 1


async def test_long_poll_times_out_empty(tg: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=300)) == ()
    assert 0.25 < time.monotonic() - started < 1.5


async def test_second_poller_terminates_the_first_with_conflict(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await _until_a_poll_is_pending(tg)
    async with Bot(tg.token, base_url=tg.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=dtm.timedelta(seconds=0.2)))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await first
        assert await second == ()
    assert len(tg.conflicts) == 1


async def test_polling_while_a_webhook_is_set_conflicts(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
        await bot.set_webhook("https://example.org/hook")
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_stop_releases_a_pending_long_poll() -> None:
    tg = FakeTelegram()
    await tg.start()
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=5))
        await _until_a_poll_is_pending(tg)
        started = time.monotonic()
        await tg.stop()
        assert await asyncio.wait_for(poll, 3) == ()
        assert time.monotonic() - started < 2.5


async def test_allowed_updates_filters_later_updates(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2004)
    await bot.get_updates(allowed_updates=["message"])
    await user.send_text("kept")
    await tg.user(2005).send_location(31.2, 121.5)
    chat_member = tg.enqueue({"chat_member": {"chat": {"id": 2004, "type": "private"}}})
    updates = await bot.get_updates()
    assert len(updates) == 2
    assert [update["update_id"] for update in tg.dropped_updates] == [chat_member["update_id"]]


async def test_unknown_method_is_answered_404_and_recorded(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    (call,) = tg.unknown_calls
    assert call.method == "sendTelepathy"
    assert call.params == {"chat_id": 1}
    assert call.status == 404


async def test_malformed_and_wrong_tokens_are_refused_over_http(tg: FakeTelegram) -> None:
    base = f"http://127.0.0.1:{tg.port}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/bot999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{base}/botnonsense/getMe") as response:
            assert response.status == 404
        async with session.get(f"{base}/file/bot999:WRONG/documents/file_1.pdf") as response:
            assert response.status == 401
    assert [request.status for request in tg.rejected] == [401, 404, 401]
    assert tg.calls() == []


async def test_json_bodies_and_lowercase_method_names_are_accepted(tg: FakeTelegram) -> None:
    tg.user(2006)
    url = f"http://127.0.0.1:{tg.port}/bot{tg.token}/sendmessage"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": 2006, "text": "123"}) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["text"] == "123"
    assert tg.calls("sendMessage")[0].params == {"chat_id": 2006, "text": "123"}


async def test_form_values_decode_to_python_but_text_stays_text(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(2007)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]])
    await bot.send_message(2007, "true", reply_markup=keyboard, disable_notification=True)
    params = tg.calls("sendMessage")[0].params
    assert params["text"] == "true"
    assert params["chat_id"] == 2007
    assert params["disable_notification"] is True
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_switch_answers_429_with_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(2008)
    tg.fail_next("sendMessage", times=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
            await bot.send_message(2008, "x")
    assert (await bot.send_message(2008, "x")).text == "x"
    assert [call.status for call in tg.calls("sendMessage")] == [429, 429, 200]


async def test_blocked_user_makes_sends_fail_with_403(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2009)
    await user.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(2009, "还在吗？")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    await user.unblock_bot()
    assert (await bot.send_message(2009, "欢迎回来")).text == "欢迎回来"


async def test_unknown_chat_is_not_found(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "hello")


async def test_bad_markup_is_refused_like_telegram(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(2010)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(2010, "R < 95% & E > 46", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await bot.send_message(2010, "合格.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            2010,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("长", callback_data="长" * 30)]]
            ),
        )
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(2010, "  \n ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(2010, "砖" * 4097)
    assert [call.description for call in tg.errors][:2] == [
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'",
    ]
    assert len(tg.errors) == 5


async def test_edit_with_identical_content_is_not_modified(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2011)
    sent = await bot.send_message(2011, "进度 1/3")
    edited = await bot.edit_message_text("进度 2/3", chat_id=2011, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("进度 2/3", chat_id=2011, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=2011, message_id=999)
    assert await bot.delete_message(2011, sent.message_id)
    assert user.last_message is not None and user.last_message.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(2011, sent.message_id)


async def test_callback_query_can_be_answered_once(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2012)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("提交", callback_data="submit")]])
    await bot.send_message(2012, "确认提交？", reply_markup=keyboard)
    pressed = await user.press("提交")
    query_id = pressed["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="已提交")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    assert [call.params["text"] for call in user.answered_callbacks] == ["已提交"]


async def test_photo_sizes_and_download(tg: FakeTelegram, bot: Bot) -> None:
    image = png_bytes(1600, 1200)
    sent = await tg.user(2013).send_photo(image, caption="窑炉")
    sizes = sent["message"]["photo"]
    assert [(size["width"], size["height"]) for size in sizes][-1] == (1600, 1200)
    assert [size["width"] for size in sizes] == [90, 320, 800, 1280, 1600]
    telegram_file = await bot.get_file(sizes[-1]["file_id"])
    assert telegram_file.file_path is not None
    assert telegram_file.file_path.startswith(tg.base_file_url + tg.token + "/photos/")
    assert bytes(await telegram_file.download_as_bytearray()) == image


async def test_bot_photo_needs_a_real_image_and_file_ids_are_reusable(
    tg: FakeTelegram, bot: Bot
) -> None:
    user = tg.user(2014)
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(2014, b"not an image")
    first = await bot.send_photo(2014, png_bytes(20, 10))
    again = await bot.send_photo(2014, first.photo[-1].file_id)
    assert again.photo[-1].file_id == first.photo[-1].file_id
    document = await bot.send_document(2014, b"a,b\n", filename="x.csv")
    assert document.document is not None
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_photo(2014, document.document.file_id)
    assert [message.method for message in user.messages] == [
        "sendPhoto",
        "sendPhoto",
        "sendDocument",
    ]


async def test_user_edit_arrives_as_edited_message(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2015)
    original = await user.send_text("产量 1000 吨")
    await user.edit_text(original, "产量 1200 吨")
    updates = await bot.get_updates()
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "产量 1200 吨"
    assert updates[1].edited_message.message_id == updates[0].message.message_id  # type: ignore[union-attr]


async def test_menu_button_and_chat_action(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(2016)
    assert await bot.send_chat_action(2016, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(2016, "dancing")
    assert await bot.set_chat_menu_button()
    assert tg.menu_button() == {"type": "default"}
    assert (await bot.get_chat_menu_button()).type == "default"


async def test_webhook_delivery_is_retried_until_the_bot_accepts(tg: FakeTelegram) -> None:
    statuses = iter([500, 200])
    received: list[tuple[str | None, dict[str, object]]] = []

    async def endpoint(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=next(statuses))

    server = web.Application()
    server.router.add_post("/hook", endpoint)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            assert await bot.set_webhook(url, secret_token="hook-secret")
            sent = await tg.user(2017).send_text("经 webhook 重试")
            await tg.wait_for_call("setWebhook")
            for _ in range(100):
                if not tg.pending_updates:
                    break
                await asyncio.sleep(0.02)
            info = await bot.get_webhook_info()
    finally:
        await runner.cleanup()
    assert [delivery.status for delivery in tg.webhook_deliveries] == [500, 200]
    assert received == [("hook-secret", sent), ("hook-secret", sent)]
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_waiting_without_a_bot_fails_with_the_chat_so_far(tg: FakeTelegram) -> None:
    user = tg.user(2018)
    await user.send_text("有人吗")
    with pytest.raises(AssertionError, match="has not fetched the updates") as failure:
        await user.messages_until_idle(idle=0.1, timeout=0.3)
    assert "user   #1 '有人吗'" in str(failure.value)
    with pytest.raises(AssertionError, match=r"no new message within 0\.2s"):
        await user.next_message(timeout=0.2)


async def test_press_uses_the_keyboard_as_edited(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(2019)
    first = InlineKeyboardMarkup([[InlineKeyboardButton("多孔砖", callback_data="porous")]])
    second = InlineKeyboardMarkup([[InlineKeyboardButton("空心砖", callback_data="hollow")]])
    sent = await bot.send_message(2019, "产品类别？", reply_markup=first)
    await bot.edit_message_reply_markup(2019, sent.message_id, reply_markup=second)
    assert (await user.next_edit()).buttons == [[("空心砖", "hollow")]]
    with pytest.raises(AssertionError, match="no button '多孔砖'"):
        await user.press("多孔砖")
    pressed = await user.press("空心")
    assert pressed["callback_query"]["message"]["reply_markup"] == second.to_dict()
    assert await bot.delete_message(2019, sent.message_id)
    with pytest.raises(AssertionError, match="no message with inline buttons"):
        await user.press("空心砖")
    with pytest.raises(AssertionError, match="edited no message"):
        await user.next_edit(timeout=0.1)

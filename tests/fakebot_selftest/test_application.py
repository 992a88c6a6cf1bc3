"""The fake server driven by a real PTB Application, as the bot's e2e tests will drive it."""

from __future__ import annotations

import pytest
from telegram.error import InvalidToken

from tests.fakebot import FakeTelegram, UploadedFile, running_application

from .conftest import REPORT_BYTES, BotApp, build_app


async def test_text_is_echoed_with_html_rendered_and_user_text_escaped(
    tg: FakeTelegram, app: BotApp
) -> None:
    async with running_application(app):
        user = tg.user(1001)
        await user.send_text("砖 <R≥95%> & 煤矸石")
        reply = await user.next_message()
    assert reply.text == "回声: 砖 <R≥95%> & 煤矸石"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert reply.params["parse_mode"] == "HTML"


async def test_command_reaches_command_handler_with_its_arguments(
    tg: FakeTelegram, app: BotApp
) -> None:
    async with running_application(app):
        user = tg.user(1002)
        sent = await user.send_command("start", "invite-42 extra")
        assert sent["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert (await user.next_message()).text == "start args=['invite-42', 'extra']"
        await user.send_command("start", mention=True)
        assert (await user.next_message()).text == "start args=[]"
        await user.send_text("/start typed")
        assert (await user.next_message()).text == "start args=['typed']"


async def test_press_edits_message_and_answers_the_query(tg: FakeTelegram, app: BotApp) -> None:
    async with running_application(app):
        user = tg.user(1003)
        await user.send_command("menu")
        menu = await user.next_message()
        assert menu.buttons == [
            [("是，继续", "answer:yes"), ("否", "answer:no")],
            [("导则原文", "https://example.org/guideline")],
        ]
        press = await user.press("继续")
        edited = await user.next_edit()
        answer = await user.callback_answer(press)
    assert press["callback_query"]["data"] == "answer:yes"
    assert press["callback_query"]["message"]["message_id"] == menu.message_id
    assert edited.message_id == menu.message_id
    assert edited.text == "选择: yes"
    assert edited.buttons == [], "editMessageText without reply_markup drops the keyboard"
    assert answer.params["text"] == "已选 answer:yes"
    assert user.answered_callbacks == [answer]
    assert user.last_message is not None and user.last_message.text == "选择: yes"


async def test_press_by_callback_data_and_refusals_name_the_buttons(
    tg: FakeTelegram, app: BotApp
) -> None:
    async with running_application(app):
        user = tg.user(1004)
        await user.send_command("menu")
        menu = await user.next_message()
        with pytest.raises(AssertionError, match=r"no button '可能'.*'是，继续'→'answer:yes'"):
            await user.press("可能")
        with pytest.raises(AssertionError, match="sends no callback"):
            await user.press("导则原文")
        await user.press("answer:no", menu)
        assert (await user.next_edit()).text == "选择: no"
        with pytest.raises(AssertionError, match="has no inline buttons now"):
            await user.press("否", menu)


async def test_document_download_round_trip(tg: FakeTelegram, app: BotApp) -> None:
    content = bytes(range(256)) * 40
    async with running_application(app):
        user = tg.user(1005)
        sent = await user.send_document("检测报告.pdf", content, "application/pdf")
        reply = await user.next_message()
    assert reply.text == f"收到 {len(content)} 字节"
    document = sent["message"]["document"]
    assert document["file_size"] == len(content)
    assert tg.file(document["file_id"]).content == content
    assert tg.downloads == [tg.file(document["file_id"]).file_path]


async def test_uploaded_document_is_recorded_with_its_bytes(tg: FakeTelegram, app: BotApp) -> None:
    async with running_application(app):
        user = tg.user(1006)
        await user.send_command("report")
        reply = await user.next_message()
    (call,) = tg.calls("sendDocument")
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.name, upload.content) == ("评价报告.csv", REPORT_BYTES)
    assert reply.document is not None
    assert reply.document.content == REPORT_BYTES
    assert reply.document.mime_type == "text/csv"
    assert reply.message["document"]["file_name"] == "评价报告.csv"
    assert reply.text == "评价报告"
    assert reply.message["caption_entities"] == [{"type": "bold", "offset": 0, "length": 4}]


async def test_set_my_commands_is_recorded_decoded(tg: FakeTelegram, app: BotApp) -> None:
    async with running_application(app):
        call = await tg.wait_for_call("setMyCommands")
    assert call.params["commands"] == [
        {"command": "start", "description": "开始评价"},
        {"command": "menu", "description": "菜单"},
    ]
    assert call.params["scope"] == {"type": "all_private_chats"}
    assert call.params["language_code"] == "zh"
    assert tg.commands({"type": "all_private_chats"}, "zh") == call.params["commands"]
    assert tg.commands() is None


async def test_messages_until_idle_collects_a_burst_in_order(tg: FakeTelegram, app: BotApp) -> None:
    async with running_application(app):
        user = tg.user(1007)
        await user.send_command("burst")
        burst = await user.messages_until_idle(idle=0.3)
    assert [message.text for message in burst] == ["第 1 条", "第 2 条", "第 3 条"]


async def test_wait_for_skips_to_the_matching_message(tg: FakeTelegram, app: BotApp) -> None:
    async with running_application(app):
        user = tg.user(1008)
        await user.send_command("burst")
        third = await user.wait_for("3")
        assert third.text == "第 3 条"
        with pytest.raises(AssertionError, match=r"no new message within 0\.2s"):
            await user.next_message(timeout=0.2)


async def test_updates_confirmed_by_the_bot_are_not_delivered_again(
    tg: FakeTelegram, app: BotApp
) -> None:
    user = tg.user(1009)
    async with running_application(app):
        await user.send_text("一")
        await user.send_text("二")
        first_run = await user.messages_until_idle(idle=0.3)
    assert tg.pending_updates == [], "stopping the updater confirms what it fetched"
    async with running_application(build_app(tg)):
        second_run = await user.messages_until_idle(idle=0.3)
    assert [message.text for message in first_run] == ["回声: 一", "回声: 二"]
    assert second_run == []
    assert tg.conflicts == []


async def test_handler_exceptions_fail_the_block(tg: FakeTelegram, app: BotApp) -> None:
    tg.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    with pytest.raises(AssertionError, match="handlers raised 1 exception"):
        async with running_application(app):
            user = tg.user(1010)
            await user.send_text("hello")
            await tg.wait_for_call("sendMessage")


async def test_webhook_mode_receives_updates_through_the_webhook(
    tg: FakeTelegram, app: BotApp
) -> None:
    user = tg.user(1011)
    early = await user.send_text("启动前")
    async with running_application(app, webhook=True, secret_token="s3cret-token"):
        assert tg.webhook_url is not None
        assert (await user.next_message()).text == "回声: 启动前"
        late = await user.send_text("经 webhook")
        reply = await user.next_message()
        assert reply.text == "回声: 经 webhook"
        forged = {"message": {**reply.message, "from": user.as_user(), "text": "伪造"}}
        assert await tg.post_webhook(tg.webhook_url, forged, secret_token="wrong") == 403
        assert await user.messages_until_idle(idle=0.2) == []
    for update in (early, late):
        statuses = [
            delivery.status
            for delivery in tg.webhook_deliveries
            if delivery.update_id == update["update_id"]
        ]
        assert statuses[-1] == 200
    assert tg.calls("setWebhook")[0].params["secret_token"] == "s3cret-token"


async def test_wrong_token_is_refused(tg: FakeTelegram) -> None:
    app = build_app(tg, token="123456:NOT-THE-TOKEN")
    with pytest.raises(InvalidToken, match="rejected by the server") as refused:
        async with running_application(app):
            pass
    assert str(refused.value.__cause__) == "Unauthorized"
    assert [request.status for request in tg.rejected] == [401]
    assert tg.calls() == []

"""The aiohttp client the bot calls the Bot API with, against small local servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.telegram.proxy import proxy_from_environment
from bot.telegram.request import AiohttpRequest

TOKEN = "123456:ABC-token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def server() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start an aiohttp app answering every path with the given handler; yields its URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


ME = {"id": 123456, "is_bot": True, "first_name": "绿名单", "username": "greenlist_bot"}
MESSAGE = {
    "message_id": 7,
    "date": 1_700_000_000,
    "chat": {"id": 42, "type": "private"},
    "text": "收到",
}


def bot_api(record: list[web.Request] | None = None, bodies: list[bytes] | None = None) -> Handler:
    """getMe answers as a bot, any other method with MESSAGE; requests are recorded."""

    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            return ok(ME)
        if record is not None:
            record.append(request)
        if bodies is not None:
            bodies.append(await request.read())
        return ok(MESSAGE)

    return handler


async def test_calls_without_files_go_as_one_json_body(server: Any) -> None:
    requests: list[web.Request] = []
    bodies: list[bytes] = []
    base = await server(bot_api(requests, bodies))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("是 <yes>", callback_data="iv:a:q:y")]])

    async with Bot(TOKEN, base_url=f"{base}/bot", request=AiohttpRequest()) as bot:
        sent = await bot.send_message(42, "第 1/31 题 · 企业", reply_markup=markup)

    assert sent.text == "收到"
    assert requests[0].path == f"/bot{TOKEN}/sendMessage"
    assert requests[0].content_type == "application/json"
    assert json.loads(bodies[0]) == {
        "chat_id": 42,
        "text": "第 1/31 题 · 企业",
        "reply_markup": {"inline_keyboard": [[{"text": "是 <yes>", "callback_data": "iv:a:q:y"}]]},
    }


async def test_files_go_as_multipart_with_the_other_parameters(server: Any) -> None:
    parts: dict[str, tuple[str | None, bytes]] = {}

    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            return ok(ME)
        assert request.content_type == "multipart/form-data"
        reader = await request.multipart()
        async for part in reader:
            parts[part.name or ""] = (part.filename, await part.read())  # type: ignore[union-attr]
        return ok(MESSAGE | {"document": {"file_id": "f", "file_unique_id": "u"}})

    base = await server(handler)
    content = b"PK\x03\x04 workbook"
    async with Bot(TOKEN, base_url=f"{base}/bot", request=AiohttpRequest()) as bot:
        await bot.send_document(42, content, filename="绿名单-导出.xlsx", caption="共 3 条")

    assert parts["document"] == ("绿名单-导出.xlsx", content)
    assert parts["chat_id"] == (None, b"42")
    assert parts["caption"] == (None, "共 3 条".encode())


async def test_telegram_errors_keep_their_meaning(server: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            return ok(ME)
        return web.json_response(
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            status=400,
        )

    base = await server(handler)
    async with Bot(TOKEN, base_url=f"{base}/bot", request=AiohttpRequest()) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(42, "你好")


async def test_a_slow_answer_is_a_timeout(server: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            return ok(ME)
        await asyncio.sleep(2)
        return ok(MESSAGE)

    base = await server(handler)
    request = AiohttpRequest(read_timeout=0.2)
    async with Bot(TOKEN, base_url=f"{base}/bot", request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "你好")
        # a timeout given for one call wins over the default
        assert (await bot.send_message(42, "你好", read_timeout=5)).text == "收到"


async def test_an_unreachable_server_is_a_network_error() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="Cannot connect"):
            await request.post("http://127.0.0.1:9/bot123:x/getMe")
    finally:
        await request.shutdown()


async def test_shutting_down_twice_at_once_is_harmless() -> None:
    request = AiohttpRequest()
    await asyncio.gather(request.initialize(), request.initialize())
    await asyncio.gather(request.shutdown(), request.shutdown())
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")


async def test_calls_go_through_the_proxy_in_https_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where Telegram is only reachable through a proxy (as from mainland China)."""
    targets: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        targets.append(str(request.url))
        return await bot_api()(request)

    proxy_url = await server(proxy)
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with Bot(TOKEN, base_url="http://api.telegram.test/bot", request=AiohttpRequest()) as bot:
        await bot.send_message(42, "你好")

    assert targets == [
        f"http://api.telegram.test/bot{TOKEN}/getMe",
        f"http://api.telegram.test/bot{TOKEN}/sendMessage",
    ]


def test_no_proxy_exempts_a_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    found = proxy_from_environment("https://api.telegram.org/bot1:x/getMe")
    assert found is not None
    assert found.url == "http://user:secret@proxy.example:3128"
    assert proxy_from_environment("https://127.0.0.1:8081/bot1:x/getMe") is None
    monkeypatch.delenv("HTTPS_PROXY")
    assert proxy_from_environment("https://api.telegram.org/bot1:x/getMe") is None

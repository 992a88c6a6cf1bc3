"""Bot API calls through SOCKS and HTTP proxies, as operators configure them.

Each test starts a SOCKS server on 127.0.0.1 (tests/bot/socks_server.py) that relays to a
local fake Bot API and records what the client asked it to reach.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError

from bot.logging_setup import configure_logging, secrets_of
from bot.settings import ConfigError, Settings, load_settings
from bot.telegram.app import build_application
from bot.telegram.proxy import parse_proxy, proxy_from_environment
from bot.telegram.request import AiohttpRequest
from conversations import Engine
from tests.bot.conftest import TODAY, make_services
from tests.bot.shown import shows
from tests.bot.socks_server import SocksServer, Target, socks_server
from tests.bot.telegram_supplier import TelegramSupplier
from tests.bot.test_telegram_http import ME, MESSAGE, TOKEN, ok
from tests.fakebot import FakeTelegram, running_application
from tests.ops.test_ops_logging import restore_logging  # noqa: F401 - the fixture

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
ENGINE = Engine.default(today=lambda: TODAY)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No proxy from the machine running the tests leaks into them."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield


@pytest.fixture
async def api_port() -> AsyncIterator[int]:
    """A fake Bot API on 127.0.0.1: getMe answers as a bot, anything else with MESSAGE."""

    async def handler(request: web.Request) -> web.Response:
        return ok(ME if request.path.endswith("/getMe") else MESSAGE)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


@pytest.fixture
async def socks(api_port: int) -> AsyncIterator[SocksServer]:
    async with socks_server(("127.0.0.1", api_port)) as server:
        yield server


async def send(base: str, request: AiohttpRequest) -> str | None:
    """One sendMessage; the long poll's client is the same one, as in the bot."""
    bot = Bot(TOKEN, base_url=f"{base}/bot", request=request, get_updates_request=request)
    async with bot:
        return (await bot.send_message(42, "你好")).text


async def test_socks5_resolves_the_host_name_itself(socks: SocksServer, api_port: int) -> None:
    request = AiohttpRequest(proxy=f"socks5://{socks.address}")
    assert await send(f"http://localhost:{api_port}", request) == "收到"

    assert socks.targets
    for target in socks.targets:
        assert target.kind in ("ipv4", "ipv6")
        assert target.host in ("127.0.0.1", "::1")
        assert target.port == api_port


async def test_socks5h_leaves_the_host_name_to_the_proxy(socks: SocksServer, api_port: int) -> None:
    """A name only the proxy's side can resolve: the call can only work with remote DNS."""
    request = AiohttpRequest(proxy=f"socks5h://{socks.address}")
    assert await send(f"http://api.telegram.test:{api_port}", request) == "收到"

    assert set(socks.targets) == {Target("name", "api.telegram.test", api_port, 5)}


async def test_socks4_and_socks4a(socks: SocksServer, api_port: int) -> None:
    assert (
        await send(
            f"http://localhost:{api_port}", AiohttpRequest(proxy=f"socks4://{socks.address}")
        )
        == "收到"
    )
    assert {t.kind for t in socks.targets} == {"ipv4"}
    socks.targets.clear()

    request = AiohttpRequest(proxy=f"socks4a://{socks.address}")
    assert await send(f"http://api.telegram.test:{api_port}", request) == "收到"
    assert set(socks.targets) == {Target("name", "api.telegram.test", api_port, 4)}


async def test_all_proxy_is_used_when_no_scheme_proxy_is_set(
    socks: SocksServer, api_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5h://{socks.address}")
    assert await send(f"http://api.telegram.test:{api_port}", AiohttpRequest()) == "收到"

    assert {t.host for t in socks.targets} == {"api.telegram.test"}


async def test_a_socks_proxy_in_https_proxy_speaks_socks(
    socks: SocksServer, api_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variable named by the URL's scheme (HTTP_PROXY here, the fake API being plain
    http) carries a SOCKS URL the way curl takes it: no HTTP CONNECT to the SOCKS port."""
    monkeypatch.setenv("HTTP_PROXY", f"socks5h://{socks.address}")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")  # unused: HTTP_PROXY wins
    assert await send(f"http://api.telegram.test:{api_port}", AiohttpRequest()) == "收到"

    assert {t.host for t in socks.targets} == {"api.telegram.test"}


async def test_no_proxy_hosts_are_reached_directly(
    socks: SocksServer, api_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5://{socks.address}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert await send(f"http://127.0.0.1:{api_port}", AiohttpRequest()) == "收到"

    assert socks.targets == []


async def test_the_given_proxy_wins_over_the_environment(
    socks: SocksServer, api_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As PTB's HTTPXRequest(proxy=...): TELEGRAM_PROXY is what the bot uses."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    request = AiohttpRequest(proxy=f"socks5h://{socks.address}")
    assert await send(f"http://api.telegram.test:{api_port}", request) == "收到"

    assert {t.host for t in socks.targets} == {"api.telegram.test"}


async def test_user_and_password_in_the_url(api_port: int) -> None:
    async with socks_server(("127.0.0.1", api_port), "greenlist", "s@cret:1") as socks:
        request = AiohttpRequest(proxy=f"socks5h://greenlist:s%40cret%3A1@{socks.address}")
        assert await send(f"http://api.telegram.test:{api_port}", request) == "收到"

    assert set(socks.logins) == {("greenlist", "s@cret:1")}
    assert {t.host for t in socks.targets} == {"api.telegram.test"}


async def test_a_wrong_password_is_a_network_error_without_the_password(
    api_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with socks_server(("127.0.0.1", api_port), "greenlist", "right") as socks:
        request = AiohttpRequest(proxy=f"socks5h://greenlist:wrong-one@{socks.address}")
        with pytest.raises(NetworkError) as raised:
            await send(f"http://api.telegram.test:{api_port}", request)

    message = raised.value.message
    assert f"The proxy socks5h://greenlist:***@{socks.address} refused the call" in message
    assert "wrong-one" not in message
    assert "wrong-one" not in caplog.text
    assert f"socks5h://greenlist:***@{socks.address}" in caplog.text


async def test_a_refused_proxy_is_a_clear_network_error() -> None:
    request = AiohttpRequest(proxy="socks5://bot:secret@127.0.0.1:9")
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post("http://api.telegram.test/bot123:x/getMe")
    finally:
        await request.shutdown()

    message = raised.value.message
    assert message.startswith("Cannot connect to the proxy socks5://bot:***@127.0.0.1:9: ")
    assert "secret" not in message


async def test_a_refused_http_proxy_is_a_clear_network_error() -> None:
    request = AiohttpRequest(proxy="http://bot:secret@127.0.0.1:9")
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post("http://api.telegram.test/bot123:x/getMe")
    finally:
        await request.shutdown()

    assert raised.value.message.startswith("Cannot connect to the proxy http://bot:***@127.0.0.1:9")
    assert "secret" not in raised.value.message


async def test_a_mistyped_proxy_variable_says_which_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks6://127.0.0.1:1080")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"ALL_PROXY: the proxy scheme socks6:// is not"):
            await request.post("https://api.telegram.org/bot123:x/getMe")
    finally:
        await request.shutdown()


def test_the_environment_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY, then ALL_PROXY; NO_PROXY exempts a host from both."""
    url = "https://api.telegram.org/bot1:x/getMe"
    monkeypatch.setenv("ALL_PROXY", "socks5h://all.example:1080")
    assert str(proxy_from_environment(url)) == "Proxy(socks5h://all.example:1080)"
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@https.example:3128")
    assert str(proxy_from_environment(url)) == "Proxy(http://user:***@https.example:3128)"
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert proxy_from_environment(url) is None


def test_proxy_urls_as_operators_write_them() -> None:
    plain = parse_proxy("127.0.0.1:3128", "HTTPS_PROXY")
    assert (plain.scheme, plain.host, plain.port, plain.socks_type) == (
        "http",
        "127.0.0.1",
        3128,
        None,
    )
    socks = parse_proxy("SOCKS5H://u%3Ax:p%40ss@proxy.example", "TELEGRAM_PROXY")
    assert (socks.host, socks.port, socks.username, socks.password) == (
        "proxy.example",
        1080,
        "u:x",
        "p@ss",
    )
    assert socks.remote_dns is True
    assert socks.redacted == "socks5h://u%3Ax:***@proxy.example:1080"
    assert "p@ss" not in repr(socks)
    with pytest.raises(
        ValueError, match=r"TELEGRAM_PROXY: the proxy scheme ftp:// is not supported"
    ):
        parse_proxy("ftp://proxy.example:21", "TELEGRAM_PROXY")
    with pytest.raises(ValueError, match=r"TELEGRAM_PROXY: \*\*\*@:99999 is not a proxy URL"):
        parse_proxy("socks5://u:secret@:99999", "TELEGRAM_PROXY")


def test_telegram_proxy_with_an_unknown_scheme_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_PROXY", "socks6://127.0.0.1:1080")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "Invalid configuration: TELEGRAM_PROXY: the proxy scheme socks6:// is not supported "
        "(use http://, https://, socks4://, socks4a://, socks5://, socks5h://)"
    )
    monkeypatch.setenv("TELEGRAM_PROXY", "socks5://user:secret@127.0.0.1:99999")
    with pytest.raises(ConfigError, match=r"TELEGRAM_PROXY: the proxy's port must be a number"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_PROXY", "socks5h://:1080")
    with pytest.raises(ConfigError, match=r"TELEGRAM_PROXY: names no proxy host"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_PROXY", " socks5h://127.0.0.1:1080 ")
    assert load_settings().telegram_proxy == "socks5h://127.0.0.1:1080"


async def test_the_bot_reaches_telegram_through_telegram_proxy(
    telegram: FakeTelegram, bot_settings: Settings
) -> None:
    """The real bot, long poll included, with TELEGRAM_PROXY set and a user and password."""
    port = urlsplit(telegram.base_url).port
    assert port is not None
    async with socks_server(("127.0.0.1", port), "greenlist", "pass word") as socks:
        proxy = f"socks5h://greenlist:pass%20word@{socks.address}"
        settings = bot_settings.model_copy(update={"telegram_proxy": proxy})
        app = build_application(settings, make_services(settings))
        async with running_application(app):
            screen = await TelegramSupplier(telegram.user(5101), ENGINE).start()
            shows(screen, "第 1/8 部分 · 企业信息", "企业名称是什么？请填写营业执照上的全称。")

    assert set(socks.targets) == {Target("ipv4", "127.0.0.1", port, 5)}
    assert len(socks.targets) >= 2  # the long poll and the replies alike
    assert set(socks.logins) == {("greenlist", "pass word")}


@pytest.mark.usefixtures("restore_logging")
def test_the_proxy_password_is_masked_in_every_log_line() -> None:
    """Whatever a library logs about the proxy (a URL in an error, say), the password in
    TELEGRAM_PROXY is one of the secrets the log handler masks."""
    settings = load_settings(telegram_proxy="socks5h://bot:p%40ss-9@127.0.0.1:1080")
    assert "p@ss-9" in secrets_of(settings)
    stream = io.StringIO()
    configure_logging(settings, stream=stream, log_format="text")
    logging.getLogger("python_socks").warning("login as bot with p@ss-9 refused")

    assert "p@ss-9" not in stream.getvalue()
    assert "login as bot with [REDACTED] refused" in stream.getvalue()


async def test_an_http_proxy_gets_the_user_and_password_from_the_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP proxies as before (aiohttp itself), now with credentials from the URL."""
    seen: list[tuple[str, str | None]] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append((str(request.url), request.headers.get("Proxy-Authorization")))
        return ok(ME if request.path.endswith("/getMe") else MESSAGE)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://bot:s%40fe@127.0.0.1:{port}")
        assert await send("http://api.telegram.test", AiohttpRequest()) == "收到"
    finally:
        await runner.cleanup()

    credentials = "Basic " + base64.b64encode(b"bot:s@fe").decode()
    assert seen == [
        (f"http://api.telegram.test/bot{TOKEN}/getMe", credentials),
        (f"http://api.telegram.test/bot{TOKEN}/sendMessage", credentials),
    ]

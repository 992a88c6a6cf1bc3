"""The HTTP client the bot talks to the Bot API with: aiohttp instead of PTB's httpx.

Every supplier input costs one to three Bot API calls (the callback answer, the reply,
the share of getUpdates), and under load the client's own work per call was a quarter of
the bot's CPU time. With aiohttp, which parses HTTP in C, the same calls cost well under
half (bench/README.md has the figures); it is also what aiogram, the other large Python
bot framework, talks to Telegram with.

Behaviour matches PTB's HTTPXRequest where the bot can see it: the same default timeouts,
PTB's `TimedOut` and `NetworkError` for failures, the pool size it is given, files sent as
multipart/form-data. Calls without files go as one JSON body, which the Bot API accepts
for every method.

Proxies: PTB's builder refuses `.proxy()` next to a custom `.request()`, so the proxy comes
in as this class's own `proxy` argument (the bot passes TELEGRAM_PROXY), as HTTPXRequest
takes it; without one, the environment decides as curl and httpx do (bot/telegram/proxy.py).
HTTP(S) proxies go through aiohttp itself, SOCKS ones through aiohttp-socks, each on its own
connection pool.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import aiohttp
import aiohttp_socks
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.telegram.proxy import Proxy, parse_proxy, proxy_from_environment

log = logging.getLogger(__name__)

JSON = "application/json"


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp session with a bounded pool."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_routes",
        "_session",
        "_socks_sessions",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        """`proxy`, when given, carries every call (as HTTPXRequest's `proxy` does) and the
        environment is not read; a URL the bot cannot use is a ValueError here, at start."""
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = parse_proxy(proxy, "TELEGRAM_PROXY") if proxy else None
        self._session: aiohttp.ClientSession | None = None
        self._socks_sessions: dict[Proxy, aiohttp.ClientSession] = {}
        self._routes: dict[str, Proxy | None] = {}

    @property
    def proxy(self) -> Proxy | None:
        """The proxy given to this client, if any (the environment's are found per host)."""
        return self._proxy

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = self._new_session(connector)
            if self._proxy is not None:
                log.info("Bot API calls go through the proxy %s", self._proxy.redacted)

    def _new_session(self, connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
        )

    def _socks_session(self, proxy: Proxy, socks: aiohttp_socks.ProxyType) -> aiohttp.ClientSession:
        """A SOCKS proxy is a connector, not a per-request option: one pool per proxy."""
        session = self._socks_sessions.get(proxy)
        if session is None or session.closed:
            connector = aiohttp_socks.ProxyConnector(
                host=proxy.host,
                port=proxy.port,
                proxy_type=socks,
                username=proxy.username,
                password=proxy.password,
                rdns=proxy.remote_dns,
                limit=self._pool_size,
                limit_per_host=0,
            )
            session = self._socks_sessions[proxy] = self._new_session(connector)
        return session

    async def shutdown(self) -> None:
        """Idempotent, and safe when PTB shuts the same instance down twice at once."""
        sessions = [self._session, *self._socks_sessions.values()]
        self._session = None
        self._socks_sessions = {}
        for session in sessions:
            if session is not None and not session.closed:
                await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp has no separate write timeout: sending the body and waiting for the answer
        # are both covered by sock_read, so an upload gets the two together.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=_sum(read, write) if files else read,
        )
        body = _body(request_data)
        proxy = self._proxy_for(url)
        http_proxy = None
        if proxy is not None:
            socks = proxy.socks_type
            if socks is None:
                http_proxy = proxy.url
            else:
                session = self._socks_session(proxy, socks)
        try:
            async with session.request(
                method,
                url,
                data=body.data,
                headers=body.headers,
                timeout=timeout,
                proxy=http_proxy,
            ) as response:
                return response.status, await response.read()
        except aiohttp_socks.ProxyTimeoutError as exc:
            raise TimedOut(f"No answer from the proxy {_named(proxy)}: {exc}") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError) as exc:
            raise TimedOut from exc
        except (aiohttp_socks.ProxyConnectionError, aiohttp.ClientProxyConnectionError) as exc:
            raise NetworkError(
                _scrubbed(f"Cannot connect to the proxy {_named(proxy)}: {exc}", proxy)
            ) from exc
        except aiohttp_socks.ProxyError as exc:
            raise NetworkError(
                _scrubbed(f"The proxy {_named(proxy)} refused the call: {exc}", proxy)
            ) from exc
        except aiohttp.ClientError as exc:
            message = f"aiohttp.{exc.__class__.__name__}: {exc}"
            raise NetworkError(_scrubbed(message, proxy)) from exc

    def _proxy_for(self, url: str) -> Proxy | None:
        """The given proxy, or the environment's as curl and httpx read it: where Telegram
        is only reachable through a proxy, setting the variable is all it takes. Read once
        per host, since aiohttp's own per-request lookup (trust_env) costs more than the
        request itself."""
        if self._proxy is not None:
            return self._proxy
        key = "/".join(url.split("/", 3)[:3])
        if key not in self._routes:
            try:
                found = proxy_from_environment(url)
            except ValueError as exc:  # a mistyped variable: say which, at every call
                raise NetworkError(str(exc)) from None
            self._routes[key] = found
            if found is not None:
                log.info("Bot API calls to %s go through the proxy %s", key, found.redacted)
        return self._routes[key]


def _named(proxy: Proxy | None) -> str:
    return proxy.redacted if proxy is not None else "(none)"


def _scrubbed(message: str, proxy: Proxy | None) -> str:
    """An error message fit for a log: the proxy's password, should a library quote the
    URL, is masked."""
    if proxy is not None and proxy.password:
        return message.replace(proxy.password, "***")
    return message


@dataclass(frozen=True)
class _Body:
    """What a Bot API call sends: nothing, a JSON document, or a multipart form."""

    data: bytes | aiohttp.FormData | None = None
    headers: dict[str, str] | None = None


def _body(request_data: RequestData | None) -> _Body:
    if request_data is None:
        return _Body()
    if not request_data.contains_files:
        payload = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        return _Body(payload, {"Content-Type": JSON})
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content = part[0], part[1]
        content_type = part[2] if len(part) > 2 else None  # type: ignore[misc]
        form.add_field(name, content, filename=filename, content_type=content_type)
    return _Body(form)


def _given(value: float | object | None, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE when the caller did not choose; then ours applies."""
    if isinstance(value, type(BaseRequest.DEFAULT_NONE)):
        return default
    return value  # type: ignore[return-value]


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b

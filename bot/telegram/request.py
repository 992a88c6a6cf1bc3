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
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = "application/json"


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp session with a bounded pool."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
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
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            )

    async def shutdown(self) -> None:
        """Idempotent, and safe when PTB shuts the same instance down twice at once."""
        session, self._session = self._session, None
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
        try:
            async with session.request(
                method,
                url,
                data=body.data,
                headers=body.headers,
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc

    def _proxy_for(self, url: str) -> str | None:
        """HTTPS_PROXY / NO_PROXY, as httpx honours them: where Telegram is only reachable
        through a proxy, setting the variable is all it takes. Read once per host, since
        aiohttp's own per-request lookup (trust_env) costs more than the request itself."""
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        if key not in self._proxies:
            self._proxies[key] = proxy_from_environment(url)
        return self._proxies[key]


def proxy_from_environment(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


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

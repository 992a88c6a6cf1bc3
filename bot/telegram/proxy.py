"""Which proxy a Bot API call goes through, read the way operators write it.

Many deployments (mainland China among them) reach Telegram only through a proxy, most
often SOCKS5. The URL comes from TELEGRAM_PROXY or, without it, from the environment as
curl and httpx read it: HTTPS_PROXY (HTTP_PROXY for plain-http servers), then ALL_PROXY,
with NO_PROXY naming the hosts reached directly. Schemes: http, https, socks4, socks4a,
socks5 (the bot resolves the host name) and socks5h (the proxy resolves it, for networks
whose DNS answers for Telegram cannot be trusted). Credentials ride in the URL
(`socks5://user:pass@host:1080`) and never reach a log: `Proxy.redacted` masks them.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from python_socks import ProxyType

#: scheme -> (SOCKS version or None for an HTTP proxy, host names resolved by the proxy)
_SCHEMES: dict[str, tuple[ProxyType | None, bool | None]] = {
    "http": (None, None),
    "https": (None, None),
    "socks4": (ProxyType.SOCKS4, False),
    "socks4a": (ProxyType.SOCKS4, True),
    "socks5": (ProxyType.SOCKS5, False),
    "socks5h": (ProxyType.SOCKS5, True),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SOCKS_PORT = 1080  # curl's default, and every SOCKS server's


@dataclass(frozen=True)
class Proxy:
    """One proxy URL, taken apart; hashable, so each proxy gets one connection pool."""

    url: str
    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def socks_type(self) -> ProxyType | None:
        """The SOCKS version, or None for an HTTP(S) proxy (which aiohttp speaks itself)."""
        return _SCHEMES[self.scheme][0]

    @property
    def remote_dns(self) -> bool | None:
        """Whether the proxy, not the bot, resolves the Bot API's host name."""
        return _SCHEMES[self.scheme][1]

    @property
    def redacted(self) -> str:
        """The URL with the password masked, fit for a log or a terminal."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = ""
        if self.username is not None:
            name = quote(self.username, safe="")
            user = f"{name}:***@" if self.password else f"{name}@"
        return f"{self.scheme}://{user}{host}:{self.port}"

    def __repr__(self) -> str:
        return f"Proxy({self.redacted})"


def parse_proxy(url: str, source: str) -> Proxy:
    """The proxy `url` names; `source` (the setting it came from) goes into the error."""
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"  # "host:port" is an HTTP proxy, as curl reads it
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{source}: {_masked(url)} is not a proxy URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
        raise ValueError(f"{source}: the proxy scheme {scheme}:// is not supported (use {known})")
    if not parts.hostname:
        raise ValueError(f"{source}: {_masked(url)} names no proxy host")
    if port is None:
        port = _DEFAULT_PORTS.get(scheme, _SOCKS_PORT)
    return Proxy(
        url=text,
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def proxy_from_environment(url: str) -> Proxy | None:
    """The proxy the environment names for `url`: NO_PROXY first, then HTTPS_PROXY (or
    HTTP_PROXY for an http URL), then ALL_PROXY; lower-case names too, as curl reads them."""
    found = proxy_and_source(None, url)
    return found[0] if found else None


def proxy_and_source(given: str | None, url: str) -> tuple[Proxy, str] | None:
    """The proxy a call to `url` goes through and the setting that named it: `given`
    (TELEGRAM_PROXY) wins, as HTTPXRequest's `proxy` does; else the environment's."""
    if given:
        return parse_proxy(given, "TELEGRAM_PROXY"), "TELEGRAM_PROXY"
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    for key in (parts.scheme, "all"):
        value = proxies.get(key)
        if value:
            source = f"{key.upper()}_PROXY"
            return parse_proxy(value, source), source
    return None


def _masked(url: str) -> str:
    """A URL that failed to parse, shown without what could be a password."""
    _head, at, tail = url.rpartition("@")
    return f"***@{tail}" if at else url


__all__ = ["Proxy", "parse_proxy", "proxy_and_source", "proxy_from_environment"]

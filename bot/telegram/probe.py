"""Can this bot reach Telegram, and what does Telegram know about it?

`greenlist doctor` asks; the answers are plain data and sentences an operator can act on.
Every network step is bounded by a time limit and no failure escapes as an exception: the
finding is the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.settings import Settings
from bot.telegram.proxy import proxy_and_source
from bot.telegram.request import AiohttpRequest

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


@dataclass(frozen=True)
class Identity:
    """Who the token belongs to (getMe)."""

    username: str
    id: int


@dataclass(frozen=True)
class WebhookState:
    """The webhook registration as Telegram reports it (getWebhookInfo)."""

    url: str
    pending_update_count: int
    last_error_date: datetime | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class Probe:
    """What the probe found; a step that failed has its reason instead of its answer."""

    identity: Identity | None = None
    token_error: str | None = None
    webhook: WebhookState | None = None
    webhook_error: str | None = None
    #: The whole probe ran out of time before the token was checked.
    timed_out: bool = False


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def proxy_route(settings: Settings) -> str:
    """How the bot reaches the Bot API: "direct", or the proxy (password masked) and the
    setting that names it. A proxy URL the bot cannot use is a ValueError saying which."""
    found = proxy_and_source(
        settings.telegram_proxy, settings.telegram_api_base_url or TELEGRAM_API
    )
    if found is None:
        return "direct"
    proxy, source = found
    return f"through the proxy {proxy.redacted} ({source})"


def _bot(settings: Settings, time_limit: float) -> Bot:
    """The bot's own client and proxy, so the probe goes the way the bot's calls go."""
    request = AiohttpRequest(
        4,
        connect_timeout=time_limit,
        read_timeout=time_limit,
        write_timeout=time_limit,
        pool_timeout=time_limit,
        proxy=settings.telegram_proxy,
    )
    return Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url or TELEGRAM_API,
        base_file_url=settings.file_url() or TELEGRAM_FILES,
        request=request,
        get_updates_request=request,
    )


def failure(exc: BaseException, where: str, time_limit: float) -> str:
    """Why a call to Telegram failed, in words that say what to fix."""
    if isinstance(exc, InvalidToken):
        return (
            "Telegram refused the token: check TELEGRAM_BOT_TOKEN (mistyped, or revoked "
            "with @BotFather)"
        )
    if isinstance(exc, TimedOut | TimeoutError):
        return f"no answer from {where} within {time_limit:g} s"
    if isinstance(exc, NetworkError):
        return f"cannot reach {where}: {exc.message}"
    if isinstance(exc, TelegramError):
        return f"{where} answered: {exc.message}"
    return f"{where}: {_one_line(exc)}"


async def probe_telegram(settings: Settings, time_limit: float) -> Probe:
    """The token (getMe), then the webhook registration (getWebhookInfo)."""
    where = settings.telegram_api_base_url or "api.telegram.org"
    bot = _bot(settings, time_limit)
    try:
        async with asyncio.timeout(time_limit * 2 + 1):
            try:
                await bot.initialize()
                me = bot.bot
            except Exception as exc:  # the finding is the answer, never a traceback
                return Probe(token_error=failure(exc, where, time_limit))
            identity = Identity(username=me.username or "", id=me.id)
            try:
                info = await bot.get_webhook_info()
            except Exception as exc:
                return Probe(identity, webhook_error=failure(exc, where, time_limit))
            state = WebhookState(
                url=info.url,
                pending_update_count=info.pending_update_count,
                last_error_date=info.last_error_date,
                last_error_message=info.last_error_message,
            )
            return Probe(identity, webhook=state)
    except TimeoutError:
        return Probe(token_error=failure(TimeoutError(), where, time_limit), timed_out=True)
    finally:
        # Closing a half-open client must not hide the findings.
        with contextlib.suppress(Exception):
            await bot.shutdown()


__all__ = ["Identity", "Probe", "WebhookState", "failure", "probe_telegram", "proxy_route"]

"""Files from Telegram by file id, outside a running bot (`greenlist evidence backfill`).

A file id is only valid for the bot token that received the file, so this uses the
configured token and Bot API server, like the bot itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.settings import Settings
from bot.telegram.probe import TELEGRAM_API, TELEGRAM_FILES

Download = Callable[[str], Awaitable[bytes]]


class DownloadFailed(Exception):
    """Telegram did not hand the file over (unknown id, another token's id, too big)."""


@asynccontextmanager
async def telegram_downloads(
    settings: Settings, time_limit: float = 60.0
) -> AsyncIterator[Download]:
    bot = Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url or TELEGRAM_API,
        base_file_url=settings.file_url() or TELEGRAM_FILES,
        request=HTTPXRequest(read_timeout=time_limit, write_timeout=time_limit),
    )

    async def download(file_id: str) -> bytes:
        try:
            found = await bot.get_file(file_id)
            return bytes(await found.download_as_bytearray())
        except TelegramError as exc:
            raise DownloadFailed(str(exc)) from exc

    async with bot:
        yield download

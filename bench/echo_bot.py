"""The floor for bench_bot.py: an echo bot built like the bot, without the bot's work.

The fair floor (the default) differs from `greenlist run` only in what a handler does: it
reads the same settings (bot/settings.py: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
TELEGRAM_API_FILE_URL, TELEGRAM_RATE_LIMIT), talks to the Bot API through the bot's own
client (AiohttpRequest, one pool of the same size for the long poll and every call), runs on
the loop `greenlist run` picks (uvloop where installed), freezes its start-up heap out of
the garbage collector's way as `greenlist run` does, and has the same PTB settings:
Defaults(parse_mode=HTML, tzinfo=the local zone), the PerPersonUpdateProcessor and the rate
limiter exactly when the bot has it. One handler sends each text back to its chat.

ECHO_FLOOR=old gives the floor earlier figures were measured against, kept only to compare
with them: PTB's own HTTP client (httpx) on the default asyncio loop, no defaults, no rate
limiter. A bare PTB bot with that client collapses at 100 users (p99 of 1-2 s), so ratios
against it flattered the bot.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \\
        .venv/bin/python bench/echo_bot.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import Settings  # noqa: E402
from bot.telegram.app import bot_api_builder  # noqa: E402
from bot.telegram.runner import new_event_loop, settle_startup_heap  # noqa: E402
from bot.telegram.updates import PerPersonUpdateProcessor  # noqa: E402

FLOORS = ("fair", "old")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is not None and message is not None and message.text:
        await chat.send_message(message.text)


def build(settings: Settings, floor: str = "fair") -> Application:  # type: ignore[type-arg]
    """The echo application: the bot's own Bot API builder for "fair", bare PTB for "old"."""
    if floor == "fair":
        builder = bot_api_builder(settings)
    else:
        builder = ApplicationBuilder().token(settings.token())
        builder = builder.concurrent_updates(PerPersonUpdateProcessor())
        if settings.telegram_api_base_url:
            builder = builder.base_url(settings.telegram_api_base_url)
            file_url = settings.file_url()
            if file_url:
                builder = builder.base_file_url(file_url)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def main() -> int:
    floor = os.environ.get("ECHO_FLOOR", "fair")
    if floor not in FLOORS:
        print(f"ECHO_FLOOR must be one of {', '.join(FLOORS)}, not {floor!r}", file=sys.stderr)
        return 2
    settings = Settings()
    if not settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is not set: the echo bot needs a token.", file=sys.stderr)
        return 2
    application = build(settings, floor)
    if floor == "fair":
        settle_startup_heap()  # as `greenlist run` does
    # The bot's loop for the fair floor; the old floor ran on asyncio's default one.
    loop = new_event_loop() if floor == "fair" else asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    finally:
        loop.run_until_complete(application.bot.request.shutdown())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

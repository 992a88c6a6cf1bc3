"""The floor for bench_bot.py: a bare python-telegram-bot echo bot.

Nothing but PTB: no database, no rate limiter, no defaults, one handler that sends each
text back to its chat. It processes updates with the bot's own PerPersonUpdateProcessor
(different people concurrently, each person in order), so the two bots differ only in
what a handler does and in the HTTP client: PTB's own (httpx), unless ECHO_HTTP=aiohttp
gives it the bot's client as well. Reads the same variables as `greenlist run`:
TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, TELEGRAM_API_FILE_URL.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \\
        .venv/bin/python bench/echo_bot.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.telegram.request import AiohttpRequest  # noqa: E402
from bot.telegram.updates import PerPersonUpdateProcessor  # noqa: E402


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is not None and message is not None and message.text:
        await chat.send_message(message.text)


def build(  # type: ignore[type-arg]
    token: str, base_url: str | None, file_url: str | None, http: str = "ptb"
) -> Application:
    builder = ApplicationBuilder().token(token).concurrent_updates(PerPersonUpdateProcessor())
    if http == "aiohttp":
        client = AiohttpRequest()
        builder = builder.request(client).get_updates_request(client)
    if base_url:
        builder = builder.base_url(base_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def main() -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print("TELEGRAM_BOT_TOKEN is not set: the echo bot needs a token.", file=sys.stderr)
        return 2
    application = build(
        token,
        os.environ.get("TELEGRAM_API_BASE_URL") or None,
        os.environ.get("TELEGRAM_API_FILE_URL") or None,
        os.environ.get("ECHO_HTTP", "ptb"),
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())

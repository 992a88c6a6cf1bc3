"""Start the bot the way an operator expects: schema ready, logs on, updates flowing.

Long polling is the default: it needs nothing but the token. With `greenlist run
--webhook`, or whenever WEBHOOK_URL is set, Telegram posts updates to a small HTTP server
inside the bot instead, which listens on WEBHOOK_LISTEN:WEBHOOK_PORT behind a reverse
proxy that terminates TLS; requests without the WEBHOOK_SECRET header are refused (403).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.logging_setup import configure_logging
from bot.services.bootstrap import prepare_database
from bot.settings import ConfigError, Settings

log = logging.getLogger(__name__)

__all__ = [
    "configure_logging",
    "prepare_database",
    "run_bot",
    "settle_startup_heap",
    "uses_webhook",
    "webhook_options",
]


def uses_webhook(settings: Settings, webhook: bool | None = None) -> bool:
    """`--webhook` asks for webhook mode; without the flag, WEBHOOK_URL decides."""
    if webhook is None:
        return settings.webhook_url is not None
    return webhook


def webhook_options(settings: Settings) -> dict[str, Any]:
    """The arguments for PTB's `run_webhook` / `Updater.start_webhook`, checked.

    Raises ConfigError, one sentence naming the variable, when webhook mode cannot start.
    """
    if settings.webhook_url is None:
        raise ConfigError(
            "WEBHOOK_URL is not set: webhook mode needs the public https URL Telegram posts "
            "to, e.g. WEBHOOK_URL=https://bot.example.com/telegram (or run without --webhook "
            "to use long polling)."
        )
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.effective_webhook_path(),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret_token(),
        "allowed_updates": Update.ALL_TYPES,
    }


class OrderlyStopFilter(logging.Filter):
    """Tell PTB's "Updater stopped unexpectedly" for what it is during a stop: routine.

    When a stop (SIGTERM from systemd or Docker) lands while a long poll is returning
    updates, PTB logs that line as CRITICAL. Nothing is lost: those updates were not
    confirmed to Telegram and come again on the next start. An operator paged for every
    deploy learns to ignore CRITICAL, so the record is lowered to INFO and says so.
    """

    MARK = "Updater stopped unexpectedly"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.CRITICAL and str(record.msg).startswith(self.MARK):
            record.levelno = logging.INFO
            record.levelname = logging.getLevelName(logging.INFO)
            record.msg = (
                "stopping: updates fetched during the stop were not confirmed and will be "
                "fetched again on the next start"
            )
            record.args = None
        return True


def quiet_orderly_stop() -> None:
    """Install `OrderlyStopFilter` on PTB's updater logger (once)."""
    updater_log = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, OrderlyStopFilter) for f in updater_log.filters):
        updater_log.addFilter(OrderlyStopFilter())


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (Linux, macOS): the event loop's own work, socket
    writes and wake-ups for every Bot API call and database statement, was a fifth of the
    bot's CPU time per update, and uvloop does it in C."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class StartupTracebacks(logging.Filter):
    """Keeps python-telegram-bot's tracebacks of a failed start off the screen.

    When Telegram cannot be reached or refuses the token, PTB logs every attempt with its
    whole chain of exceptions (about a hundred lines); the runner then says in one
    sentence what went wrong and what to check. Those records are dropped unless
    `greenlist run --verbose` asks for them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # PTB names its start-up attempts "Bootstrap ..."; errors once running still show.
        return "(Bootstrap" not in record.getMessage()


def settle_startup_heap() -> None:
    """Keep the objects built at start-up out of every later garbage collection.

    The rulesets, catalogues, question bank and libraries loaded at start are about
    185,000 tracked objects that live as long as the process. Each full collection walks
    all of them on the event loop's thread, which held every chat for about 50 ms; frozen
    (CPython's permanent generation), a full collection walks only what the running bot
    allocated since.
    """
    gc.collect()
    gc.freeze()


def run_bot(settings: Settings, *, webhook: bool | None = None, verbose: bool = False) -> int:
    from bot.telegram.app import build_application

    settings.token()  # fail with one sentence before anything else starts
    options = webhook_options(settings) if uses_webhook(settings, webhook) else None
    configure_logging(settings)
    quiet = StartupTracebacks()
    if not verbose:
        logging.getLogger("telegram.ext").addFilter(quiet)
    quiet_orderly_stop()
    prepare_database(settings)
    application = build_application(settings)
    settle_startup_heap()
    loop = new_event_loop()  # PTB runs on the current loop; we close it
    asyncio.set_event_loop(loop)
    try:
        if options is None:
            log.info("receiving updates by long polling")
            application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
        else:
            log.info(
                "receiving updates by webhook at %s on %s:%s/%s",
                options["webhook_url"],
                options["listen"],
                options["port"],
                options["url_path"],
            )
            application.run_webhook(**options, close_loop=False)
    except InvalidToken:
        raise ConfigError(
            "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (/token)."
        ) from None
    except NetworkError as exc:
        where = settings.telegram_api_base_url or "api.telegram.org"
        raise ConfigError(
            f"cannot reach Telegram at {where} ({exc.message}); check the network or "
            "TELEGRAM_API_BASE_URL, then start again."
        ) from None
    finally:
        logging.getLogger("telegram.ext").removeFilter(quiet)
        # PTB shuts the bot's HTTP client down only once the bot has started; after a
        # failed start it is still open, and would complain about it at exit.
        loop.run_until_complete(application.bot.request.shutdown())
        loop.close()
        gc.unfreeze()  # the process may go on (tests, an embedding program)
    return 0

"""Run a real PTB Application against the fake server for the length of a test."""

from __future__ import annotations

import socket
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ContextTypes

_WEBHOOK_PATH = "telegram-webhook"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    webhook: bool = False,
    secret_token: str | None = None,
    poll_timeout: int = 1,
    drop_pending_updates: bool = False,
    raise_handler_errors: bool = True,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run the application as ``run_polling``/``run_webhook`` would, inside the event loop.

    The order matches PTB's own runner: initialize, post_init, start receiving updates
    (polling, or a webhook on 127.0.0.1), start; on exit the reverse, with post_stop and
    post_shutdown.

    Exceptions raised by the bot's handlers are collected; unless ``raise_handler_errors``
    is false, leaving the block fails with them, so a handler crash cannot hide behind a
    test that only checks the happy path.
    """
    updater = app.updater
    if updater is None:
        raise ValueError("the application has no updater, so it cannot receive updates")
    handler_errors: list[BaseException] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            handler_errors.append(context.error)

    app.add_error_handler(collect)
    try:
        try:
            await app.initialize()
        except BaseException:
            # Application.shutdown() is a no-op when initialize() failed (say, on a rejected
            # token), yet the bot's HTTP clients are already open: close them here.
            await app.bot.shutdown()
            raise
        try:
            if app.post_init is not None:
                await app.post_init(app)
            try:
                if webhook:
                    port = _free_port()
                    await updater.start_webhook(
                        listen="127.0.0.1",
                        port=port,
                        url_path=_WEBHOOK_PATH,
                        webhook_url=f"http://127.0.0.1:{port}/{_WEBHOOK_PATH}",
                        secret_token=secret_token,
                        drop_pending_updates=drop_pending_updates,
                    )
                else:
                    await updater.start_polling(
                        poll_interval=0.0,
                        timeout=poll_timeout,
                        drop_pending_updates=drop_pending_updates,
                    )
                await app.start()
                yield app
            finally:
                if updater.running:
                    await updater.stop()
                if app.running:
                    await app.stop()
                    if app.post_stop is not None:
                        await app.post_stop(app)
        finally:
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    finally:
        app.remove_error_handler(collect)
    if handler_errors and raise_handler_errors:
        details = "\n".join("".join(traceback.format_exception(error)) for error in handler_errors)
        raise AssertionError(
            f"the bot's handlers raised {len(handler_errors)} exception(s):\n{details}"
        )

"""Every log line written while an update is handled names that update and its sender."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, TypeHandler

from bot.logging_setup import bind_update

# Runs before every handler group the bot defines (they use group 0 and up).
UPDATE_CONTEXT_GROUP = -100

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def _bind_incoming(update: object, _context: CallbackContext[Any, Any, Any, Any]) -> None:
    bind_update(update)


def install_update_context(application: AnyApplication) -> None:
    """Bind each incoming update's ids before any handler runs, so every line has them.

    A handler in a group of its own never stops the update from reaching the others.
    """
    application.add_handler(TypeHandler(Update, _bind_incoming), group=UPDATE_CONTEXT_GROUP)


__all__ = ["UPDATE_CONTEXT_GROUP", "install_update_context"]

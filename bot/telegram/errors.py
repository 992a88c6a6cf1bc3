"""The one error handler: log with context, keep the supplier's answers, say sorry briefly."""

from __future__ import annotations

import logging

from telegram import Update

from bot.services.outcome import DatabaseUnavailable
from bot.telegram.context import CustomContext
from storage.errors import is_database_outage

log = logging.getLogger(__name__)


async def handle_error(update: object, context: CustomContext) -> None:
    """Every failed update ends here; nothing was committed for it, so answers stay intact."""
    error = context.error
    if isinstance(update, Update):
        user = update.effective_user
        log.error(
            "update %s from user %s failed: %r",
            update.update_id,
            user.id if user else None,
            error,
            exc_info=error,
        )
    else:
        log.error("error outside an update: %r", error, exc_info=error)
        return
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services
    language = update.effective_user.language_code if update.effective_user else None
    lang = "en" if (language or "").startswith("en") else svc.settings.default_language
    key = "chat.error_apology"
    if isinstance(error, DatabaseUnavailable):
        key = "chat.unavailable_unknown" if error.saved is None else "chat.unavailable_not_saved"
    elif is_database_outage(error):
        key = "chat.unavailable"
    try:
        await chat.send_message(svc.catalogue.text(key, lang), parse_mode=None)
    except Exception:  # the apology itself must never raise into PTB's loop
        log.warning("could not send the apology to chat %s", chat.id, exc_info=True)

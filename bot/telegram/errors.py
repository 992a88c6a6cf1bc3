"""The one error handler: log with context, keep the supplier's answers, say sorry briefly."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.context import services

log = logging.getLogger(__name__)


#: SQLSTATE classes of a server that cannot serve now: connection exception (08),
#: insufficient resources (53), operator intervention such as a shutdown (57), and a
#: database that is not accepting connections (55000).
_OUTAGE_STATES = ("08", "53", "57", "55000")


def _is_database_outage(error: BaseException | None) -> bool:
    """Whether the database, not the update, is at fault: then the answer is safe to repeat."""
    while error is not None:
        if isinstance(error, OperationalError | ConnectionError | OSError | TimeoutError):
            return True
        if isinstance(error, DBAPIError):
            if error.connection_invalidated:
                return True
            state = str(getattr(error.orig, "sqlstate", "") or "")
            if state.startswith(_OUTAGE_STATES):
                return True
        state = str(getattr(error, "sqlstate", "") or "")
        if state.startswith(_OUTAGE_STATES):
            return True
        error = error.__cause__ or error.__context__
    return False


async def handle_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
    svc = services(context)
    language = update.effective_user.language_code if update.effective_user else None
    lang = "en" if (language or "").startswith("en") else svc.settings.default_language
    key = "chat.unavailable" if _is_database_outage(error) else "chat.error_apology"
    try:
        await chat.send_message(svc.catalogue.text(key, lang), parse_mode=None)
    except Exception:  # the apology itself must never raise into PTB's loop
        log.warning("could not send the apology to chat %s", chat.id, exc_info=True)

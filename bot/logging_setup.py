"""Logs an operator can ship and grep: one line per event, with the update behind it.

Every record carries the Telegram update id, the user id and the assessment session id
when the code handling it has said which ones it is working on (`log_context`,
`bind_update`). Nothing secret reaches the output: bot tokens and the configured
secrets are masked in messages, arguments, tracebacks and stack dumps, and httpx, whose
request lines contain the token, only speaks up for warnings.

`LOG_FORMAT=text` (the default) is for a person at a terminal; `LOG_FORMAT=json` writes
one JSON object per line for a log collector.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import IO, Any, Literal

from bot.settings import Settings
from storage.urls import url_password

REDACTED = "[REDACTED]"
# A bot token as @BotFather hands it out: the bot's numeric id, a colon, 35 URL-safe characters.
TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
CONTEXT_FIELDS = ("update_id", "user_id", "session_id")
# Libraries whose INFO/DEBUG lines carry request URLs, and so the bot token.
QUIET_LOGGERS = ("httpx", "httpcore")

_update_id: ContextVar[int | None] = ContextVar("greenlist_update_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("greenlist_user_id", default=None)
_session_id: ContextVar[int | str | None] = ContextVar("greenlist_session_id", default=None)
_VARS: dict[str, ContextVar[Any]] = {
    "update_id": _update_id,
    "user_id": _user_id,
    "session_id": _session_id,
}
_INSTALLED = "_greenlist_handler"
_REDACTED_MARK = "_greenlist_redacted"


def current_context() -> dict[str, int | str]:
    """The ids known at this point of the current task, without the unknown ones."""
    known: dict[str, int | str] = {}
    for name, var in _VARS.items():
        value = var.get()
        if value is not None:
            known[name] = value
    return known


class LogContext:
    """Ids bound for log records; in effect from creation, a `with` block restores them.

    Created by `log_context` and `bind_update`. Used bare, the binding lasts for the rest
    of the current asyncio task (each task starts from a copy of its creator's context,
    so nothing leaks into other tasks).
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self._tokens: list[tuple[ContextVar[Any], Token[Any]]] = [
            (_VARS[name], _VARS[name].set(value)) for name, value in values.items()
        ]

    def __enter__(self) -> LogContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for var, token in reversed(self._tokens):
            var.reset(token)
        self._tokens = []


def log_context(
    update_id: int | None = None,
    user_id: int | None = None,
    session_id: int | str | None = None,
) -> LogContext:
    """Attach these ids to every record logged inside `with log_context(...):`.

    Only the ids given change; the others keep what an outer binding set, so a handler can
    add the session id once it has loaded the session.
    """
    given = {"update_id": update_id, "user_id": user_id, "session_id": session_id}
    return LogContext({name: value for name, value in given.items() if value is not None})


def bind_update(update: object) -> LogContext:
    """Start an update's context: its update id and sender, and no session yet.

    PTB handles updates one after another in one task, so each call replaces the previous
    update's ids, a stale session id included. `with bind_update(update):` also works and
    restores the previous ids when the block ends.
    """
    update_id = getattr(update, "update_id", None)
    user_id = getattr(getattr(update, "effective_user", None), "id", None)
    return LogContext(
        {
            "update_id": update_id if isinstance(update_id, int) else None,
            "user_id": user_id if isinstance(user_id, int) else None,
            "session_id": None,
        }
    )


class Redactor:
    """Masks bot tokens and the configured secrets in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)


class ContextFilter(logging.Filter):
    """Copies the current update, user and session ids onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class RedactingFilter(logging.Filter):
    """Renders message, traceback and stack once, masked, before any formatter sees them."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_MARK, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not cost us the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        setattr(record, _REDACTED_MARK, True)
        return True


def _context_suffix(record: logging.LogRecord) -> str:
    pairs = [
        f"{name}={value}"
        for name in CONTEXT_FIELDS
        if (value := getattr(record, name, None)) is not None
    ]
    return f" [{' '.join(pairs)}]" if pairs else ""


class TextFormatter(logging.Formatter):
    """`2024-05-01T08:00:00.123Z INFO bot.telegram.app: message [update_id=… user_id=…]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_timestamp(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record) + _context_suffix(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the ids are top-level keys a log system can index."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def _utc_timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def secrets_of(settings: Settings) -> list[str]:
    """Every configured value that must never appear in a log line."""
    found: list[str] = []
    if settings.telegram_bot_token is not None:
        found.append(settings.telegram_bot_token.get_secret_value().strip())
    if settings.webhook_secret is not None:
        found.append(settings.webhook_secret.get_secret_value())
    for url in (settings.database_url, settings.telegram_proxy):
        password = url_password(url) if url else None
        if password:
            found.append(password)
    return [secret for secret in found if secret]


def configure_logging(
    settings: Settings,
    *,
    stream: IO[str] | None = None,
    log_format: Literal["text", "json"] | None = None,
) -> logging.Handler:
    """Route every logger through one redacting handler on stderr (or `stream`).

    Calling it again replaces the handler it installed before and leaves other handlers
    (a test's log capture, say) alone. Python warnings are logged through it as well.
    """
    chosen = log_format or settings.log_format
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(Redactor(secrets_of(settings))))
    setattr(handler, _INSTALLED, True)

    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _INSTALLED, False):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler


__all__ = [
    "REDACTED",
    "TOKEN_PATTERN",
    "ContextFilter",
    "JsonFormatter",
    "LogContext",
    "RedactingFilter",
    "Redactor",
    "TextFormatter",
    "bind_update",
    "configure_logging",
    "current_context",
    "log_context",
    "secrets_of",
]

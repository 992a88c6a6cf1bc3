"""Structured logs: the ids of the update being handled, and never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings
from collections.abc import Iterator

import pytest
from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.logging_setup import (
    REDACTED,
    bind_update,
    configure_logging,
    current_context,
    log_context,
)
from bot.settings import Settings, load_settings
from bot.telegram.log_context import install_update_context
from tests.fakebot import FakeTelegram, running_application

# Shaped like a real token: bot id, colon, 35 URL-safe characters.
REAL_LOOKING_TOKEN = "7012345678:AAHf3kPq9Zx-2LmN_oR8sT4uVwXyZ012345"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)
    logging.captureWarnings(False)


def _json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _logging_to(settings: Settings, log_format: str = "json") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(settings, stream=stream, log_format=log_format)  # type: ignore[arg-type]
    return stream


@pytest.mark.usefixtures("restore_logging")
def test_json_line_carries_the_context_ids() -> None:
    stream = _logging_to(load_settings())
    log = logging.getLogger("greenlist.test")
    with log_context(update_id=700_000_001, user_id=4242):
        log.info("answer saved")
        with log_context(session_id=17):
            log.info("session advanced")
        log.info("back outside the session")
    log.info("no update at all")
    lines = _json_lines(stream)
    assert [line["message"] for line in lines] == [
        "answer saved",
        "session advanced",
        "back outside the session",
        "no update at all",
    ]
    assert (lines[0]["update_id"], lines[0]["user_id"]) == (700_000_001, 4242)
    assert "session_id" not in lines[0]
    assert lines[1]["session_id"] == 17 and lines[1]["user_id"] == 4242
    assert "session_id" not in lines[2]
    assert not {"update_id", "user_id", "session_id"} & set(lines[3])
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "greenlist.test"
    assert str(lines[0]["time"]).endswith("Z")


@pytest.mark.usefixtures("restore_logging")
def test_text_line_is_one_line_with_key_value_ids() -> None:
    stream = _logging_to(load_settings(), "text")
    with log_context(update_id=5, user_id=6, session_id="a1"):
        logging.getLogger("bot.telegram.app").warning("slow reply")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(
        "WARNING bot.telegram.app: slow reply [update_id=5 user_id=6 session_id=a1]"
    )


@pytest.mark.usefixtures("restore_logging")
def test_bind_update_replaces_the_previous_update_and_its_session() -> None:
    stream = _logging_to(load_settings())
    log = logging.getLogger("greenlist.test")
    first = Update.de_json({"update_id": 11, "message": _message(user_id=301, text="hi")}, bot=None)
    second = Update.de_json({"update_id": 12, "message": _message(user_id=302, text="yo")}, None)

    async def handle_both() -> None:
        bind_update(first)
        with log_context(session_id=99):
            log.info("first")
        log_context(session_id=98)  # bound for the rest of this update
        bind_update(second)
        log.info("second")

    asyncio.run(handle_both())
    lines = _json_lines(stream)
    assert (lines[0]["update_id"], lines[0]["user_id"], lines[0]["session_id"]) == (11, 301, 99)
    assert (lines[1]["update_id"], lines[1]["user_id"]) == (12, 302)
    assert "session_id" not in lines[1]
    assert current_context() == {}, "a task's bindings never leak into its caller"


@pytest.mark.usefixtures("restore_logging")
def test_a_token_in_a_message_or_its_arguments_is_redacted() -> None:
    stream = _logging_to(load_settings())
    log = logging.getLogger("telegram.ext")
    log.error(f"POST https://api.telegram.org/bot{REAL_LOOKING_TOKEN}/getMe failed")
    log.error("calling %s with token %s", "getMe", REAL_LOOKING_TOKEN)
    output = stream.getvalue()
    assert REAL_LOOKING_TOKEN not in output
    assert "7012345678:" not in output
    messages = [line["message"] for line in _json_lines(stream)]
    assert messages == [
        f"POST https://api.telegram.org/bot{REDACTED}/getMe failed",
        f"calling getMe with token {REDACTED}",
    ]


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_token_inside_an_exception_is_redacted(log_format: str) -> None:
    # A short token does not look like one; it is masked because it is the configured one.
    settings = load_settings(
        telegram_bot_token="123456:TEST-TOKEN",
        webhook_secret="hook-secret-value",
        database_url="postgresql://green:db-password-1@db.example/greenlist",
    )
    stream = _logging_to(settings, log_format)
    log = logging.getLogger("bot.telegram.errors")
    try:
        raise RuntimeError(
            f"rejected 123456:TEST-TOKEN and {REAL_LOOKING_TOKEN}; "
            "secret hook-secret-value; password db-password-1"
        )
    except RuntimeError:
        log.exception("update failed")
    output = stream.getvalue()
    for secret in ("TEST-TOKEN", REAL_LOOKING_TOKEN, "hook-secret-value", "db-password-1"):
        assert secret not in output
    assert output.count(REDACTED) >= 4
    assert "RuntimeError: rejected" in output, "the traceback itself is kept"
    if log_format == "json":
        (line,) = _json_lines(stream)
        assert "Traceback (most recent call last)" in str(line["exception"])


@pytest.mark.usefixtures("restore_logging")
def test_httpx_request_lines_stay_quiet_and_warnings_are_logged() -> None:
    stream = _logging_to(load_settings(log_level="DEBUG"))
    logging.getLogger("httpx").info(
        'HTTP Request: POST https://api.telegram.org/bot1:abc/getUpdates "HTTP/1.1 200 OK"'
    )
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"token {REAL_LOOKING_TOKEN} looks odd", UserWarning, stacklevel=1)
    (line,) = _json_lines(stream)
    assert line["logger"] == "py.warnings"
    assert REAL_LOOKING_TOKEN not in stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_keeps_one_handler() -> None:
    first = _logging_to(load_settings())
    second = _logging_to(load_settings())
    logging.getLogger("greenlist.test").info("once")
    assert first.getvalue() == ""
    assert len(_json_lines(second)) == 1


@pytest.mark.usefixtures("restore_logging")
async def test_every_update_is_bound_before_the_handlers_run(tg: FakeTelegram) -> None:
    stream = _logging_to(load_settings(telegram_bot_token=tg.token))
    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()

    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        logging.getLogger("bot.handlers").info("ping handled")
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    app.add_handler(CommandHandler("ping", ping))
    install_update_context(app)
    async with running_application(app):
        sent = await tg.user(5150).send_command("ping")
        assert (await tg.user(5150).next_message()).text == "pong"
    (handled,) = [line for line in _json_lines(stream) if line["message"] == "ping handled"]
    assert handled["update_id"] == sent["update_id"]
    assert handled["user_id"] == 5150


def _message(*, user_id: int, text: str) -> dict[str, object]:
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "李"},
        "text": text,
    }

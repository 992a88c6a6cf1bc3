"""`greenlist doctor`: is this installation able to serve, and if not, what to fix.

One line per check, each with a mark and a short reason an operator can act on. The
exit status lets scripts and container health checks use it: 0 healthy, 1 a check
failed, 2 the configuration itself is unusable (nothing else can be checked then). Every
network step is bounded by a time limit, and no check can end the run with a traceback: a
diagnostic tool that crashes on the very fault it should report is useless.

`--offline` leaves out the checks that talk to Telegram; that is what the container
health check runs, every minute, without spending API calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, TextIO

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from telegram import Bot, WebhookInfo
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.logging_setup import Redactor, secrets_of
from bot.settings import ConfigError, Settings, load_settings
from bot.telegram.runner import uses_webhook, webhook_options
from storage import current_revision_async, head_revision
from storage.schema import alembic_config

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1
EXIT_BAD_CONFIG = 2
DEFAULT_TIMEOUT = 5.0
# Telegram keeps a webhook's last delivery error long after deliveries recovered; only a
# recent one says the webhook is failing now.
RECENT_WEBHOOK_ERROR = timedelta(minutes=15)
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"

Status = Literal["ok", "fail", "warn", "skip"]
MARKS: dict[Status, str] = {"ok": "✓", "fail": "✗", "warn": "!", "skip": "-"}
ASCII_MARKS: dict[Status, str] = {"ok": "OK", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `warn` and `skip` do not make the installation unhealthy."""

    name: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def _one_line(exc: BaseException) -> str:
    """The gist of an error, without a driver's multi-line dump."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(original).__name__}: {first}" if first else type(original).__name__


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _seconds(time_limit: float) -> str:
    return f"{time_limit:g} s"


def check_configuration(settings: Settings, *, webhook: bool | None, offline: bool) -> Check:
    """Everything `greenlist run` needs before it touches the network; raises ConfigError."""
    if not offline:
        settings.token()
    mode = "polling"
    if uses_webhook(settings, webhook):
        options = webhook_options(settings)
        mode = (
            f"webhook {options['webhook_url']} -> "
            f"{options['listen']}:{options['port']}/{options['url_path']}"
        )
    return Check("configuration", "ok", f"{mode} mode, database {_safe_url(settings.database_url)}")


def _missing_sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


async def check_database(settings: Settings, time_limit: float) -> Check:
    url = settings.database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return Check(
            "database",
            "fail",
            f"the SQLite file {missing} does not exist: run `greenlist db upgrade` to create it",
        )
    connect_args = {"timeout": time_limit}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with asyncio.timeout(time_limit), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return Check(
            "database", "fail", f"no answer from {_safe_url(url)} within {_seconds(time_limit)}"
        )
    except Exception as exc:  # any driver error is a finding, not a crash
        return Check("database", "fail", f"cannot connect to {_safe_url(url)}: {_one_line(exc)}")
    finally:
        await engine.dispose()
    return Check("database", "ok", f"reachable at {_safe_url(url)}")


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


async def check_migrations(settings: Settings, time_limit: float) -> Check:
    head = head_revision()
    try:
        async with asyncio.timeout(time_limit):
            current = await current_revision_async(settings.database_url)
    except TimeoutError:
        return Check("migrations", "fail", f"no answer within {_seconds(time_limit)}")
    if current == head:
        return Check("migrations", "ok", f"at head ({head})")
    if current is None:
        return Check(
            "migrations",
            "fail",
            f"the database has no schema yet (this version needs {head}): "
            "run `greenlist db upgrade`",
        )
    if current not in _known_revisions():
        return Check(
            "migrations",
            "fail",
            f"the database is at {current}, which this version does not know (its newest is "
            f"{head}): a newer greenlist-bot migrated it; upgrade the program",
        )
    return Check(
        "migrations",
        "fail",
        f"the database is at {current}, behind {head}: run `greenlist db upgrade`",
    )


def _bot(settings: Settings, time_limit: float) -> Bot:
    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connect_timeout=time_limit,
            read_timeout=time_limit,
            write_timeout=time_limit,
            pool_timeout=time_limit,
        )

    return Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url or TELEGRAM_API,
        base_file_url=settings.file_url() or TELEGRAM_FILES,
        request=request(),
        get_updates_request=request(),
    )


def _telegram_failure(exc: BaseException, where: str, time_limit: float) -> str:
    if isinstance(exc, InvalidToken):
        return (
            "Telegram refused the token: check TELEGRAM_BOT_TOKEN (mistyped, or revoked "
            "with @BotFather)"
        )
    if isinstance(exc, TimedOut | TimeoutError):
        return f"no answer from {where} within {_seconds(time_limit)}"
    if isinstance(exc, NetworkError):
        return f"cannot reach {where}: {exc.message}"
    if isinstance(exc, TelegramError):
        return f"{where} answered: {exc.message}"
    return f"{where}: {_one_line(exc)}"


def _webhook_check(settings: Settings, webhook_mode: bool, info: WebhookInfo) -> Check:
    pending = f"{info.pending_update_count} pending update(s)"
    if not webhook_mode:
        if not info.url:
            return Check("webhook", "ok", f"none set, as polling needs; {pending}")
        return Check(
            "webhook",
            "warn",
            f"Telegram has a webhook set ({info.url}) but the bot polls: `greenlist run` "
            f"removes it at start; set WEBHOOK_URL if the webhook was meant; {pending}",
        )
    if not info.url:
        return Check(
            "webhook",
            "fail",
            "no webhook is registered with Telegram: `greenlist run` registers WEBHOOK_URL "
            f"when it starts; {pending}",
        )
    if info.url != settings.webhook_url:
        return Check(
            "webhook",
            "fail",
            f"Telegram posts to {info.url}, not to WEBHOOK_URL={settings.webhook_url}: "
            f"restart the bot to register it; {pending}",
        )
    last_error = ""
    if info.last_error_date is not None and info.last_error_message:
        error_date = info.last_error_date
        if error_date.tzinfo is None:
            error_date = error_date.replace(tzinfo=UTC)
        age = datetime.now(UTC) - error_date
        minutes = max(int(age.total_seconds() // 60), 0)
        last_error = f"last delivery error {minutes} min ago: {info.last_error_message}"
        if age <= RECENT_WEBHOOK_ERROR:
            return Check("webhook", "fail", f"registered, but {last_error}; {pending}")
        last_error = f"; {last_error}"
    return Check("webhook", "ok", f"registered at {info.url}; {pending}{last_error}")


async def check_telegram(
    settings: Settings, *, webhook_mode: bool, time_limit: float
) -> tuple[Check, Check]:
    """The token (getMe) and the webhook registration (getWebhookInfo)."""
    where = settings.telegram_api_base_url or "api.telegram.org"
    bot = _bot(settings, time_limit)
    try:
        async with asyncio.timeout(time_limit * 2 + 1):
            try:
                await bot.initialize()
                me = bot.bot
            except Exception as exc:  # the finding is the answer, never a traceback
                reason = _telegram_failure(exc, where, time_limit)
                return (
                    Check("token", "fail", reason),
                    Check("webhook", "skip", "not checked: the token check failed"),
                )
            token = Check("token", "ok", f"valid for @{me.username} (id {me.id})")
            try:
                info = await bot.get_webhook_info()
            except Exception as exc:
                return token, Check("webhook", "fail", _telegram_failure(exc, where, time_limit))
            return token, _webhook_check(settings, webhook_mode, info)
    except TimeoutError:
        reason = _telegram_failure(TimeoutError(), where, time_limit)
        return Check("token", "fail", reason), Check("webhook", "skip", "not checked")
    finally:
        # Closing a half-open client must not hide the findings.
        with contextlib.suppress(Exception):
            await bot.shutdown()


async def _guarded(name: str, check: Callable[[], Awaitable[Check]]) -> Check:
    try:
        return await check()
    except Exception as exc:
        return Check(name, "fail", _one_line(exc))


async def diagnose(
    settings: Settings,
    *,
    webhook: bool | None = None,
    offline: bool = False,
    time_limit: float = DEFAULT_TIMEOUT,
) -> list[Check]:
    """Every check, in the order an operator fixes things; the first may raise ConfigError."""
    checks = [check_configuration(settings, webhook=webhook, offline=offline)]
    database = await _guarded("database", lambda: check_database(settings, time_limit))
    checks.append(database)
    if database.failed:
        checks.append(Check("migrations", "skip", "not checked: the database check failed"))
    else:
        checks.append(await _guarded("migrations", lambda: check_migrations(settings, time_limit)))
    if offline:
        checks.append(Check("token", "skip", "skipped (--offline)"))
        checks.append(Check("webhook", "skip", "skipped (--offline)"))
        return checks
    try:
        token, hook = await check_telegram(
            settings, webhook_mode=uses_webhook(settings, webhook), time_limit=time_limit
        )
    except Exception as exc:
        token = Check("token", "fail", _one_line(exc))
        hook = Check("webhook", "skip", "not checked")
    checks.extend((token, hook))
    return checks


def _marks_for(out: TextIO) -> dict[Status, str]:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "".join(MARKS.values()).encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return ASCII_MARKS
    return MARKS


def render(checks: list[Check], redact: Callable[[str], str], out: TextIO) -> None:
    marks = _marks_for(out)
    width = max(len(check.name) for check in checks)
    for check in checks:
        out.write(f"{marks[check.status]} {check.name.ljust(width)}  {redact(check.detail)}\n")


def run_doctor(
    settings: Settings | None = None,
    *,
    webhook: bool | None = None,
    offline: bool = False,
    time_limit: float = DEFAULT_TIMEOUT,
    out: TextIO | None = None,
) -> int:
    """Run every check, print one line each, return the exit status."""
    stream = out if out is not None else sys.stdout
    try:
        loaded = settings if settings is not None else load_settings()
    except ConfigError as exc:
        render([Check("configuration", "fail", str(exc))], Redactor(), stream)
        return EXIT_BAD_CONFIG
    redact = Redactor(secrets_of(loaded))
    try:
        checks = asyncio.run(
            diagnose(loaded, webhook=webhook, offline=offline, time_limit=time_limit)
        )
    except ConfigError as exc:
        render([Check("configuration", "fail", str(exc))], redact, stream)
        return EXIT_BAD_CONFIG
    render(checks, redact, stream)
    return EXIT_UNHEALTHY if any(check.failed for check in checks) else EXIT_HEALTHY

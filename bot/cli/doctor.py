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
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TextIO

from bot.logging_setup import Redactor, secrets_of
from bot.services.evidence import store_from_settings
from bot.settings import ConfigError, Settings, load_settings
from bot.telegram.probe import WebhookState, probe_telegram, proxy_route
from bot.telegram.runner import uses_webhook, webhook_options
from storage import current_revision_async, head_revision
from storage.health import known_revisions, ping_url
from storage.urls import missing_sqlite_file, redacted_url

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1
EXIT_BAD_CONFIG = 2
DEFAULT_TIMEOUT = 5.0
# Telegram keeps a webhook's last delivery error long after deliveries recovered; only a
# recent one says the webhook is failing now.
RECENT_WEBHOOK_ERROR = timedelta(minutes=15)
# Below this much free space the evidence store still works but will not for long: a
# warning, so that the disk is enlarged before uploads start failing.
EVIDENCE_LOW_SPACE = 1024**3

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
    return redacted_url(url)


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
    try:
        route = proxy_route(settings)
    except ValueError as exc:  # a mistyped HTTPS_PROXY or ALL_PROXY
        raise ConfigError(str(exc)) from None
    database = _safe_url(settings.database_url)
    return Check("configuration", "ok", f"{mode} mode, database {database}, Telegram {route}")


async def check_database(settings: Settings, time_limit: float) -> Check:
    url = settings.database_url
    missing = missing_sqlite_file(url)
    if missing is not None:
        return Check(
            "database",
            "fail",
            f"the SQLite file {missing} does not exist: run `greenlist db upgrade` to create it",
        )
    try:
        await ping_url(url, time_limit)
    except TimeoutError:
        return Check(
            "database", "fail", f"no answer from {_safe_url(url)} within {_seconds(time_limit)}"
        )
    except Exception as exc:  # any driver error is a finding, not a crash
        return Check("database", "fail", f"cannot connect to {_safe_url(url)}: {_one_line(exc)}")
    return Check("database", "ok", f"reachable at {_safe_url(url)}")


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
    if current not in known_revisions():
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


async def check_evidence_store(settings: Settings, time_limit: float) -> Check:
    """Writable (a probe written, read back, deleted), reachable, and with room to spare."""
    store = store_from_settings(settings)
    try:
        health = await asyncio.wait_for(store.health(), time_limit)
    except TimeoutError:
        return Check("evidence", "fail", f"{store.where}: no answer within {_seconds(time_limit)}")
    if health.problem is not None:
        return Check("evidence", "fail", f"{health.where}: {health.problem}")
    if health.free_bytes is None:
        return Check("evidence", "ok", f"writable at {health.where}")
    free = f"{health.free_bytes / 1024**3:.1f} GiB free"
    if health.free_bytes < EVIDENCE_LOW_SPACE:
        return Check("evidence", "warn", f"writable at {health.where}, only {free}")
    return Check("evidence", "ok", f"writable at {health.where}, {free}")


def _webhook_check(settings: Settings, webhook_mode: bool, info: WebhookState) -> Check:
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
    found = await probe_telegram(settings, time_limit)
    if found.identity is None:
        reason = found.token_error or "no answer"
        skipped = "not checked" if found.timed_out else "not checked: the token check failed"
        return Check("token", "fail", reason), Check("webhook", "skip", skipped)
    me = found.identity
    token = Check("token", "ok", f"valid for @{me.username} (id {me.id})")
    if found.webhook is None:
        return token, Check("webhook", "fail", found.webhook_error or "no answer")
    return token, _webhook_check(settings, webhook_mode, found.webhook)


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
    checks.append(await _guarded("evidence", lambda: check_evidence_store(settings, time_limit)))
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

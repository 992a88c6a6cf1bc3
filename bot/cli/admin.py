"""Admin commands: `criteria set|history|rollback`, `reevaluate` and `audit`.

They run the same planning (`bot.services.ruleset_changes`), re-evaluation
(`bot.services.reevaluation`) and rendering (`bot.services.admin_screens`) code as the chat
(`bot.services.admin`), against DATABASE_URL. Whoever runs them holds the database already,
so there is no role check; the audit log records them with no actor. Bad input ends with
exit code 2 and one line on stderr naming what is wrong; a database that cannot be used ends
with exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

from bot.cli.parser import cli_text
from bot.services.admin_screens import Screens, actor_names, version_history
from bot.services.bootstrap import Services, open_services, prepare_database
from bot.services.reevaluation import Impact, pending_count
from bot.services.ruleset_changes import (
    AdminError,
    RulesetChange,
    apply_change,
    parse_version,
    plan_rollback,
    plan_value,
)
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from bot.settings import ConfigError, load_settings
from conversations.localtime import to_local
from storage.errors import error_summary, is_database_error

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
DEFAULT_LANGUAGE = "zh"
AUDIT_LIMIT = 50
AUDIT_COLUMNS = ("time", "actor_id", "actor", "action", "target", "old", "new", "note")

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class _BadInput(Exception):
    """Input the command refuses; the message is the line to print."""


def _screens() -> Screens:
    return Screens(load_catalogue())


def _t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    return _screens().t(lang, key, **params)


# -- registration -------------------------------------------------------------------------


def register(subparsers: SubParsers, criteria_subparsers: SubParsers) -> None:
    """Add `criteria set|history|rollback` and the top-level `reevaluate` and `audit`."""
    setter = criteria_subparsers.add_parser(
        "set", help=_t("admin.cli.help.set"), description=_t("admin.cli.help.set_description")
    )
    setter.add_argument("key", metavar=cli_text("metavar.key"), help=_t("admin.cli.help.key"))
    setter.add_argument("value", metavar=cli_text("metavar.value"), help=_t("admin.cli.help.value"))
    setter.add_argument(
        "--note", required=True, metavar=cli_text("metavar.text"), help=_t("admin.cli.help.note")
    )
    setter.add_argument("--dry-run", action="store_true", help=_t("admin.cli.help.dry_run"))
    _add_lang(setter)
    setter.set_defaults(func=run_set)

    history = criteria_subparsers.add_parser(
        "history",
        help=_t("admin.cli.help.history"),
        description=_t("admin.cli.help.history_description"),
    )
    _add_lang(history)
    history.set_defaults(func=run_history)

    back = criteria_subparsers.add_parser(
        "rollback",
        help=_t("admin.cli.help.rollback"),
        description=_t("admin.cli.help.rollback_description"),
    )
    back.add_argument(
        "version",
        metavar=cli_text("metavar.version"),
        type=_version,
        help=_t("admin.cli.help.version"),
    )
    back.add_argument(
        "--note", required=True, metavar=cli_text("metavar.text"), help=_t("admin.cli.help.note")
    )
    back.add_argument("--dry-run", action="store_true", help=_t("admin.cli.help.dry_run"))
    _add_lang(back)
    back.set_defaults(func=run_rollback)

    again = subparsers.add_parser(
        "reevaluate",
        help=_t("admin.cli.help.reevaluate"),
        description=_t("admin.cli.help.reevaluate_description"),
    )
    again.add_argument(
        "--batch-size",
        type=_positive,
        default=500,
        metavar=cli_text("metavar.count"),
        help=_t("admin.cli.help.batch_size"),
    )
    again.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar=cli_text("metavar.count"),
        help=_t("admin.cli.help.workers"),
    )
    _add_lang(again)
    again.set_defaults(func=run_reevaluate)

    log = subparsers.add_parser(
        "audit", help=_t("admin.cli.help.audit"), description=_t("admin.cli.help.audit_description")
    )
    log.add_argument(
        "--limit",
        type=_positive,
        default=AUDIT_LIMIT,
        metavar=cli_text("metavar.count"),
        help=_t("admin.cli.help.limit", default=AUDIT_LIMIT),
    )
    log.add_argument(
        "--format",
        dest="fmt",
        choices=("text", "csv"),
        default="text",
        help=_t("admin.cli.help.format"),
    )
    log.add_argument(
        "-o", "--output", metavar=cli_text("metavar.file"), help=_t("admin.cli.help.output")
    )
    _add_lang(log)
    log.set_defaults(func=run_audit)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=DEFAULT_LANGUAGE, help=_t("admin.cli.help.lang")
    )


def _positive(value: str) -> int:
    text = value.strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(_t("admin.cli.error.positive", value=value))


def _version(value: str) -> int:
    version = parse_version(value)
    if version is None:
        raise argparse.ArgumentTypeError(_t("admin.cli.error.version", value=value))
    return version


# -- running ------------------------------------------------------------------------------


def _fail(message: str, lang: str, code: int = EXIT_BAD_INPUT) -> int:
    print(_t("admin.cli.error.line", lang, message=message), file=sys.stderr)
    return code


def _with_database(args: argparse.Namespace, action: Callable[[Services], Awaitable[int]]) -> int:
    """Settings, migration of the embedded SQLite file, then `action` on the services."""
    lang: str = args.lang
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(_t("admin.cli.error.config", lang, message=str(exc)), lang)

    async def run() -> int:
        async with open_services(settings) as svc:
            return await action(svc)

    try:
        if settings.is_default_sqlite:
            prepare_database(settings)
        return asyncio.run(run())
    except _BadInput as exc:
        return _fail(str(exc), lang)
    except Exception as exc:
        if not isinstance(exc, OSError) and not is_database_error(exc):
            raise
        reason = error_summary(exc)
        return _fail(_t("admin.cli.error.database", lang, reason=reason), lang, EXIT_FAILED)


async def _propose_and_apply(
    svc: Services,
    args: argparse.Namespace,
    plan: Callable[[Any, RulesetProvider], Awaitable[RulesetChange]],
) -> int:
    """Shared by `set` and `rollback`: print the preview, then store unless --dry-run."""
    lang: str = args.lang
    note: str = args.note.strip()
    screens = _screens()
    db, provider = svc.db, svc.rulesets
    async with db.unit_of_work() as uow:
        try:
            change = await plan(uow, provider)
        except AdminError as exc:
            raise _BadInput(exc.render(screens.catalogue, lang)) from None
    impact: Impact = await svc.reevaluator().preview(change.candidate)
    print(screens.preview(lang, change, impact, note, cli=True))
    if args.dry_run:
        print(screens.t(lang, "admin.cli.dry_run"))
        return EXIT_OK
    async with db.unit_of_work() as uow:
        active = await provider.active(uow)
        if active.version != change.base.version:
            raise _BadInput(screens.t(lang, "admin.stale_version", version=active.version))
        await apply_change(uow, change, None, note)
        pending = await pending_count(uow)
        await uow.commit()
    print(screens.saved(lang, change, pending, cli=True))
    return EXIT_OK


def run_set(args: argparse.Namespace) -> int:
    """greenlist criteria set KEY VALUE --note TEXT [--dry-run]"""

    async def action(svc: Services) -> int:
        return await _propose_and_apply(
            svc, args, lambda uow, provider: plan_value(uow, provider, args.key, args.value)
        )

    return _with_database(args, action)


def run_rollback(args: argparse.Namespace) -> int:
    """greenlist criteria rollback VERSION --note TEXT [--dry-run]"""

    async def action(svc: Services) -> int:
        return await _propose_and_apply(
            svc, args, lambda uow, provider: plan_rollback(uow, provider, args.version)
        )

    return _with_database(args, action)


def run_history(args: argparse.Namespace) -> int:
    """greenlist criteria history: every version, newest first, with what it changed."""
    lang: str = args.lang

    async def action(svc: Services) -> int:
        provider = svc.rulesets
        async with svc.db.unit_of_work() as uow:
            active = await provider.active(uow)
            stored = await version_history(uow, provider)
        print(_screens().history(lang, provider.baseline, active.version, stored))
        return EXIT_OK

    return _with_database(args, action)


def run_reevaluate(args: argparse.Namespace) -> int:
    """greenlist reevaluate: the chat's re-evaluation; lists the suppliers to tell."""
    lang: str = args.lang

    async def action(svc: Services) -> int:
        reevaluator = svc.reevaluator(batch_size=args.batch_size, workers=args.workers)
        impact = await reevaluator.run(None)
        screens = _screens()
        print(screens.report(lang, impact, notified=False))
        if impact.flips:
            print()
            print(screens.t(lang, "admin.cli.would_notify"))
            for flip in impact.flips:
                print(
                    screens.t(
                        lang,
                        "admin.cli.would_notify_line",
                        id=flip.session_id,
                        company=flip.company,
                        owner=flip.owner_id,
                        verdict=screens.verdict(lang, flip.qualified),
                    )
                )
        return EXIT_OK

    return _with_database(args, action)


def run_audit(args: argparse.Namespace) -> int:
    """greenlist audit [--limit N] [--format text|csv] [-o FILE]"""
    lang: str = args.lang
    output = Path(args.output).expanduser() if args.output else None
    if output is not None and output.is_dir():
        return _fail(_t("admin.cli.error.is_directory", lang, path=str(output)), lang)

    async def action(svc: Services) -> int:
        async with svc.db.unit_of_work() as uow:
            entries = await uow.audit.latest(args.limit)
            names = await actor_names(uow, entries)
        screens = _screens()
        if args.fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([screens.t(lang, f"admin.cli.column.{c}") for c in AUDIT_COLUMNS])
            for entry in entries:
                writer.writerow(
                    [
                        to_local(entry.created_at).isoformat(timespec="seconds"),
                        "" if entry.actor_id is None else entry.actor_id,
                        screens.actor(lang, entry.actor_id, names),
                        entry.action,
                        entry.target,
                        _json(entry.old_value),
                        _json(entry.new_value),
                        entry.note or "",
                    ]
                )
            text = buffer.getvalue()
        else:
            text = screens.audit(lang, entries, names) + "\n"
        if output is None:
            sys.stdout.write(text)
            return EXIT_OK
        # A BOM lets Excel open the CSV as UTF-8, as the session exports do.
        encoding = "utf-8-sig" if args.fmt == "csv" else "utf-8"
        try:
            output.write_text(text, encoding=encoding, newline="")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise _BadInput(
                screens.t(lang, "admin.cli.error.not_writable", path=str(output), reason=reason)
            ) from None
        print(screens.t(lang, "admin.cli.audit_written", count=len(entries), path=str(output)))
        return EXIT_OK

    return _with_database(args, action)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

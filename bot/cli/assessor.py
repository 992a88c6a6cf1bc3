"""Command-line tools for assessors and admins: `export`, `report` and `roles`.

`register` plugs them into the `greenlist` program. Each command reads DATABASE_URL via
the settings, migrates the embedded SQLite database itself (PostgreSQL is migrated by
`greenlist db upgrade`), and ends bad input with exit code 2 and one line on stderr that
names what is wrong; a database that cannot be used ends with exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import sys
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.parser import cli_text
from bot.reports.exporting import (
    EXPORT_FORMATS,
    AssessorTexts,
    assessor_texts,
    export_sessions,
    local_time,
    status_names,
)
from bot.services import roles
from bot.services.bootstrap import Services, open_services, prepare_database
from bot.settings import ConfigError, Settings, load_settings
from bot.telegram.role_delivery import deliver_role_change
from criteria.figures import figure
from storage import Database, Person, Role, Status
from storage.errors import error_summary, is_database_error
from storage.health import ping

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
TEXTS_FILE = "assessor_cli.yaml"
DEFAULT_LANGUAGE = "zh"
GRANTABLE_ROLES: tuple[str, ...] = tuple(role.value for role in roles.GRANTABLE_ROLES)
_MAX_TELEGRAM_ID = 2**63 - 1


def _texts() -> AssessorTexts:
    return assessor_texts(TEXTS_FILE)


def _t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    return _texts().get(key, lang, **params)


class _BadInput(Exception):
    """Input the command refuses; the message is the line to print."""


# -- registration -------------------------------------------------------------------------


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add `export`, `report` and `roles` to the `greenlist` program."""
    statuses = ", ".join(status.value for status in Status)

    export = subparsers.add_parser(
        "export", help=_t("help.export.help"), description=_t("help.export.description")
    )
    export.add_argument(
        "--format", dest="fmt", choices=EXPORT_FORMATS, help=_t("help.export.format")
    )
    export.add_argument(
        "--status",
        metavar=cli_text("metavar.status"),
        help=_t("help.export.status", statuses=statuses),
    )
    export.add_argument("--since", metavar="YYYY-MM-DD", help=_t("help.export.since"))
    export.add_argument("--clauses", action="store_true", help=_t("help.export.clauses"))
    export.add_argument("--evidence", action="store_true", help=_t("help.export.evidence"))
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar=cli_text("metavar.file"),
        help=_t("help.export.output"),
    )
    _add_lang(export)
    export.set_defaults(func=run_export)

    report = subparsers.add_parser(
        "report", help=_t("help.report.help"), description=_t("help.report.description")
    )
    report.add_argument(
        "session_id",
        metavar=cli_text("metavar.session_id"),
        type=_session_id,
        help=_t("help.report.session"),
    )
    report.add_argument(
        "-o",
        "--output",
        required=True,
        metavar=cli_text("metavar.pdf_file"),
        help=_t("help.report.output"),
    )
    report.add_argument("--font", metavar=cli_text("metavar.file"), help=_t("help.report.font"))
    _add_lang(report)
    report.set_defaults(func=run_report)

    roles = subparsers.add_parser(
        "roles", help=_t("help.roles.help"), description=_t("help.roles.description")
    )
    actions = roles.add_subparsers(
        dest="roles_command",
        metavar=cli_text("metavar.action"),
        required=True,
        title=_t("help.roles.command"),
    )
    grant = actions.add_parser(
        "grant", help=_t("help.roles.grant"), description=_t("help.roles.grant")
    )
    grant.add_argument(
        "user_id", metavar=cli_text("metavar.user_id"), type=_user_id, help=_t("help.roles.user")
    )
    grant.add_argument(
        "role",
        metavar=cli_text("metavar.role"),
        choices=GRANTABLE_ROLES,
        help=_t("help.roles.role"),
    )
    _add_lang(grant)
    grant.set_defaults(func=run_roles_grant)
    revoke = actions.add_parser(
        "revoke", help=_t("help.roles.revoke"), description=_t("help.roles.revoke")
    )
    revoke.add_argument(
        "user_id", metavar=cli_text("metavar.user_id"), type=_user_id, help=_t("help.roles.user")
    )
    _add_lang(revoke)
    revoke.set_defaults(func=run_roles_revoke)
    listing = actions.add_parser(
        "list", help=_t("help.roles.list"), description=_t("help.roles.list")
    )
    _add_lang(listing)
    listing.set_defaults(func=run_roles_list)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=DEFAULT_LANGUAGE, help=_t("help.lang")
    )


def _positive_id(value: str, key: str) -> int:
    text = value.strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= _MAX_TELEGRAM_ID:
        return int(text)
    raise argparse.ArgumentTypeError(_t(key, value=value))


def _session_id(value: str) -> int:
    return _positive_id(value, "error.session_id")


def _user_id(value: str) -> int:
    return _positive_id(value, "error.user_id")


# -- running ------------------------------------------------------------------------------


def _fail(message: str, lang: str, code: int = EXIT_BAD_INPUT) -> int:
    print(_t("error.line", lang, message=message), file=sys.stderr)
    return code


def _with_database(
    args: argparse.Namespace, action: Callable[[Database, Settings], Awaitable[int]]
) -> int:
    """Settings, migration of the embedded SQLite file, then `action` on the database."""
    return _with_services(args, lambda svc: action(svc.db, svc.settings))


def _with_services(args: argparse.Namespace, action: Callable[[Services], Awaitable[int]]) -> int:
    """As `_with_database`, for an action that needs more than the database."""
    lang: str = args.lang
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(_t("error.config", lang, message=str(exc)), lang)

    async def run() -> int:
        async with open_services(settings) as svc:
            try:
                await ping(svc.db)
            except Exception as exc:
                if not isinstance(exc, OSError) and not is_database_error(exc):
                    raise
                raise _DatabaseUnavailable(exc) from exc
            return await action(svc)

    try:
        if settings.is_default_sqlite:
            prepare_database(settings)
        return asyncio.run(run())
    except _BadInput as exc:
        return _fail(str(exc), lang)
    except _DatabaseUnavailable as exc:
        return _fail(_t("error.database", lang, reason=_reason(exc.cause)), lang, EXIT_FAILED)
    except OSError as exc:
        # The database answered, so this is the output file (a full disk, a lost mount).
        return _fail(_t("error.io", lang, reason=_reason(exc)), lang, EXIT_FAILED)
    except Exception as exc:
        if not is_database_error(exc):
            raise
        return _fail(_t("error.database", lang, reason=_reason(exc)), lang, EXIT_FAILED)


class _DatabaseUnavailable(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _reason(exc: BaseException) -> str:
    """The first line of the underlying error, without SQLAlchemy's wrapping."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return error_summary(exc) or type(exc).__name__


def _status(value: str | None, lang: str) -> str | None:
    """A status by its stored value or its display name in either language."""
    if value is None:
        return None
    wanted = value.strip()
    for status in Status:
        names = {status.value, *(status_names(code)[status.value] for code in ("zh", "en"))}
        if wanted in names or wanted.lower() in names:
            return status.value
    statuses = ", ".join(status.value for status in Status)
    raise _BadInput(_t("error.status", lang, value=value, statuses=statuses))


def _since(value: str | None, lang: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _BadInput(_t("error.date", lang, value=value)) from None


def _output(value: str, lang: str) -> Path:
    """The output path, refused early when it cannot be written."""
    path = Path(value).expanduser()
    if path.is_dir():
        raise _BadInput(_t("error.is_directory", lang, path=value))
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise _BadInput(_t("error.no_directory", lang, path=str(directory)))
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=directory)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _BadInput(_t("error.not_writable", lang, path=value, reason=reason)) from None
    os.close(handle)
    os.unlink(probe)
    if path.exists() and not os.access(path, os.W_OK):
        reason = os.strerror(errno.EACCES)
        raise _BadInput(_t("error.not_writable", lang, path=value, reason=reason))
    return path


def _format(fmt: str | None, path: Path, lang: str) -> str:
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in EXPORT_FORMATS:
        return suffix
    raise _BadInput(_t("error.format_unknown", lang, path=str(path)))


# -- export -------------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    """greenlist export: the matching sessions to an Excel or CSV file."""
    lang: str = args.lang
    if args.evidence:
        return run_evidence_export(args)
    try:
        status = _status(args.status, lang)
        since = _since(args.since, lang)
        path = _output(args.output, lang)
        fmt = _format(args.fmt, path, lang)
        if args.clauses and fmt != "csv":
            raise _BadInput(_t("error.clauses_csv_only", lang))
    except _BadInput as exc:
        return _fail(str(exc), lang)

    async def action(db: Database, _: Settings) -> int:
        count = await export_sessions(
            db,
            path,
            fmt=fmt,  # type: ignore[arg-type]
            status=status,
            since=since,
            lang=lang,
            clauses=args.clauses,
        )
        print(_t("done.export", lang, count=figure(count), path=str(path)))
        return EXIT_OK

    return _with_database(args, action)


def run_evidence_export(args: argparse.Namespace) -> int:
    """greenlist export --evidence: the archived files, a folder per session, in one zip."""
    from bot.reports.evidence_zip import write_evidence_zip
    from bot.services.evidence import EvidenceArchive, store_from_settings

    lang: str = args.lang
    try:
        status = _status(args.status, lang)
        path = _output(args.output, lang)
        if path.suffix.lower() != ".zip" or args.fmt or args.since or args.clauses:
            raise _BadInput(_t("error.evidence_zip_only", lang))
    except _BadInput as exc:
        return _fail(str(exc), lang)

    async def action(db: Database, settings: Settings) -> int:
        archive = EvidenceArchive(db, store_from_settings(settings))
        summary = await write_evidence_zip(archive, path, status=status)
        done = _t(
            "done.export_evidence",
            lang,
            sessions=summary.sessions,
            files=summary.files,
            missing=len(summary.missing),
            path=str(path),
        )
        print(done)
        return EXIT_FAILED if summary.missing else EXIT_OK

    return _with_database(args, action)


# -- report -------------------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    """greenlist report SESSION_ID: one session's PDF evaluation report."""
    from bot.reports.fonts import FontNotFound, find_cjk_font
    from bot.reports.pdf import render_session_report

    lang: str = args.lang
    try:
        path = _output(args.output, lang)
        font = find_cjk_font(Path(args.font).expanduser() if args.font else None)
    except _BadInput as exc:
        return _fail(str(exc), lang)
    except FontNotFound as exc:
        return _fail(_t("error.font", lang, reason=str(exc)), lang)

    async def action(db: Database, _: Settings) -> int:
        async with db.unit_of_work() as uow:
            session = await uow.sessions.get(args.session_id)
            if session is None:
                raise _BadInput(_t("error.no_session", lang, id=args.session_id))
            evidence = await uow.evidence.list_for_session(session.id)
            decisions = await uow.reviews.list_for_session(session.id)
            people: dict[int, str] = {}
            for assessor_id in {decision.assessor_id for decision in decisions}:
                person = await uow.people.get(assessor_id)
                if person is not None:
                    people[assessor_id] = person.name
        data = render_session_report(
            session, evidence, decisions, lang, people=people, font_path=font.path
        )
        _write_atomically(path, data)
        print(_t("done.report", lang, id=session.id, path=str(path), size=len(data)))
        return EXIT_OK

    return _with_database(args, action)


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else "."
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# -- roles --------------------------------------------------------------------------------


def _role_name(role: str | Role, lang: str) -> str:
    value = role.value if isinstance(role, Role) else str(role)
    key = f"roles.{value}"
    return _t(key, lang) if key in _texts() else value


def run_roles_grant(args: argparse.Namespace) -> int:
    """greenlist roles grant USER_ID ROLE: make someone an assessor or an admin."""
    lang: str = args.lang
    user_id: int = args.user_id
    role = Role(args.role)

    async def action(svc: Services) -> int:
        async with svc.db.unit_of_work() as uow:
            try:
                change = await roles.grant(uow, user_id, role, actor_id=None)
            except roles.LastAdmin:
                raise _BadInput(_t("error.last_admin", lang, id=user_id)) from None
            await uow.commit()
        if not change.changed:
            print(
                _t(
                    "done.unchanged",
                    lang,
                    id=user_id,
                    name=change.name,
                    role=_role_name(role, lang),
                )
            )
        elif change.created:
            print(_t("done.granted_new", lang, id=user_id, new=_role_name(role, lang)))
        else:
            print(
                _t(
                    "done.granted",
                    lang,
                    id=user_id,
                    name=change.name,
                    old=_role_name(change.old or Role.SUPPLIER, lang),
                    new=_role_name(role, lang),
                )
            )
            await _tell(svc, change, lang)
        return EXIT_OK

    return _with_services(args, action)


def run_roles_revoke(args: argparse.Namespace) -> int:
    """greenlist roles revoke USER_ID: back to supplier; the last admin is kept."""
    lang: str = args.lang
    user_id: int = args.user_id

    async def action(svc: Services) -> int:
        async with svc.db.unit_of_work() as uow:
            try:
                change = await roles.revoke(uow, user_id, actor_id=None)
            except roles.UnknownPerson:
                raise _BadInput(_t("error.no_person", lang, id=user_id)) from None
            except roles.LastAdmin:
                raise _BadInput(_t("error.last_admin", lang, id=user_id)) from None
            await uow.commit()
        if not change.changed:
            print(
                _t(
                    "done.unchanged",
                    lang,
                    id=user_id,
                    name=change.name,
                    role=_role_name(change.new, lang),
                )
            )
            return EXIT_OK
        old = change.old or Role.SUPPLIER
        print(
            _t(
                "done.revoked",
                lang,
                id=user_id,
                name=change.name,
                old=_role_name(old, lang),
                new=_role_name(change.new, lang),
            )
        )
        if old == Role.ADMIN and user_id in svc.settings.admin_ids:
            print(_t("done.env_admin", lang, id=user_id), file=sys.stderr)
        await _tell(svc, change, lang)
        return EXIT_OK

    return _with_services(args, action)


async def _tell(svc: Services, change: roles.RoleChange, lang: str) -> None:
    """The person's menu and a notice, at once, through the Bot API (see role_delivery)."""
    notice = await svc.admin.announcement(change)
    reason = await deliver_role_change(
        svc.settings, svc.catalogue, change.user_id, change.new, notice
    )
    if reason is None:
        print(_t("done.told", lang))
    else:
        print(_t("done.not_told", lang, reason=reason), file=sys.stderr)


def _width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def run_roles_list(args: argparse.Namespace) -> int:
    """greenlist roles list: everyone who is an assessor or an admin."""
    lang: str = args.lang

    async def action(db: Database, _: Settings) -> int:
        async with db.unit_of_work() as uow:
            people: list[Person] = await roles.staff(uow)
        if not people:
            print(_t("done.no_roles", lang))
            return EXIT_OK
        header = [
            _t(f"roles.column.{c}", lang) for c in ("id", "name", "username", "role", "since")
        ]
        rows = [header]
        for person in people:
            updated = local_time(person.updated_at)
            rows.append(
                [
                    str(person.telegram_id),
                    person.name,
                    f"@{person.username}" if person.username else "—",
                    _role_name(person.role, lang),
                    updated.strftime("%Y-%m-%d %H:%M") if updated else "—",
                ]
            )
        print("\n".join(_table(rows)))
        return EXIT_OK

    return _with_database(args, action)

"""The `greenlist` command line: one entry point for operators, assessors and demos."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata

from bot.cli import admin as cli_admin
from bot.cli import assessor as cli_assessor
from bot.cli import criteria as cli_criteria
from bot.cli import evidence as cli_evidence
from bot.cli import ops as cli_ops
from bot.cli.parser import Parser, cli_text
from bot.settings import ConfigError, Settings, load_settings
from storage.errors import error_summary, is_database_error
from storage.urls import redacted_url


def _version(_: argparse.Namespace) -> int:
    print(f"greenlist-bot {metadata.version('greenlist-bot')}")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from storage import head_revision, upgrade

    settings = load_settings()
    upgrade(settings.database_url, args.revision)
    print(f"database at {args.revision} ({head_revision()}): {_safe_url(settings)}")
    return 0


def _db_current(_: argparse.Namespace) -> int:
    from storage import current_revision, head_revision

    settings = load_settings()
    current = current_revision(settings.database_url)
    head = head_revision()
    state = "up to date" if current == head else f"behind head {head}: run `greenlist db upgrade`"
    print(f"{current or 'empty'} ({state})")
    return 0 if current == head else 1


def _run(args: argparse.Namespace) -> int:
    from bot.telegram.runner import run_bot

    return run_bot(load_settings(), webhook=args.webhook, verbose=args.verbose)


def _chat(args: argparse.Namespace) -> int:
    from bot.cli.terminal import run_terminal_chat

    return run_terminal_chat(load_settings(), user_id=args.user_id, name=args.name, lang=args.lang)


def _safe_url(settings: Settings) -> str:
    """Database URL without its password, fit for a terminal or a log."""
    return redacted_url(settings.database_url)


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="greenlist", description=cli_text("program.description")
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar=cli_text("metavar.command"))

    p = sub.add_parser(
        "version", help=cli_text("version.help"), description=cli_text("version.description")
    )
    p.set_defaults(func=_version)

    db = sub.add_parser("db", help=cli_text("db.help"), description=cli_text("db.description"))
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar=cli_text("metavar.action"))
    p = db_sub.add_parser(
        "upgrade",
        help=cli_text("db.upgrade.help"),
        description=cli_text("db.upgrade.description"),
    )
    p.add_argument(
        "--revision",
        default="head",
        metavar=cli_text("metavar.version"),
        help=cli_text("db.upgrade.revision"),
    )
    p.set_defaults(func=_db_upgrade)
    p = db_sub.add_parser(
        "current",
        help=cli_text("db.current.help"),
        description=cli_text("db.current.description"),
    )
    p.set_defaults(func=_db_current)

    p = sub.add_parser("run", help=cli_text("run.help"), description=cli_text("run.description"))
    p.add_argument("--webhook", action="store_true", default=None, help=cli_text("run.webhook"))
    p.add_argument("--verbose", action="store_true", help=cli_text("run.verbose"))
    p.set_defaults(func=_run)

    p = sub.add_parser("chat", help=cli_text("chat.help"), description=cli_text("chat.description"))
    p.add_argument(
        "--user-id",
        type=int,
        default=1,
        metavar=cli_text("metavar.user_id"),
        help=cli_text("chat.user_id"),
    )
    p.add_argument(
        "--name", default="终端用户", metavar=cli_text("metavar.text"), help=cli_text("chat.name")
    )
    p.add_argument("--lang", choices=["zh", "en"], default=None, help=cli_text("chat.lang"))
    p.set_defaults(func=_chat)

    criteria_sub = cli_criteria.register(sub)
    cli_admin.register(sub, criteria_sub)
    cli_assessor.register(sub)
    cli_ops.register(sub)
    cli_evidence.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"greenlist: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) went away; that is not an error worth a traceback.
        sys.stderr.close()
        return 0
    except Exception as exc:
        if not isinstance(exc, OSError) and not is_database_error(exc):
            raise
        print(f"greenlist: {_one_line(exc)}", file=sys.stderr)
        return 2
    return code


def _one_line(exc: BaseException) -> str:
    """The gist of a database or file error, without the driver's multi-line dump."""
    original = getattr(exc, "orig", None) or exc
    return f"{type(original).__name__}: {error_summary(exc)}"


if __name__ == "__main__":
    sys.exit(main())

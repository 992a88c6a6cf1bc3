"""Operator commands: `greenlist doctor`.

`register` plugs them into the `greenlist` program; running this module directly gives
the same commands on their own.
"""

from __future__ import annotations

import argparse

from bot.cli.doctor import DEFAULT_TIMEOUT, run_doctor


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 300:
        raise argparse.ArgumentTypeError("give a number of seconds between 0 and 300")
    return seconds


def _doctor(args: argparse.Namespace) -> int:
    return run_doctor(webhook=args.webhook, offline=args.offline, time_limit=args.timeout)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add `doctor` to the `greenlist` program."""
    doctor = subparsers.add_parser(
        "doctor",
        help="check the configuration, database and Telegram connection",
        description="Check that the bot can run: configuration, database, schema revision, "
        "bot token and webhook registration. One line per check; exit 0 when healthy, 1 when "
        "a check failed, 2 when the configuration is unusable.",
    )
    doctor.add_argument(
        "--offline",
        action="store_true",
        help="skip the checks that call Telegram (for container health checks)",
    )
    doctor.add_argument(
        "--webhook",
        action="store_true",
        default=None,
        help="check webhook mode even without WEBHOOK_URL (as `greenlist run --webhook`)",
    )
    doctor.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit of each network check (default: {DEFAULT_TIMEOUT:g})",
    )
    doctor.set_defaults(func=_doctor)

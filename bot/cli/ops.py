"""Operator commands: `greenlist doctor`.

`register` plugs them into the `greenlist` program; running this module directly gives
the same commands on their own.
"""

from __future__ import annotations

import argparse

from bot.cli.doctor import DEFAULT_TIMEOUT, run_doctor
from bot.cli.parser import cli_text


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(cli_text("doctor.not_seconds", value=value)) from None
    if not 0 < seconds <= 300:
        raise argparse.ArgumentTypeError(cli_text("doctor.seconds_range"))
    return seconds


def _doctor(args: argparse.Namespace) -> int:
    return run_doctor(webhook=args.webhook, offline=args.offline, time_limit=args.timeout)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add `doctor` to the `greenlist` program."""
    doctor = subparsers.add_parser(
        "doctor", help=cli_text("doctor.help"), description=cli_text("doctor.description")
    )
    doctor.add_argument("--offline", action="store_true", help=cli_text("doctor.offline"))
    doctor.add_argument(
        "--webhook", action="store_true", default=None, help=cli_text("doctor.webhook")
    )
    doctor.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar=cli_text("metavar.seconds"),
        help=cli_text("doctor.timeout", default=f"{DEFAULT_TIMEOUT:g}"),
    )
    doctor.set_defaults(func=_doctor)

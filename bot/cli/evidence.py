"""`greenlist evidence verify`, `backfill`, `prune` and `read`.

verify re-reads every archived file and re-hashes it: a file gone from the store or with
other bytes than its recorded SHA-256 is named, and the exit status is 1, so a cron job or
an auditor's script can rely on it. backfill fetches the uploads recorded before the
archive existed (Telegram file ids only) into the store, with a progress line per file and
a summary; it must run with the bot token that received them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable

from bot.cli.parser import cli_text
from bot.services.bootstrap import prepare_database
from bot.services.evidence import EvidenceArchive, Refused, store_from_settings
from bot.settings import ConfigError, Settings, load_settings
from criteria.figures import figure
from storage import Database
from storage.evidence_store import StoreUnavailable
from storage.models import utcnow

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_CONFIG = 2


def _run(action: Callable[[EvidenceArchive, Settings], Awaitable[int]]) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"greenlist: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG

    async def run() -> int:
        db = Database(settings.database_url, sqlite_driver=settings.sqlite_driver)
        try:
            return await action(EvidenceArchive(db, store_from_settings(settings)), settings)
        finally:
            await db.dispose()

    try:
        if settings.is_default_sqlite:
            prepare_database(settings)
        return asyncio.run(run())
    except (ConfigError, StoreUnavailable) as exc:
        print(f"greenlist: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG


async def verify(archive: EvidenceArchive, _: Settings) -> int:
    checked = bad = 0
    async for check in archive.verify():
        checked += 1
        if check.state != "ok":
            bad += 1
            print(
                cli_text(
                    "evidence_out.problem",
                    state=cli_text(f"evidence_out.state.{check.state}"),
                    evidence=check.evidence_id,
                    session=check.session_id,
                    digest=check.sha256,
                )
            )
    unstored = await _unstored(archive)
    print(
        cli_text(
            "evidence_out.verified",
            where=archive.store.where,
            checked=figure(checked),
            intact=figure(checked - bad),
            bad=figure(bad),
            unstored=figure(unstored),
        )
    )
    return EXIT_PROBLEMS if bad else EXIT_OK


async def _unstored(archive: EvidenceArchive) -> int:
    async with archive.db.unit_of_work() as uow:
        return await uow.evidence.count_unstored()


async def backfill(archive: EvidenceArchive, settings: Settings) -> int:
    from bot.telegram.downloads import DownloadFailed, telegram_downloads

    total = await _unstored(archive)
    stored = failed = refused = 0
    after = 0
    async with telegram_downloads(settings) as download:
        done = 0
        while True:
            async with archive.db.unit_of_work() as uow:
                rows = await uow.evidence.list_unstored(after, 100)
            if not rows:
                break
            for row in rows:
                after = row.id
                done += 1
                where = cli_text(
                    "evidence_out.where",
                    done=done,
                    total=total,
                    evidence=row.id,
                    session=row.session_id,
                )
                try:
                    data = await download(row.file_id)
                except DownloadFailed as exc:
                    failed += 1
                    print(
                        cli_text("evidence_out.not_downloaded", where=where, reason=exc),
                        file=sys.stderr,
                    )
                    continue
                kept = await archive.keep(data)
                if isinstance(kept, Refused):
                    if kept.reason == "store":
                        raise StoreUnavailable(f"cannot write to {archive.store.where}")
                    refused += 1
                    print(cli_text("evidence_out.refused", where=where), file=sys.stderr)
                    continue
                async with archive.db.unit_of_work() as uow:
                    await uow.evidence.mark_stored(
                        row.id, kept.sha256, kept.size, kept.content_type
                    )
                    await uow.commit()
                stored += 1
                stored_line = cli_text(
                    "evidence_out.stored", where=where, size=figure(kept.size), digest=kept.sha256
                )
                print(stored_line, file=sys.stderr)
    print(
        cli_text(
            "evidence_out.backfilled",
            stored=figure(stored),
            total=figure(total),
            where=archive.store.where,
            failed=figure(failed),
            refused=figure(refused),
        )
    )
    return EXIT_PROBLEMS if failed or refused else EXIT_OK


async def prune(archive: EvidenceArchive, _: Settings, *, dry_run: bool) -> int:
    swept = await archive.sweep(utcnow(), dry_run=dry_run)
    for digest in swept.unreferenced:
        key = "evidence_out.unreferenced" if dry_run else "evidence_out.deleted"
        print(cli_text(key, digest=digest))
    summary = cli_text(
        "evidence_out.pruned",
        examined=figure(swept.examined),
        where=archive.store.where,
        unreferenced=figure(len(swept.unreferenced)),
        deleted=figure(swept.deleted),
    )
    print(summary + (cli_text("evidence_out.dry_run") if dry_run else ""))
    return EXIT_OK


def read_file(args: argparse.Namespace) -> int:
    """`greenlist evidence read FILE`: what a certificate or report says, offline."""
    from pathlib import Path

    from bot.services.reading import ReadFields, TextUnavailable, extract_fields, read_text

    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"greenlist: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    method: str | None = None
    try:
        text, method = asyncio.run(read_text(data))
        fields = extract_fields(text)
    except TextUnavailable as exc:
        fields = ReadFields()
        print(f"greenlist: {path.name} is unreadable: {exc}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps({**fields.as_json(), "method": method}, ensure_ascii=False, indent=2))
    else:
        for key, value in fields.as_json().items():
            if key == "sources":
                continue
            source = fields.sources.get(key)
            shown = "—" if value is None else value
            print(f"{key}: {shown}" + (f"    ← “{source}”" if source else ""))
    return EXIT_OK if method is not None else EXIT_PROBLEMS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `evidence verify`, `backfill`, `prune` and `read` to the `greenlist` program."""
    evidence = subparsers.add_parser(
        "evidence", help=cli_text("evidence.help"), description=cli_text("evidence.description")
    )
    actions = evidence.add_subparsers(
        dest="evidence_command", required=True, metavar=cli_text("metavar.action")
    )
    p = actions.add_parser(
        "verify",
        help=cli_text("evidence.verify.help"),
        description=cli_text("evidence.verify.description"),
    )
    p.set_defaults(func=lambda _: _run(verify))
    p = actions.add_parser(
        "backfill",
        help=cli_text("evidence.backfill.help"),
        description=cli_text("evidence.backfill.description"),
    )
    p.set_defaults(func=lambda _: _run(backfill))
    p = actions.add_parser(
        "prune",
        help=cli_text("evidence.prune.help"),
        description=cli_text("evidence.prune.description"),
    )
    p.add_argument("--dry-run", action="store_true", help=cli_text("evidence.prune.dry_run"))
    p.set_defaults(
        func=lambda args: _run(
            lambda archive, settings: prune(archive, settings, dry_run=args.dry_run)
        )
    )
    p = actions.add_parser(
        "read",
        help=cli_text("evidence.read.help"),
        description=cli_text("evidence.read.description"),
    )
    p.add_argument("file", metavar=cli_text("metavar.file"), help=cli_text("evidence.read.file"))
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help=cli_text("evidence.read.format"),
    )
    p.set_defaults(func=read_file)

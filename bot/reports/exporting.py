"""Assessors' exports: every session as one row of Excel or CSV, plus its clause results.

What a column shows is data (bot.reports.columns), how a stored value becomes a cell is
bot.reports.rows, and the files are written by bot.reports.xlsx and bot.reports.csv_writer.
This module reads the sessions in keyset batches and streams them into the file, so an
export of any size runs in flat memory. `export_off_loop` runs the whole export in a
worker process with its own database handle, so a bot's chats go on while
an assessor exports every session.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
from collections.abc import AsyncGenerator, Callable
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, cast

from bot.reports.columns import ColumnSpec, ExportCatalogue, export_catalogue
from bot.reports.csv_writer import CsvWriter
from bot.reports.display import (
    category_label,
    local_time,
    ordered_clauses,
    start_of_day_utc,
    status_names,
)
from bot.reports.rows import (
    EXPORT_FORMATS,
    CellFormats,
    CompiledSheet,
    ExportFormat,
    RowContext,
    clause_rows,
    compile_sheet,
    row_context,
)
from bot.reports.texts import (
    LANGUAGES,
    AssessorTexts,
    CatalogueError,
    assessor_texts,
    check_language,
)
from bot.reports.xlsx import XlsxWriter
from bot.services.background import worker_pool
from storage import AssessmentSession, Database, Status
from storage.sqlite_driver import SqliteDriver

DEFAULT_BATCH_SIZE = 500

_Batches = AsyncGenerator[list[AssessmentSession], None]


async def export_sessions(
    db: Database,
    out: BinaryIO | Path,
    *,
    fmt: ExportFormat,
    status: str | None = None,
    since: date | None = None,
    lang: str = "zh",
    clauses: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Write the matching sessions to `out`; returns how many sessions were exported.

    `status` keeps one status (its stored value, e.g. "submitted"); `since` keeps sessions
    submitted on or after that day in the display timezone (drafts never submitted are
    left out). xlsx holds two sheets, sessions and clause results; CSV holds the sessions,
    or with `clauses=True` the clause results instead.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    check_language(lang)
    if status is not None and status not in {s.value for s in Status}:
        allowed = ", ".join(s.value for s in Status)
        raise ValueError(f"unknown status {status!r}; expected one of: {allowed}")
    if isinstance(out, Path):
        return await _export_to_path(
            db,
            out,
            fmt=fmt,
            status=status,
            since=since,
            lang=lang,
            clauses=clauses,
            batch_size=batch_size,
        )
    catalogue = export_catalogue()
    formats = CellFormats(catalogue, lang, fmt)
    sessions_sheet = compile_sheet(catalogue.columns, formats)
    clause_sheet = compile_sheet(catalogue.clause_columns, formats)
    since_utc = start_of_day_utc(since, catalogue.zone) if since is not None else None

    writer: XlsxWriter | CsvWriter
    write_batch: Callable[[list[RowContext]], None]
    if fmt == "xlsx":
        writer = _workbook(out, catalogue, sessions_sheet, clause_sheet, lang)
        write_batch = _xlsx_batches(writer, sessions_sheet, clause_sheet)
    else:
        writer = CsvWriter(out, (clause_sheet if clauses else sessions_sheet).headers)
        write_batch = _csv_batches(writer, clause_sheet if clauses else None, sessions_sheet)
    count = 0
    try:
        async with (
            # Read-only: an optimistic unit takes no write turn, so writers go on meanwhile.
            db.unit_of_work(optimistic=True) as uow,
            contextlib.aclosing(
                # The repository's generator, typed by its protocol as an iterator.
                cast(
                    _Batches,
                    uow.sessions.iter_for_export(
                        status=status, since=since_utc, batch_size=batch_size
                    ),
                )
            ) as batches,
        ):
            async for batch in batches:
                files = await uow.evidence.count_by_session([row.id for row in batch])
                write_batch([row_context(session, files.get(session.id, 0)) for session in batch])
                count += len(batch)
                # Let other tasks run between batches when the export shares their loop.
                await asyncio.sleep(0)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return count


async def export_off_loop(
    db: Database,
    *,
    fmt: ExportFormat,
    status: str | None = None,
    lang: str = "zh",
    clauses: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> tuple[bytes, int]:
    """The export as bytes and its session count, produced away from the caller's loop.

    The queries (which on SQLite run on the thread that awaits them) and the building of
    rows and file take seconds for many sessions, so they run in a worker process with its
    own database handle, holding no write turn: not a thread, whose Python work would
    still take the interpreter from the chats' loop for tens of milliseconds at a time.
    The caller's loop only waits. In-memory SQLite cannot be opened from another process,
    so there the export runs on the caller's loop, yielding between batches.
    """
    options: dict[str, Any] = {
        "fmt": fmt,
        "status": status,
        "lang": lang,
        "clauses": clauses,
        "batch_size": batch_size,
    }
    url = db.url_for_another_process()
    if url is None:
        buffer = io.BytesIO()
        count = await export_sessions(db, buffer, **options)
        return buffer.getvalue(), count
    with tempfile.TemporaryDirectory(prefix="greenlist-export-") as folder:
        path = Path(folder) / f"sessions.{fmt}"
        pool = worker_pool(1)
        try:
            count = await asyncio.get_running_loop().run_in_executor(
                pool, _export_in_worker, url, db.sqlite_driver, path, options
            )
        finally:
            await asyncio.to_thread(pool.shutdown)
        content = await asyncio.to_thread(path.read_bytes)
    return content, count


def _export_in_worker(
    url: str, sqlite_driver: SqliteDriver, path: Path, options: dict[str, Any]
) -> int:
    """The export in a worker process: its own event loop and database handle."""

    async def run() -> int:
        db = Database(url, sqlite_driver=sqlite_driver)
        try:
            return await export_sessions(db, path, **options)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _workbook(
    out: BinaryIO,
    catalogue: ExportCatalogue,
    sessions: CompiledSheet,
    clauses: CompiledSheet,
    lang: str,
) -> XlsxWriter:
    """Sessions on the first sheet, clause results on the second and its continuations."""
    first = catalogue.sheets["clauses"].get(lang)
    continued = catalogue.sheets["clauses_continued"].get(lang)
    return XlsxWriter(
        out,
        catalogue.sheets["sessions"].get(lang),
        sessions,
        lambda number: first if number == 1 else continued.format(n=number),
        clauses,
    )


def _xlsx_batches(
    writer: XlsxWriter, sessions: CompiledSheet, clauses: CompiledSheet
) -> Callable[[list[RowContext]], None]:
    def write(contexts: list[RowContext]) -> None:
        writer.add_rows([sessions.row(ctx) for ctx in contexts], clause_rows(contexts, clauses))

    return write


def _csv_batches(
    writer: CsvWriter, clauses: CompiledSheet | None, sessions: CompiledSheet
) -> Callable[[list[RowContext]], None]:
    """A CSV file holds one table: the clause results when asked for, else the sessions."""

    def write(contexts: list[RowContext]) -> None:
        if clauses is not None:
            writer.add_rows(clause_rows(contexts, clauses))
        else:
            writer.add_rows([sessions.row(ctx) for ctx in contexts])

    return write


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


async def _export_to_path(db: Database, path: Path, **options: Any) -> int:
    """Write beside `path` and rename at the end: a failed export leaves no half file."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path(".")
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            count = await export_sessions(db, stream, **options)
        # mkstemp creates the file private (0600); give it the mode any new file gets.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return count


# Other modules import these names from here.
__all__ = [
    "EXPORT_FORMATS",
    "LANGUAGES",
    "AssessorTexts",
    "CatalogueError",
    "ColumnSpec",
    "ExportCatalogue",
    "ExportFormat",
    "assessor_texts",
    "category_label",
    "check_language",
    "export_catalogue",
    "export_off_loop",
    "export_sessions",
    "local_time",
    "ordered_clauses",
    "start_of_day_utc",
    "status_names",
]

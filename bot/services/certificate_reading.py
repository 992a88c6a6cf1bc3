"""Uploaded certificates read beside the interview, their values put to the supplier.

The upload is confirmed as soon as the file is stored; reading it (a PDF's text layer, else
OCR, seconds of CPU) happens afterwards in a bounded process pool, so the event loop and the
supplier's next answers never wait for it. When the reading is done the interview records
it and asks about each value that would change an answer; a file that cannot be read is
recorded as unreadable and nothing is said.

A waiting upload holds only its digest: its bytes are read back from the evidence store
when its turn in the pool comes, so a queue of hundreds of uploads (a busy morning, 20 MB
scans) holds the bytes of one file beside each worker, not of every file waiting.

Readings are applied one at a time. The pool finishes them in bursts (a queue of small
files read in a second after a long scan), and each is a write to the supplier's session:
let loose together, hundreds of them would queue for SQLite's write turn ahead of every
supplier's next answer. One at a time, an answer waits for at most one of them.
"""

from __future__ import annotations

import asyncio
import logging

from bot.services.evidence import EvidenceArchive
from bot.services.interview import InterviewService
from bot.services.outcome import Outcome, Who
from bot.services.reading import TextUnavailable, extract_fields
from bot.services.reading.text import TextReader
from storage.evidence_store import StoreUnavailable

log = logging.getLogger(__name__)


class CertificateReading:
    """Reads stored uploads in at most `workers` processes (started on first use)."""

    def __init__(
        self, interview: InterviewService, archive: EvidenceArchive, workers: int = 1
    ) -> None:
        self.interview = interview
        self.archive = archive
        self.workers = workers
        self._reader: TextReader | None = None
        # One file beside each worker: the next is ready when a worker frees up.
        self._turns = asyncio.Semaphore(workers + 1)
        self._applying = asyncio.Semaphore(1)

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    async def fields(self, data: bytes) -> dict[str, str] | None:
        """The fields found in a file as text (dates YYYY-MM-DD); None when nothing was."""
        if self._reader is None:
            self._reader = TextReader(self.workers)
        try:
            text, _method = await self._reader.read(data)
        except TextUnavailable as exc:
            log.info("file not readable: %s", exc)
            return None
        except Exception:  # a broken worker or a file the readers choke on: unreadable
            log.warning("reading a file failed", exc_info=True)
            return None
        found = extract_fields(text).as_json()
        values = {
            key: str(value)
            for key, value in found.items()
            if key != "sources" and value not in (None, "")
        }
        return values or None

    async def read(self, who: Who, digest: str, file_name: str | None) -> Outcome:
        """Read one stored upload and hand the result to the supplier's interview.

        Bytes gone from the store (or not matching their digest) are a file that cannot be
        read; a store that cannot be reached leaves the file unread rather than recording
        it as unreadable.
        """
        if not self.enabled:
            return Outcome([])
        async with self._turns:
            try:
                data = await self.archive.content_of(digest)
            except StoreUnavailable as exc:
                log.warning("file %s not read: the evidence store failed: %s", digest[:12], exc)
                return Outcome([])
            if data is None:
                log.warning("file %s not read: its bytes are not in the store", digest[:12])
                fields = None
            else:
                fields = await self.fields(data)
        async with self._applying:
            return await self.interview.file_read(who, digest, file_name, fields)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

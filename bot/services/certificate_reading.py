"""Uploaded certificates read beside the interview, their values put to the supplier.

The upload is confirmed as soon as the file is stored; reading it (a PDF's text layer, else
OCR, seconds of CPU) happens afterwards in a bounded process pool, so the event loop and the
supplier's next answers never wait for it. When the reading is done the interview records
it and asks about each value that would change an answer; a file that cannot be read is
recorded as unreadable and nothing is said.

Readings are applied one at a time. The pool finishes them in bursts (a queue of small
files read in a second after a long scan), and each is a write to the supplier's session:
let loose together, hundreds of them would queue for SQLite's write turn ahead of every
supplier's next answer. One at a time, an answer waits for at most one of them.
"""

from __future__ import annotations

import asyncio
import logging

from bot.services.interview import InterviewService
from bot.services.outcome import Outcome, Who
from bot.services.reading import TextUnavailable, extract_fields
from bot.services.reading.text import TextReader

log = logging.getLogger(__name__)


class CertificateReading:
    """Reads stored uploads in at most `workers` processes (started on first use)."""

    def __init__(self, interview: InterviewService, workers: int = 1) -> None:
        self.interview = interview
        self.workers = workers
        self._reader: TextReader | None = None
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

    async def read(self, who: Who, digest: str, file_name: str | None, data: bytes) -> Outcome:
        """Read one stored upload and hand the result to the supplier's interview."""
        if not self.enabled:
            return Outcome([])
        fields = await self.fields(data)
        async with self._applying:
            return await self.interview.file_read(who, digest, file_name, fields)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

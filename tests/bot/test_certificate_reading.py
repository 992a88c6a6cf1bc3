"""Uploads waiting to be read hold nothing but their digest, and readings finished together
are applied to the sessions one after another: a burst of them must not queue ahead of
every supplier's next answer for SQLite's write turn."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from bot.services.certificate_reading import CertificateReading
from bot.services.outcome import Outcome, Who
from storage.evidence_store import StoreUnavailable


class RecordingInterview:
    """Stands in for the interview service: how many readings it applies at once."""

    def __init__(self) -> None:
        self.applying = 0
        self.most_at_once = 0
        self.applied: dict[str, dict[str, str] | None] = {}

    async def file_read(
        self, who: Who, digest: str, file_name: str | None, fields: dict[str, str] | None
    ) -> Outcome:
        self.applying += 1
        self.most_at_once = max(self.most_at_once, self.applying)
        await asyncio.sleep(0.002)  # a transaction's awaits: others could start meanwhile
        self.applying -= 1
        self.applied[digest] = fields
        return Outcome([])


class Archive:
    """Stands in for the evidence archive: bytes by digest, and how many are out at once."""

    def __init__(self, files: dict[str, bytes], *, down: bool = False) -> None:
        self.files = files
        self.down = down
        self.out = 0
        self.most_out = 0

    async def content_of(self, sha256: str) -> bytes | None:
        if self.down:
            raise StoreUnavailable("bucket unreachable")
        await asyncio.sleep(0)
        data = self.files.get(sha256)
        if data is not None:
            self.out += 1
            self.most_out = max(self.most_out, self.out)
        return data


class ReadAtOnce(CertificateReading):
    """Every file read the moment it is asked for, as a burst from the pool arrives; the
    bytes are let go once read."""

    async def fields(self, data: bytes) -> dict[str, str] | None:
        await asyncio.sleep(0.001)
        archive: Any = self.archive
        archive.out -= 1
        return {"expires": data.decode()}


def stored(count: int) -> dict[str, bytes]:
    files = {}
    for n in range(count):
        data = f"2030-01-{n % 28 + 1:02d}".encode()
        files[hashlib.sha256(data + bytes([n])).hexdigest()] = data
    return files


async def read_all(reading: CertificateReading, digests: list[str]) -> None:
    async def read(n: int, digest: str) -> Any:
        return await reading.read(Who(user_id=7000 + n, name="砖厂"), digest, None)

    await asyncio.gather(*(read(n, d) for n, d in enumerate(digests)))


async def test_readings_that_finish_together_are_applied_one_at_a_time() -> None:
    interview, files = RecordingInterview(), stored(40)
    reading = ReadAtOnce(interview, Archive(files), workers=1)  # type: ignore[arg-type]

    await read_all(reading, list(files))

    assert interview.most_at_once == 1
    assert interview.applied == {d: {"expires": data.decode()} for d, data in files.items()}


async def test_a_queue_of_uploads_holds_the_bytes_of_one_file_beside_each_worker() -> None:
    interview, files = RecordingInterview(), stored(60)
    archive = Archive(files)
    reading = ReadAtOnce(interview, archive, workers=2)  # type: ignore[arg-type]

    await read_all(reading, list(files))

    assert archive.most_out == 3  # two workers, and the next file ready for the first free
    assert len(interview.applied) == 60


async def test_bytes_gone_from_the_store_are_a_file_that_cannot_be_read() -> None:
    interview = RecordingInterview()
    reading = ReadAtOnce(interview, Archive({}), workers=1)  # type: ignore[arg-type]

    await reading.read(Who(user_id=7001, name="砖厂"), "ab" * 32, "证书.pdf")

    assert interview.applied == {"ab" * 32: None}


async def test_a_store_that_cannot_be_reached_leaves_the_file_unread() -> None:
    interview = RecordingInterview()
    reading = ReadAtOnce(interview, Archive({}, down=True), workers=1)  # type: ignore[arg-type]

    outcome = await reading.read(Who(user_id=7001, name="砖厂"), "ab" * 32, "证书.pdf")

    assert outcome.replies == [] and interview.applied == {}

"""Readings finished together are applied to the sessions one after another: a burst of
them must not queue ahead of every supplier's next answer for SQLite's write turn."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.services.certificate_reading import CertificateReading
from bot.services.outcome import Outcome, Who


class RecordingInterview:
    """Stands in for the interview service: how many readings it applies at once."""

    def __init__(self) -> None:
        self.applying = 0
        self.most_at_once = 0
        self.applied: list[str] = []

    async def file_read(
        self, who: Who, digest: str, file_name: str | None, fields: dict[str, str] | None
    ) -> Outcome:
        self.applying += 1
        self.most_at_once = max(self.most_at_once, self.applying)
        await asyncio.sleep(0.002)  # a transaction's awaits: others could start meanwhile
        self.applying -= 1
        self.applied.append(digest)
        return Outcome([])


class ReadAtOnce(CertificateReading):
    """Every file read the moment it is asked for, as a burst from the pool arrives."""

    async def fields(self, data: bytes) -> dict[str, str] | None:
        return {"expires": data.decode()}


async def test_readings_that_finish_together_are_applied_one_at_a_time() -> None:
    interview = RecordingInterview()
    reading = ReadAtOnce(interview, workers=1)  # type: ignore[arg-type]
    digests = [f"{n:064x}" for n in range(40)]

    async def read(digest: str) -> Any:
        who = Who(user_id=7000 + int(digest, 16), name="砖厂")
        return await reading.read(who, digest, None, b"2030-01-01")

    await asyncio.gather(*(read(d) for d in digests))

    assert interview.most_at_once == 1
    assert sorted(interview.applied) == digests  # none lost

"""Memory of a queue of uploads waiting to be read: the bot process's peak RSS.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/bench_reading_queue.py
    .venv/bin/python bench/bench_reading_queue.py --files 300 --mb 20

Stores --files uploads of --mb MB each in a local evidence store (damaged PDFs: the
reading worker gives up on each at once, so the queue, not OCR, is measured), then hands
them all to the bot's `CertificateReading` with one reading worker, as a burst of uploads
does, and reports the process's peak resident memory. A waiting upload holds only its
digest, so the peak should stay near one file per worker above the start, whatever
--files is; holding every waiting file's bytes would add --files x --mb.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.services.certificate_reading import CertificateReading  # noqa: E402
from bot.services.evidence import EvidenceArchive  # noqa: E402
from bot.services.outcome import Outcome, Who  # noqa: E402
from storage import Database  # noqa: E402
from storage.evidence_store import LocalEvidenceStore  # noqa: E402


class NoInterview:
    """The readings go nowhere: only the queue's memory is measured."""

    async def file_read(self, *_: object) -> Outcome:
        return Outcome([])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(files: int, mb: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = LocalEvidenceStore(folder)
        digests = [
            await store.put(b"%PDF-1.4\n" + os.urandom(mb * 1024 * 1024)) for _ in range(files)
        ]
        before = peak_mb()
        archive = EvidenceArchive(Database("sqlite+aiosqlite://"), store)
        reading = CertificateReading(NoInterview(), archive, workers=1)  # type: ignore[arg-type]
        try:
            await asyncio.gather(
                *(reading.read(Who(user_id=n, name="砖厂"), d, None) for n, d in enumerate(digests))
            )
        finally:
            reading.close()
        print(
            f"{files} uploads of {mb} MB read with one worker: peak RSS {peak_mb():.0f} MB "
            f"({before:.0f} MB before the queue; their bytes together: {files * mb} MB)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--mb", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(bench(args.files, args.mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())

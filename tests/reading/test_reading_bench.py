"""The bot benchmark's certificates read amid paced suppliers (bench/background.py): the
files are ones the bot accepts, and the reading pool's CPU is seen from outside the bot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import background  # noqa: E402

from storage.evidence_store import sniff_type  # noqa: E402


def test_generated_certificates_are_files_the_bot_accepts() -> None:
    files = background.certificates(8)
    assert len(files) == 8
    for name, data, mime in files:
        kind = sniff_type(data)
        assert kind in ("pdf", "png", "jpeg"), name
        assert mime == {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}[kind]
        assert name.endswith({"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}[kind])


def test_the_cpu_of_a_processs_children_is_counted() -> None:
    before = background.descendants_cpu_s(os.getpid())
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    child = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(5)"])
    try:
        deadline = time.monotonic() + 10
        used = 0.0
        while used < 0.25 and time.monotonic() < deadline:
            used = background.descendants_cpu_s(os.getpid()) - before
    finally:
        child.kill()
        child.wait()
    assert used >= 0.25

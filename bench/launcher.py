"""Start a benchmarked bot (`greenlist run` or the echo bot) with the benchmark's probes.

    .venv/bin/python bench/launcher.py bot     # greenlist run
    .venv/bin/python bench/launcher.py echo    # bench/echo_bot.py

Both bots get the same probes, installed when PTB initialises the application, so the
floor carries what the bot carries:

* a ticker on the bot's own event loop, every 10 ms: how late each tick wakes is how long
  something held the loop, which every chat waits for. SIGUSR2 writes the worst lateness
  (and the tick count) since the previous SIGUSR2 to the file BENCH_STALL_FILE names, as
  one JSON line with a sequence number, then starts over: the benchmark signals before and
  after each timed run;
* SIGUSR1 runs the bot's "reminders" job at once (PTB's Job.run; otherwise 30 s after
  start, then hourly), and the log says when it began and ended;
* with BENCH_CPROFILE=FILE, cProfile of the event loop's thread from the first SIGUSR2
  (the start of the first timed run: start-up, imports and warm-up left out) to the exit,
  written to FILE: where the bot's time goes beyond the echo bot's.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import signal
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from telegram.ext import Application

ROOT = Path(__file__).resolve().parents[1]
# The bot of another checkout (bench_bot.py --code) runs from that checkout.
CODE_ROOT = Path(os.environ.get("BENCH_CODE_ROOT") or ROOT)
sys.path.insert(0, str(CODE_ROOT))

TICK_S = 0.010


class StallTicker:
    """The worst lateness of a 10 ms sleep on the running loop, per reporting window."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.worst_s = 0.0
        self.ticks = 0
        self.reports = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + TICK_S
            await asyncio.sleep(TICK_S)
            self.worst_s = max(self.worst_s, loop.time() - due)
            self.ticks += 1

    def report(self) -> None:
        """Write this window's worst stall, atomically, and open the next window."""
        self.reports += 1
        if self.out is not None:
            line = {"report": self.reports, "max_ms": self.worst_s * 1000, "ticks": self.ticks}
            part = self.out.with_name(self.out.name + ".part")
            part.write_text(json.dumps(line))
            part.replace(self.out)
        self.worst_s, self.ticks = 0.0, 0


async def run_reminders(application: Application) -> None:  # type: ignore[type-arg]
    began = time.monotonic()
    print("benchmark: reminders job started", file=sys.stderr, flush=True)
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name("reminders"):
        await job.run(application)
    took = (time.monotonic() - began) * 1000
    print(f"benchmark: reminders job done in {took:.0f} ms", file=sys.stderr, flush=True)


def install_probes(profiler: cProfile.Profile | None = None) -> None:
    """Wrap Application.initialize: the probes start on the loop the bot runs on; the
    profiler, if any, at the first report (on the loop's thread, the one it profiles)."""
    initialize = Application.initialize
    tasks: set[asyncio.Task[Any]] = set()
    out = os.environ.get("BENCH_STALL_FILE")
    ticker = StallTicker(Path(out) if out else None)

    def spawn(coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def initialize_with_probes(self: Application) -> None:  # type: ignore[type-arg]
        await initialize(self)
        loop = asyncio.get_running_loop()
        spawn(ticker.run())

        def report() -> None:
            if profiler is not None and ticker.reports == 0:
                profiler.enable()
            ticker.report()

        loop.add_signal_handler(signal.SIGUSR2, report)
        if self.job_queue is not None:
            loop.add_signal_handler(signal.SIGUSR1, lambda: spawn(run_reminders(self)))

    Application.initialize = initialize_with_probes  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    if argv not in (["bot"], ["echo"]):
        print("usage: launcher.py bot|echo", file=sys.stderr)
        return 2
    out = os.environ.get("BENCH_CPROFILE")
    if not out:
        install_probes()
        return start(argv)
    profiler = cProfile.Profile()
    install_probes(profiler)
    try:
        return start(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


def start(argv: list[str]) -> int:
    if argv == ["echo"]:
        sys.path.insert(0, str(ROOT / "bench"))
        from echo_bot import main as echo_main

        return echo_main()
    # The `greenlist` entry point as installed, whichever module a checkout keeps it in.
    (script,) = entry_points(group="console_scripts", name="greenlist")
    bot_main = script.load()
    sys.argv = ["greenlist", "run"]
    return int(bot_main(["run"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

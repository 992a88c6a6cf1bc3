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
* with BENCH_STALL_STACKS=MS, what holds the loop or makes updates queue, caught in the
  act (to the file BENCH_STALL_STACKS_FILE names, else the log): every thread's stack
  whenever the ticker is MS late; every garbage collection that took MS/4 or more; and
  every 250 ms, each line of the bot's code where BENCH_CROWD (default 20) or more tasks
  wait at once (a queue: the write turn, a lock, the reading pool);
* with BENCH_CPROFILE=FILE, cProfile of the event loop's thread from the first SIGUSR2
  (the start of the first timed run: start-up, imports and warm-up left out) to the exit,
  written to FILE: where the bot's time goes beyond the echo bot's.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections import Counter
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
        self.last_tick = time.monotonic()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + TICK_S
            await asyncio.sleep(TICK_S)
            self.worst_s = max(self.worst_s, loop.time() - due)
            self.ticks += 1
            self.last_tick = time.monotonic()

    def report(self) -> None:
        """Write this window's worst stall, atomically, and open the next window."""
        self.reports += 1
        if self.out is not None:
            line = {"report": self.reports, "max_ms": self.worst_s * 1000, "ticks": self.ticks}
            part = self.out.with_name(self.out.name + ".part")
            part.write_text(json.dumps(line))
            part.replace(self.out)
        self.worst_s, self.ticks = 0.0, 0


class Witness:
    """BENCH_STALL_STACKS: what holds the loop or makes the bot's updates queue."""

    def __init__(self, ticker: StallTicker, late_ms: float, crowd: int, out: str | None) -> None:
        self.ticker = ticker
        self.late_s = late_ms / 1000
        self.crowd = crowd
        self.out = out
        self._gc_began = 0.0

    def start(self, spawn: Any) -> None:
        threading.Thread(
            target=self.watch, args=(threading.get_ident(),), name="stall-stacks", daemon=True
        ).start()
        gc.callbacks.append(self.time_collection)
        spawn(self.crowds())

    def watch(self, loop_thread: int) -> None:
        """In a thread of its own: every thread's stack, once per stall over late_s."""
        caught = 0.0
        while True:
            time.sleep(self.late_s / 4)
            last = self.ticker.last_tick
            if time.monotonic() - last < self.late_s + TICK_S or caught == last:
                continue
            caught = last
            late = (time.monotonic() - last - TICK_S) * 1000
            text = f"benchmark: loop held {late:.0f} ms so far; the loop's thread first:\n"
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            frames = sys._current_frames()
            for ident in sorted(frames, key=lambda i: i != loop_thread):
                if ident != threading.get_ident():
                    stack = "".join(traceback.format_stack(frames[ident])[-12:])
                    text += f"-- thread {names.get(ident, ident)}:\n{stack}"
            self.write(text)

    def time_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_began
        if took >= self.late_s / 4:
            self.write(f"benchmark: garbage collection {info} took {took * 1000:.0f} ms\n")

    async def crowds(self) -> None:
        """Every 250 ms: each line where `crowd` or more tasks wait at once (a queue)."""
        while True:
            await asyncio.sleep(0.25)
            places: Counter[str] = Counter()
            for task in asyncio.all_tasks():
                coroutine: Any = task.get_coro()
                frame = None
                while isinstance(coroutine, types.CoroutineType) and coroutine.cr_frame:
                    frame, coroutine = coroutine.cr_frame, coroutine.cr_await
                if frame is not None:
                    where = "/".join(frame.f_code.co_filename.rsplit("/", 2)[-2:])
                    places[f"{where}:{frame.f_lineno} {frame.f_code.co_name}"] += 1
            crowded = {place: n for place, n in places.items() if n >= self.crowd}
            if crowded:
                self.write(f"benchmark: {time.monotonic():.2f} s, tasks waiting at {crowded}\n")

    def write(self, text: str) -> None:
        if self.out:
            with open(self.out, "a", encoding="utf-8") as found:
                found.write(text)
        else:
            print(text, file=sys.stderr, flush=True)


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
        late_ms = os.environ.get("BENCH_STALL_STACKS")
        if late_ms:
            crowd = int(os.environ.get("BENCH_CROWD", "20"))
            out = os.environ.get("BENCH_STALL_STACKS_FILE")
            Witness(ticker, float(late_ms), crowd, out).start(spawn)

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

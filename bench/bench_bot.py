"""End-to-end load benchmark: suppliers complete whole interviews against `greenlist run`.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/bench_bot.py                       # SQLite and PostgreSQL, 1/10/100
    .venv/bin/python bench/bench_bot.py --backend sqlite --concurrency 1,10
    .venv/bin/python bench/bench_bot.py --rounds 3                # medians of three rounds
    .venv/bin/python bench/bench_bot.py --paced-think-ms 500      # faster "people"
    .venv/bin/python bench/bench_bot.py --profile /tmp/greenlist-profile   # py-spy, see below
    .venv/bin/python bench/bench_bot.py --count-instructions --concurrency 1 --min-updates 122
    .venv/bin/python bench/bench_bot.py --timeline    # p99 per 5 s: one burst, or the whole run?

A fake Telegram Bot API (tests/fakebot) listens on 127.0.0.1 inside this process. The real
bot runs as a child process, `.venv/bin/greenlist run`, polling that server with
TELEGRAM_RATE_LIMIT=false: PTB's rate limiter paces sends to Telegram's real limit (about
30 messages a second), which would measure the limiter, not the bot. Each simulated
supplier starts with /start and reads every screen the way a person does, answering with
buttons, typed text and PDF uploads through to the submitted verdict; it sends its next
input only after the bot's reply has arrived. After each run every supplier's session
must be `submitted` in the database with that supplier's company name and figures.

* latency of an update: from the moment the simulated user sends it (the fake server
  receives it) to the arrival of the bot's first message for that chat (sendMessage or an
  edit of a message's text; a callback answer does not count: the bot sends it before doing
  any work, and neither does taking the buttons off an earlier screen, which answers
  nothing). The wait before the bot's getUpdates picks the update up is part of it, as for
  a person;
* throughput: updates handled / wall time of the run;
* stall: the worst lateness of a 10 ms ticker on the bot's own event loop (both bots start
  through bench/launcher.py, which adds it);
* cpu x: the bot's CPU time per update over the echo bot's in the same round.

The floor is bench/echo_bot.py built like the bot: the bot's aiohttp client and pool,
uvloop, Defaults(parse_mode=HTML, tzinfo), the same PerPersonUpdateProcessor and the same
(off) rate limiter, with one handler that echoes. It is driven through the same server by
the same number of users, each sending as many messages as one interview takes.
--floor old gives the floor of earlier figures (PTB's httpx client, the default loop).

Two kinds of run, both in the default schedule:

* capacity, at 1, 10 and 100 suppliers who each send their next input the instant the
  reply arrives (with fewer suppliers than --min-updates takes, each is followed by
  another: ten interviews one after another at 1): the throughput target, at least 0.5x
  the echo bot's updates per second with every answer committed, applies here. Latency
  is printed but not judged: such users keep the bot saturated, and by Little's law the
  latency is then users / throughput for any bot, the echo bot included;
* latency, at 100 concurrent suppliers who pause before each input as people do (a mean of
  --paced-think-ms, default 1000 ms, drawn from half to one and a half times it; a real
  supplier looking up figures takes far longer): the target is p99 under 50 ms.

PostgreSQL: a throwaway database is created on the server named by --pg-url (default
127.0.0.1:5432, user postgres), migrated with `greenlist db upgrade` and dropped at the
end; SQLite: a temporary file, migrated the same way. Every bot process is warmed up with
one complete interview (the echo bot with one user's messages) before the clock starts.

--profile PREFIX samples the bot with py-spy (`pip install py-spy`) during the timed runs,
writes PREFIX-<backend>.txt (collapsed stacks, for flamegraph tools) and prints where the
time went; the timings of a profiled run are slower than normal.

--reminders-at-s SECONDS makes the bot's reminders job (otherwise 30 s after start, then
hourly: before the timed runs) run that long into every run with 100 suppliers or more,
beside their answers; the bot runs through a small launcher that runs the job on SIGUSR1.
A job that stalled the answers would fail the run (before the write turn and the pool
were taken in one order, 85 of 100 suppliers got "抱歉，处理您的消息时出了问题" and the
log a `QueuePool ... timeout 30.00`). A run shorter than SECONDS waits for the job.

--export-sessions N stores N realistic sessions before the bot starts, and an assessor
(role granted with `greenlist roles grant`) sends /export from the chat --export-at-s into
the paced run; --reevaluate sets localisation.min_ratio_pct (`greenlist criteria set`,
alternately 90 and 95) and an admin sends /reevaluate --reevaluate-at-s into it. The table
gives the p99 of the updates suppliers sent while each piece of work (and the reminders
job) ran.

--reading-files N uploads N generated certificates and reports (bench_reading.py's corpus:
photos, JPEG scans, PDFs with and without a text layer, half of them damaged) from two more
chats during the paced run, one every --reading-every-s seconds from --reading-at-s on;
the bot reads them in its reading pool (READING_WORKERS, default 1) while the suppliers
answer. Its window lasts until the pool has used no CPU for 5 s after the last upload;
the table gives the p99 of the suppliers' updates sent meanwhile, and the run's worst loop
stall. The uploads come from chats of their own because questions about what was read
would interrupt a scripted interview; the reading is the same work.

--slow-fsync-ms MS runs each bot under strace, delaying every fsync and fdatasync by MS
(a slow disk; SQLite's commits; PostgreSQL's fsyncs are the server's, not the bot's).

--count-instructions runs every bot under valgrind's callgrind and reports the
instructions it executed per update in each timed run: the same to a fraction of a
percent from run to run, where timings on a shared machine drift, so it compares two
versions of the code; the targets are still judged on the timed runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import io
import json
import math
import os
import pstats
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import background  # noqa: E402  (bench/, beside this script)
from background import STAFF_WAIT_S, Background, seed_sessions  # noqa: E402

from conversations import Engine  # noqa: E402
from storage import Database, Status  # noqa: E402
from tests.bot.telegram_supplier import TelegramSupplier  # noqa: E402
from tests.conversations.interview_driver import TYPED, VALID_CODE  # noqa: E402
from tests.fakebot import Call, FakeTelegram, FakeUser, SentMessage  # noqa: E402

THROUGHPUT_TARGET = 0.5  # of the echo bot's updates per second
CPU_RATIO_TARGET = 4.0  # the bot's CPU time per update, at most this many times the echo's
P99_TARGET_MS = 50.0
P99_TARGET_USERS = 100  # the latency target is for this many paced suppliers
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
VENV_BIN = Path(sys.executable).parent

WAIT_S = 60.0  # one reply, however loaded the bot is
RUN_S = 900.0  # one timed run
START_S = 60.0  # a bot process until its first getUpdates
LAUNCHER = ROOT / "bench" / "launcher.py"  # the bots with a loop-stall ticker and SIGUSR1
STOP_S = 15.0  # a bot process after SIGINT
MAX_SCREENS = 150  # questions one interview may show before it counts as stuck

SENT_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
# What a user reads as the answer to an input: a new message or a message's text redrawn.
# Buttons taken off an earlier screen answer nothing, so they do not stop the clock.
ANSWER_METHODS = SENT_METHODS | {"editMessageText", "editMessageCaption"}


class BenchError(RuntimeError):
    """The benchmark could not run as asked; the message says why."""


# -- what the bot sends, per chat -------------------------------------------------------------


@dataclass
class Inbox:
    """One chat as the load driver sees it: the bot's messages and the update in flight."""

    chat_id: int
    sent: deque[SentMessage] = field(default_factory=deque)
    edits: deque[SentMessage] = field(default_factory=deque)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    sent_at: deque[float] = field(default_factory=deque)  # the user's sends not yet handed over
    in_flight: deque[float] = field(default_factory=deque)  # their send times, handed over
    latencies: list[float] = field(default_factory=list)  # from the user's send to the reply
    sends: list[float] = field(default_factory=list)  # the send time of each latency
    handovers: list[float] = field(default_factory=list)  # from the send to the getUpdates answer
    delivered: int = 0
    wait_s: float = WAIT_S

    def send(self, at: float) -> None:
        """The user sends: the fake server receives the update now; the clock starts."""
        self.sent_at.append(at)

    def deliver(self, at: float) -> None:
        self.delivered += 1
        sent = self.sent_at.popleft() if self.sent_at else at
        self.handovers.append(at - sent)
        self.in_flight.append(sent)

    def receive(self, call: Call) -> None:
        if self.in_flight and call.method in ANSWER_METHODS:
            sent = self.in_flight.popleft()
            self.sends.append(sent)
            self.latencies.append(call.at - sent)
        message = SentMessage(call.method, call.result, call.params)
        (self.edits if call.method in EDIT_METHODS else self.sent).append(message)
        self.changed.set()

    async def take(
        self, queue: deque[SentMessage], matches: Callable[[SentMessage], bool], what: str
    ) -> SentMessage:
        """Consume messages until one matches; fail after wait_s with what came instead."""
        skipped: list[str] = []
        deadline = time.monotonic() + self.wait_s
        while True:
            while queue:
                message = queue.popleft()
                if matches(message):
                    return message
                skipped.append(str(message))
            self.changed.clear()
            remaining = deadline - time.monotonic()
            try:
                async with asyncio.timeout(max(remaining, 0.0)):
                    await self.changed.wait()
            except TimeoutError:
                got = "\n  ".join(skipped[-5:]) or "(nothing)"
                raise BenchError(
                    f"chat {self.chat_id}: no {what} within {self.wait_s:.0f} s; got:\n  {got}"
                ) from None


class Observer:
    """Fed by the fake server with every answered call; serves the simulated users."""

    def __init__(self) -> None:
        self.inboxes: dict[int, Inbox] = {}
        self.polls = 0
        self.polled = asyncio.Event()
        self._delivered: set[int] = set()
        self.stray_replies = 0
        self.time_scale = 1.0  # VALGRIND_SLOWDOWN when the bots run under valgrind

    def watch(self, chat_id: int) -> Inbox:
        inbox = self.inboxes[chat_id] = Inbox(chat_id, wait_s=WAIT_S * self.time_scale)
        return inbox

    def __call__(self, call: Call) -> None:
        if call.method == "getUpdates":
            self.polls += 1
            self.polled.set()
            if call.ok and call.result:
                assert call.answered_at is not None
                for update in call.result:
                    self._deliver(update, call.answered_at)
            return
        if call.ok and (call.method in SENT_METHODS or call.method in EDIT_METHODS):
            inbox = self.inboxes.get(int(call.result["chat"]["id"]))
            if inbox is not None:
                inbox.receive(call)
            else:
                self.stray_replies += 1

    def _deliver(self, update: dict[str, Any], at: float) -> None:
        # A batch the bot has not confirmed yet comes again with its next poll: the first
        # hand-over is the one that counts.
        if update["update_id"] in self._delivered:
            return
        self._delivered.add(update["update_id"])
        chat_id = _chat_of(update)
        inbox = self.inboxes.get(chat_id) if chat_id is not None else None
        if inbox is not None:
            inbox.deliver(at)


def _chat_of(update: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message"):
        if key in update:
            return int(update[key]["chat"]["id"])
    query = update.get("callback_query")
    if query and "message" in query:
        return int(query["message"]["chat"]["id"])
    return None


class InboxUser:
    """A FakeUser whose waiting is served by its inbox instead of polling the server.

    It has the FakeUser methods TelegramSupplier uses, so the tests' scripted supplier
    drives the load unchanged; with a hundred users, FakeUser's own waiting (every waiter
    re-checks on every change) would spend the driver's time instead of the bot's.
    """

    def __init__(self, user: FakeUser, inbox: Inbox, think_s: float = 0.0, seed: int = 0) -> None:
        self._user = user
        self.inbox = inbox
        self._think_s = think_s
        self._rng = random.Random(seed)
        self.send_command = self._paced(user.send_command)
        self.send_text = self._paced(user.send_text)
        self.send_document = self._paced(user.send_document)
        self.press = self._paced(user.press)

    def _paced(self, send: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        """With a think time, a pause before every input (half to one and a half times it);
        the latency clock starts as the update reaches the fake server (the send itself
        queues it there, in this process)."""

        async def paced(*args: Any, **kwargs: Any) -> Any:
            if self._think_s:
                await asyncio.sleep(self._think_s * self._rng.uniform(0.5, 1.5))
            self.inbox.send(time.monotonic())
            return await send(*args, **kwargs)

        return paced

    async def next_message(self) -> SentMessage:
        return await self.inbox.take(self.inbox.sent, lambda _: True, "message")

    async def next_edit(self) -> SentMessage:
        return await self.inbox.take(self.inbox.edits, lambda _: True, "edit")

    async def wait_for(self, match: str | Callable[[SentMessage], bool]) -> SentMessage:
        if isinstance(match, str):
            wanted = match
            return await self.inbox.take(
                self.inbox.sent, lambda m: wanted in m.text, f"message containing {wanted!r}"
            )
        return await self.inbox.take(self.inbox.sent, match, "expected message")


# -- the scripted users -----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one supplier answers where it differs from the tests' qualified plant."""

    company: str
    output_t: int
    local_t: int
    expiry: str

    @classmethod
    def numbered(cls, number: int) -> Plan:
        # Certificates must still be valid on the day the benchmark runs.
        expiry = date(date.today().year + 2, 6, 30).isoformat()
        return cls(f"冀南新型墙材{number:04d}号有限公司", 120_000 + number, 50_000 - number, expiry)

    def answers(self) -> dict[str, str]:
        return {
            "company_name": self.company,
            "qms_expiry": self.expiry,
            "ems_expiry": self.expiry,
            "output_t": str(self.output_t),
            "raw_local_t": str(self.local_t),
        }


async def interview(supplier: TelegramSupplier, plan: Plan) -> None:
    """/start, every question as the screen asks it, the review, submit, the verdict."""
    answers = plan.answers()
    screen = await supplier.start()
    previous: str | None = None
    for _ in range(MAX_SCREENS):
        question = supplier.question_on_screen(screen)
        if question is None:
            break
        if question.id == previous:
            raise BenchError(f"the bot asked {question.id} again: the answer was refused")
        previous = question.id
        screen = await supplier.answer(screen, answers)
    else:
        raise BenchError(f"the interview did not reach the review in {MAX_SCREENS} screens")
    if supplier.t("review.title") not in screen.text:
        raise BenchError(f"expected the review, got: {screen}")
    await supplier.user.press(supplier.t("button.submit"), screen)
    await supplier.user.wait_for(supplier.t("chat.verdict_heading"))
    await supplier.user.wait_for(supplier.t("submit.done"))


async def echo_user(user: InboxUser, messages: int) -> None:
    for number in range(1, messages + 1):
        text = f"第 {number} 条：{TYPED['company_name']}"
        await user.send_text(text)
        await user.wait_for(lambda m, text=text: m.text == text)


# -- one timed run ----------------------------------------------------------------------------


@dataclass
class Run:
    bot: str  # "sqlite", "postgresql" or "echo"
    concurrency: int
    updates: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    unanswered: int
    bot_cpu_s: float  # CPU time the bot process used during the run (user + system)
    driver_cpu_s: float  # CPU time this process (fake server and users) used
    committed: int | None = None  # suppliers whose whole interview is stored as submitted
    interviews: int = 0  # interviews the run took (suppliers at a time x one after another)
    round: int = 0
    think_ms: float = 0.0  # mean pause of each user before each input
    beside: str | None = None  # an echo run: the bot run that follows it and is compared to it
    instructions: int | None = None  # the bot's, with --count-instructions
    handover_p99_ms: float = float("nan")  # the user's send to the getUpdates answer
    stall_ms: float | None = None  # the worst lateness of the bot's 10 ms loop ticker
    #: background work during the run: its name -> (seconds it took, p99 ms of the
    #: updates sent while it ran, how many)
    during: dict[str, tuple[float, float, int]] = field(default_factory=dict)

    @property
    def instructions_per_update(self) -> float | None:
        if self.instructions is None or not self.updates:
            return None
        return self.instructions / self.updates

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        """What one update costs the bot, whatever else the machine is doing meanwhile."""
        return self.bot_cpu_s * 1000 / self.updates if self.updates else float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return ordered[rank - 1]


VALGRIND_SLOWDOWN = 40.0  # time limits are stretched this much under callgrind


class InstructionCounter:
    """Counts the instructions a bot executes during each timed run, with callgrind.

    On a shared machine CPU time per update drifts by a factor of two within minutes, so
    two versions of the code are hard to tell apart by time; the instruction count of the
    same run is the same to a fraction of a percent. It leaves out the kernel's work and
    how fast the instructions run (caches, memory), so it compares code, and the timed
    runs remain what the targets are judged on.
    """

    def __init__(self, pid: int, out: Path) -> None:
        self.pid = pid
        self.out = out  # callgrind's --callgrind-out-file; the n-th dump is out.n
        self._dumps = 0

    @staticmethod
    def command(out: Path) -> list[str]:
        if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
            raise BenchError("--count-instructions needs valgrind (Debian: apt install valgrind)")
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]

    async def zero(self) -> None:
        await self._control("-z")

    async def read(self) -> int:
        """Instructions since the last zero: dump them and read the dump's summary line."""
        await self._control("-d")
        self._dumps += 1
        dump = self.out.with_name(f"{self.out.name}.{self._dumps}")
        deadline = time.monotonic() + STOP_S * VALGRIND_SLOWDOWN
        while time.monotonic() < deadline:
            if dump.exists():
                for row in dump.read_text(errors="replace").splitlines():
                    if row.startswith("summary:"):
                        return int(row.split()[1])
            await asyncio.sleep(0.2)
        raise BenchError(f"callgrind wrote no summary to {dump}")

    async def _control(self, flag: str) -> None:
        await run_command(["callgrind_control", flag, str(self.pid)], dict(os.environ), Path.cwd())


class Driver:
    """The fake server, its observer and the engine the suppliers read screens with."""

    def __init__(self, tg: FakeTelegram, engine: Engine) -> None:
        self.tg = tg
        self.observer = Observer()
        tg.add_call_listener(self.observer)
        self.engine = engine
        self.pid = 0  # the bot process, once started (under strace: strace's child)
        self.timeline = False  # print each run's p99 per 5 s of sends
        self.stall_file: Path | None = None  # where the launcher's ticker reports
        self.log_path: Path | None = None  # the bot's log
        self.background: list[Background] = []  # work started amid 100 suppliers
        self.windows: list[tuple[str, float, float]] = []  # what ran when, in a timed run
        self.counter: InstructionCounter | None = None  # with --count-instructions
        self.reminders_at_s: float | None = None  # with --reminders-at-s
        self._next_user = 5_000_000_001

    def users(self, count: int, name: str, think_s: float) -> list[InboxUser]:
        made = []
        for _ in range(count):
            user_id, self._next_user = self._next_user, self._next_user + 1
            fake = self.tg.user(user_id, name)
            made.append(InboxUser(fake, self.observer.watch(user_id), think_s, seed=user_id))
        return made

    async def suppliers(
        self, count: int, db_url: str, label: str, think_s: float = 0.0, waves: int = 1
    ) -> Run:
        """`count` suppliers at a time; each of them is followed by another, `waves` in all."""
        slots = [self.users(waves, "压测供应商", think_s) for _ in range(count)]
        users = [user for slot in slots for user in slot]
        plans = {user.inbox.chat_id: Plan.numbered(index) for index, user in enumerate(users)}

        async def one_after_another(slot: list[InboxUser]) -> None:
            for user in slot:
                supplier = TelegramSupplier(user, self.engine)  # type: ignore[arg-type]
                await interview(supplier, plans[user.inbox.chat_id])

        jobs = [one_after_another(slot) for slot in slots]
        if self.reminders_at_s is not None and count >= P99_TARGET_USERS:
            jobs.append(self._reminders_after(self.reminders_at_s))
        if count >= P99_TARGET_USERS and think_s:
            for work in self.background:
                await work.prepare()  # before the clock: a threshold change, say
            jobs += [self._window(work) for work in self.background]
        run = await self._timed(label, jobs, users, count)
        run.committed = await verify_committed(db_url, plans)
        run.interviews = len(users)
        run.think_ms = think_s * 1000
        return run

    async def _reminders_after(self, seconds: float) -> None:
        """The bot's reminders job, run `seconds` into the run, amid the answers; its
        window ends when the launcher logs it done (or after 30 s)."""
        await asyncio.sleep(seconds)
        began = time.monotonic()
        done = self.reminders_done()
        os.kill(self.pid, signal.SIGUSR1)
        print(f"  (reminders job fired {seconds:g} s into the run)", flush=True)
        deadline = began + 30 * self.observer.time_scale
        while time.monotonic() < deadline:
            if self.reminders_done() != done:
                break
            await asyncio.sleep(0.05)
        self.windows.append(("reminders", began, time.monotonic()))

    def reminders_done(self) -> int:
        log = self.log_path
        text = log.read_text(errors="replace") if log is not None and log.exists() else ""
        return text.count("benchmark: reminders job done")

    async def _window(self, work: Background) -> None:
        """Background work amid the suppliers, timed from its start to its end."""
        await asyncio.sleep(work.at_s)
        began = time.monotonic()
        await work.start()
        self.windows.append((work.name, began, time.monotonic()))
        print(f"  ({work.name} took {time.monotonic() - began:.1f} s)", flush=True)

    async def stall_report(self) -> float | None:
        """The launcher's worst loop stall since its previous report (SIGUSR2)."""
        if self.stall_file is None:
            return None
        before = self.stall_file.read_text() if self.stall_file.exists() else ""
        os.kill(self.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 5 * self.observer.time_scale
        while time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            text = self.stall_file.read_text() if self.stall_file.exists() else ""
            if text and text != before:
                return float(json.loads(text)["max_ms"])
        return None

    async def echoes(self, count: int, messages: int, think_s: float = 0.0, waves: int = 1) -> Run:
        slots = [self.users(waves, "回声用户", think_s) for _ in range(count)]
        users = [user for slot in slots for user in slot]

        async def one_after_another(slot: list[InboxUser]) -> None:
            for user in slot:
                await echo_user(user, messages)

        jobs = [one_after_another(slot) for slot in slots]
        run = await self._timed("echo", jobs, users, count)
        run.think_ms = think_s * 1000
        return run

    async def _timed(
        self, label: str, jobs: list[Any], users: list[InboxUser], concurrency: int
    ) -> Run:
        # The fake server keeps every call and message; as that history grows, a full
        # collection of this process took 100-200 ms, stalled the server and showed up as
        # the bot's latency. So: collect now, keep what survives out of later collections,
        # and collect nothing while the clock runs.
        gc.collect()
        gc.freeze()
        gc.disable()
        self.windows = []
        await self.stall_report()  # a new window for the loop ticker
        if self.counter is not None:
            await self.counter.zero()
        bot_cpu, driver_cpu = cpu_seconds(self.pid), time.process_time()
        began = time.monotonic()
        limit = RUN_S * self.observer.time_scale
        try:
            async with asyncio.timeout(limit):
                outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        except TimeoutError:
            raise BenchError(f"{label}: the run did not finish within {limit:.0f} s") from None
        finally:
            gc.enable()
        seconds = time.monotonic() - began
        bot_cpu, driver_cpu = cpu_seconds(self.pid) - bot_cpu, time.process_time() - driver_cpu
        stall_ms = await self.stall_report()
        instructions = await self.counter.read() if self.counter is not None else None
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            raise BenchError(
                f"{label}: {len(failures)} of {len(jobs)} users failed; first: {failures[0]}"
            )
        latencies = [lat * 1000 for user in users for lat in user.inbox.latencies]
        handovers = [lat * 1000 for user in users for lat in user.inbox.handovers]
        if self.timeline:
            print(f"  {label}: {timeline(users, began)}", flush=True)
        during = {}
        for name, began, ended in self.windows:
            inside = [
                lat * 1000
                for user in users
                for sent, lat in zip(user.inbox.sends, user.inbox.latencies, strict=True)
                if began <= sent <= ended
            ]
            during[name] = (ended - began, percentile(inside, 0.99), len(inside))
        return Run(
            bot=label,
            concurrency=concurrency,
            updates=sum(user.inbox.delivered for user in users),
            seconds=seconds,
            p50_ms=percentile(latencies, 0.50),
            p99_ms=percentile(latencies, 0.99),
            max_ms=max(latencies, default=float("nan")),
            unanswered=sum(len(user.inbox.in_flight) for user in users),
            bot_cpu_s=bot_cpu,
            driver_cpu_s=driver_cpu,
            instructions=instructions,
            handover_p99_ms=percentile(handovers, 0.99),
            stall_ms=stall_ms,
            during=during,
        )


async def verify_committed(db_url: str, plans: dict[int, Plan]) -> int:
    """Every supplier's interview is in the database, submitted, with their own figures."""
    db = Database(db_url)
    problems: list[str] = []
    try:
        async with db.unit_of_work() as uow:
            for user_id, plan in plans.items():
                rows = await uow.sessions.list_for_owner(user_id)
                if len(rows) != 1:
                    problems.append(f"user {user_id}: {len(rows)} sessions")
                    continue
                row = rows[0]
                energy = row.answers.get("energy", {})
                materials = row.answers.get("raw_materials", {})
                wrong = [
                    what
                    for what, ok in (
                        ("status", row.status == Status.SUBMITTED),
                        ("company", row.company_name == plan.company),
                        ("credit code", row.credit_code == VALID_CODE),
                        ("output", _same(energy.get("output_t"), plan.output_t)),
                        ("local raw material", _same(materials.get("local_t"), plan.local_t)),
                        ("verdict", isinstance(row.evaluation, dict) and row.qualified is True),
                    )
                    if not ok
                ]
                if wrong:
                    problems.append(f"user {user_id}: wrong {', '.join(wrong)}")
    finally:
        await db.dispose()
    if problems:
        raise BenchError(
            f"{len(problems)} of {len(plans)} interviews not committed as answered: "
            + "; ".join(problems[:5])
        )
    return len(plans)


def _same(stored: Any, expected: int) -> bool:
    try:
        return Decimal(str(stored)) == Decimal(expected)
    except ArithmeticError:
        return False


# -- processes and databases ------------------------------------------------------------------


def bot_environment(tg: FakeTelegram, db_url: str | None) -> dict[str, str]:
    """The parent's environment without any bot setting of its own, plus the fake server's."""
    prefixes = ("TELEGRAM_", "DATABASE_URL", "WEBHOOK_", "ADMIN_IDS", "LOG_")
    # The fake server is on loopback: a proxy from the shell would put itself in between.
    proxies = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(prefixes) and k.upper() not in proxies
    }
    env.update(
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        TELEGRAM_API_FILE_URL=tg.base_file_url,
        TELEGRAM_RATE_LIMIT="false",
        LOG_LEVEL="WARNING",
    )
    if db_url is not None:
        env["DATABASE_URL"] = db_url
    return env


async def run_command(command: Sequence[str], env: dict[str, str], cwd: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise BenchError(
            f"`{' '.join(command)}` failed ({process.returncode}):\n{output.decode()[-2000:]}"
        )


@contextlib.asynccontextmanager
async def bot_process(
    driver: Driver, command: Sequence[str], env: dict[str, str], workdir: Path, name: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot in a child process, from its first getUpdates until SIGINT has stopped it."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        driver.observer.polled.clear()
        process = await asyncio.create_subprocess_exec(
            *command, env=env, cwd=workdir, stdout=log, stderr=log, start_new_session=True
        )
        try:
            await _first_poll(driver, process, name, log_path)
            yield process
        finally:
            if driver.pid and driver.pid != process.pid:  # strace's child: the bot itself
                with contextlib.suppress(ProcessLookupError):
                    os.kill(driver.pid, signal.SIGINT)
            await stop_process(process, STOP_S * driver.observer.time_scale)
            tail = _tail(log_path, 1500).strip()
            if tail:
                print(f"  ({name} logged, last lines:\n{tail}\n  )", flush=True)


def _tail(path: Path, chars: int) -> str:
    """The end of a child's log, read once it has stopped writing (outside timed runs)."""
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


async def _first_poll(
    driver: Driver, process: asyncio.subprocess.Process, name: str, log_path: Path
) -> None:
    deadline = time.monotonic() + START_S * driver.observer.time_scale
    while not driver.observer.polled.is_set():
        if process.returncode is not None or time.monotonic() > deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 1)
            log = _tail(log_path, 3000)
            state = "exited" if process.returncode is not None else "never polled"
            raise BenchError(f"{name} {state} (exit {process.returncode}); its log:\n{log}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(driver.observer.polled.wait(), 0.2)


async def stop_process(process: asyncio.subprocess.Process, stop_s: float = STOP_S) -> None:
    """SIGINT (a clean PTB shutdown), then SIGKILL if it lingers."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), stop_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def database(backend: str, pg_url: str, workdir: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one backend; removed afterwards."""
    if backend == "sqlite":
        path = workdir / "bench.db"
        yield f"sqlite:///{path}"
        _remove_sqlite(path)
        return
    import asyncpg

    name = f"greenlist_bench_{secrets.token_hex(4)}"
    try:
        admin = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    except (OSError, asyncpg.PostgresError) as exc:
        raise BenchError(f"cannot reach PostgreSQL at {pg_url}: {exc}") from None
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def timeline(users: Sequence[Any], began: float, step_s: int = 5) -> str:
    """The run's p99 per `step_s` seconds of sends, with how many were sent: whether a
    miss is one burst or the whole run."""
    buckets: dict[int, list[float]] = {}
    for user in users:
        for sent, latency in zip(user.inbox.sends, user.inbox.latencies, strict=True):
            buckets.setdefault(int((sent - began) // step_s), []).append(latency * 1000)
    cells = (
        f"{index * step_s}s {percentile(values, 0.99):.0f}/{len(values)}"
        for index, values in sorted(buckets.items())
    )
    return f"p99 ms/updates per {step_s} s: " + ", ".join(cells)


# -- profiling --------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def sampled(pid: int, out: Path, name: str) -> AsyncIterator[None]:
    """py-spy on one bot while the block runs; a summary of the samples afterwards."""
    spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if spy is None:
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    command = [spy, "record", "--pid", str(pid), "--rate", "250", "--nonblocking"]
    command += ["--format", "raw", "--output", str(out)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        await asyncio.sleep(1.0)  # attached before the load starts
        yield
    finally:
        await stop_process(process)
    collapsed = _tail(out, 1 << 30)
    if collapsed:
        print(f"{name}: {profile_summary(collapsed)} (stacks in {out})", flush=True)
    else:
        errors = b"" if process.stderr is None else await process.stderr.read()
        print(f"{name}: py-spy wrote nothing: {errors.decode(errors='replace')[-500:]}")


def profile_summary(collapsed: str, top: int = 30) -> str:
    """Where the busy samples fall: inclusive share per function, and self share.

    Samples of the event loop waiting in select() are idle time and left out.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        if "Selector.select (selectors.py" in stack:
            idle += count
            continue
        total += count
        frames = [_frame_name(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return "no busy samples"
    lines = [f"{total} busy samples ({idle} idle left out); inclusive share, top {top}:"]
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("  self share, top 15:")
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in own.most_common(15)]
    return "\n".join(lines)


def _frame_name(frame: str) -> str:
    """`function (path/to/file.py:123)` -> `function (file.py)`, so lines add up."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})" if path else name


# -- the whole benchmark ----------------------------------------------------------------------


@dataclass
class Target:
    """One bot process with a fake server of its own, so all of them can stay up at once."""

    name: str  # "echo", "sqlite" or "postgresql"
    driver: Driver
    pid: int
    db_url: str | None = None
    bin_dir: Path = VENV_BIN  # where its `greenlist` is: another checkout's with --code

    async def run(
        self, concurrency: int, messages: int, think_s: float = 0.0, waves: int = 1
    ) -> Run:
        if self.db_url is None:
            return await self.driver.echoes(concurrency, messages, think_s, waves)
        return await self.driver.suppliers(concurrency, self.db_url, self.name, think_s, waves)


async def start_target(
    stack: contextlib.AsyncExitStack,
    name: str,
    engine: Engine,
    pg_url: str,
    workdir: Path,
    floor: str = "fair",
    *,
    count_instructions: bool = False,
    reminders_at_s: float | None = None,
    slow_fsync_ms: float | None = None,
    export_sessions: int = 0,
    cprofile: str | None = None,
    code: Path | None = None,
) -> Target:
    """Server, database (migrated) and process, each undone by `stack` even on failure.

    Both kinds of bot start through bench/launcher.py, which adds the loop ticker (and,
    for the bot, the reminders job on SIGUSR1)."""
    tg = await stack.enter_async_context(FakeTelegram())
    driver = Driver(tg, engine)
    driver.stall_file = workdir / f"{name}.stall.json"
    db_url: str | None = None
    bin_dir = VENV_BIN if code is None else code / ".venv" / "bin"
    if name == "echo":
        command = [sys.executable, str(LAUNCHER), "echo"]
        env = bot_environment(tg, None) | {"ECHO_FLOOR": floor}
    else:
        db_url = await stack.enter_async_context(database(name, pg_url, workdir))
        env = bot_environment(tg, db_url)
        await run_command([str(bin_dir / "greenlist"), "db", "upgrade"], env, workdir)
        if export_sessions:
            began = time.monotonic()
            for person_id in await seed_sessions(db_url, export_sessions):
                # Known chats, as their owners' would be: a flipped verdict's notice arrives.
                tg.register_chat({"id": person_id, "type": "private", "first_name": "供应商"})
            took = time.monotonic() - began
            print(f"{name}: {export_sessions} sessions stored in {took:.0f} s", flush=True)
        command = [str(bin_dir / "python"), str(LAUNCHER), "bot"]
        if code is not None:
            env["BENCH_CODE_ROOT"] = str(code)
        driver.reminders_at_s = reminders_at_s
    env["BENCH_STALL_FILE"] = str(driver.stall_file)
    if cprofile:
        stats = Path.cwd() / f"{cprofile}-{name}.prof"  # the bots run in workdir
        env["BENCH_CPROFILE"] = str(stats)
        stack.callback(print_cprofile, stats, name)  # once the bot has stopped and written it
    out = workdir / f"{name}.callgrind"
    if count_instructions:
        command = [*InstructionCounter.command(out), *command]
        driver.observer.time_scale = VALGRIND_SLOWDOWN
    if slow_fsync_ms is not None:
        fsyncs = workdir / f"{name}.fsyncs"
        command = [*slow_disk_command(slow_fsync_ms, fsyncs), *command]
        stack.callback(report_fsyncs, fsyncs, name, slow_fsync_ms)  # once the bot has stopped
    driver.log_path = workdir / f"{name}.log"
    process = await stack.enter_async_context(bot_process(driver, command, env, workdir, name))
    driver.pid = traced_child(process.pid) if slow_fsync_ms is not None else process.pid
    if count_instructions:
        driver.counter = InstructionCounter(process.pid, out)
    return Target(name, driver, driver.pid, db_url, bin_dir)


def slow_disk_command(delay_ms: float, log: Path) -> list[str]:
    """strace delaying every fsync and fdatasync of the bot by `delay_ms` (a slow disk).
    Each delayed call is a line in `log`. Not --seccomp-bpf, which would stop the bot at
    those calls only: on the development machine's kernel it silently caught none. So
    strace stops the bot at every system call, which costs time of its own: compare with
    `--slow-fsync-ms 0`, the same tracing without the delay."""
    if shutil.which("strace") is None:
        raise BenchError("--slow-fsync-ms needs strace (Debian: apt-get install strace)")
    delay_us = round(delay_ms * 1000)
    return [
        "strace", "-f", "-qq", "-o", str(log),
        "-e", "trace=fsync,fdatasync",
        "-e", f"inject=fsync,fdatasync:delay_exit={delay_us}",
    ]  # fmt: skip


def print_cprofile(stats: Path, name: str, top: int = 25) -> None:
    """The functions the bot spent its own time in (cProfile's tottime), largest first."""
    if not stats.exists():
        print(f"{name}: no cProfile statistics at {stats}", flush=True)
        return
    text = io.StringIO()
    pstats.Stats(str(stats), stream=text).sort_stats("tottime").print_stats(top)
    body = text.getvalue()
    print(f"{name}: cProfile, top {top} by own time ({stats}):", flush=True)
    print(body[body.find("   ncalls") :], flush=True)


def report_fsyncs(log: Path, name: str, delay_ms: float) -> None:
    """How many of the bot's calls the slow disk delayed: the proof that it was slow."""
    lines = _tail(log, 1 << 30).splitlines()
    calls = sum(1 for line in lines if "fsync(" in line or "fdatasync(" in line)
    print(f"{name}: {calls} fsync/fdatasync calls, each delayed {delay_ms:g} ms", flush=True)


def traced_child(pid: int) -> int:
    """The bot under strace: strace's one child, which signals and /proc must address."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if not children:
        raise BenchError("strace started no bot process")
    return int(children[0])


async def add_background(target: Target, args: argparse.Namespace, workdir: Path) -> None:
    """Staff chats (roles granted with `greenlist roles grant`) and their work, for the
    paced run: an assessor's /export, an admin's /reevaluate after a threshold change."""
    env = bot_environment(target.driver.tg, target.db_url)

    async def cli(argv: list[str]) -> None:
        await run_command([str(target.bin_dir / "greenlist"), *argv], env, workdir)

    async def staff(name: str, role: str) -> InboxUser:
        (user,) = target.driver.users(1, name, 0.0)
        user.inbox.wait_s = STAFF_WAIT_S * target.driver.observer.time_scale
        await cli(["roles", "grant", str(user.inbox.chat_id), role])
        return user

    if args.export_sessions:
        assessor = await staff("压测评审员", "assessor")
        target.driver.background.append(background.export(assessor, args.export_at_s))
    if args.reevaluate:
        admin = await staff("压测管理员", "admin")
        work = background.reevaluate(admin, args.reevaluate_at_s, cli)
        target.driver.background.append(work)
    if args.reading_files:
        uploaders = target.driver.users(2, "上传证书的供应商", 0.0)
        files = background.certificates(args.reading_files)
        work = background.reading(
            uploaders,  # type: ignore[arg-type]
            files,
            args.reading_at_s,
            args.reading_every_s,
            lambda: target.driver.pid,
        )
        target.driver.background.append(work)


async def bench(args: argparse.Namespace) -> list[Run]:
    """Every bot up at once; each round runs every level on each of them back to back.

    At capacity levels the echo bot runs just before each bot, and that pair gives the
    round's ratio: on a shared machine, speed drifts by a factor of two within a minute,
    and a floor measured seconds earlier, before another bot's run, was a different machine.
    """
    workdir = Path(tempfile.mkdtemp(prefix="greenlist-bench-bot-"))
    runs: list[Run] = []
    engine = Engine.default()
    try:
        async with contextlib.AsyncExitStack() as stack:
            bots = [
                await start_target(
                    stack,
                    backend,
                    engine,
                    args.pg_url,
                    workdir,
                    count_instructions=args.count_instructions,
                    reminders_at_s=args.reminders_at_s,
                    slow_fsync_ms=args.slow_fsync_ms,
                    code=args.code,
                    export_sessions=args.export_sessions,
                    cprofile=args.cprofile,
                )
                for backend in args.backend
            ]
            for target in bots:
                target.driver.timeline = args.timeline
                await add_background(target, args, workdir)
            per_interview = 0
            for target in bots:
                warm = await target.run(1, 0)
                per_interview = warm.updates
                print(f"{target.name}: up, warmed up with one interview ({warm.updates} updates)")
            targets = bots
            if args.echo:
                echo = await start_target(
                    stack,
                    "echo",
                    engine,
                    args.pg_url,
                    workdir,
                    args.floor,
                    count_instructions=args.count_instructions,
                    cprofile=args.cprofile,
                )
                await echo.run(1, per_interview)
                print(f"echo: up, warmed up with {per_interview} messages")
                targets = [echo, *bots]
            if args.profile:
                for target in targets:
                    out = Path(f"{args.profile}-{target.name}.txt")
                    await stack.enter_async_context(sampled(target.pid, out, target.name))
            schedule = [(level, args.think_ms) for level in args.concurrency]
            if args.paced:
                schedule.append((P99_TARGET_USERS, args.paced_think_ms))
            for round_number in range(1, args.rounds + 1):
                for concurrency, think_ms in schedule:
                    waves = 1 if think_ms else waves_for(concurrency, per_interview, args)
                    for target, beside in _order(targets, paired=args.echo and not think_ms):
                        run = await target.run(concurrency, per_interview, think_ms / 1000, waves)
                        run.round, run.beside = round_number, beside
                        runs.append(run)
                        print(f"  round {round_number}: {line(run)}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return runs


def _order(targets: Sequence[Target], *, paired: bool) -> list[tuple[Target, str | None]]:
    """Each target once (the echo bot first, if there is one); with `paired`, the echo bot
    again before every other bot, so each is compared with a floor taken just before it."""
    echo = [t for t in targets if t.name == "echo"]
    bots = [t for t in targets if t.name != "echo"]
    if not paired or not echo:
        return [(t, None) for t in targets]
    return [pair for bot in bots for pair in ((echo[0], bot.name), (bot, None))]


def waves_for(concurrency: int, per_interview: int, args: argparse.Namespace) -> int:
    """Interviews one after another per supplier, so that every capacity run handles at
    least --min-updates updates: one interview alone (61 updates, a quarter of a second)
    is too short a run to time."""
    return max(1, math.ceil(args.min_updates / (concurrency * per_interview)))


def line(run: Run) -> str:
    committed = "" if run.committed is None else f", {run.committed} interviews committed"
    if run.instructions_per_update is not None:
        committed += f", {run.instructions_per_update / 1e6:.2f} M instructions/update"
    paced = f" pausing {run.think_ms:.0f} ms" if run.think_ms else ""
    if run.stall_ms is not None:
        committed += f", worst loop stall {run.stall_ms:.1f} ms"
    for name, (seconds, p99, count) in run.during.items():
        committed += f"; during {name} ({seconds:.1f} s, {count} updates) p99 {p99:.1f} ms"
    return (
        f"{run.bot} x{run.concurrency}{paced}: {run.updates} updates in {run.seconds:.2f} s = "
        f"{run.per_second:.0f}/s, from the send p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
        f"max {run.max_ms:.1f} ms (send to hand-over p99 {run.handover_p99_ms:.1f} ms); "
        f"bot CPU {run.cpu_ms_per_update:.2f} ms/update, driver CPU "
        f"{run.driver_cpu_s / run.seconds:.0%}{committed}"
    )


@dataclass
class Row:
    """One backend at one level: medians over the rounds."""

    backend: str
    concurrency: int
    updates: int
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # the bot's CPU time per update
    complete: bool
    echo_per_second: float | None
    echo_p99_ms: float | None
    echo_cpu_ms: float | None
    ratio: float | None  # median of the per-round ratios to the echo run just before it
    think_ms: float  # users paused before inputs: the rate is theirs, not the bot's capacity
    instructions: float | None = None  # per update, with --count-instructions
    echo_instructions: float | None = None
    handover_p99_ms: float = float("nan")  # the part of p99 spent before the bot polled
    stall_ms: float | None = None  # the worst loop stall of the bot, max over the rounds
    echo_stall_ms: float | None = None
    #: background work -> (p99 ms of the updates sent while it ran, seconds it took)
    during: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def cpu_ratio(self) -> float | None:
        """CPU per update against the echo bot's, in the same round: the bot's own work."""
        return self.cpu_ms / self.echo_cpu_ms if self.echo_cpu_ms else None

    @property
    def cpu_ok(self) -> bool | None:
        if self.cpu_ratio is None or not self.timed:
            return None
        return self.cpu_ratio <= CPU_RATIO_TARGET

    @property
    def timed(self) -> bool:
        """Timings under valgrind say nothing about the targets."""
        return self.instructions is None

    @property
    def paced(self) -> bool:
        return self.think_ms > 0

    @property
    def throughput_ok(self) -> bool | None:
        """Judged where users answer at once: that is what measures capacity."""
        if self.paced:
            return None
        if not self.timed:
            return None if self.complete else False  # every answer stored, all the same
        return self.complete and self.ratio is not None and self.ratio >= THROUGHPUT_TARGET

    @property
    def latency_ok(self) -> bool | None:
        """Judged for paced users only: saturated users wait users / throughput on any bot."""
        if not self.paced:
            return None
        return self.complete and self.p99_ms < P99_TARGET_MS


def rows(runs: Sequence[Run]) -> list[Row]:
    """Medians per backend and level; each run is compared with the echo run paired with it
    (or, for paced runs, the round's one echo run at that level)."""
    echo = {(r.round, r.concurrency, r.think_ms, r.beside): r for r in runs if r.bot == "echo"}
    grouped: dict[tuple[str, int, float], list[Run]] = {}
    for run in runs:
        if run.bot != "echo":
            grouped.setdefault((run.bot, run.concurrency, run.think_ms), []).append(run)
    result = []
    for (backend, concurrency, think_ms), group in grouped.items():
        pairs = [
            (r, floor)
            for r in group
            if (
                floor := echo.get((r.round, r.concurrency, think_ms, backend))
                or echo.get((r.round, r.concurrency, think_ms, None))
            )
            is not None
        ]
        floors = [floor for _, floor in pairs]
        ratios = [r.per_second / floor.per_second for r, floor in pairs]
        result.append(
            Row(
                backend=backend,
                concurrency=concurrency,
                updates=group[0].updates,
                per_second=statistics.median(r.per_second for r in group),
                p50_ms=statistics.median(r.p50_ms for r in group),
                p99_ms=statistics.median(r.p99_ms for r in group),
                cpu_ms=statistics.median(r.cpu_ms_per_update for r in group),
                complete=all(r.committed == r.interviews and not r.unanswered for r in group),
                echo_per_second=statistics.median(f.per_second for f in floors) if floors else None,
                echo_p99_ms=statistics.median(f.p99_ms for f in floors) if floors else None,
                echo_cpu_ms=(
                    statistics.median(f.cpu_ms_per_update for f in floors) if floors else None
                ),
                ratio=statistics.median(ratios) if ratios else None,
                think_ms=think_ms,
                instructions=_median_or_none(r.instructions_per_update for r in group),
                echo_instructions=_median_or_none(f.instructions_per_update for f in floors),
                handover_p99_ms=statistics.median(r.handover_p99_ms for r in group),
                stall_ms=_max_or_none(r.stall_ms for r in group),
                echo_stall_ms=_max_or_none(f.stall_ms for f in floors),
                during={
                    name: (
                        statistics.median(r.during[name][1] for r in group if name in r.during),
                        statistics.median(r.during[name][0] for r in group if name in r.during),
                    )
                    for name in sorted({name for r in group for name in r.during})
                },
            )
        )
    return result


def _max_or_none(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def _median_or_none(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def instruction_lines(result: Sequence[Row]) -> list[str]:
    """Instructions per update (callgrind), where they were counted."""
    lines = []
    for row in result:
        if row.instructions is None:
            continue
        text = f"{row.backend} x{row.concurrency}: {row.instructions / 1e6:.2f} M per update"
        if row.echo_instructions:
            text += (
                f", echo bot {row.echo_instructions / 1e6:.2f} M: "
                f"{row.instructions / row.echo_instructions:.2f}x the echo bot's"
            )
        lines.append(text)
    if lines:
        lines.insert(
            0, "instructions the bot executed (callgrind; no kernel time, no cache effects):"
        )
    return lines


def table(result: Sequence[Row]) -> list[str]:
    header = (
        f"{'backend':<11}{'conc.':>6}{'pause':>7}{'updates':>8}{'upd/s':>7}"
        f"{'send p50':>9}{'send p99':>9}{'stall':>7}"
        f"{'cpu ms':>7}{'echo/s':>8}{'echo p99':>9}{'echo cpu':>9}{'ratio':>7}{'cpu x':>6}  "
        f"{'>=0.5x echo':<12}{'p99<50ms':<9}{'cpu<=4x':<8}"
    )
    lines = [header, "-" * len(header)]
    for row in result:
        echo_rate = f"{row.echo_per_second:.0f}" if row.echo_per_second else "-"
        echo_p99 = f"{row.echo_p99_ms:.1f}" if row.echo_p99_ms is not None else "-"
        echo_cpu = f"{row.echo_cpu_ms:.2f}" if row.echo_cpu_ms is not None else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        cpu_x = f"{row.cpu_ratio:.1f}" if row.cpu_ratio is not None else "-"
        stall = f"{row.stall_ms:.0f}" if row.stall_ms is not None else "-"
        pause = f"{row.think_ms:.0f}" if row.paced else "-"
        lines.append(
            f"{row.backend:<11}{row.concurrency:>6}{pause:>7}{row.updates:>8}{row.per_second:>7.0f}"
            f"{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}{stall:>7}{row.cpu_ms:>7.2f}{echo_rate:>8}"
            f"{echo_p99:>9}{echo_cpu:>9}{ratio:>7}{cpu_x:>6}  {_verdict(row.throughput_ok):<12}"
            f"{_verdict(row.latency_ok):<9}{_verdict(row.cpu_ok):<8}"
        )
    lines.append(
        "pause: users' mean pause before each input in ms (- = none: capacity runs, judged on "
        "throughput; paced runs are judged on p99)\n"
        "send p50/p99: ms from the user's send (the fake server receiving the update) to the "
        "bot's first message for that chat (a buttons-only edit does not count)\n"
        "stall: the worst lateness of a 10 ms ticker on the bot's event loop, ms (max over "
        "the rounds)\n"
        "cpu ms: CPU time of the bot process per update (PostgreSQL's own server time is not "
        "included); cpu x: that over the echo bot's in the same round"
    )
    during = [
        f"{row.backend} x{row.concurrency} paced, during {name} ({seconds:.1f} s): "
        f"send p99 {p99:.1f} ms  {_verdict(p99 < P99_TARGET_MS if p99 == p99 else None)}"
        for row in result
        for name, (p99, seconds) in row.during.items()
    ]
    if during:
        lines += ["", "background work in the paced run:", *during]
    queued = [
        f"{row.backend} x{row.concurrency}: {row.handover_p99_ms:.1f} ms"
        for row in result
        if row.handover_p99_ms == row.handover_p99_ms
    ]
    if queued:
        lines.append(
            "p99 of the wait from the send to the getUpdates answer (the old clock left it "
            "out): " + ", ".join(queued)
        )
    return lines


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "MISS"


def parse_levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 1,10,100") from None
    if not levels or any(level < 1 or level > 1000 for level in levels):
        raise argparse.ArgumentTypeError("concurrency levels must be between 1 and 1000")
    return levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql"), action="append", help="default: both"
    )
    parser.add_argument(
        "--concurrency", type=parse_levels, default=[1, 10, 100], help="default: 1,10,100"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat every level; the table shows medians"
    )
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help="server to create the throwaway database on"
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause before each input in the capacity runs (default 0: every user "
        "answers at once, which is what measures capacity)",
    )
    parser.add_argument(
        "--paced-think-ms",
        type=float,
        default=1000.0,
        help=f"mean pause of the {P99_TARGET_USERS} paced suppliers of the latency run "
        "(default 1000)",
    )
    parser.add_argument(
        "--no-paced", dest="paced", action="store_false", help="skip the latency run"
    )
    parser.add_argument(
        "--min-updates",
        type=int,
        default=600,
        help="each capacity run handles at least this many updates: with fewer suppliers "
        "than that takes, each is followed by another, still that many at a time "
        "(default 600)",
    )
    parser.add_argument("--no-echo", dest="echo", action="store_false", help="skip the floor")
    parser.add_argument(
        "--floor",
        choices=("fair", "old"),
        default="fair",
        help="the echo bot: fair (default) is built like the bot (its aiohttp client and pool, "
        "uvloop, Defaults, PerPersonUpdateProcessor, the same rate-limiter setting); old is "
        "the floor of earlier figures (PTB's httpx client on the default loop), to compare",
    )
    parser.add_argument(
        "--export-sessions",
        type=int,
        default=0,
        metavar="N",
        help="store N more realistic sessions before the bot starts; during the paced run an "
        "assessor sends /export from the chat (default 0: no export)",
    )
    parser.add_argument(
        "--export-at-s", type=float, default=5.0, help="seconds into the paced run (default 5)"
    )
    parser.add_argument(
        "--reevaluate",
        action="store_true",
        help=f"during the paced run, an admin sends /reevaluate after {background.REEVALUATE_KEY} "
        "was set (alternately 90 and 95, with `greenlist criteria set`)",
    )
    parser.add_argument(
        "--reevaluate-at-s",
        type=float,
        default=30.0,
        help="seconds into the paced run (default 30)",
    )
    parser.add_argument(
        "--reading-files",
        type=int,
        default=0,
        metavar="N",
        help="during the paced run, N generated certificates and reports (bench_reading.py's "
        "corpus: photos, scans, PDFs) are uploaded from two more chats and read in the bot's "
        "reading pool (default 0)",
    )
    parser.add_argument(
        "--reading-at-s", type=float, default=5.0, help="seconds into the paced run (default 5)"
    )
    parser.add_argument(
        "--reading-every-s",
        type=float,
        default=1.0,
        help="seconds between two uploads (default 1: faster than the pool reads them)",
    )
    parser.add_argument(
        "--slow-fsync-ms",
        type=float,
        metavar="MS",
        help="a slow disk: every fsync/fdatasync of the bot process takes MS longer "
        "(strace's fault injection; needs strace; 0: the tracing alone, to compare)",
    )
    parser.add_argument("--profile", metavar="PREFIX", help="sample every bot with py-spy")
    parser.add_argument(
        "--cprofile",
        metavar="PREFIX",
        help="run every bot under cProfile (no extra package; about twice as slow): writes "
        "PREFIX-<bot>.prof and prints each bot's top functions by own time at the end",
    )
    parser.add_argument(
        "--reminders-at-s",
        type=float,
        metavar="SECONDS",
        help=f"run the bot's reminders job this long into every run with {P99_TARGET_USERS} "
        "suppliers or more, amid their answers (default: not during the timed runs)",
    )
    parser.add_argument(
        "--count-instructions",
        action="store_true",
        help="run every bot under valgrind's callgrind and report the instructions it "
        "executes per update: repeatable where timings drift; no latency run (the bots are "
        "some 40 times slower)",
    )
    parser.add_argument(
        "--code",
        metavar="DIR",
        type=Path,
        help="run the bot of another checkout (its own DIR/.venv, e.g. a git worktree of an "
        "earlier commit) under this benchmark's driver, floor and probes: a before/after pair "
        "measured the same way",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print each run's p99 per 5 s of sends (is a miss one burst or the whole run?)",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the runs as JSON")
    args = parser.parse_args(argv)
    args.backend = args.backend or ["sqlite", "postgresql"]
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")
    if not 0 <= args.think_ms <= 60_000:
        parser.error("--think-ms must be between 0 and 60000")
    if not 1 <= args.min_updates <= 100_000:
        parser.error("--min-updates must be between 1 and 100000")
    if not 0 < args.paced_think_ms <= 60_000:
        parser.error("--paced-think-ms must be above 0 and at most 60000")
    if args.reminders_at_s is not None and not 0 <= args.reminders_at_s <= 600:
        parser.error("--reminders-at-s must be between 0 and 600")
    if not 0 <= args.export_sessions <= 1_000_000:
        parser.error("--export-sessions must be between 0 and 1000000")
    if not 0 <= args.reading_files <= 1000:
        parser.error("--reading-files must be between 0 and 1000")
    if not 0 <= args.reading_every_s <= 60:
        parser.error("--reading-every-s must be between 0 and 60")
    for option in ("export_at_s", "reevaluate_at_s", "reading_at_s"):
        if not 0 <= getattr(args, option) <= 600:
            parser.error(f"--{option.replace('_', '-')} must be between 0 and 600")
    if args.slow_fsync_ms is not None and not 0 <= args.slow_fsync_ms <= 1000:
        parser.error("--slow-fsync-ms must be between 0 and 1000")
    if args.slow_fsync_ms is not None and args.count_instructions:
        parser.error("--slow-fsync-ms and --count-instructions cannot be combined")
    if args.count_instructions:
        args.paced = False
        if args.profile:
            parser.error("--count-instructions and --profile cannot be combined")

    print(
        "greenlist run against a loopback fake Bot API; TELEGRAM_RATE_LIMIT=false, so the bot "
        "itself is measured, not Telegram's 30 msg/s pacing.\nFloor: "
        + (
            "an echo bot built like the bot (aiohttp client, uvloop, Defaults, "
            "PerPersonUpdateProcessor, no rate limiter)"
            if args.floor == "fair"
            else "the OLD floor: a bare PTB echo bot on httpx and the default loop"
        )
        + f"; latency from the user's send.\n"
        f"{os.cpu_count()} CPUs, load average {_load()} at the start",
        flush=True,
    )
    try:
        runs = asyncio.run(_main(args))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    result = rows(runs)
    rounds = f"median of {args.rounds} rounds" if args.rounds > 1 else "one round"
    print(f"\nload average {_load()} at the end; {rounds}\n")
    print("\n".join(table(result)))
    print("\n".join(instruction_lines(result)))
    print(
        f"targets: throughput >= {THROUGHPUT_TARGET}x the echo bot with every interview "
        f"committed, where users answer at once; p99 < {P99_TARGET_MS:.0f} ms with "
        f"{P99_TARGET_USERS} concurrent suppliers pausing as people do"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": [asdict(row) for row in result],
                    "runs": [asdict(run) | {"per_second": run.per_second} for run in runs],
                },
                indent=2,
            )
        )
    judged = [row.throughput_ok for row in result] + [row.latency_ok for row in result]
    judged += [row.cpu_ok for row in result]
    judged += [
        p99 < P99_TARGET_MS for row in result for p99, _ in row.during.values() if p99 == p99
    ]
    return 0 if all(verdict is not False for verdict in judged) else 1


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


async def _main(args: argparse.Namespace) -> list[Run]:
    """The benchmark, cancelled cleanly (processes stopped, databases dropped) on SIGTERM."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    return await bench(args)


if __name__ == "__main__":
    sys.exit(main())

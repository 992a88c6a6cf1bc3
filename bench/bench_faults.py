"""Fault benchmark: suppliers answer while the database connection flaps and their
updates alternate between two bot processes.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/bench_faults.py                    # 20 suppliers, 15 cuts of 0.3 s
    .venv/bin/python bench/bench_faults.py --suppliers 5 --cuts 3   # a short smoke run

A throwaway PostgreSQL database is created on the server named by --pg-url and dropped at
the end. Two bot applications (two "processes", each with its own connection pool) reach it
through a TCP proxy (tests/reliability/pgproxy.py) that, --cuts times, refuses and cuts
every connection for --cut-s seconds. Each supplier answers the enterprise section's seven
typed questions, one at a time as the interview asks, its updates going alternately to the
two applications; an answer the bot says was not saved is sent again.

Printed: answers stored, answers on the wrong question (target 0), "please resend" replies
for answers that were in fact stored (target 0), and the p50 / p99 reply latency of inputs
sent outside the cuts.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from telegram import Update  # noqa: E402

from bot.settings import load_settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from storage import Database, upgrade_async  # noqa: E402
from tests.bot.conftest import make_services  # noqa: E402
from tests.conversations.interview_driver import TYPED  # noqa: E402
from tests.fakebot import FakeTelegram, running_application  # noqa: E402
from tests.reliability.pgproxy import PgProxy, pg_proxy  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
QUESTIONS = [
    "company_name",
    "credit_code",
    "contact_person",
    "contact_phone",
    "plant_location",
    "period_start",
    "period_end",
]
EXPECTED = dict(TYPED, period_start="2024-01-01", period_end="2024-12-31")
NOT_SAVED = "没有保存"
UNKNOWN = "无法确认"


class Run:
    def __init__(self) -> None:
        self.latencies: list[tuple[float, float]] = []  # (sent at, seconds to the reply)
        self.cuts: list[tuple[float, float]] = []
        self.resend_for_stored = 0
        self.not_saved = 0
        self.update_id = 100_000

    def next_update_id(self) -> int:
        self.update_id += 1
        return self.update_id

    def in_cut(self, start: float, end: float) -> bool:
        return any(a - 0.1 <= end and start <= b + 0.1 for a, b in self.cuts)


async def flap(proxy: PgProxy, run: Run, cuts: int, cut_s: float, every_s: float) -> None:
    for _ in range(cuts):
        await asyncio.sleep(every_s)
        started = time.monotonic()
        proxy.mode = "refuse"
        proxy.cut_all()
        await asyncio.sleep(cut_s)
        proxy.mode = "forward"
        run.cuts.append((started, time.monotonic()))


async def stored_answer(db: Database, user_id: int, question_id: str) -> Any:
    async with db.unit_of_work() as uow:
        rows = await uow.sessions.list_for_owner(user_id)
    return rows[0].state["answers"].get(question_id) if rows else None


async def supplier(n: int, tg: FakeTelegram, apps: list[Any], db: Database, run: Run) -> None:
    user_id = 800_000 + n
    fake = tg.user(user_id, f"供应商{n}")
    user = {"id": user_id, "is_bot": False, "first_name": f"供应商{n}", "language_code": "zh"}
    turn = 0

    async def send(text: str) -> str:
        nonlocal turn
        app = apps[turn % 2]
        turn += 1
        raw = {
            "update_id": run.next_update_id(),
            "message": {
                "message_id": turn,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": user,
                "text": text,
            },
        }
        sent = time.monotonic()
        await app.update_queue.put(Update.de_json(raw, app.bot))
        message = await fake.wait_for(lambda m: bool(m.text), timeout=60)
        got = time.monotonic()
        run.latencies.append((sent, got - sent))
        await fake.messages_until_idle(idle=0.15)
        return message.text

    await send("/start")
    for question_id in QUESTIONS:
        for _ in range(20):
            reply = await send(TYPED[question_id])
            if NOT_SAVED in reply:
                run.not_saved += 1
                if await stored_answer(db, user_id, question_id) is not None:
                    run.resend_for_stored += 1
                continue
            if UNKNOWN in reply and await stored_answer(db, user_id, question_id) is None:
                continue
            break


async def main_async(args: argparse.Namespace) -> None:
    name = f"bench_faults_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(args.pg_url.replace("postgresql+asyncpg", "postgresql"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = args.pg_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    try:
        await upgrade_async(url)
        run = Run()
        async with FakeTelegram() as tg, pg_proxy(url) as proxy:
            settings = load_settings(
                telegram_bot_token=tg.token,
                telegram_api_base_url=tg.base_url,
                telegram_api_file_url=tg.base_file_url,
                database_url=proxy.url_for(url),
                database_timeout=1.0,
            )
            db = Database(url)
            async with (
                running_application(
                    build_application(settings, make_services(settings)),
                    raise_handler_errors=False,
                ) as a,
                running_application(
                    build_application(settings, make_services(settings)),
                    raise_handler_errors=False,
                ) as b,
            ):
                flapper = asyncio.create_task(flap(proxy, run, args.cuts, args.cut_s, args.every_s))
                await asyncio.gather(
                    *(supplier(n, tg, [a, b], db, run) for n in range(args.suppliers))
                )
                await flapper
            stored = wrong = 0
            async with db.unit_of_work() as uow:
                for n in range(args.suppliers):
                    rows = await uow.sessions.list_for_owner(800_000 + n)
                    answers = rows[0].state["answers"] if rows else {}
                    for question_id in QUESTIONS:
                        if question_id in answers:
                            stored += 1
                            wrong += answers[question_id] != EXPECTED[question_id]
            await db.dispose()
        calm = sorted(d for s, d in run.latencies if not run.in_cut(s, s + d))
        p99 = calm[min(len(calm) - 1, round(0.99 * (len(calm) - 1)))] if calm else float("nan")
        print(f"suppliers {args.suppliers}, cuts {len(run.cuts)} x {args.cut_s} s, two processes")
        print(f"answers stored: {stored} of {args.suppliers * len(QUESTIONS)}")
        print(f"answers on the wrong question: {wrong} (target 0)")
        print(
            f'"not saved" replies: {run.not_saved}; for answers that were stored: '
            f"{run.resend_for_stored} (target 0)"
        )
        if calm:
            print(
                f"reply latency outside the cuts: p50 {statistics.median(calm) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms ({len(calm)} replies)"
            )
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--suppliers", type=int, default=20)
    parser.add_argument("--cuts", type=int, default=15)
    parser.add_argument("--cut-s", type=float, default=0.3)
    parser.add_argument("--every-s", type=float, default=1.0, help="calm seconds between cuts")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

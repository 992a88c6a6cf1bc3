"""Re-evaluation benchmark: 100,000 submitted sessions judged again under a new version.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/bench_reevaluate.py
    .venv/bin/python bench/bench_reevaluate.py --key factors.electricity_kwh --value 0.13

A throwaway database is created on the PostgreSQL server named by --pg-url (default
127.0.0.1:5432, user postgres), migrated with the packaged migrations, filled with COPY
with realistic submitted sessions (varied categories, waste mixes, energy figures and
certificates, so verdicts differ; each evaluated under version 1 by the real criteria),
then one threshold is changed as a new version exactly as `/set` does, and the same
re-evaluation the chat's /reevaluate runs is timed. The database is dropped at the end.

Target: 100,000 sessions in under 30 s, in batches of 500 (one transaction each).
Tightening one Table 2 value re-judges only the sessions of that product category, and
only their route 5.2 a); `--key localisation.…` re-judges route 5.1 b) of every session;
`--key factors.…` re-judges in full every session that reports its energy by carrier,
the worst case. Each session is judged as of the date of its stored verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.services.reevaluation import Reevaluator  # noqa: E402
from bot.services.ruleset_changes import apply_change, plan_value  # noqa: E402
from bot.services.rulesets import RulesetProvider  # noqa: E402
from criteria import PRODUCT_CATEGORIES, evaluate, load_ruleset, parse_answers  # noqa: E402
from storage import AssessmentSession, Database, Person, normalise_url, upgrade_async  # noqa: E402

TARGET_S = 30.0
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TEMPLATES = 2000
CARRIERS = ("electricity_kwh", "natural_gas_m3", "diesel_kg")
CITIES = ["邢台市", "郑州市", "临沂市", "徐州市", "大同市", "渭南市", "黄冈市", "衡阳市"]
WORDS = ["新型", "绿色", "宏达", "鑫源", "华信", "恒通", "金石", "永兴", "瑞丰", "建华"]
# Column order for COPY / executemany, as the schema defines it.
SESSION_COLUMNS = [column.name for column in AssessmentSession.__table__.c]
PEOPLE_COLUMNS = [column.name for column in Person.__table__.c]


@dataclass(frozen=True)
class Template:
    category: str
    qualified: bool
    needs_review: bool
    answers: str
    evaluation: str


def answers_document(rng: random.Random, factors: dict[str, float]) -> dict[str, Any]:
    """One plant's answers; the unit energy spreads around the Table 2 values."""
    category = rng.choice(PRODUCT_CATEGORIES)
    gangue = rng.choice([0, 0, rng.randint(40, 90)])
    fly_ash = rng.choice([0, 0, rng.randint(20, 60)]) if gangue == 0 else 0
    other = rng.randint(0, max(0, 100 - gangue - fly_ash - 10))
    output_t = rng.randint(60_000, 260_000)
    per_t = rng.uniform(34, 56)
    kgce = output_t * per_t
    energy: dict[str, Any] = {"output_t": output_t, "fuel_oil_kg": 0, "total_kgce": None}
    if rng.random() < 0.2:
        energy.update(total_kgce=round(kgce, 1), electricity_kwh=0, natural_gas_m3=0, diesel_kg=0)
    else:
        shares = {"electricity_kwh": 0.25, "natural_gas_m3": 0.7, "diesel_kg": 0.05}
        for carrier in CARRIERS:
            energy[carrier] = int(kgce * shares[carrier] / factors[carrier])
    energy["energy_management_certified"] = rng.random() > 0.85
    total_t = rng.randint(20_000, 90_000)
    document = {
        "enterprise": {
            "name": "__NAME__",
            "credit_code": "__CODE__",
            "contact_person": "王建国",
            "contact_phone": "+86 138 0013 8000",
            "plant_location": "河北省邢台市经济开发区",
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
        },
        "product_category": category,
        "basic": {
            "lawful_operation": True,
            "white_list": rng.random() > 0.03,
            "quality_management": rng.random() > 0.05,
            "environmental_management": rng.random() > 0.05,
            "metering": rng.random() > 0.05,
            "product_quality": True,
        },
        "solid_waste": {
            "coal_gangue_pct": gangue,
            "fly_ash_pct": fly_ash,
            "other_pct": other,
            "third_party_report": rng.random() > 0.5,
        },
        "raw_materials": {
            "local_t": int(total_t * rng.uniform(0.8, 1.0)),
            "total_t": total_t,
            "evidence": rng.random() > 0.6,
        },
        "energy": energy,
        "ghg": {"accounted": rng.random() > 0.6, "published": rng.random() > 0.8},
        "certifications": {
            "miit_green_manufacturing": rng.random() > 0.93,
            "samr_product_certification": rng.random() > 0.95,
            "environmental_label": rng.random() > 0.95,
            "other_recognised": False,
        },
    }
    document["evidence"] = evidence(rng, document)
    return document


def evidence(rng: random.Random, document: dict[str, Any]) -> dict[str, Any]:
    """Certificates and reports for most claims made, as the interview asks for them; some
    expired by now, so that judging them again reads the date."""
    held = {
        "quality_management": document["basic"]["quality_management"],
        "environmental_management": document["basic"]["environmental_management"],
        "energy_management_certified": document["energy"]["energy_management_certified"],
        "third_party_report": document["solid_waste"]["third_party_report"],
        **document["certifications"],
    }
    items: dict[str, Any] = {}
    for claim, claimed in held.items():
        if not claimed or rng.random() > 0.7:
            continue
        issued = date(2021, 1, 1) + timedelta(days=rng.randint(0, 1000))
        items[claim] = {
            "kind": "report" if claim == "third_party_report" else "certificate",
            "number": f"CQC{rng.randint(10**9, 10**10 - 1)}",
            "issuer": "中国质量认证中心",
            "issued": issued.isoformat(),
            "expires": (issued + timedelta(days=3 * 365)).isoformat(),
        }
        if claim == "third_party_report":
            content = document["solid_waste"]["coal_gangue_pct"] or 60
            items[claim]["content_pct"] = content
    return items


def templates(count: int, rng: random.Random) -> list[Template]:
    """Documents evaluated once under version 1, reused with other names for a fast fill."""
    ruleset = load_ruleset()
    factors = {c: float(ruleset.factor(c).value) for c in CARRIERS}
    pool = []
    for _ in range(count):
        document = answers_document(rng, factors)
        named = json.loads(json.dumps(document).replace("__CODE__", "91130185MA07LQ8K3P"))
        # Judged when it was submitted, early in 2024: judging it again reads the date.
        judged_on = date(2024, 1, 1) + timedelta(days=rng.randint(0, 69))
        evaluation = evaluate(parse_answers(named), ruleset, judged_on).model_dump(mode="json")
        evaluation["credit_code"] = "__CODE__"
        evaluation["enterprise_name"] = "__NAME__"
        pool.append(
            Template(
                category=document["product_category"],
                qualified=evaluation["qualified"],
                needs_review=evaluation["needs_review"],
                answers=json.dumps(document, ensure_ascii=False),
                evaluation=json.dumps(evaluation, ensure_ascii=False),
            )
        )
    return pool


def rows(sessions: int, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    pool = templates(TEMPLATES, rng)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    owners = max(1, sessions * 2 // 3)
    people = [
        (10_000_000 + n, f"供应商{n}", None, "zh" if n % 5 else "en", "supplier", start, start)
        for n in range(owners)
    ]
    out = []
    for session_id in range(1, sessions + 1):
        template = rng.choice(pool)
        name = f"{rng.choice(CITIES)[:-1]}{rng.choice(WORDS)}建材有限公司{session_id}"
        code = f"9113{session_id:014d}"
        answers = template.answers.replace("__NAME__", name).replace("__CODE__", code)
        evaluation = template.evaluation.replace("__NAME__", name).replace("__CODE__", code)
        submitted = start + timedelta(minutes=session_id)
        state = json.dumps({"lang": "zh", "mode": "submitted", "current": None, "answers": {}})
        out.append(
            (
                session_id,
                10_000_000 + rng.randrange(owners),
                "submitted",
                None,
                state,
                answers,
                evaluation,
                template.category,
                name,
                code,
                template.qualified,
                template.needs_review,
                "sintered-wall-2020",
                1,
                1,
                submitted - timedelta(days=1),
                submitted,
                submitted,
                None,
            )
        )
    return people, out


class CpuAccount:
    """CPU time spent meanwhile by this process (reading, coordinating, writing), by its
    worker processes (judging) and by the PostgreSQL server's processes, from /proc.

    Sampled four times a second and kept per process at its highest, so that workers
    which exit before the end are still counted (up to their last sample).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._start: dict[int, tuple[str, float]] = {}
        self._last: dict[int, tuple[str, float]] = {}

    def __enter__(self) -> CpuAccount:
        self._start = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._sample())
        self.seconds = {"coordinator": 0.0, "workers": 0.0, "postgresql": 0.0}
        for pid, (kind, secs) in self._last.items():
            self.seconds[kind] += secs - self._start.get(pid, (kind, 0.0))[1]

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(0.25):
            self._last.update(self._sample())

    @staticmethod
    def _sample() -> dict[int, tuple[str, float]]:
        ticks = os.sysconf("SC_CLK_TCK")
        me = os.getpid()
        found: dict[int, tuple[str, float]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, _, rest = stat.read_text().rpartition(")")
            except OSError:
                continue
            fields = rest.split()
            pid, comm, ppid = int(stat.parent.name), head.partition("(")[2], int(fields[1])
            kind = (
                "coordinator"
                if pid == me
                else "workers"
                if ppid == me
                else "postgresql"
                if comm.startswith("postgres")
                else None
            )
            if kind is not None:
                found[pid] = (kind, (int(fields[11]) + int(fields[12])) / ticks)
        return found


async def fill(dsn: str, people: list[tuple[Any, ...]], sessions: list[tuple[Any, ...]]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table("people", records=people, columns=PEOPLE_COLUMNS)
        await connection.copy_records_to_table(
            "assessment_sessions", records=sessions, columns=SESSION_COLUMNS
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('assessment_sessions', 'id'), $1)", len(sessions)
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def bench(args: argparse.Namespace) -> int:
    server = make_url(normalise_url(args.pg_url))
    name = f"greenlist_bench_reeval_{secrets.token_hex(4)}"
    server_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    url = server.set(database=name).render_as_string(hide_password=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    await admin(server_dsn, f'CREATE DATABASE "{name}"')
    try:
        await upgrade_async(url)
        began = time.perf_counter()
        people, sessions = rows(args.sessions, args.seed)
        await fill(dsn, people, sessions)
        print(f"filled {len(sessions):,} submitted sessions in {time.perf_counter() - began:.1f} s")

        db = Database(url)
        try:
            provider = RulesetProvider()
            async with db.unit_of_work() as uow:
                change = await plan_value(uow, provider, args.key, args.value)
                await apply_change(uow, change, None, "benchmark")
                await uow.commit()
            diff = change.differences[0]
            print(f"new version v{change.version}: {diff.key} {diff.old} → {diff.new}")

            reevaluator = Reevaluator(
                db, provider, batch_size=args.batch_size, workers=args.workers
            )
            began = time.perf_counter()
            with CpuAccount() as cpu:
                impact = await reevaluator.run(None)
            elapsed = time.perf_counter() - began

            table = AssessmentSession.__table__
            async with db.unit_of_work() as uow:
                stamped = await uow.session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.ruleset_version == change.version)
                )
        finally:
            await db.dispose()
    finally:
        await admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    rate = impact.total / elapsed if elapsed else float("inf")
    print(
        f"re-evaluated {impact.total:,} sessions in {elapsed:.1f} s ({rate:,.0f} sessions/s), "
        f"batches of {args.batch_size}"
    )
    rejudged = impact.changed + impact.rejudged_same
    print(
        f"changed verdict: {impact.changed:,} "
        f"(qualified → not qualified {impact.to_not_qualified:,}, "
        f"not qualified → qualified {impact.to_qualified:,}); "
        f"re-judged with the same verdict {impact.rejudged_same:,}; "
        f"unaffected by the change (kept v1) {impact.unaffected:,}; invalid {len(impact.failed):,}"
    )
    print(f"sessions now recorded under v{change.version}: {stamped:,} (re-judged: {rejudged:,})")
    per = 1000 / impact.total if impact.total else float("nan")
    print(
        "CPU, s (ms per session): "
        + ", ".join(f"{name} {secs:.1f} ({secs * per:.2f})" for name, secs in cpu.seconds.items())
        + f"; {sum(cpu.seconds.values()) / elapsed:.2f} cores busy on average"
    )
    ok = elapsed < TARGET_S and stamped == rejudged
    print(f"target < {TARGET_S:.0f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (any db)")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--key", default="energy.porous_brick", help="setting to change")
    parser.add_argument("--value", default="40", help="its new value")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--seed", type=int, default=20240601)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

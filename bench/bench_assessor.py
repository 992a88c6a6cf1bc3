"""Assessor-side benchmark: session search and the full Excel export over 100,000 sessions.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/bench_assessor.py                  # PostgreSQL and SQLite
    .venv/bin/python bench/bench_assessor.py --backend sqlite --sessions 20000

PostgreSQL: a throwaway database is created on the server named by --pg-url (default
127.0.0.1:5432, user postgres) and dropped at the end. SQLite: a temporary file. Both are
migrated with the packaged Alembic migrations, filled in bulk (COPY on PostgreSQL,
executemany on SQLite) with realistic submitted sessions (answers documents evaluated by
the real criteria, interview states, evidence files, review decisions), analysed, then:

* one page of the assessor list, `search(status="submitted", product_category=..., limit=10)`,
  and the same with `qualified=False`;
* a search by an 18-character unified social credit code, `search(text=CODE)`;
* the full Excel export (`greenlist export`), in a child process so its peak memory
  (ru_maxrss) is its own; the CSV export too, for comparison.

Targets: page and credit-code search p50/p95 under 50 ms; export under 60 s and 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from criteria import PRODUCT_CATEGORIES, evaluate, load_ruleset, parse_answers  # noqa: E402
from storage import AssessmentSession, Database, Person, upgrade  # noqa: E402

PAGE_TARGET_MS = 50.0
EXPORT_TARGET_S = 60.0
EXPORT_TARGET_MB = 300.0
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

CITIES = [
    ("河北省", "邢台市", "130500"),
    ("河南省", "郑州市", "410100"),
    ("山东省", "临沂市", "371300"),
    ("江苏省", "徐州市", "320300"),
    ("山西省", "大同市", "140200"),
    ("陕西省", "渭南市", "610500"),
    ("湖北省", "黄冈市", "421100"),
    ("湖南省", "衡阳市", "430400"),
    ("四川省", "宜宾市", "511500"),
    ("安徽省", "淮南市", "340400"),
    ("江西省", "萍乡市", "360300"),
    ("广西壮族自治区", "柳州市", "450200"),
]
WORDS = [
    "新型",
    "绿色",
    "宏达",
    "鑫源",
    "华信",
    "恒通",
    "金石",
    "永兴",
    "联合",
    "东方",
    "瑞丰",
    "建华",
]
KINDS = ["烧结砖瓦", "新型墙材", "建材", "墙体材料", "砖业"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "红梅", "志强", "秀英", "海涛", "丽娟", "文斌", "春燕", "国庆", "晓东"]
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Where sessions stand: most decided, a good share awaiting review.
STATUSES = ["submitted"] * 40 + ["approved"] * 35 + ["rejected"] * 15 + ["needs_info"] * 10
FILE_QUESTIONS = [
    ("qms_certificate", "质量管理体系认证证书.pdf"),
    ("ems_certificate", "环境管理体系认证证书.pdf"),
    ("waste_report_file", "固体废弃物掺加量检测报告.pdf"),
    ("raw_evidence_file", "原材料采购合同.pdf"),
    ("energy_management_file", "能源管理体系认证证书.pdf"),
]
# Column order for COPY / executemany, as the schema defines it.
SESSION_COLUMNS = [column.name for column in AssessmentSession.__table__.c]
PEOPLE_COLUMNS = [column.name for column in Person.__table__.c]
EVIDENCE_COLUMNS = [
    "id",
    "session_id",
    "question_id",
    "file_id",
    "file_unique_id",
    "file_name",
    "mime_type",
    "file_size",
    "uploaded_at",
]
DECISION_COLUMNS = ["id", "session_id", "assessor_id", "decision", "comment", "created_at"]


# -- realistic data -------------------------------------------------------------------------


def credit_code(rng: random.Random, region: str) -> str:
    """An 18-character unified social credit code (GB 32100 layout; check digit not kept)."""
    tail = "".join(rng.choice(CODE_CHARS) for _ in range(9))
    return f"91{region}{tail}{rng.choice(CODE_CHARS)}"


def answers_document(rng: random.Random) -> dict[str, Any]:
    category = rng.choice(PRODUCT_CATEGORIES)
    gangue = rng.choice([0, 0, rng.randint(40, 90)])
    fly_ash = rng.choice([0, 0, rng.randint(20, min(60, 100 - gangue))]) if gangue < 50 else 0
    other = rng.randint(0, max(0, 100 - gangue - fly_ash - 10))
    total_t = rng.randint(20_000, 90_000)
    output_t = rng.randint(60_000, 260_000)
    per_t = rng.uniform(36, 55)
    kgce = output_t * per_t
    electricity = int(kgce * 0.25 / 0.1229)
    gas = int(kgce * 0.7 / 1.2143)
    diesel = int(kgce * 0.05 / 1.4571)
    return {
        "enterprise": {
            "name": "__NAME__",
            "credit_code": "__CODE__",
            "contact_person": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "contact_phone": f"+86 13{rng.randint(0, 9)} {rng.randint(1000, 9999)} "
            f"{rng.randint(1000, 9999)}",
            "plant_location": "__PLACE__",
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
        },
        "product_category": category,
        "basic": {
            "lawful_operation": True,
            "white_list": rng.random() > 0.05,
            "quality_management": rng.random() > 0.1,
            "environmental_management": rng.random() > 0.15,
            "metering": rng.random() > 0.1,
            "product_quality": True,
        },
        "solid_waste": {
            "coal_gangue_pct": gangue,
            "fly_ash_pct": fly_ash,
            "other_pct": other,
            "third_party_report": rng.random() > 0.3,
        },
        "raw_materials": {
            "local_t": int(total_t * rng.uniform(0.85, 1.0)),
            "total_t": total_t,
            "evidence": rng.random() > 0.4,
        },
        "energy": {
            "output_t": output_t,
            "electricity_kwh": electricity,
            "natural_gas_m3": gas,
            "fuel_oil_kg": 0,
            "diesel_kg": diesel,
            "total_kgce": None,
            "energy_management_certified": rng.random() > 0.7,
        },
        "ghg": {"accounted": rng.random() > 0.6, "published": rng.random() > 0.8},
        "certifications": {
            "miit_green_manufacturing": rng.random() > 0.9,
            "samr_product_certification": rng.random() > 0.92,
            "environmental_label": rng.random() > 0.9,
            "other_recognised": False,
        },
    }


def interview_state(document: dict[str, Any], files: list[dict[str, Any]]) -> dict[str, Any]:
    """The interview engine's state after a submission: answers by question id."""
    basic = document["basic"]
    waste = document["solid_waste"]
    energy = document["energy"]
    answers: dict[str, Any] = {
        "company_name": "__NAME__",
        "credit_code": "__CODE__",
        "contact_person": document["enterprise"]["contact_person"],
        "contact_phone": document["enterprise"]["contact_phone"],
        "plant_location": "__PLACE__",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "product_category": document["product_category"],
        **{key: basic[key] for key in basic},
        "qms_certificate_no": "00123Q45678R0M" if basic["quality_management"] else None,
        "qms_expiry": "2026-05-31" if basic["quality_management"] else None,
        "ems_certificate_no": "00123E98765R0M" if basic["environmental_management"] else None,
        "ems_expiry": "2026-05-31" if basic["environmental_management"] else None,
        "waste_types": [k for k in ("coal_gangue", "fly_ash", "other") if waste[f"{k}_pct"]],
        "coal_gangue_pct": str(waste["coal_gangue_pct"]),
        "fly_ash_pct": str(waste["fly_ash_pct"]),
        "other_waste_pct": str(waste["other_pct"]),
        "waste_report": waste["third_party_report"],
        "raw_total_t": str(document["raw_materials"]["total_t"]),
        "raw_local_t": str(document["raw_materials"]["local_t"]),
        "raw_evidence": document["raw_materials"]["evidence"],
        "output_t": str(energy["output_t"]),
        "energy_mode": "carriers",
        "electricity_kwh": str(energy["electricity_kwh"]),
        "natural_gas_m3": str(energy["natural_gas_m3"]),
        "diesel_kg": str(energy["diesel_kg"]),
        "energy_management": energy["energy_management_certified"],
        "ghg_accounted": document["ghg"]["accounted"],
        "cert_miit": document["certifications"]["miit_green_manufacturing"],
        "cert_samr": document["certifications"]["samr_product_certification"],
        "cert_env_label": document["certifications"]["environmental_label"],
        "cert_other": False,
    }
    for record in files:
        answers[record["question_id"]] = [
            {
                "type": "file",
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "file_name": record["file_name"],
                "mime_type": "application/pdf",
                "file_size": record["file_size"],
                "kind": "document",
            }
        ]
    return {
        "lang": "zh",
        "mode": "submitted",
        "current": None,
        "answers": answers,
        "selection": [],
        "back_stack": [],
        "return_to_review": False,
        "pending_files": {},
        "edit_section": None,
        "previous_mode": None,
    }


@dataclass(frozen=True)
class Template:
    category: str
    qualified: bool
    needs_review: bool
    answers: str
    evaluation: str
    document: dict[str, Any]


def templates(count: int, rng: random.Random) -> list[Template]:
    """Evaluated answers documents, reused with different names to keep the fill fast."""
    ruleset = load_ruleset()
    pool = []
    for _ in range(count):
        document = answers_document(rng)
        evaluation = evaluate(parse_answers(_filled(document)), ruleset).model_dump(mode="json")
        evaluation["enterprise_name"] = "__NAME__"
        evaluation["credit_code"] = "__CODE__"
        pool.append(
            Template(
                category=document["product_category"],
                qualified=evaluation["qualified"],
                needs_review=evaluation["needs_review"],
                answers=json.dumps(document, ensure_ascii=False),
                evaluation=json.dumps(evaluation, ensure_ascii=False),
                document=document,
            )
        )
    return pool


def _filled(document: dict[str, Any]) -> dict[str, Any]:
    filled = json.loads(json.dumps(document))
    filled["enterprise"].update(
        name="样本企业", credit_code="91000000000000000X", plant_location="某地"
    )
    return filled


@dataclass
class Dataset:
    people: list[tuple[Any, ...]]
    sessions: list[tuple[Any, ...]]
    evidence: list[tuple[Any, ...]]
    decisions: list[tuple[Any, ...]]
    codes: list[str]
    categories: list[str]


def dataset(sessions: int, seed: int = 20240601) -> Dataset:
    rng = random.Random(seed)
    pool = templates(min(2000, max(50, sessions // 50)), rng)
    start = datetime(2023, 3, 1, tzinfo=UTC)
    span = timedelta(days=700).total_seconds()
    owners = max(1, int(sessions * 0.6))
    assessors = [9_000_000_001 + n for n in range(12)]
    people: list[tuple[Any, ...]] = []
    for n in range(owners):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append((10_000_000 + n, name, None, "zh", "supplier", start, start))
    for n, assessor in enumerate(assessors):
        people.append(
            (assessor, f"评审员{n + 1}", f"assessor{n + 1}", "zh", "assessor", start, start)
        )
    rows: list[tuple[Any, ...]] = []
    evidence: list[tuple[Any, ...]] = []
    decisions: list[tuple[Any, ...]] = []
    codes: list[str] = []
    evidence_id = 0
    for session_id in range(1, sessions + 1):
        template = rng.choice(pool)
        province, city, region = rng.choice(CITIES)
        name = f"{city[:-1]}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司{session_id % 97:02d}"
        code = credit_code(rng, region)
        codes.append(code)
        place = f"{province}{city}{rng.choice(['经济开发区', '工业园区', '高新区'])}"
        submitted = start + timedelta(seconds=rng.uniform(0, span))
        status = rng.choice(STATUSES)
        decided = (
            submitted + timedelta(days=rng.uniform(1, 20))
            if status in ("approved", "rejected")
            else None
        )
        files = []
        for question, file_name in rng.sample(FILE_QUESTIONS, rng.randint(1, 4)):
            evidence_id += 1
            record = {
                "question_id": question,
                "file_id": f"BQACAgUAAxkBAAI{evidence_id:08d}",
                "file_unique_id": f"AgAD{evidence_id:08d}",
                "file_name": file_name,
                "file_size": rng.randint(80_000, 4_000_000),
            }
            files.append(record)
            evidence.append(
                (
                    evidence_id,
                    session_id,
                    question,
                    record["file_id"],
                    record["file_unique_id"],
                    file_name,
                    "application/pdf",
                    record["file_size"],
                    submitted - timedelta(minutes=rng.randint(5, 300)),
                )
            )
        state = json.dumps(interview_state(template.document, files), ensure_ascii=False)
        substitutions = (("__NAME__", name), ("__CODE__", code), ("__PLACE__", place))
        answers, evaluation = template.answers, template.evaluation
        for token, value in substitutions:
            state = state.replace(token, value)
            answers = answers.replace(token, value)
            evaluation = evaluation.replace(token, value)
        rows.append(
            (
                session_id,
                10_000_000 + rng.randrange(owners),
                status,
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
                3,
                submitted - timedelta(days=2),
                decided or submitted,
                submitted,
                decided,
            )
        )
        if status != "submitted":
            decision = {"approved": "approved", "rejected": "rejected"}.get(status, "needs_info")
            decisions.append(
                (
                    len(decisions) + 1,
                    session_id,
                    rng.choice(assessors),
                    decision,
                    "材料齐全，数据核实无误。"
                    if decision == "approved"
                    else "请补充计量器具配备清单。",
                    decided or submitted + timedelta(days=3),
                )
            )
    return Dataset(people, rows, evidence, decisions, codes, list(PRODUCT_CATEGORIES))


# -- bulk loading ---------------------------------------------------------------------------


async def load_postgres(url: str, data: Dataset) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with connection.transaction():
            await connection.copy_records_to_table(
                "people", records=data.people, columns=PEOPLE_COLUMNS
            )
            await connection.copy_records_to_table(
                "assessment_sessions", records=data.sessions, columns=SESSION_COLUMNS
            )
            await connection.copy_records_to_table(
                "evidence_files", records=data.evidence, columns=EVIDENCE_COLUMNS
            )
            await connection.copy_records_to_table(
                "review_decisions", records=data.decisions, columns=DECISION_COLUMNS
            )
            for table in ("assessment_sessions", "evidence_files", "review_decisions"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def load_sqlite(path: Path, data: Dataset) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            for table, columns, rows in (
                ("people", PEOPLE_COLUMNS, data.people),
                ("assessment_sessions", SESSION_COLUMNS, data.sessions),
                ("evidence_files", EVIDENCE_COLUMNS, data.evidence),
                ("review_decisions", DECISION_COLUMNS, data.decisions),
            ):
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    ([_sqlite_value(v) for v in row] for row in rows),
                )
        connection.execute("ANALYZE")
    finally:
        connection.close()


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    what: str
    p50: float | None
    p95: float | None
    unit: str
    target: str
    ok: bool
    note: str = ""


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


async def time_searches(url: str, data: Dataset, runs: int, backend: str) -> list[Result]:
    db = Database(url)
    rng = random.Random(7)
    results = []
    cases: list[tuple[str, Any]] = [
        (
            "page: status+category, limit 10",
            lambda: {"status": "submitted", "product_category": rng.choice(data.categories)},
        ),
        (
            "page: status+category+qualified=False",
            lambda: {
                "status": "submitted",
                "product_category": rng.choice(data.categories),
                "qualified": False,
            },
        ),
        ("search: credit code (18 chars)", lambda: {"text": rng.choice(data.codes)}),
    ]
    try:
        async with db.unit_of_work() as uow:  # warm the pool and the caches once
            await uow.sessions.search(status="submitted", limit=10)
        for what, filters in cases:
            timings = []
            matches = []
            for _ in range(runs):
                chosen = filters()
                began = time.perf_counter()
                async with db.unit_of_work() as uow:
                    rows, total = await uow.sessions.search(**chosen, limit=10)
                timings.append((time.perf_counter() - began) * 1000)
                matches.append(total)
                if "text" in chosen and (total < 1 or rows[0].credit_code != chosen["text"]):
                    raise AssertionError(f"credit code {chosen['text']} not found")
            p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
            results.append(
                Result(
                    backend,
                    what,
                    p50,
                    p95,
                    "ms",
                    f"< {PAGE_TARGET_MS:.0f} ms",
                    p95 < PAGE_TARGET_MS,
                    f"~{int(statistics.median(matches))} matches",
                )
            )
    finally:
        await db.dispose()
    return results


def time_export(url: str, backend: str, fmt: str, workdir: Path) -> Result:
    """The export in a fresh interpreter; it reports its own peak RSS (VmHWM).

    The child's ru_maxrss would include the parent's memory at fork time, which is the
    whole generated data set here, so the high-water mark comes from /proc instead.
    """
    out = workdir / f"export-{backend}.{fmt}"
    command = [
        sys.executable,
        __file__,
        "export-child",
        "--url",
        url,
        "--out",
        str(out),
        "--format",
        fmt,
    ]
    began = time.perf_counter()
    finished = subprocess.run(command, stdout=subprocess.PIPE, cwd=ROOT, check=True)
    seconds = time.perf_counter() - began
    report = json.loads(finished.stdout)
    size_mb = out.stat().st_size / 1024 / 1024
    out.unlink()
    peak_mb = report["peak_rss_kib"] / 1024
    ok = seconds < EXPORT_TARGET_S and peak_mb < EXPORT_TARGET_MB
    return Result(
        backend,
        f"export {fmt} ({report['rows']} sessions)",
        seconds,
        peak_mb,
        "s / MB",
        f"< {EXPORT_TARGET_S:.0f} s, < {EXPORT_TARGET_MB:.0f} MB",
        ok,
        f"file {size_mb:.0f} MB, export itself {report['seconds']:.1f} s",
    )


def peak_rss_kib() -> int:
    """This process's resident-set high-water mark since it started (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_child(url: str, out: str, fmt: str) -> None:
    from bot.reports.exporting import export_sessions

    async def run() -> int:
        db = Database(url)
        try:
            return await export_sessions(db, Path(out), fmt=fmt)  # type: ignore[arg-type]
        finally:
            await db.dispose()

    began = time.perf_counter()
    rows = asyncio.run(run())
    seconds = time.perf_counter() - began
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_kib": peak_rss_kib()}))


# -- backends -------------------------------------------------------------------------------


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def run_postgres(server_url: str, data: Dataset, runs: int, workdir: Path) -> list[Result]:
    name = f"greenlist_bench_{secrets.token_hex(4)}"
    base = server_url.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        began = time.perf_counter()
        asyncio.run(load_postgres(url, data))
        print(f"  postgresql: loaded in {time.perf_counter() - began:.1f} s", flush=True)
        results = asyncio.run(time_searches(url, data, runs, "postgresql"))
        results.append(time_export(url, "postgresql", "xlsx", workdir))
        results.append(time_export(url, "postgresql", "csv", workdir))
        return results
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run_sqlite(data: Dataset, runs: int, workdir: Path) -> list[Result]:
    path = workdir / "bench.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    began = time.perf_counter()
    load_sqlite(path, data)
    size = path.stat().st_size / 1024 / 1024
    print(f"  sqlite: loaded in {time.perf_counter() - began:.1f} s ({size:.0f} MB)", flush=True)
    results = asyncio.run(time_searches(url, data, runs, "sqlite"))
    results.append(time_export(url, "sqlite", "xlsx", workdir))
    results.append(time_export(url, "sqlite", "csv", workdir))
    return results


def table(results: Sequence[Result]) -> Iterator[str]:
    yield (
        f"{'backend':<11} {'measurement':<40} {'p50 / time':>11} {'p95 / peak':>11} "
        f"{'unit':<7} {'target':<20} {'ok':<3} note"
    )
    for r in results:
        p50 = f"{r.p50:.1f}" if r.p50 is not None else "-"
        p95 = f"{r.p95:.1f}" if r.p95 is not None else "-"
        yield (
            f"{r.backend:<11} {r.what:<40} {p50:>11} {p95:>11} {r.unit:<7} {r.target:<20} "
            f"{'yes' if r.ok else 'NO':<3} {r.note}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    child = sub.add_parser("export-child", help=argparse.SUPPRESS)
    child.add_argument("--url", required=True)
    child.add_argument("--out", required=True)
    child.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per search")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), action="append")
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help="server to create the throwaway database on"
    )
    args = parser.parse_args(argv)
    if args.command == "export-child":
        export_child(args.url, args.out, args.format)
        return 0
    backends = args.backend or ["postgresql", "sqlite"]
    began = time.perf_counter()
    data = dataset(args.sessions)
    print(
        f"generated {len(data.sessions)} sessions, {len(data.evidence)} evidence files, "
        f"{len(data.decisions)} decisions in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="greenlist-bench-"))
    results: list[Result] = []
    try:
        if "postgresql" in backends:
            results += run_postgres(args.pg_url, data, args.runs, workdir)
        if "sqlite" in backends:
            results += run_sqlite(data, args.runs, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("\n".join(table(results)))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sessions for the export, report and roles tests, built through the real repositories.

Three sessions: a qualified one (examples/qualified.json), a non-qualified one
(examples/not-qualified.json, flagged for review), both evaluated by the real criteria,
and a draft still in progress. Submission times are fixed so the Asia/Shanghai display
and the `since` filter can be checked exactly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from conversations import InterviewState
from criteria import evaluate, load_ruleset, parse_answers
from storage import Database

REPO = Path(__file__).resolve().parents[2]
SUPPLIER = 20_000_000_101
OTHER_SUPPLIER = 20_000_000_102
ASSESSOR = 20_000_000_201
# 16:30 UTC is 00:30 the next day in Asia/Shanghai: the date shown must be the 2nd.
QUALIFIED_AT = datetime(2024, 3, 1, 16, 30, tzinfo=UTC)
NOT_QUALIFIED_AT = datetime(2024, 2, 20, 2, 0, tzinfo=UTC)
DECIDED_AT = datetime(2024, 3, 4, 1, 15, tzinfo=UTC)
DRAFT_NAME = '=HYPERLINK("http://example.invalid")砖厂'
REVIEW_COMMENT = "请补充计量器具配备清单（GB 17167）。"

_T = TypeVar("_T")


#: The archived certificate's digest; the other two files predate the archive.
QMS_SHA256 = "9f2c" + "0" * 56 + "a1b2"


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPO / "examples" / name).read_text("utf-8"))
    return document


def interview_state(details: dict[str, Any]) -> dict[str, Any]:
    """The engine's state after a submission, with the details it keeps beside answers."""
    return InterviewState(lang="zh", mode="submitted", answers=details).model_dump(mode="json")


@dataclass(frozen=True)
class Seeded:
    qualified: int
    not_qualified: int
    draft: int


async def seed(db: Database) -> Seeded:
    ruleset = load_ruleset()
    qualified_doc = example("qualified.json")
    not_qualified_doc = example("not-qualified.json")
    async with db.unit_of_work() as uow:
        await uow.people.upsert(SUPPLIER, "王建国", "wang_jg")
        await uow.people.upsert(OTHER_SUPPLIER, "李红梅")
        await uow.people.upsert(ASSESSOR, "张评审", "zhang_pingshen")
        await uow.people.set_role(ASSESSOR, "assessor")

        qualified = await uow.sessions.create(SUPPLIER, interview_state({}), {}, "company_name")
        details = {
            "company_name": qualified_doc["enterprise"]["name"],
            "qms_certificate_no": "00123Q45678R0M",
            "qms_expiry": "2026-05-31",
            "ghg_publication": "https://example.com/ghg-2023",
        }
        await uow.sessions.save_progress(
            qualified, state=interview_state(details), answers=qualified_doc, current_question=None
        )
        evaluation = evaluate(parse_answers(qualified_doc), ruleset).model_dump(mode="json")
        await uow.sessions.mark_submitted(qualified, evaluation, ruleset.id, ruleset.version)
        qualified.submitted_at = QUALIFIED_AT
        for question, name in (
            ("qms_certificate", "质量管理体系认证证书.pdf"),
            ("waste_report_file", "固废掺加量检测报告.pdf"),
            ("cert_miit_file", None),
        ):
            await uow.evidence.add(
                qualified.id,
                question,
                f"file-{question}",
                f"u-{question}",
                name,
                "application/pdf" if name else "image/jpeg",
                120_000,
                sha256=QMS_SHA256 if question == "qms_certificate" else None,
            )

        not_qualified = await uow.sessions.create(
            OTHER_SUPPLIER, interview_state({}), {}, "company_name"
        )
        await uow.sessions.save_progress(
            not_qualified,
            state=interview_state({"cert_other_name": "绿色建材产品认证（二星）"}),
            answers=not_qualified_doc,
            current_question=None,
        )
        evaluation = evaluate(parse_answers(not_qualified_doc), ruleset).model_dump(mode="json")
        await uow.sessions.mark_submitted(not_qualified, evaluation, ruleset.id, ruleset.version)
        not_qualified.submitted_at = NOT_QUALIFIED_AT
        await uow.reviews.add(not_qualified.id, ASSESSOR, "needs_info", REVIEW_COMMENT)
        await uow.reviews.add(not_qualified.id, ASSESSOR, "rejected", "")
        await uow.sessions.set_status(not_qualified, "rejected")
        not_qualified.decided_at = DECIDED_AT

        draft = await uow.sessions.create(
            SUPPLIER, interview_state({}), {"enterprise": {"name": DRAFT_NAME}}, "credit_code"
        )
        await uow.sessions.save_progress(
            draft,
            state=interview_state({"company_name": DRAFT_NAME}),
            answers={"enterprise": {"name": DRAFT_NAME}},
            current_question="credit_code",
        )
        await uow.commit()
        return Seeded(qualified.id, not_qualified.id, draft.id)


def run_sync(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine from a synchronous test, outside any event loop."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(factory())).result()


async def _seed_url(url: str) -> Seeded:
    db = Database(url)
    try:
        return await seed(db)
    finally:
        await db.dispose()


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    return await seed(db)


@pytest.fixture
def seeded_url(database_url: str) -> tuple[str, Seeded]:
    """A seeded database for the synchronous command-line tests."""
    return database_url, run_sync(lambda: _seed_url(database_url))

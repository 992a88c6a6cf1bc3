"""Re-evaluation: submitted sessions judged again under another ruleset version.

Which sessions a change can affect at all, judging them off the event loop (a worker
thread, or worker processes for many), and writing back in keyset batches so that no
lock or transaction is held for long. A session decided or resubmitted during a run is
left to that change, and a run stops when the version in force moves on.
`judge_documents` is pure and module-level so that worker processes can import it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Mapping,
    Sequence,
)
from contextlib import aclosing, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.services.background import worker_pool
from bot.services.ruleset_changes import load_version
from bot.services.rulesets import RulesetProvider
from criteria import (
    Evaluation,
    InvalidAnswers,
    Ruleset,
    changed_settings,
    evaluate,
    judged_on,
    parse_answers,
    reads_setting,
    rejudge,
)
from criteria.texts import Text
from storage import BASELINE_RULESET_VERSION as BASELINE_VERSION
from storage import Database, UnitOfWork
from storage.repositories import ForJudging, Rejudged

log = logging.getLogger(__name__)

#: Sessions per transaction when re-evaluating: small enough that no lock or transaction
#: is held for long, large enough that round trips do not dominate.
BATCH_SIZE = 500
#: Batches being judged while the one before them is written.
JUDGE_AHEAD = 2
#: Below this many sessions, judging in one worker thread beats starting worker processes.
PARALLEL_FROM = 2000
#: Changed session ids kept in the audit entry of one re-evaluation.
AUDIT_IDS = 500


# -- judging --------------------------------------------------------------------------------

CURRENT = "current"  # already judged under the target version
SAME = "same"  # reads none of the changed values: the stored evaluation stands
JUDGED = "judged"  # evaluated afresh
INVALID = "invalid"  # the stored answers no longer pass validation

#: (session id, answers document or its JSON text, ruleset id, ruleset version, stored
#: evaluation as JSON text) of one submitted session. The text form lets a worker process
#: do the decoding.
Item = tuple[int, Any, str | None, int | None, str | None]
Changes = Mapping[tuple[str, int], frozenset[str] | None]


@dataclass(frozen=True)
class Judged:
    session_id: int
    outcome: str
    qualified: bool | None = None
    needs_review: bool = False
    #: The new evaluation as JSON text, serialised where it was computed (a worker).
    evaluation: str | None = None


def judge_documents(
    ruleset: Ruleset, changes: Changes, items: Sequence[Item], keep_evaluations: bool
) -> list[Judged]:
    """Judge stored answers under `ruleset`; pure, so it runs in a worker process as well.

    `changes` maps each (ruleset id, version) the sessions were judged under to the
    settings that differ from `ruleset` (None or absent: judge in full). A session that
    reads none of them would get the evaluation it already has, so it is not evaluated;
    one that reads some has only the routes they move judged again (`rejudge`). Either
    way a session is judged as of the date its stored evaluation was made, so the
    verdicts a change moves are the ones the change itself moves.
    """
    out: list[Judged] = []
    target = (ruleset.id, ruleset.version)
    for session_id, stored, ruleset_id, version, earlier in items:
        key = (ruleset_id, version) if ruleset_id is not None and version is not None else None
        if key == target:
            out.append(Judged(session_id, CURRENT))
            continue
        changed = changes.get(key) if key is not None else None
        if changed is not None and not changed:
            out.append(Judged(session_id, SAME))
            continue
        try:
            answers = parse_answers(json.loads(stored) if isinstance(stored, str) else stored)
        except (InvalidAnswers, ValueError):
            out.append(Judged(session_id, INVALID))
            continue
        if changed is not None and not any(reads_setting(answers, ruleset, k) for k in changed):
            out.append(Judged(session_id, SAME))
            continue
        # Judged as of the day it was judged before: the change is in the ruleset only.
        previous = _stored_evaluation(earlier)
        if changed is not None and previous is not None and _version(previous) == key:
            evaluation = rejudge(answers, ruleset, previous, changed)
        else:
            evaluation = evaluate(answers, ruleset, judged_on(previous) if previous else None)
        out.append(
            Judged(
                session_id,
                JUDGED,
                evaluation.qualified,
                evaluation.needs_review,
                evaluation.model_dump_json() if keep_evaluations else None,
            )
        )
    return out


def _stored_evaluation(text: str | None) -> Evaluation | None:
    """The evaluation a session holds; None when there is none or it no longer reads."""
    if text is None:
        return None
    try:
        return Evaluation.model_validate_json(text)
    except ValidationError:
        return None


def _version(evaluation: Evaluation) -> tuple[str, int]:
    return evaluation.ruleset_id, evaluation.ruleset_version


JudgeFn = Callable[[Ruleset, Changes, Sequence[Item], bool], Awaitable[list[Judged]]]


@asynccontextmanager
async def judging(expected: int, workers: int | None = None) -> AsyncIterator[JudgeFn]:
    """A judge for `expected` sessions: a worker thread, or worker processes for many.

    Evaluating is CPU work; off the event loop the bot keeps answering everyone else,
    and across processes a large re-evaluation uses every core.
    """
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or expected < PARALLEL_FROM:

        async def in_thread(
            ruleset: Ruleset, changes: Changes, items: Sequence[Item], keep: bool
        ) -> list[Judged]:
            return await asyncio.to_thread(judge_documents, ruleset, changes, items, keep)

        yield in_thread
        return
    pool = worker_pool(count)
    loop = asyncio.get_running_loop()

    async def in_pool(
        ruleset: Ruleset, changes: Changes, items: Sequence[Item], keep: bool
    ) -> list[Judged]:
        size = max(1, -(-len(items) // count))
        chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(pool, judge_documents, ruleset, changes, chunk, keep)
                for chunk in chunks
            )
        )
        return [judged for part in parts for judged in part]

    try:
        yield in_pool
    finally:
        # Without waiting: joining the pool's threads and processes here would hold the
        # event loop for a hundred milliseconds or more; idle workers exit by themselves.
        pool.shutdown(wait=False, cancel_futures=True)


# -- re-evaluation --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlippedClause:
    clause: str
    passed: bool
    title: Text
    reason: Text


@dataclass(frozen=True)
class Flip:
    """A session whose verdict changed, with what its supplier must be told."""

    session_id: int
    owner_id: int
    owner_language: str
    company: str
    qualified: bool
    clauses: list[FlippedClause]


@dataclass
class Impact:
    """What a ruleset would change, or did change, among submitted sessions."""

    ruleset: str
    total: int = 0
    to_not_qualified: int = 0
    to_qualified: int = 0
    #: Judged again (their evaluation changes) with the same verdict.
    rejudged_same: int = 0
    #: Depend on no changed value (or already on this version): left as they are.
    unaffected: int = 0
    failed: list[int] = field(default_factory=list)
    #: Decided or resubmitted while the run was going on: left to that change.
    moved_on: int = 0
    flips: list[Flip] = field(default_factory=list)
    #: The active version moved on while re-evaluating: the run stopped early.
    superseded_by: int | None = None

    def count(self, verdict: Judged, before: bool | None) -> bool:
        """Add one judged session; True when its verdict flipped."""
        self.total += 1
        if verdict.outcome == INVALID:
            self.failed.append(verdict.session_id)
            return False
        if verdict.outcome != JUDGED:
            self.unaffected += 1
            return False
        if verdict.qualified == before:
            self.rejudged_same += 1
            return False
        if verdict.qualified:
            self.to_qualified += 1
        else:
            self.to_not_qualified += 1
        return True

    @property
    def changed(self) -> int:
        return self.to_not_qualified + self.to_qualified

    @property
    def unchanged(self) -> int:
        return self.rejudged_same + self.unaffected

    def audit_value(self) -> dict[str, Any]:
        ids = [flip.session_id for flip in self.flips]
        value: dict[str, Any] = {
            "sessions": self.total,
            "qualified_to_not_qualified": self.to_not_qualified,
            "not_qualified_to_qualified": self.to_qualified,
            "rejudged_same_verdict": self.rejudged_same,
            "unaffected": self.unaffected,
            "failed": self.failed[:AUDIT_IDS],
            "changed_ids": ids[:AUDIT_IDS],
        }
        if len(ids) > AUDIT_IDS:
            value["changed_ids_omitted"] = len(ids) - AUDIT_IDS
        if self.moved_on:
            value["moved_on"] = self.moved_on
        if self.superseded_by is not None:
            value["stopped_at_version"] = self.superseded_by
        return value


def _flipped_clauses(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[FlippedClause]:
    before = (old or {}).get("clauses") or {}
    found = []
    for clause, result in (new.get("clauses") or {}).items():
        previous = before.get(clause) or {}
        if previous.get("passed") != result.get("passed"):
            found.append(
                FlippedClause(
                    clause,
                    bool(result.get("passed")),
                    Text(str(result.get("title", clause)), str(result.get("title_en", clause))),
                    Text(str(result.get("reason", "")), str(result.get("reason_en", ""))),
                )
            )
    return found


Batch = tuple[list[ForJudging], list[Judged]]


class Reevaluator:
    """Judges submitted sessions again under a ruleset, one keyset batch at a time.

    Each batch is read in one short transaction and written in another; while one batch
    is written, the next is already being judged, so the database and the evaluator work
    side by side. Only sessions whose evaluation changes are written, with one UPDATE per
    batch; a write bumps the row's version, so a process holding an older copy of the
    session gets a conflict instead of overwriting it. A session decided or resubmitted
    between the read and the write is left to that change.
    """

    def __init__(
        self,
        db: Database,
        provider: RulesetProvider,
        *,
        batch_size: int = BATCH_SIZE,
        workers: int | None = None,
        default_language: str = "zh",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.db = db
        self.provider = provider
        self.batch_size = batch_size
        self.workers = workers
        self.default_language = default_language

    async def preview(self, candidate: Ruleset) -> Impact:
        """How many verdicts `candidate` would change; writes nothing."""
        impact = Impact(candidate.spec)
        async with aclosing(self._batches(candidate, keep=False)) as batches:
            async for rows, judged in batches:
                stored = {row.id: row.qualified for row in rows}
                for verdict in judged:
                    impact.count(verdict, stored[verdict.session_id])
        return impact

    async def run(self, actor_id: int | None) -> Impact:
        """Re-judge every submitted session under the active version and audit the run."""
        async with self.db.unit_of_work() as uow:
            target = await self.provider.active(uow)
        impact = Impact(target.spec)
        async with aclosing(self._batches(target, keep=True)) as batches:
            async for rows, judged in batches:
                if not await self._write(target, rows, judged, impact):
                    break
        async with self.db.unit_of_work() as uow:
            await uow.audit.add(
                actor_id,
                "ruleset.reevaluate",
                f"ruleset:{target.spec}",
                new_value=impact.audit_value(),
            )
            await uow.commit()
        log.info(
            "re-evaluated %s sessions under %s: %s changed verdict, %s failed",
            impact.total,
            target.spec,
            impact.changed,
            len(impact.failed),
        )
        return impact

    async def _batches(self, target: Ruleset, *, keep: bool) -> AsyncGenerator[Batch, None]:
        """Judged batches in id order, judged `JUDGE_AHEAD` batches ahead of their use.

        While one batch is written the next ones are being judged, so the worker processes
        never wait for the database's write, nor the database for them.
        """
        changes: dict[tuple[str, int], frozenset[str] | None] = {}
        async with self.db.unit_of_work() as uow:
            expected = await uow.sessions.submitted.count()
        ahead: deque[tuple[list[ForJudging], asyncio.Future[list[Judged]]]] = deque()
        async with judging(expected, self.workers) as judge:
            after, more = 0, True
            try:
                while True:
                    while more and len(ahead) < JUDGE_AHEAD:
                        rows = await self._read(target, after, changes)
                        more = len(rows) == self.batch_size
                        if rows:
                            after = rows[-1].id
                            # Each batch gets a snapshot of what is known so far.
                            items = _items(rows)
                            pending = judge(target, dict(changes), items, keep)
                            ahead.append((rows, asyncio.ensure_future(pending)))
                    if not ahead:
                        return
                    rows, judged = ahead.popleft()
                    yield rows, await judged
            finally:
                for _, unused in ahead:
                    unused.cancel()
                    with suppress(asyncio.CancelledError):
                        await unused

    async def _read(
        self, target: Ruleset, after: int, changes: dict[tuple[str, int], frozenset[str] | None]
    ) -> list[ForJudging]:
        async with self.db.unit_of_work() as uow:
            rows = await uow.sessions.submitted.page(after, self.batch_size)
            await self._learn(uow, target, rows, changes)
        return rows

    async def _learn(
        self,
        uow: UnitOfWork,
        target: Ruleset,
        rows: Sequence[ForJudging],
        changes: dict[tuple[str, int], frozenset[str] | None],
    ) -> None:
        """What differs between `target` and each version these sessions were judged under."""
        for row in rows:
            if row.ruleset_id is None or row.ruleset_version is None:
                continue
            key = (row.ruleset_id, row.ruleset_version)
            if key in changes:
                continue
            earlier = None
            if row.ruleset_id == self.provider.ruleset_id:
                earlier = await load_version(uow, self.provider, row.ruleset_version)
            changes[key] = changed_settings(earlier, target) if earlier is not None else None

    async def _write(
        self, target: Ruleset, rows: Sequence[ForJudging], judged: Sequence[Judged], impact: Impact
    ) -> bool:
        """Store one batch in its own transaction; False when the version moved on."""
        by_id = {row.id: row for row in rows}
        fresh = {v.session_id: v for v in judged if v.outcome == JUDGED}
        async with self.db.unit_of_work() as uow:
            latest = await uow.rulesets.latest(target.id)
            if (latest.version if latest is not None else BASELINE_VERSION) != target.version:
                impact.superseded_by = latest.version if latest is not None else BASELINE_VERSION
                return False
            versions = {sid: by_id[sid].version for sid in fresh}
            still = await uow.sessions.submitted.lock_unchanged(versions)
            rejudged: list[Rejudged] = []
            flipped: list[Judged] = []
            for verdict in judged:
                if verdict.outcome == JUDGED and verdict.session_id not in still:
                    impact.moved_on += 1
                    continue
                row = by_id[verdict.session_id]
                if impact.count(verdict, row.qualified):
                    flipped.append(verdict)
                if verdict.outcome == JUDGED:
                    rejudged.append(
                        Rejudged(
                            row.id, verdict.evaluation, verdict.qualified, verdict.needs_review
                        )
                    )
            if flipped:
                impact.flips += await self._flips(uow, by_id, flipped)
            await uow.sessions.submitted.rejudge(target.id, target.version, rejudged)
            await uow.commit()
        return True

    async def _flips(
        self, uow: UnitOfWork, rows: Mapping[int, ForJudging], flipped: Sequence[Judged]
    ) -> list[Flip]:
        ids = [verdict.session_id for verdict in flipped]
        languages = await uow.people.languages({rows[sid].owner_id for sid in ids})
        out = []
        for verdict in flipped:
            row = rows[verdict.session_id]
            now = json.loads(verdict.evaluation or "{}")
            out.append(
                Flip(
                    session_id=row.id,
                    owner_id=row.owner_id,
                    owner_language=languages.get(row.owner_id, self.default_language),
                    company=row.company_name or "—",
                    qualified=bool(verdict.qualified),
                    clauses=_flipped_clauses(json.loads(row.evaluation or "null"), now),
                )
            )
        return out


def _items(rows: Sequence[ForJudging]) -> list[Item]:
    return [
        (row.id, row.answers, row.ruleset_id, row.ruleset_version, row.evaluation) for row in rows
    ]


async def pending_count(uow: UnitOfWork) -> int:
    """Submitted sessions: the ones a re-evaluation would look at."""
    return await uow.sessions.submitted.count()


__all__ = [
    "CURRENT",
    "INVALID",
    "JUDGED",
    "SAME",
    "Flip",
    "FlippedClause",
    "Impact",
    "Judged",
    "Reevaluator",
    "judge_documents",
    "judging",
    "pending_count",
]

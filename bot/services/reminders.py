"""Reminders computed from the database: idle drafts, expiring certificates, yearly renewal.

A repeating job looks at the sessions, claims each due reminder in the database (so a
restart or a second bot process never sends it twice), commits, then sends. Nothing about
what is due lives in memory, which is why reminders survive restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.services.interview import Notice
from conversations import Catalogue, Engine, InterviewState, Reply
from conversations.localtime import local_zone
from storage import AssessmentSession, Database, Status, UnitOfWork

log = logging.getLogger(__name__)

#: Small batches, and a yield between sessions, keep the job from stalling the chat.
BATCH = 100
DRAFT_IDLE = "draft_idle"
CERTIFICATE_EXPIRY = "certificate_expiry"
REASSESS = "reassess"


class ReminderRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    draft_idle_days: int = Field(ge=1)
    certificate_warning_days: int = Field(ge=1)
    reassess_after_months: int = Field(ge=1, le=24)
    check_every_minutes: int = Field(ge=1)
    # The scheduler starts after the job is added; a first run due before that is lost.
    first_check_seconds: float = Field(ge=1)


@cache
def load_rules() -> ReminderRules:
    text = resources.files("bot").joinpath("data", "reminder_rules.yaml").read_text("utf-8")
    return ReminderRules.model_validate(yaml.safe_load(text))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day-of-month `months` earlier (clamped to the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


@dataclass
class Reminders:
    db: Database
    engine: Engine
    catalogue: Catalogue
    rules: ReminderRules

    async def due(self, now: datetime | None = None) -> list[Notice]:
        """Claim every reminder due now and return what to send."""
        now = now or datetime.now(UTC)
        notices: list[Notice] = []
        notices += await self._walk(
            [Status.IN_PROGRESS, Status.NEEDS_INFO],
            self._idle_draft,
            updated_before=now - timedelta(days=self.rules.draft_idle_days),
        )
        notices += await self._walk(
            [Status.SUBMITTED, Status.APPROVED], lambda uow, row: self._expiring(uow, row, now)
        )
        notices += await self._walk(
            [Status.APPROVED],
            self._reassess,
            decided_before=months_before(now, self.rules.reassess_after_months),
        )
        return notices

    async def _walk(
        self,
        statuses: list[Status],
        make: Callable[[UnitOfWork, AssessmentSession], Awaitable[list[Notice]]],
        **filters: datetime,
    ) -> list[Notice]:
        """Keyset batches, one short transaction each."""
        notices: list[Notice] = []
        after = 0
        while True:
            async with self.db.unit_of_work() as uow:
                rows = await uow.sessions.page(statuses, after_id=after, limit=BATCH, **filters)
                for row in rows:
                    notices += await make(uow, row)
                    await asyncio.sleep(0)
                await uow.commit()
            if len(rows) < BATCH:
                return notices
            after = rows[-1].id

    async def _idle_draft(self, uow: UnitOfWork, row: AssessmentSession) -> list[Notice]:
        if not await uow.notices.claim(row.id, DRAFT_IDLE):
            return []
        return [await self._notice(uow, row, "reminders.draft_idle")]

    async def _reassess(self, uow: UnitOfWork, row: AssessmentSession) -> list[Notice]:
        if not await uow.notices.claim(row.id, REASSESS):
            return []
        return [await self._notice(uow, row, "reminders.reassess")]

    async def _expiring(
        self, uow: UnitOfWork, row: AssessmentSession, now: datetime
    ) -> list[Notice]:
        answers = InterviewState.model_validate(row.state).answers
        today = now.astimezone(local_zone()).date()
        notices = []
        for question in self.engine.bank.questions:
            value = answers.get(question.id)
            if not question.expiry or not isinstance(value, str):
                continue
            try:
                expires = date.fromisoformat(value)
            except ValueError:
                continue
            days = (expires - today).days
            if not 0 <= days <= self.rules.certificate_warning_days:
                continue
            if not await uow.notices.claim(row.id, CERTIFICATE_EXPIRY, question.id):
                continue
            owner = await uow.people.get(row.owner_id)
            lang = owner.language if owner is not None else self.catalogue.default
            notices.append(
                await self._notice(
                    uow,
                    row,
                    "reminders.certificate_expiry",
                    certificate=self.catalogue.text(question.label, lang),
                    date=expires.isoformat(),
                    days=days,
                )
            )
        return notices

    async def _notice(
        self, uow: UnitOfWork, row: AssessmentSession, key: str, **params: object
    ) -> Notice:
        owner = await uow.people.get(row.owner_id)
        lang = owner.language if owner is not None else self.catalogue.default
        text = self.catalogue.text(key, lang, id=row.id, company=row.company_name or "—", **params)
        log.info("reminder %s for session %s", key, row.id)
        return Notice(row.owner_id, [Reply(text=text)])

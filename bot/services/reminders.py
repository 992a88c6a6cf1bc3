"""Reminders computed from the database: idle drafts, expiring certificates, yearly renewal.

A repeating job looks at the sessions, claims each due reminder in the database (so a
restart or a second bot process never sends it twice), commits, then sends. Nothing about
what is due lives in memory, which is why reminders survive restarts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.services.outcome import Notice
from conversations import Catalogue, Engine, Reply
from conversations.localtime import local_zone
from storage import Database, Status, UnitOfWork
from storage.repositories import NoticeCandidate

log = logging.getLogger(__name__)

#: Sessions looked at per statement: a range of ids small enough that its scan is a few
#: milliseconds, the longest the job ever holds the chat's event loop.
SPAN = 500
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
        today = now.astimezone(local_zone()).date()
        warn_until = today + timedelta(days=self.rules.certificate_warning_days)
        notices: list[Notice] = []
        notices += await self._walk(
            DRAFT_IDLE,
            [Status.IN_PROGRESS, Status.NEEDS_INFO],
            updated_before=now - timedelta(days=self.rules.draft_idle_days),
        )
        notices += await self._walk(
            CERTIFICATE_EXPIRY,
            [Status.SUBMITTED, Status.APPROVED],
            dates=self._expiry_questions,
            dated_between=(today.isoformat(), warn_until.isoformat()),
            today=today,
        )
        notices += await self._walk(
            REASSESS,
            [Status.APPROVED],
            decided_before=months_before(now, self.rules.reassess_after_months),
        )
        return notices

    @property
    def _expiry_questions(self) -> list[str]:
        return [question.id for question in self.engine.bank.questions if question.expiry]

    async def _walk(
        self,
        kind: str,
        statuses: list[Status],
        *,
        today: date | None = None,
        **filters: Any,
    ) -> list[Notice]:
        """Every session in ranges of ids, one short statement and transaction each.

        The database picks the few candidates; the loop yields between ranges, so a walk
        over a hundred thousand sessions never holds the chat for longer than one range.
        """
        async with self.db.unit_of_work(optimistic=True) as uow:
            last = await uow.notices.last_session_id()
        notices: list[Notice] = []
        for after in range(0, last, SPAN):
            async with self.db.unit_of_work(optimistic=True) as uow:
                found = await uow.notices.candidates(
                    kind, statuses, after_id=after, up_to_id=after + SPAN, **filters
                )
                for candidate in found:
                    if today is None:
                        notices += await self._once(uow, candidate, kind)
                    else:
                        notices += await self._expiring(uow, candidate, today)
                if found:
                    await uow.commit()
            await asyncio.sleep(0)
        return notices

    async def _once(self, uow: UnitOfWork, row: NoticeCandidate, kind: str) -> list[Notice]:
        if not await uow.notices.claim(row.id, kind):
            return []
        return [await self._notice(uow, row, f"reminders.{kind}")]

    async def _expiring(self, uow: UnitOfWork, row: NoticeCandidate, today: date) -> list[Notice]:
        notices = []
        labels = {question.id: question.label for question in self.engine.bank.questions}
        for question, value in row.dates.items():
            try:
                expires = date.fromisoformat(value)
            except ValueError:
                continue
            days = (expires - today).days
            if not 0 <= days <= self.rules.certificate_warning_days:
                continue
            if not await uow.notices.claim(row.id, CERTIFICATE_EXPIRY, question):
                continue
            owner = await uow.people.get(row.owner_id)
            lang = owner.language if owner is not None else self.catalogue.default
            notices.append(
                await self._notice(
                    uow,
                    row,
                    "reminders.certificate_expiry",
                    certificate=self.catalogue.text(labels[question], lang),
                    date=expires.isoformat(),
                    days=days,
                )
            )
        return notices

    async def _notice(
        self, uow: UnitOfWork, row: NoticeCandidate, key: str, **params: object
    ) -> Notice:
        owner = await uow.people.get(row.owner_id)
        lang = owner.language if owner is not None else self.catalogue.default
        text = self.catalogue.text(key, lang, id=row.id, company=row.company_name or "—", **params)
        log.info("reminder %s for session %s", key, row.id)
        return Notice(row.owner_id, [Reply(text=text)])

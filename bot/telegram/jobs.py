"""Repeating jobs on PTB's job queue."""

from __future__ import annotations

import logging

from bot.services.housekeeping import EVERY, SWEEP_EVERY
from bot.telegram.context import BotApplication, CustomContext, services_of
from bot.telegram.telegram_io import send_notices

log = logging.getLogger(__name__)


async def send_due_reminders(context: CustomContext) -> None:
    notices = await context.services.reminders.due()
    if notices:
        log.info("sending %d reminder(s)", len(notices))
    await send_notices(context, notices)


async def forget_old_updates(context: CustomContext) -> None:
    await context.services.housekeeping.forget_old_updates()


async def sweep_evidence_store(context: CustomContext) -> None:
    await context.services.housekeeping.sweep_evidence()


def schedule_jobs(application: BotApplication) -> None:
    rules = services_of(application).reminders.rules
    assert application.job_queue is not None, "the job-queue extra is a dependency"
    application.job_queue.run_repeating(
        send_due_reminders,
        interval=rules.check_every_minutes * 60,
        first=rules.first_check_seconds,
        name="reminders",
    )
    application.job_queue.run_repeating(
        forget_old_updates,
        interval=EVERY,
        first=rules.first_check_seconds + 60,
        name="housekeeping",
    )
    application.job_queue.run_repeating(
        sweep_evidence_store,
        interval=SWEEP_EVERY,
        first=rules.first_check_seconds + 120,
        name="evidence sweep",
    )

"""The one composition root: every front end gets its collaborators from here.

The Telegram bot, the terminal chat and each `greenlist` command build the same objects
from the same settings, so a command line change (a ruleset version, a re-evaluation) runs
exactly the code the chat runs, and no front end wires a database of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.services.admin import AdminService
from bot.services.certificate_reading import CertificateReading
from bot.services.desk import AssessorDesk
from bot.services.evidence import EvidenceArchive, store_from_settings
from bot.services.housekeeping import Housekeeping
from bot.services.input_order import InputOrder
from bot.services.interview import InterviewService
from bot.services.privacy import PrivacyService
from bot.services.reevaluation import BATCH_SIZE, Reevaluator
from bot.services.reminders import ReminderRules, Reminders, load_rules
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from bot.settings import ConfigError, Settings
from conversations import Catalogue, Engine
from storage import Database, current_revision, head_revision, upgrade


@dataclass(frozen=True)
class Services:
    """Everything the application needs for one process, built once from the settings."""

    settings: Settings
    db: Database
    engine: Engine
    catalogue: Catalogue
    rulesets: RulesetProvider
    interview: InterviewService
    input_order: InputOrder
    desk: AssessorDesk
    privacy: PrivacyService
    reminders: Reminders
    housekeeping: Housekeeping
    admin: AdminService
    evidence: EvidenceArchive
    reading: CertificateReading

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        db: Database | None = None,
        engine: Engine | None = None,
        reminder_rules: ReminderRules | None = None,
    ) -> Services:
        return build_services(settings, db=db, engine=engine, reminder_rules=reminder_rules)

    def reevaluator(
        self, *, batch_size: int = BATCH_SIZE, workers: int | None = None
    ) -> Reevaluator:
        """A re-evaluation sized for a one-off run; the chat's own is `admin.reevaluator`."""
        return Reevaluator(
            self.db,
            self.rulesets,
            batch_size=batch_size,
            workers=workers,
            default_language=self.catalogue.default,
        )


def build_services(
    settings: Settings,
    *,
    db: Database | None = None,
    engine: Engine | None = None,
    reminder_rules: ReminderRules | None = None,
) -> Services:
    """The application as settings describe it; tests pass a database or a dated engine."""
    database = db or Database(
        settings.database_url,
        sqlite_driver=settings.sqlite_driver,
        timeout_s=settings.database_timeout,
    )
    engine = engine or Engine.default()
    catalogue = load_catalogue()
    rulesets = RulesetProvider()
    reevaluator = Reevaluator(database, rulesets, default_language=catalogue.default)
    evidence = EvidenceArchive(database, store_from_settings(settings))
    input_order = InputOrder(database)
    interview = InterviewService(
        database,
        engine,
        rulesets,
        catalogue,
        default_language=settings.default_language,
        retry_budget_s=settings.database_retry_budget,
        order=input_order,
    )
    return Services(
        settings=settings,
        db=database,
        engine=engine,
        catalogue=catalogue,
        rulesets=rulesets,
        interview=interview,
        input_order=input_order,
        desk=AssessorDesk(database, engine, catalogue, evidence),
        privacy=PrivacyService(database, engine, catalogue, evidence),
        reminders=Reminders(database, engine, catalogue, reminder_rules or load_rules()),
        housekeeping=Housekeeping(database, evidence),
        admin=AdminService(
            database,
            catalogue,
            rulesets,
            admin_ids=settings.admin_ids,
            reevaluator=reevaluator,
        ),
        evidence=evidence,
        reading=CertificateReading(interview, evidence, settings.reading_workers),
    )


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Services for one command or chat; the database's connections close on the way out."""
    services = build_services(settings)
    try:
        yield services
    finally:
        await services.db.dispose()


def prepare_database(settings: Settings) -> None:
    """The embedded SQLite default migrates itself; a server database must be upgraded first."""
    if settings.is_default_sqlite:
        upgrade(settings.database_url)
        return
    if current_revision(settings.database_url) != head_revision():
        raise ConfigError(
            "the database schema is not up to date: run `greenlist db upgrade` first."
        )

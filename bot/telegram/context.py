"""The application's collaborators, built once and handed to every handler.

They live in `application.bot_data` (PTB's place for per-application objects) under one
key, so handlers get typed access without any module-level state.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext

from bot.services.admin import AdminService
from bot.services.desk import AssessorDesk
from bot.services.interview import InterviewService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderRules, Reminders, load_rules
from bot.services.rulesets import RulesetProvider
from bot.services.texts import load_catalogue
from bot.settings import Settings
from conversations import Catalogue, Engine
from storage import Database

_KEY = "services"


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    engine: Engine
    catalogue: Catalogue
    rulesets: RulesetProvider
    interview: InterviewService
    desk: AssessorDesk
    privacy: PrivacyService
    reminders: Reminders
    admin: AdminService

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        db: Database | None = None,
        engine: Engine | None = None,
        reminder_rules: ReminderRules | None = None,
    ) -> Services:
        database = db or Database(settings.database_url, sqlite_driver=settings.sqlite_driver)
        engine = engine or Engine.default()
        catalogue = load_catalogue()
        rulesets = RulesetProvider()
        interview = InterviewService(
            database, engine, rulesets, catalogue, default_language=settings.default_language
        )
        desk = AssessorDesk(database, engine, catalogue)
        privacy = PrivacyService(database, engine, catalogue)
        reminders = Reminders(database, engine, catalogue, reminder_rules or load_rules())
        admin = AdminService(database, catalogue, rulesets, admin_ids=settings.admin_ids)
        return cls(
            settings,
            database,
            engine,
            catalogue,
            rulesets,
            interview,
            desk,
            privacy,
            reminders,
            admin,
        )

    def attach(self, application: Application) -> None:  # type: ignore[type-arg]
        application.bot_data[_KEY] = self


def services_of(application: Application) -> Services:  # type: ignore[type-arg]
    found = application.bot_data.get(_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("the application was built without services; use build_application()")
    return found


def services(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    return services_of(context.application)

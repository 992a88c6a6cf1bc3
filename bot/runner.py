"""Start the bot the way an operator expects: schema ready, logs on, polling until Ctrl-C."""

from __future__ import annotations

import logging

from telegram import Update

from bot.settings import ConfigError, Settings
from storage import current_revision, head_revision, upgrade


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and those URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def prepare_database(settings: Settings) -> None:
    """The embedded SQLite default migrates itself; a server database must be upgraded first."""
    if settings.is_default_sqlite:
        upgrade(settings.database_url)
        return
    if current_revision(settings.database_url) != head_revision():
        raise ConfigError(
            "the database schema is not up to date: run `greenlist db upgrade` first."
        )


def run_bot(settings: Settings, *, webhook: bool | None = None) -> int:
    from bot.app import build_application

    settings.token()  # fail with one sentence before anything else starts
    configure_logging(settings)
    prepare_database(settings)
    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0

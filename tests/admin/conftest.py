"""The real bot against the fake Telegram, as in tests/bot, for the admin tests."""

from tests.bot.conftest import bot, bot_settings, read_db, run_bot, telegram

__all__ = ["bot", "bot_settings", "read_db", "run_bot", "telegram"]

"""Wire the PTB Application: handlers, defaults, command menus, error handling."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot import supplier_handlers as supplier
from bot.context import Services, services_of
from bot.errors import handle_error
from bot.settings import Settings
from conversations import CALLBACK_PREFIX

log = logging.getLogger(__name__)

SUPPLIER_COMMANDS = (
    "start",
    "status",
    "review",
    "back",
    "skip",
    "help",
    "language",
    "new",
    "cancel",
)
NAVIGATION_COMMANDS = ("back", "skip", "help", "review", "cancel")
LANGUAGES = ("zh", "en")


def build_application(settings: Settings, svc: Services | None = None) -> Application:  # type: ignore[type-arg]
    """The bot as `greenlist run` starts it; tests build it the same way."""
    builder = (
        ApplicationBuilder()
        .token(settings.token())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo("Asia/Shanghai")))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        file_url = settings.file_url()
        if file_url:
            builder = builder.base_file_url(file_url)
    application = builder.build()
    (svc or Services.create(settings)).attach(application)
    _add_supplier_handlers(application)
    application.add_error_handler(handle_error)
    return application


def _add_supplier_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", supplier.start, filters=private))
    app.add_handler(CommandHandler("new", supplier.new_assessment, filters=private))
    app.add_handler(CommandHandler("status", supplier.show_status, filters=private))
    app.add_handler(CommandHandler(["language", "lang"], supplier.switch_language, filters=private))
    app.add_handler(CommandHandler(list(NAVIGATION_COMMANDS), supplier.navigate, filters=private))
    app.add_handler(CallbackQueryHandler(supplier.press_button, pattern=f"^{CALLBACK_PREFIX}:"))
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
            supplier.answer_text,
        )
    )
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.MESSAGE & (filters.Document.ALL | filters.PHOTO),
            supplier.upload_file,
        )
    )
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, supplier.ignore_edit))
    app.add_handler(MessageHandler(private & filters.COMMAND, supplier.unknown_command))
    app.add_handler(MessageHandler(private, supplier.send_unsupported))
    app.add_handler(CallbackQueryHandler(supplier.press_unknown_button))


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Command menus per scope and language, so each person sees what they can do."""
    catalogue = services_of(application).catalogue
    for lang in LANGUAGES:
        commands = [
            BotCommand(name, catalogue.text(f"chat.command.{name}", lang))
            for name in SUPPLIER_COMMANDS
        ]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if lang == "zh" else lang,
        )
    log.info("bot ready as @%s", application.bot.username)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    await services_of(application).db.dispose()

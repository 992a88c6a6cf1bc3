"""Wire the PTB Application: handlers, defaults, command menus, error handling."""

from __future__ import annotations

import logging

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

from bot.logging_setup import install_update_context
from bot.services.admin import PREFIX as ADMIN_PREFIX
from bot.services.desk import PREFIX as DESK_PREFIX
from bot.services.privacy import PREFIX as PRIVACY_PREFIX
from bot.settings import Settings
from bot.telegram import admin_handlers as admin
from bot.telegram import desk_handlers as desk
from bot.telegram import supplier_handlers as supplier
from bot.telegram.context import Services, services_of
from bot.telegram.errors import handle_error
from bot.telegram.jobs import schedule_reminders
from bot.telegram.request import AiohttpRequest
from bot.telegram.staff import bootstrap_admins, refresh_menus
from bot.telegram.updates import PerPersonUpdateProcessor
from conversations import CALLBACK_PREFIX
from conversations.localtime import local_zone

log = logging.getLogger(__name__)

NAVIGATION_COMMANDS = ("back", "skip", "help", "review", "cancel")


def build_application(settings: Settings, svc: Services | None = None) -> Application:  # type: ignore[type-arg]
    """The bot as `greenlist run` starts it; tests build it the same way."""
    # One client for the long poll and every other call: a single pool to close, even
    # when start-up fails before PTB would shut the bot down (see runner.run_bot).
    http = AiohttpRequest(connection_pool_size=256)
    builder = (
        ApplicationBuilder()
        .token(settings.token())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=local_zone()))
        .concurrent_updates(PerPersonUpdateProcessor())
        .request(http)
        .get_updates_request(http)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        file_url = settings.file_url()
        if file_url:
            builder = builder.base_file_url(file_url)
    application = builder.build()
    (svc or Services.create(settings)).attach(application)
    install_update_context(application)
    _add_answer_handlers(application)
    _add_desk_handlers(application)
    _add_admin_handlers(application)
    _add_supplier_handlers(application)
    application.add_error_handler(handle_error)
    return application


def _add_answer_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Nearly every update is an answer: these are tried first. No other handler takes
    what they take (interview buttons, plain text, files), so the order changes nothing
    else; it saves trying two dozen commands and buttons on every answer."""
    private = filters.ChatType.PRIVATE
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


def _add_desk_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("sessions", desk.list_sessions, filters=private))
    app.add_handler(CommandHandler("find", desk.find_sessions, filters=private))
    app.add_handler(CommandHandler("session", desk.open_session, filters=private))
    app.add_handler(CommandHandler("export", desk.export_sessions, filters=private))
    app.add_handler(CallbackQueryHandler(desk.press_desk_button, pattern=f"^{DESK_PREFIX}:"))


def _add_admin_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("thresholds", admin.show_thresholds, filters=private))
    app.add_handler(CommandHandler("set", admin.set_value, filters=private))
    app.add_handler(CommandHandler("rollback", admin.rollback, filters=private))
    app.add_handler(CommandHandler("reevaluate", admin.reevaluate, filters=private))
    app.add_handler(CommandHandler("grant", admin.grant, filters=private))
    app.add_handler(CommandHandler("revoke", admin.revoke, filters=private))
    app.add_handler(CommandHandler("people", admin.people, filters=private))
    app.add_handler(CommandHandler("audit", admin.audit, filters=private))
    app.add_handler(CallbackQueryHandler(admin.press_admin_button, pattern=f"^{ADMIN_PREFIX}:"))


def _add_supplier_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", supplier.start, filters=private))
    app.add_handler(CommandHandler("new", supplier.new_assessment, filters=private))
    app.add_handler(CommandHandler("status", supplier.show_status, filters=private))
    app.add_handler(CommandHandler("mydata", supplier.show_my_data, filters=private))
    app.add_handler(CommandHandler("delete_my_data", supplier.erase_my_data, filters=private))
    app.add_handler(CallbackQueryHandler(supplier.confirm_erasure, pattern=f"^{PRIVACY_PREFIX}:"))
    app.add_handler(CommandHandler(["language", "lang"], supplier.switch_language, filters=private))
    app.add_handler(CommandHandler(list(NAVIGATION_COMMANDS), supplier.navigate, filters=private))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, supplier.ignore_edit))
    app.add_handler(MessageHandler(private & filters.COMMAND, supplier.unknown_command))
    app.add_handler(MessageHandler(private, supplier.send_unsupported))
    app.add_handler(CallbackQueryHandler(supplier.press_unknown_button))


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Admins from ADMIN_IDS, then command menus per scope and language."""
    svc = services_of(application)
    await bootstrap_admins(svc.db, svc.settings.admin_ids)
    await refresh_menus(application.bot, svc.db, svc.catalogue)
    schedule_reminders(application)
    log.info("bot ready as @%s", application.bot.username)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    await services_of(application).db.dispose()

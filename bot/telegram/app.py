"""Wire the PTB Application: handlers, defaults, command menus, error handling."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.services import callback_data as cb
from bot.services.bootstrap import Services, build_services
from bot.settings import Settings
from bot.telegram import admin_handlers as admin
from bot.telegram import desk_handlers as desk
from bot.telegram import supplier_handlers as supplier
from bot.telegram.commands import handler_names
from bot.telegram.context import (
    BotApplication,
    CustomContext,
    attach,
    context_types,
    services_of,
)
from bot.telegram.errors import handle_error
from bot.telegram.jobs import schedule_jobs
from bot.telegram.log_context import install_update_context
from bot.telegram.request import AiohttpRequest
from bot.telegram.staff import bootstrap_admins, refresh_menus
from bot.telegram.updates import PerPersonUpdateProcessor
from conversations import CALLBACK_PREFIX
from conversations.localtime import local_zone

if TYPE_CHECKING:
    from telegram.ext._applicationbuilder import InitApplicationBuilder

log = logging.getLogger(__name__)


def build_application(settings: Settings, svc: Services | None = None) -> BotApplication:
    """The bot as `greenlist run` starts it; tests build it the same way."""
    builder = (
        bot_api_builder(settings)
        .context_types(context_types())
        .job_queue(JobQueue[CustomContext]())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    application = builder.build()
    attach(application, svc or build_services(settings))
    install_update_context(application)
    _add_answer_handlers(application)
    _add_button_handlers(application)
    _add_command_handlers(application)
    _add_fallback_handlers(application)
    application.add_error_handler(handle_error)
    return application


def bot_api_builder(settings: Settings) -> InitApplicationBuilder:
    """How the bot talks to the Bot API and takes its updates: the client, the defaults,
    per-person ordering, the rate limiter and the server. The benchmark's echo floor is
    built from the same function, so the two differ only in what their handlers do."""
    # One client for the long poll and every other call: a single pool to close, even
    # when start-up fails before PTB would shut the bot down (see runner.run_bot).
    # PTB's .proxy() / .get_updates_proxy() refuse a custom request: TELEGRAM_PROXY is
    # what they would set, one proxy for the long poll and every other call alike.
    http = AiohttpRequest(connection_pool_size=256, proxy=settings.telegram_proxy)
    builder = (
        ApplicationBuilder()
        .token(settings.token())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=local_zone()))
        .concurrent_updates(PerPersonUpdateProcessor())
        .request(http)
        .get_updates_request(http)
    )
    if settings.telegram_rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        file_url = settings.file_url()
        if file_url:
            builder = builder.base_file_url(file_url)
    return builder


def _add_answer_handlers(app: BotApplication) -> None:
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


def _add_button_handlers(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(desk.press_desk_button, pattern=f"^{cb.DESK}:"))
    app.add_handler(CallbackQueryHandler(admin.press_admin_button, pattern=f"^{cb.ADMIN}:"))
    app.add_handler(CallbackQueryHandler(supplier.confirm_erasure, pattern=f"^{cb.PRIVACY}:"))


def _add_command_handlers(app: BotApplication) -> None:
    """One handler per function in the command registry; every role check is in the action."""
    private = filters.ChatType.PRIVATE
    for handler, names in handler_names().items():
        app.add_handler(CommandHandler(names, handler, filters=private))


def _add_fallback_handlers(app: BotApplication) -> None:
    """What no other handler took: edits, unknown commands, unsupported messages, buttons."""
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, supplier.ignore_edit))
    app.add_handler(MessageHandler(private & filters.COMMAND, supplier.unknown_command))
    app.add_handler(MessageHandler(private, supplier.send_unsupported))
    app.add_handler(CallbackQueryHandler(supplier.press_unknown_button))


async def _post_init(application: BotApplication) -> None:
    """Admins from ADMIN_IDS, then command menus per scope and language; inputs are
    handled only once the other processes sharing the database have counted this one."""
    svc = services_of(application)
    await svc.input_order.start()
    await bootstrap_admins(svc.db, svc.settings.admin_ids)
    await refresh_menus(application.bot, svc.db, svc.catalogue)
    schedule_jobs(application)
    log.info("bot ready as @%s", application.bot.username)


async def _post_shutdown(application: BotApplication) -> None:
    services = services_of(application)
    services.reading.close()
    await services.input_order.stop()
    await services.db.dispose()

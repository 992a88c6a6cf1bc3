"""What an assessor does in the chat: short handlers over the desk service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.reports.card import render_card
from bot.reports.exporting import export_off_loop
from bot.reports.pdf import render_session_report
from bot.services import callback_data as cb
from bot.services.access import Refused
from bot.services.desk import (
    DECISION_CODES,
    PREFIX,
    AssessorDesk,
    DeskResult,
    Document,
    ListQuery,
)
from bot.telegram.context import CustomContext
from bot.telegram.inbound import TEXT_MAX, clean, text_of
from bot.telegram.telegram_io import (
    acknowledge,
    fit_caption,
    send_notices,
    send_replies,
    who_of,
)
from storage import Decision

#: The Bot API sends a bot's documents up to 50 MB (sendDocument); a larger export is
#: pointed to the command line instead of failing in the chat.
BOT_API_SEND_LIMIT = 50 * 1024 * 1024

log = logging.getLogger(__name__)


async def _deliver(update: Update, context: CustomContext, result: DeskResult) -> None:
    query = update.callback_query
    target = query.message if (query is not None and result.replace) else None
    replies = result.replies
    if result.card is not None:
        services = context.services
        replies = [*replies, render_card(result.card, services.engine, services.catalogue)]
    if target is not None:
        replies = [r.model_copy(update={"replace_previous": True}) for r in replies]
    await send_replies(update, replies, edit_target=target)
    chat = update.effective_chat
    assert chat is not None
    if result.file_id is not None:
        await chat.send_document(result.file_id)
    if result.document is not None:
        doc = result.document
        caption = fit_caption(doc.caption)
        await chat.send_document(doc.content, filename=doc.file_name, caption=caption)
    await send_notices(context, result.notices)


async def _run(
    update: Update,
    context: CustomContext,
    action: Callable[[AssessorDesk], Awaitable[DeskResult]],
) -> None:
    desk = context.services.desk
    try:
        result = await action(desk)
    except Refused:
        result = desk.refusal(who_of(update))
    await _deliver(update, context, await _produce_files(desk, result))


async def _produce_files(desk: AssessorDesk, result: DeskResult) -> DeskResult:
    """Write what the desk authorised, away from the event loop the chats share.

    The export reads and writes in a worker thread with its own database handle; the PDF
    is drawn in a worker thread from what the desk read. Either can take seconds.
    """
    if result.export is not None:
        request = result.export
        content, count = await export_off_loop(
            desk.db, fmt="xlsx", status=request.status, lang=request.lang
        )
        return desk.exported(request, content, count, send_limit=BOT_API_SEND_LIMIT)
    if result.report is not None:
        report = result.report
        content = await asyncio.to_thread(
            render_session_report,
            report.session,
            report.evidence,
            report.decisions,
            report.lang,
            people=report.people,
        )
        return DeskResult(document=Document(report.file_name, content, report.caption))
    return result


async def take_comment(update: Update, context: CustomContext) -> bool:
    """True when the text was the comment an assessor had been asked for."""
    message = update.effective_message
    assert message is not None
    desk = context.services.desk
    try:
        result = await desk.take_comment(who_of(update), text_of(message))
    except Refused:
        result = desk.refusal(who_of(update))
    if result is None:
        return False
    await _deliver(update, context, result)
    return True


async def list_sessions(update: Update, context: CustomContext) -> None:
    await _run(update, context, lambda desk: desk.list_sessions(who_of(update), ListQuery()))


async def find_sessions(update: Update, context: CustomContext) -> None:
    text = clean(" ".join(context.args or []), TEXT_MAX)
    await _run(update, context, lambda desk: desk.find(who_of(update), text))


async def open_session(update: Update, context: CustomContext) -> None:
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await _run(update, context, lambda desk: desk.usage(who_of(update), "desk.session_usage"))
        return
    session_id = int(args[0].lstrip("#"))
    await _run(update, context, lambda desk: desk.open_session(who_of(update), session_id))


async def export_sessions(update: Update, context: CustomContext) -> None:
    status = context.args[0] if context.args else None
    await _run(update, context, lambda desk: desk.export(who_of(update), status))


async def press_desk_button(update: Update, context: CustomContext) -> None:
    """Every desk button; the data says what, the role check in the desk says whether."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    who = who_of(update)
    button = cb.decode_desk(query.data or "")
    try:
        match button:
            case cb.DeskList():
                q = ListQuery.decode(button)
                await _run(update, context, lambda desk: desk.list_sessions(who, q, replace=True))
            case cb.DeskFind(page, text):
                await _run(update, context, lambda desk: desk.find(who, text, page, replace=True))
            case cb.DeskOpen(session_id):
                await _run(update, context, lambda desk: desk.open_session(who, session_id))
            case cb.DeskDecide(session_id, code) if code in DECISION_CODES:
                decision = DECISION_CODES[code]
                await _run(
                    update, context, lambda desk: desk.ask_comment(who, session_id, decision)
                )
            case cb.DeskReopen(session_id):
                await _run(
                    update,
                    context,
                    lambda desk: desk.ask_comment(who, session_id, Decision.REOPENED),
                )
            case cb.DeskCancel(token):
                await _run(update, context, lambda desk: desk.cancel_comment(who, token))
            case cb.DeskEvidence(file_id):
                await _run(update, context, lambda desk: desk.evidence(who, file_id))
            case cb.DeskReport(session_id):
                await _run(update, context, lambda desk: desk.report(who, session_id))
            case _:
                raise ValueError(query.data)
    except ValueError:
        log.warning("malformed desk button %r from user %s", query.data, who.user_id)
        await _run(update, context, lambda desk: desk.usage(who, "chat.stale_button"))


__all__ = ["PREFIX", "export_sessions", "find_sessions", "list_sessions", "open_session"]

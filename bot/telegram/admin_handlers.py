"""What an admin does in the chat: short handlers over the admin service."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.services import callback_data as cb
from bot.services.access import Refused
from bot.services.admin import PREFIX, AdminResult, AdminService
from bot.services.ruleset_changes import note_without_unit
from bot.telegram.context import CustomContext
from bot.telegram.inbound import TEXT_MAX, clean
from bot.telegram.telegram_io import acknowledge, send_notices, send_replies, who_of

log = logging.getLogger(__name__)

Action = Callable[[AdminService], Awaitable[AdminResult]]


async def _run(update: Update, context: CustomContext, action: Action) -> None:
    admin = context.services.admin
    try:
        result = await action(admin)
    except Refused:
        result = admin.refusal(who_of(update))
    # Imported here: the menus come from the command registry, which imports this module.
    from bot.telegram.staff import set_person_menu

    catalogue = context.services.catalogue
    for user_id, role in result.menus:
        await set_person_menu(context.bot, catalogue, user_id, role)
    await send_replies(update, result.replies)
    await send_notices(context, result.notices)


def _args(context: CustomContext) -> list[str]:
    return [clean(arg, TEXT_MAX) for arg in context.args or []]


async def show_thresholds(update: Update, context: CustomContext) -> None:
    """/thresholds [history | VERSION]"""
    argument = " ".join(_args(context))
    await _run(update, context, lambda admin: admin.thresholds(who_of(update), argument))


async def set_value(update: Update, context: CustomContext) -> None:
    """/set KEY VALUE [note…]"""
    args = _args(context)
    who = who_of(update)
    if len(args) < 2:
        await _run(update, context, lambda admin: admin.usage(who, "admin.usage.set"))
        return
    key, value, rest = args[0], args[1], args[2:]

    async def action(admin: AdminService) -> AdminResult:
        unit = admin.unit_of(key)
        return await admin.propose_value(who, key, value, note_without_unit(rest, unit))

    await _run(update, context, action)


async def rollback(update: Update, context: CustomContext) -> None:
    """/rollback VERSION [note…]"""
    args = _args(context)
    who = who_of(update)
    if not args:
        await _run(update, context, lambda admin: admin.usage(who, "admin.usage.rollback"))
        return
    note = " ".join(args[1:]).strip()
    await _run(update, context, lambda admin: admin.propose_rollback(who, args[0], note))


async def reevaluate(update: Update, context: CustomContext) -> None:
    await _run(update, context, lambda admin: admin.reevaluate(who_of(update)))


async def grant(update: Update, context: CustomContext) -> None:
    """/grant USER_ID assessor|admin"""
    args = _args(context)
    who = who_of(update)
    if len(args) != 2:
        await _run(update, context, lambda admin: admin.usage(who, "admin.usage.grant"))
        return
    await _run(update, context, lambda admin: admin.grant(who, args[0], args[1]))


async def revoke(update: Update, context: CustomContext) -> None:
    """/revoke USER_ID"""
    args = _args(context)
    who = who_of(update)
    if len(args) != 1:
        await _run(update, context, lambda admin: admin.usage(who, "admin.usage.revoke"))
        return
    await _run(update, context, lambda admin: admin.revoke(who, args[0]))


async def people(update: Update, context: CustomContext) -> None:
    await _run(update, context, lambda admin: admin.people(who_of(update)))


async def audit(update: Update, context: CustomContext) -> None:
    """/audit [N]"""
    argument = " ".join(_args(context))
    await _run(update, context, lambda admin: admin.audit(who_of(update), argument))


async def press_admin_button(update: Update, context: CustomContext) -> None:
    """Confirm or cancel a pending change; the service checks the role and the token."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    who = who_of(update)
    match cb.decode_admin(query.data or ""):
        case cb.AdminConfirm(token):
            await _run(update, context, lambda admin: admin.confirm(who, token))
        case cb.AdminCancel(token):
            await _run(update, context, lambda admin: admin.cancel(who, token))
        case None:
            log.warning("malformed admin button %r from user %s", query.data, who.user_id)
            await _run(update, context, lambda admin: admin.usage(who, "chat.stale_button"))


__all__ = [
    "PREFIX",
    "audit",
    "grant",
    "people",
    "press_admin_button",
    "reevaluate",
    "revoke",
    "rollback",
    "set_value",
    "show_thresholds",
]

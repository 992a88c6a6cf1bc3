"""Staff at start-up: admins from ADMIN_IDS, and command menus per chat scope.

Suppliers see the interview's commands; each assessor's and admin's own chat also lists the
desk (and admin) commands, as the command registry (`commands`) lists them. Menus are
convenience only: every action checks the role itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.telegram.commands import Scope, menu
from conversations import LANGUAGES, Catalogue
from storage import Database, Role

log = logging.getLogger(__name__)

#: A person's role decides which menu their own chat shows.
_ROLE_SCOPES = {Role.ASSESSOR: Scope.ASSESSOR, Role.ADMIN: Scope.ADMIN}


async def bootstrap_admins(db: Database, admin_ids: Iterable[int]) -> None:
    """ADMIN_IDS are admins from the first start; the grant is audited like any other."""
    async with db.unit_of_work() as uow:
        for user_id in sorted(admin_ids):
            person = await uow.people.get(user_id)
            if person is None:
                person = await uow.people.upsert(user_id, str(user_id))
            if person.role != Role.ADMIN:
                await uow.audit.add(
                    None,
                    "role.bootstrap",
                    f"person:{user_id}",
                    old_value={"role": str(person.role)},
                    new_value={"role": Role.ADMIN.value},
                    note="ADMIN_IDS",
                )
                await uow.people.set_role(user_id, Role.ADMIN)
        await uow.commit()


def _commands(scope: Scope, catalogue: Catalogue, lang: str) -> list[BotCommand]:
    return [
        BotCommand(command.name, catalogue.text(command.menu_key, lang)) for command in menu(scope)
    ]


def _language_code(lang: str) -> str | None:
    """The default language's menu is the one without a language code."""
    return None if lang == LANGUAGES[0] else lang


async def refresh_menus(bot: Bot, db: Database, catalogue: Catalogue) -> None:
    for lang in LANGUAGES:
        await bot.set_my_commands(
            _commands(Scope.SUPPLIER, catalogue, lang),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=_language_code(lang),
        )
    async with db.unit_of_work() as uow:
        staff = [*await uow.people.list(Role.ASSESSOR), *await uow.people.list(Role.ADMIN)]
    for person in staff:
        await set_person_menu(bot, catalogue, person.telegram_id, Role(person.role))


async def set_person_menu(bot: Bot, catalogue: Catalogue, user_id: int, role: Role) -> None:
    """One person's menu after a role change; a supplier goes back to the default menu."""
    scope = _ROLE_SCOPES.get(role, Scope.SUPPLIER)
    chat = BotCommandScopeChat(chat_id=user_id)
    try:
        for lang in LANGUAGES:
            if scope == Scope.SUPPLIER:
                await bot.delete_my_commands(scope=chat, language_code=_language_code(lang))
            else:
                await bot.set_my_commands(
                    _commands(scope, catalogue, lang),
                    scope=chat,
                    language_code=_language_code(lang),
                )
    except TelegramError as exc:  # a person who never opened the chat has no chat scope yet
        log.warning("could not set the menu of user %s: %s", user_id, exc)

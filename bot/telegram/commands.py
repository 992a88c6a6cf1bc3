"""Every slash command the bot answers, declared once.

Each row names the command, who it is for, the handler that answers it and the catalogue
key of its menu description. `app.build_application` adds one handler per row and
`staff` builds each chat scope's command menu from the same rows, so a command cannot be
answered without being listed, or listed without being answered. The order of the rows is
the order of the menus.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Update

from bot.telegram import admin_handlers as admin
from bot.telegram import desk_handlers as desk
from bot.telegram import supplier_handlers as supplier
from bot.telegram.context import CustomContext

Handler = Callable[[Update, CustomContext], Coroutine[Any, Any, None]]


class Scope(StrEnum):
    """Whose menu lists a command: everyone in a private chat, assessors, or admins."""

    SUPPLIER = "supplier"
    ASSESSOR = "assessor"
    ADMIN = "admin"


@dataclass(frozen=True)
class ChatCommand:
    name: str
    scope: Scope
    handler: Handler
    menu_key: str
    #: Other spellings that run the same handler without appearing in the menu.
    aliases: tuple[str, ...] = ()


def _supplier(name: str, handler: Handler, *aliases: str) -> ChatCommand:
    return ChatCommand(name, Scope.SUPPLIER, handler, f"chat.command.{name}", aliases)


def _privacy(name: str, handler: Handler) -> ChatCommand:
    return ChatCommand(name, Scope.SUPPLIER, handler, f"privacy.command.{name}")


def _assessor(name: str, handler: Handler) -> ChatCommand:
    return ChatCommand(name, Scope.ASSESSOR, handler, f"desk.command.{name}")


def _admin(name: str, handler: Handler) -> ChatCommand:
    return ChatCommand(name, Scope.ADMIN, handler, f"admin.command.{name}")


COMMANDS: tuple[ChatCommand, ...] = (
    _supplier("start", supplier.start),
    _supplier("status", supplier.show_status),
    _supplier("review", supplier.navigate),
    _supplier("back", supplier.navigate),
    _supplier("skip", supplier.navigate),
    _supplier("help", supplier.navigate),
    _supplier("language", supplier.switch_language, "lang"),
    _supplier("new", supplier.new_assessment),
    _supplier("cancel", supplier.navigate),
    _privacy("mydata", supplier.show_my_data),
    _privacy("delete_my_data", supplier.erase_my_data),
    _assessor("sessions", desk.list_sessions),
    _assessor("find", desk.find_sessions),
    _assessor("session", desk.open_session),
    _assessor("export", desk.export_sessions),
    _admin("thresholds", admin.show_thresholds),
    _admin("set", admin.set_value),
    _admin("rollback", admin.rollback),
    _admin("reevaluate", admin.reevaluate),
    _admin("grant", admin.grant),
    _admin("revoke", admin.revoke),
    _admin("people", admin.people),
    _admin("audit", admin.audit),
)

#: Which scopes' commands each menu shows: staff keep the supplier's commands too.
MENU_SCOPES: dict[Scope, tuple[Scope, ...]] = {
    Scope.SUPPLIER: (Scope.SUPPLIER,),
    Scope.ASSESSOR: (Scope.SUPPLIER, Scope.ASSESSOR),
    Scope.ADMIN: (Scope.SUPPLIER, Scope.ASSESSOR, Scope.ADMIN),
}


def menu(scope: Scope, commands: Iterable[ChatCommand] = COMMANDS) -> list[ChatCommand]:
    """The commands a menu of `scope` lists, in table order."""
    shown = MENU_SCOPES[scope]
    return [command for command in commands if command.scope in shown]


def handler_names(commands: Iterable[ChatCommand] = COMMANDS) -> dict[Handler, list[str]]:
    """Each handler with every command name it answers (one PTB handler per function)."""
    grouped: dict[Handler, list[str]] = {}
    for command in commands:
        grouped.setdefault(command.handler, []).extend((command.name, *command.aliases))
    return grouped

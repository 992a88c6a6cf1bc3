"""The context every handler receives: PTB's CallbackContext with typed `services`.

The services live in `application.bot_data` (PTB's place for per-application objects)
under one key; `CustomContext.services` reads them back typed, so handlers need no
module-level state and no casts. `Services` is built by `bot.services.bootstrap`.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.services.bootstrap import Services

__all__ = [
    "BotApplication",
    "CustomContext",
    "Services",
    "attach",
    "context_types",
    "services",
    "services_of",
]

_KEY = "services"

UserData: TypeAlias = dict[Any, Any]
ChatData: TypeAlias = dict[Any, Any]
BotData: TypeAlias = dict[str, object]


class CustomContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """What a handler sees: the update's context plus the application's services."""

    @property
    def services(self) -> Services:
        return services_of(self.application)


BotApplication: TypeAlias = Application[
    ExtBot[None], CustomContext, UserData, ChatData, BotData, JobQueue[CustomContext]
]


def context_types() -> ContextTypes[CustomContext, UserData, ChatData, BotData]:
    return ContextTypes(context=CustomContext, bot_data=dict)


def attach(application: BotApplication, svc: Services) -> None:
    application.bot_data[_KEY] = svc


def services_of(application: Application[Any, Any, Any, Any, BotData, Any]) -> Services:
    found = application.bot_data.get(_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("the application was built without services; use build_application()")
    return found


def services(context: CustomContext) -> Services:
    return context.services

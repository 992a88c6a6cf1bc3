"""A role changed from the command line reaches the person at once, through the Bot API.

`greenlist roles grant/revoke` runs outside the bot process, which has no way to hear of
the change. Two ways were open: record a pending menu refresh in the database for a
short-interval job of the running bot to apply, or let the command call the Bot API itself
with the bot's own token, client and proxy. The second is chosen: the menu and the notice
arrive before the command returns, with no schema change, no polling on every bot process
and no window in which the role works but its commands are missing. The command runs
with the bot's settings, so it reaches Telegram the way the bot does; where it cannot
(no token configured, Telegram unreachable), the role change stands and the command says
that the menu follows at the bot's next start (menus are refreshed at start-up).
"""

from __future__ import annotations

import asyncio

from telegram.error import TelegramError

from bot.services.outcome import Notice
from bot.settings import ConfigError, Settings
from bot.telegram.probe import _bot, failure
from bot.telegram.staff import set_person_menu
from bot.telegram.telegram_io import render, split_text
from conversations import Catalogue
from storage import Role

DEFAULT_TIME_LIMIT = 10.0


async def deliver_role_change(
    settings: Settings,
    catalogue: Catalogue,
    user_id: int,
    role: Role,
    notice: Notice | None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> str | None:
    """Set the person's command menu for `role` and send them `notice`.

    None when both arrived; otherwise the reason, in one line, for the operator.
    """
    try:
        settings.token()
    except ConfigError:
        return "TELEGRAM_BOT_TOKEN is not set"
    where = settings.telegram_api_base_url or "api.telegram.org"
    bot = _bot(settings, time_limit)
    try:
        async with asyncio.timeout(time_limit * 3 + 1):
            await bot.initialize()
            try:
                await set_person_menu(bot, catalogue, user_id, role)
                for reply in notice.replies if notice else []:
                    for chunk in split_text(render(reply.text)):
                        await bot.send_message(user_id, chunk)
            finally:
                await bot.shutdown()
    except (TelegramError, TimeoutError, OSError) as exc:
        return failure(exc, where, time_limit)
    return None


__all__ = ["DEFAULT_TIME_LIMIT", "deliver_role_change"]

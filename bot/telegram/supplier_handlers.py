"""What a supplier does in the private chat, one short handler per action."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.services import callback_data as cb
from bot.services.interview import Outcome
from bot.telegram import desk_handlers
from bot.telegram.context import CustomContext
from bot.telegram.inbound import text_of
from bot.telegram.telegram_io import acknowledge, file_input_of, send_notices, send_replies, who_of
from conversations import ChoiceInput, Command, TextInput


async def _reply(update: Update, context: CustomContext, outcome: Outcome) -> None:
    message = update.callback_query.message if update.callback_query else None
    await send_replies(update, outcome.replies, edit_target=message)
    await send_notices(context, outcome.notices)


async def start(update: Update, context: CustomContext) -> None:
    outcome = await context.services.interview.start(who_of(update), update.update_id)
    await _reply(update, context, outcome)


async def new_assessment(update: Update, context: CustomContext) -> None:
    outcome = await context.services.interview.new_assessment(who_of(update), update.update_id)
    await _reply(update, context, outcome)


async def show_status(update: Update, context: CustomContext) -> None:
    outcome = await context.services.interview.status(who_of(update))
    await _reply(update, context, outcome)


async def switch_language(update: Update, context: CustomContext) -> None:
    wanted = context.args[0].lower()[:2] if context.args else None
    outcome = await context.services.interview.switch_language(
        who_of(update), wanted, update.update_id
    )
    await _reply(update, context, outcome)


async def navigate(update: Update, context: CustomContext) -> None:
    """/back, /skip, /help, /review, /cancel: the command name is the engine's command."""
    assert update.effective_message is not None and update.effective_message.text is not None
    name = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    outcome = await context.services.interview.handle(
        who_of(update), Command.model_validate({"name": name}), update.update_id
    )
    await _reply(update, context, outcome)


async def answer_text(update: Update, context: CustomContext) -> None:
    """An answer; from staff, first the comment an assessor may have been asked for."""
    assert update.effective_message is not None
    answer = TextInput(text=text_of(update.effective_message))
    interview = context.services.interview
    outcome = await interview.handle(who_of(update), answer, update.update_id, staff_first=True)
    if outcome.staff_first:
        if await desk_handlers.take_comment(update, context):
            return
        outcome = await interview.handle(who_of(update), answer, update.update_id)
    await _reply(update, context, outcome)


async def press_button(update: Update, context: CustomContext) -> None:
    """The answer to the press travels while the press is stored: the reply comes sooner."""
    query = update.callback_query
    assert query is not None
    acknowledged = asyncio.create_task(acknowledge(query))
    try:
        outcome = await context.services.interview.handle(
            who_of(update), ChoiceInput(data=query.data or ""), update.update_id
        )
    finally:
        await acknowledged
    await _reply(update, context, outcome)


async def press_unknown_button(update: Update, context: CustomContext) -> None:
    """A button this bot never made (or no longer knows): treated like a stale button."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    await _notice(update, context, "chat.stale_button")


async def upload_file(update: Update, context: CustomContext) -> None:
    assert update.effective_message is not None
    file = file_input_of(update.effective_message)
    if file is None:
        return await send_unsupported(update, context)
    outcome = await context.services.interview.handle(who_of(update), file, update.update_id)
    await _reply(update, context, outcome)


async def send_unsupported(update: Update, context: CustomContext) -> None:
    """Stickers, locations, contacts, voice: say what is expected and show the question again."""
    await _notice(update, context, "chat.unsupported")


async def ignore_edit(update: Update, context: CustomContext) -> None:
    """An edited message never rewrites a stored answer; say how to change one instead."""
    await _notice(update, context, "chat.edit_ignored")


async def unknown_command(update: Update, context: CustomContext) -> None:
    await _notice(update, context, "chat.unknown_command")


async def _notice(update: Update, context: CustomContext, key: str) -> None:
    outcome = await context.services.interview.notice(who_of(update), key, update.update_id)
    await _reply(update, context, outcome)


async def show_my_data(update: Update, context: CustomContext) -> None:
    replies = await context.services.privacy.my_data(who_of(update))
    await send_replies(update, replies)


async def erase_my_data(update: Update, context: CustomContext) -> None:
    replies = await context.services.privacy.ask_to_erase(who_of(update))
    await send_replies(update, replies)


async def confirm_erasure(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    # A malformed button carries no token, and the privacy service calls that stale.
    button = cb.decode_privacy(query.data or "") or cb.PrivacyAnswer(erase=False, token="")
    choice = "y" if button.erase else "n"
    replies = await context.services.privacy.answer(who_of(update), choice, button.token)
    await send_replies(update, replies)

"""What a supplier does in the private chat, one short handler per action."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.services import callback_data as cb
from bot.services.evidence import BOT_API_DOWNLOAD_LIMIT, Refused
from bot.services.outcome import Notice, Outcome, Who
from bot.telegram import desk_handlers
from bot.telegram.context import CustomContext
from bot.telegram.inbound import text_of
from bot.telegram.telegram_io import acknowledge, file_input_of, send_notices, send_replies, who_of
from conversations import ChoiceInput, Command, TextInput

log = logging.getLogger(__name__)


# Where a chat's messages with live buttons are remembered between updates.
_LIVE_KEYBOARDS = "live_keyboards"


async def _reply(update: Update, context: CustomContext, outcome: Outcome) -> None:
    """Send the outcome; a new screen with buttons then takes the buttons off the earlier
    ones, so the chat reads as a clean record with only the current question live. The
    answer goes first: the supplier waits for it, not for the old buttons to go."""
    message = update.callback_query.message if update.callback_query else None
    chat_data = context.chat_data
    new_screen = any(reply.buttons for reply in outcome.replies)
    edits_in_place = any(reply.replace_previous for reply in outcome.replies)
    retired: list[int] = []
    if new_screen and not edits_in_place and chat_data is not None:
        retired = chat_data.pop(_LIVE_KEYBOARDS, [])
    live = await send_replies(update, outcome.replies, edit_target=message)
    if live and chat_data is not None:
        known = [i for i in chat_data.get(_LIVE_KEYBOARDS, []) if i not in live]
        chat_data[_LIVE_KEYBOARDS] = [*known, *live]
    await _retire_keyboards(update, context, [i for i in retired if i not in live])
    await send_notices(context, outcome.notices)


async def _retire_keyboards(update: Update, context: CustomContext, message_ids: list[int]) -> None:
    """Remove the buttons of messages this process gave buttons earlier in this chat.

    Cosmetic only (an old button is still refused by the engine as stale), so a message
    that can no longer be edited, or one another bot process sent, is left as it is.
    """
    chat = update.effective_chat
    if chat is None:
        return
    for message_id in message_ids:
        try:
            await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
        except TelegramError as exc:
            log.debug("buttons of message %s left in place: %s", message_id, exc)


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
    """The file is downloaded and kept in the evidence store before the upload is confirmed:
    Telegram's file id works for this bot token only, the stored bytes for good."""
    assert update.effective_message is not None
    file = file_input_of(update.effective_message)
    if file is None:
        return await send_unsupported(update, context)
    interview = context.services.interview
    rules = context.services.engine.bank.files
    too_big = file.file_size is not None and file.file_size > rules.max_bytes
    if too_big or not rules.allows(file.file_name, file.mime_type):
        # The interview refuses it by name or size, in its own words: nothing to keep.
        outcome = await interview.handle(who_of(update), file, update.update_id)
        return await _reply(update, context, outcome)
    if file.file_size is not None and file.file_size > BOT_API_DOWNLOAD_LIMIT:
        return await _notice(update, context, "evidence.too_large")
    try:
        telegram_file = await context.bot.get_file(file.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("file %s not downloaded: %s", file.file_unique_id, exc)
        key = "evidence.too_large" if "too big" in str(exc).lower() else "evidence.download_failed"
        return await _notice(update, context, key)
    kept = await context.services.evidence.keep(data)
    if isinstance(kept, Refused):
        key = "evidence.refused_type" if kept.reason == "type" else "evidence.store_failed"
        return await _notice(update, context, key)
    stored = file.model_copy(
        update={"sha256": kept.sha256, "stored_size": kept.size, "content_type": kept.content_type}
    )
    outcome = await interview.handle(who_of(update), stored, update.update_id)
    await _reply(update, context, outcome)
    if context.services.reading.enabled:
        # Read beside the interview: the supplier's next answers do not wait for it.
        context.application.create_task(
            _read_upload(context, who_of(update), kept.sha256, file.file_name),
            update=update,
        )


async def _read_upload(
    context: CustomContext, who: Who, digest: str, file_name: str | None
) -> None:
    """What the file says, put to the supplier once read; a failure here is only logged:
    the upload itself is stored and confirmed already."""
    try:
        outcome = await context.services.reading.read(who, digest, file_name)
    except Exception:
        log.warning("reading file %s failed", digest[:12], exc_info=True)
        return
    if outcome.replies:
        await send_notices(context, [Notice(who.user_id, outcome.replies)])


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

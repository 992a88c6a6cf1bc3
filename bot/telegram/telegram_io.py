"""Translate between Telegram objects and the engine's plain inputs and replies.

The engine speaks plain text; here it becomes HTML-escaped messages with inline keyboards,
so nothing a supplier typed can ever be read as markup.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, TelegramError

from bot.services.interview import Notice, Who
from bot.telegram.context import CustomContext
from conversations import FileInput, Reply

log = logging.getLogger(__name__)


def who_of(update: Update) -> Who:
    user = update.effective_user
    assert user is not None, "handlers are registered for updates that have a user"
    return Who(
        user_id=user.id,
        name=user.full_name,
        username=user.username,
        language_hint=user.language_code,
    )


def file_input_of(message: Message) -> FileInput | None:
    """The uploaded document or the largest size of a photo, as the engine sees a file."""
    if message.document is not None:
        doc = message.document
        return FileInput(
            file_id=doc.file_id,
            file_unique_id=doc.file_unique_id,
            file_name=doc.file_name,
            mime_type=doc.mime_type,
            file_size=doc.file_size,
            kind="document",
        )
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return FileInput(
            file_id=photo.file_id,
            file_unique_id=photo.file_unique_id,
            file_name=f"photo_{photo.file_unique_id}.jpg",
            mime_type="image/jpeg",
            file_size=photo.file_size,
            kind="photo",
        )
    return None


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the pressed button's spinner. The answer is only cosmetic: a press Telegram no
    longer lets the bot answer (too old, as after a restart) is still handled."""
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("callback query %s not answered: %s", query.id, exc)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.data) for button in row]
            for row in reply.buttons
        ]
    )


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut at line breaks so a long verdict or card arrives as whole lines."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def render(text: str) -> str:
    return html.escape(text, quote=False)


async def send_replies(
    update: Update,
    replies: Sequence[Reply],
    *,
    edit_target: Message | MaybeInaccessibleMessage | None = None,
) -> list[int]:
    """Send the engine's replies to the chat of `update`; the ids of the messages that now
    carry buttons, so the next screen can take them away.

    A reply flagged `replace_previous` (a toggled multi-choice keyboard) edits the message
    whose button was pressed instead of adding a new one.
    """
    chat = update.effective_chat
    assert chat is not None
    with_buttons: list[int] = []
    for reply in replies:
        markup = keyboard(reply)
        if reply.replace_previous and isinstance(edit_target, Message):
            try:
                await edit_target.edit_text(render(reply.text), reply_markup=markup)
                with_buttons.append(edit_target.message_id)
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    with_buttons.append(edit_target.message_id)
                    continue
                # The message may be too old to edit: fall through and send a new one.
        chunks = split_text(render(reply.text))
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await chat.send_message(chunk, reply_markup=markup if last else None)
            if last and markup is not None:
                with_buttons.append(sent.message_id)
    return with_buttons


async def send_notices(context: CustomContext, notices: Sequence[Notice]) -> None:
    """Tell other people. One who blocked the bot or never opened it must neither undo what
    was already stored nor keep the others from hearing."""
    for notice in notices:
        for reply in notice.replies:
            try:
                chunks = split_text(render(reply.text))
                for index, chunk in enumerate(chunks):
                    markup = keyboard(reply) if index == len(chunks) - 1 else None
                    await context.bot.send_message(notice.user_id, chunk, reply_markup=markup)
            except TelegramError as exc:
                log.warning("notice to user %s not delivered: %s", notice.user_id, exc)
                break

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

__all__ = [
    "acknowledge",
    "file_input_of",
    "fit_caption",
    "keyboard",
    "render",
    "send_notices",
    "send_replies",
    "split_text",
    "who_of",
]
from telegram.error import BadRequest, TelegramError

from bot.services.outcome import Notice
from bot.telegram.context import CustomContext
from bot.telegram.inbound import file_input_of, who_of
from bot.telegram.text_limits import (
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    shorten_html,
    shorten_plain,
    split_html,
    utf16_len,
)
from conversations import Reply

log = logging.getLogger(__name__)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the pressed button's spinner. The answer is only cosmetic: a press Telegram no
    longer lets the bot answer (too old, as after a restart) is still handled. A text is
    cut to the 200 units a callback answer may carry."""
    try:
        await query.answer(shorten_plain(text, CALLBACK_ANSWER_LIMIT) if text else None)
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


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut at line breaks, in Telegram's UTF-16 units, so a long verdict or card arrives as
    whole lines and no part is refused as too long."""
    return split_html(text, limit)


def fit_caption(caption: str | None) -> str | None:
    """A document's caption within the 1,024 units Telegram allows, cut with an ellipsis."""
    return None if caption is None else shorten_html(caption, CAPTION_LIMIT)


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
        rendered = render(reply.text)
        if (
            reply.replace_previous
            and isinstance(edit_target, Message)
            and utf16_len(rendered) <= MESSAGE_LIMIT
        ):
            try:
                await edit_target.edit_text(rendered, reply_markup=markup)
                with_buttons.append(edit_target.message_id)
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    with_buttons.append(edit_target.message_id)
                    continue
                # The message may be too old to edit: fall through and send a new one.
        chunks = split_text(rendered)
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

"""A tiny PTB bot wired to the fake server: the subject of the fake server's own tests."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakebot import FakeTelegram

REPORT_BYTES = "企业,能耗\n示例砖厂,43.5\n".encode()

BotApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture(autouse=True)
async def no_leftover_tasks() -> AsyncIterator[None]:
    """Every test must end with the fake server and the bot fully shut down."""
    yield
    await asyncio.sleep(0)
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert not leftovers, f"tasks still running after the test: {leftovers}"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(
        f"<b>回声</b>: {html.escape(update.message.text)}", parse_mode=ParseMode.HTML
    )


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"start args={context.args}")


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("是，继续", callback_data="answer:yes"),
                InlineKeyboardButton("否", callback_data="answer:no"),
            ],
            [InlineKeyboardButton("导则原文", url="https://example.org/guideline")],
        ]
    )
    await update.message.reply_text("继续吗？", reply_markup=keyboard)


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(text=f"已选 {query.data}")
    await query.edit_message_text(f"选择: {query.data.removeprefix('answer:')}")


async def _report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_document(
        document=REPORT_BYTES,
        filename="评价报告.csv",
        caption="<b>评价报告</b>",
        parse_mode=ParseMode.HTML,
    )


async def _burst(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    for number in range(1, 4):
        await update.message.reply_text(f"第 {number} 条")


async def _document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    data = await (await update.message.document.get_file()).download_as_bytearray()
    await update.message.reply_text(f"收到 {len(data)} 字节")


async def _post_init(application: BotApp) -> None:
    await application.bot.set_my_commands(
        [BotCommand("start", "开始评价"), BotCommand("menu", "菜单")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="zh",
    )


def build_app(tg: FakeTelegram, token: str | None = None) -> BotApp:
    app = (
        ApplicationBuilder()
        .token(token or tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .get_updates_read_timeout(3)
        .post_init(_post_init)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("menu", _menu))
    app.add_handler(CommandHandler("report", _report))
    app.add_handler(CommandHandler("burst", _burst))
    app.add_handler(CallbackQueryHandler(_pressed))
    app.add_handler(MessageHandler(filters.Document.ALL, _document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


@pytest.fixture
def app(tg: FakeTelegram) -> BotApp:
    return build_app(tg)

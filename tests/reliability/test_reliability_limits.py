"""Telegram's size limits, in Telegram's units: what the bot sends is never refused as
too long, and a long text is split without cutting a tag or an entity."""

from __future__ import annotations

import re
from typing import Any

from bot.telegram.text_limits import (
    CALLBACK_ANSWER_LIMIT,
    MESSAGE_LIMIT,
    shorten_html,
    shorten_plain,
    split_html,
    utf16_len,
)
from storage import Database
from tests.bot.telegram_supplier import TelegramSupplier
from tests.fakebot import FakeTelegram
from tests.reliability.test_reliability_hostile import ENGINE, place_at

_ENTITY_OR_TAG = re.compile(r"&[a-z]+;|<[^<>]*>")


def test_emoji_count_twice() -> None:
    assert utf16_len("😀" * 2100) == 4200
    assert utf16_len("红砖厂") == 3


def test_split_keeps_every_part_within_the_limit_in_utf16_units() -> None:
    parts = split_html("😀" * 2100)
    assert [utf16_len(p) for p in parts] == [4096, 104]
    assert "".join(parts) == "😀" * 2100


def test_split_never_cuts_an_entity() -> None:
    text = ("甲" * 9 + "&amp;") * 1000
    parts = split_html(text, 1000)
    assert "".join(parts) == text
    for part in parts:
        assert utf16_len(part) <= 1000
        assert not part.startswith("amp;") and not part.endswith("&am")
        # every "&" in a part starts a whole entity
        assert part.count("&") == part.count("&amp;")


def test_split_prefers_line_boundaries_and_closes_open_tags() -> None:
    text = "<b>" + "\n".join(f"第{i}行 &lt;砖&gt;" for i in range(600)) + "</b>"
    parts = split_html(text, 2000)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 2000
        assert part.startswith("<b>") and part.endswith("</b>")
        body = part.removeprefix("<b>").removesuffix("</b>")
        assert all(line.startswith("第") for line in body.split("\n"))
    rejoined = "\n".join(p.removeprefix("<b>").removesuffix("</b>") for p in parts)
    assert rejoined == text.removeprefix("<b>").removesuffix("</b>")


def test_shortening_marks_the_cut() -> None:
    short = shorten_plain("好" * 300, CALLBACK_ANSWER_LIMIT)
    assert short == "好" * 199 + "…"
    assert utf16_len(shorten_plain("😀" * 300, 200)) <= 200
    cut = shorten_html("<i>" + "&amp;" * 500 + "</i>", 100)
    assert cut.endswith("&amp;…</i>") and utf16_len(cut) <= 100


async def test_2100_emoji_at_the_phone_question_get_a_re_prompt(
    telegram: FakeTelegram, bot: Any, read_db: Database
) -> None:
    user_id = 700_001
    before = await place_at(read_db, user_id, "contact_phone")
    s = TelegramSupplier(telegram.user(user_id, "表情"), ENGINE)
    await s.user.send_text("😀" * 2100)
    seen = await s.user.messages_until_idle()
    texts = [m.text for m in seen]
    refusals = [t for t in texts if "不是有效的手机号或座机号" in t]
    assert len(refusals) == 1
    assert refusals[0].startswith("“" + "😀" * 199 + "…”不是有效的手机号或座机号")
    question = s.question_on_screen(seen[-1])
    assert question is not None and question.id == "contact_phone"
    assert all("出了问题" not in t for t in texts)
    assert not telegram.errors
    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
    assert row.state["answers"] == before
    assert all(utf16_len(c.params.get("text", "")) <= MESSAGE_LIMIT for c in telegram.calls())

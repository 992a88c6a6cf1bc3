"""Hostile and odd input at every kind of question, through the real bot: never a crash,
always a sensible screen again, and nothing answered earlier changes."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conversations import Engine
from storage import Database
from tests.bot.conftest import TODAY
from tests.bot.telegram_supplier import TelegramSupplier
from tests.conversations.interview_driver import Chat
from tests.fakebot import FakeTelegram, SentMessage

ENGINE = Engine.default(today=lambda: TODAY)
#: The first question of each kind on a qualified plant's path.
FIRST_OF_KIND: dict[str, str] = {}
for _question in ENGINE.bank.questions:
    FIRST_OF_KIND.setdefault(_question.kind, _question.id)
USER_IDS = itertools.count(600_000)

TRICKY_TEXTS = [
    "<b>粗体</b> & <i>x</i>",
    "红砖\x00厂\x1b[31m",  # NUL cannot be stored in PostgreSQL's JSON
    "*bold* _it_ [link](http://x) `code` ~s~ ||spoiler||",
    "<script>alert(1)</script>",
    "１２３，４５６％",
    "1,2345",
    "-5",
    "NaN",
    "1e308",
    "∞",
    "二十万",
    "12万万kWh",
    "12 MWh 34 kWh",
    "2025-02-30",
    "91130185MA07LQ8K3Q",
    "\u200b\u202e逆序",
    "😀" * 50,
]

hostile_inputs = st.one_of(
    st.text(min_size=1, max_size=300).filter(str.strip).map(lambda t: ("text", t)),
    st.sampled_from(TRICKY_TEXTS).map(lambda t: ("text", t)),
    st.just(("text", "长" * 4096)),
    st.sampled_from(["sticker", "location", "contact", "voice"]).map(lambda k: (k, "")),
    st.text(max_size=60).filter(lambda d: 0 < len(d.encode()) <= 64).map(lambda d: ("callback", d)),
    st.tuples(st.sampled_from("atdxrckl"), st.text(max_size=20))
    .map(lambda p: f"iv:{p[0]}:{p[1]}")
    .filter(lambda d: len(d.encode()) <= 64)
    .map(lambda d: ("callback", d)),
    st.text(min_size=1, max_size=100).filter(str.strip).map(lambda t: ("edit", t)),
    st.sampled_from(
        [
            ("document", "evil.exe|application/x-msdownload|1000"),
            ("document", "huge.pdf|application/pdf|99999999"),
            ("document", "noname||0"),
        ]
    ),
)


async def place_at(db: Database, user_id: int, question_id: str) -> dict[str, Any]:
    """A supplier who has answered everything before `question_id`, straight in the database."""
    chat = Chat(ENGINE)
    chat.answer_until(question_id)
    async with db.unit_of_work() as uow:
        await uow.people.upsert(user_id, "试探者")
        await uow.sessions.create(
            user_id,
            state=chat.state.model_dump(mode="json"),
            answers=ENGINE.answers_document(chat.state),
            current_question=question_id,
        )
        await uow.commit()
    return dict(chat.state.answers)


async def send(telegram: FakeTelegram, s: TelegramSupplier, kind: str, value: str) -> None:
    user = s.user
    if kind == "text":
        await user.send_text(value)
    elif kind == "sticker":
        await user.send_sticker()
    elif kind == "location":
        await user.send_location(31.23, 121.47)
    elif kind == "contact":
        await user.send_contact("+8613800000000", "联系人")
    elif kind == "voice":
        await user.send_raw(voice={"file_id": "v1", "file_unique_id": "v1u", "duration": 3})
    elif kind == "edit":
        sent = await user.send_text("原来的话")
        await s.next_screen()
        await user.edit_text(sent["message"]["message_id"], value)
    elif kind == "document":
        name, mime, size = value.split("|")
        document: dict[str, Any] = {"file_id": f"d-{name}", "file_unique_id": f"u-{name}"}
        if name != "noname":
            document |= {"file_name": name, "mime_type": mime, "file_size": int(size)}
        await user.send_raw(document=document)
    else:
        telegram.enqueue(
            {
                "callback_query": {
                    "id": f"cb-{time.monotonic_ns()}",
                    "from": user.as_user(),
                    "chat_instance": "hostile",
                    "data": value,
                    "message": {
                        "message_id": user.last_message.message_id if user.last_message else 1,
                        "date": int(time.time()),
                        "chat": {"id": user.chat_id, "type": "private"},
                    },
                }
            }
        )


def asks_for_something(s: TelegramSupplier, message: SentMessage) -> bool:
    """A sensible answer to anything: a question, the review, or a confirmation whose
    buttons say what to do next (random text may well spell /cancel)."""
    return s.is_screen(message) or bool(message.buttons)


@pytest.mark.parametrize("kind", sorted(FIRST_OF_KIND))
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(inputs=st.lists(hostile_inputs, min_size=1, max_size=3))
@example(inputs=[("text", "/CANCEL"), ("text", "随便说点什么")])  # a command, shouted
async def test_hostile_input_at_every_question_kind(
    kind: str,
    inputs: list[tuple[str, str]],
    telegram: FakeTelegram,
    bot: Any,
    read_db: Database,
) -> None:
    user_id = next(USER_IDS)
    question_id = FIRST_OF_KIND[kind]
    before = await place_at(read_db, user_id, question_id)
    s = TelegramSupplier(telegram.user(user_id, "试探者"), ENGINE)

    for input_kind, value in inputs:
        await send(telegram, s, input_kind, value)
        screen = await s.user.wait_for(lambda m: asks_for_something(s, m))
        assert "Traceback" not in screen.text

    async with read_db.unit_of_work() as uow:
        (row,) = await uow.sessions.list_for_owner(user_id)
    kept = {k: v for k, v in row.state["answers"].items() if k in before}
    assert kept == before

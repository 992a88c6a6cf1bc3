"""A Telegram user in a private chat with the bot, played by the test."""

# The waiting methods take a timeout on purpose: on expiry they fail the test with what
# was awaited and the chat so far, which a bare asyncio.timeout cannot say.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import copy
import mimetypes
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .chat import ChatState, StoredMessage
from .formatting import command_entities, utf16_len
from .markup import inline_buttons
from .media import image_size, png_bytes
from .models import DEFAULT_TIMEOUT, Call, SentMessage

if TYPE_CHECKING:
    from .server import FakeTelegram

_COMMAND_RE = re.compile(r"[A-Za-z0-9_]{1,32}")
_NOMINAL_PHOTO_SIZE = (1280, 960)

MessageRef = int | dict[str, Any] | SentMessage
"""A message given by id, as a Message or Update dict, or as a SentMessage."""


class FakeUser:
    """Sends updates as this user and waits for what the bot answers in their chat.

    Every ``send_*``/``press``/``edit_text`` queues one update and returns it (with its
    update_id). The waiting methods consume the bot's messages in order, so each
    message is returned once per user object.
    """

    def __init__(
        self,
        telegram: FakeTelegram,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
    ) -> None:
        self._tg = telegram
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self._sent_seen = 0
        self._edits_seen = 0

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r})"

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> dict[str, Any]:
        """This user as a Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    # ------------------------------------------------------------------ sending

    def _chat(self) -> ChatState:
        return self._tg._chat(self.id)

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = self._chat()
        return {
            "message_id": chat.next_message_id(),
            "from": self.as_user(),
            "chat": dict(chat.info),
            "date": int(time.time()),
            **content,
        }

    async def _send(self, **content: Any) -> dict[str, Any]:
        update = self._tg.enqueue({"message": self._message(**content)})
        await asyncio.sleep(0)
        return update

    async def send_text(self, text: str) -> dict[str, Any]:
        """A text message; ``/commands`` in it get their bot_command entities."""
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return await self._send(**content)

    async def send_command(
        self, command: str, args: str = "", *, mention: bool = False
    ) -> dict[str, Any]:
        """``/command args`` (``/command@bot_username args`` with ``mention``)."""
        name = command.removeprefix("/")
        if not _COMMAND_RE.fullmatch(name):
            raise ValueError(f"{command!r} is not a bot command (1-32 letters, digits, _)")
        head = f"/{name}" + (f"@{self._tg.bot_username}" if mention else "")
        text = f"{head} {args}" if args else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        return await self._send(text=text, entities=[entity])

    async def send_document(
        self,
        file_name: str,
        content: bytes,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Upload a file; the bot can getFile and download exactly these bytes."""
        mime = mime_type or mimetypes.guess_type(file_name, strict=False)[0]
        stored = self._tg._register_file(
            "document",
            content,
            file_name=file_name,
            mime_type=mime or "application/octet-stream",
        )
        fields: dict[str, Any] = {"document": self._tg._document_json(stored)}
        if caption:
            fields["caption"] = caption
        return await self._send(**fields)

    async def send_photo(
        self, content: bytes | None = None, *, caption: str | None = None
    ) -> dict[str, Any]:
        """A photo (a small PNG by default); sizes come from the image header."""
        data = content if content is not None else png_bytes(64, 48)
        width, height = image_size(data) or _NOMINAL_PHOTO_SIZE
        fields: dict[str, Any] = {"photo": self._tg._register_photo(data, width, height)}
        if caption:
            fields["caption"] = caption
        return await self._send(**fields)

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self._tg._register_file(
            "sticker",
            png_bytes(8, 8),
            mime_type="image/png",
            width=512,
            height=512,
            extension=".png",
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.file_size,
        }
        return await self._send(sticker=sticker)

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return await self._send(location={"latitude": latitude, "longitude": longitude})

    async def send_contact(
        self, phone: str, first_name: str | None = None, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """A shared contact; without ``first_name`` it is the user's own (with user_id)."""
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name or self.first_name,
        }
        owner = user_id if user_id is not None else (None if first_name else self.id)
        if owner is not None:
            contact["user_id"] = owner
        return await self._send(contact=contact)

    async def send_raw(self, **content: Any) -> dict[str, Any]:
        """A message with arbitrary content fields (voice, poll, …) next to the usual ones."""
        return await self._send(**content)

    async def edit_text(self, message: MessageRef, new_text: str) -> dict[str, Any]:
        """The user edits one of their text messages: an edited_message update."""
        chat = self._chat()
        message_id = _message_id(message)
        stored = chat.messages.get(message_id)
        if stored is None or stored.from_bot or "text" not in stored.message:
            raise ValueError(f"#{message_id} is not a text message {self} sent")
        edited = copy.deepcopy(stored.message)
        edited["text"] = new_text
        entities = command_entities(new_text)
        if entities:
            edited["entities"] = entities
        else:
            edited.pop("entities", None)
        edited["edit_date"] = int(time.time())
        update = self._tg.enqueue({"edited_message": edited})
        await asyncio.sleep(0)
        return update

    async def press(self, button: str, message: MessageRef | None = None) -> dict[str, Any]:
        """Press an inline button by label (exact, then substring) or callback data.

        Looks on ``message`` (its current keyboard), or on the bot's latest message in
        this chat that has inline buttons.
        """
        stored = self._keyboard_message(message)
        buttons = inline_buttons(stored.message.get("reply_markup"))
        chosen = _find_button(buttons, button, stored.message["message_id"])
        if "callback_data" not in chosen:
            action = next(key for key in chosen if key != "text")
            raise AssertionError(
                f"button {chosen['text']!r} on #{stored.message['message_id']} sends no "
                f"callback (it is a {action} button: {chosen[action]!r})"
            )
        query = {
            "id": self._tg._new_callback_query_id(),
            "from": self.as_user(),
            "message": copy.deepcopy(stored.message),
            "chat_instance": self._chat().chat_instance,
            "data": chosen["callback_data"],
        }
        update = self._tg.enqueue({"callback_query": query})
        await asyncio.sleep(0)
        return update

    def _keyboard_message(self, message: MessageRef | None) -> StoredMessage:
        chat = self._chat()
        if message is not None:
            message_id = _message_id(message)
            stored = chat.messages.get(message_id)
            if stored is None or not stored.from_bot:
                raise AssertionError(f"the bot sent no message #{message_id} to {self}")
            if stored.deleted:
                raise AssertionError(f"message #{message_id} was deleted by the bot")
            if not inline_buttons(stored.message.get("reply_markup")):
                raise AssertionError(
                    f"message #{message_id} has no inline buttons now\n"
                    + self._tg.describe_chat(self.id)
                )
            return stored
        for stored in chat.latest_bot_messages():
            if inline_buttons(stored.message.get("reply_markup")):
                return stored
        raise AssertionError(
            f"no message with inline buttons in the chat with {self}\n"
            + self._tg.describe_chat(self.id)
        )

    async def block_bot(self) -> None:
        self._tg.block(self.id)
        await asyncio.sleep(0)

    async def unblock_bot(self) -> None:
        self._tg.unblock(self.id)
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ waiting

    def _take_sent(self) -> SentMessage | None:
        chat = self._chat()
        if self._sent_seen < len(chat.sent):
            event = chat.sent[self._sent_seen]
            self._sent_seen += 1
            return self._tg._snapshot(event)
        return None

    async def next_message(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """The bot's next message to this chat (sendMessage/sendDocument/sendPhoto).

        It comes as it was sent; later edits show in ``next_edit`` and ``last_message``.
        """
        return await self._tg._wait_until(
            self._take_sent,
            timeout,
            lambda: (
                f"the bot sent {self} no new message within {timeout}s\n"
                + self._tg.describe_chat(self.id)
            ),
        )

    async def next_edit(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """The next edit the bot made to one of its messages here, as it looks after it."""

        def take() -> SentMessage | None:
            chat = self._chat()
            if self._edits_seen < len(chat.edits):
                event = chat.edits[self._edits_seen]
                self._edits_seen += 1
                return self._tg._snapshot(event)
            return None

        return await self._tg._wait_until(
            take,
            timeout,
            lambda: (
                f"the bot edited no message of {self} within {timeout}s\n"
                + self._tg.describe_chat(self.id)
            ),
        )

    async def wait_for(
        self,
        match: str | Callable[[SentMessage], bool],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SentMessage:
        """Consume the bot's messages until one contains ``match`` (or satisfies it)."""
        matches: Callable[[SentMessage], bool]
        if isinstance(match, str):
            wanted = match

            def contains(message: SentMessage) -> bool:
                return wanted in message.text

            matches = contains
            description = f"a message containing {wanted!r}"
        else:
            matches = match
            description = "a message matching the predicate"
        skipped: list[SentMessage] = []

        def take() -> SentMessage | None:
            while (message := self._take_sent()) is not None:
                if matches(message):
                    return message
                skipped.append(message)
            return None

        def failure() -> str:
            passed = "\n".join(f"  {message}" for message in skipped) or "  (none)"
            return (
                f"{self} got no {description} within {timeout}s; skipped:\n{passed}\n"
                + self._tg.describe_chat(self.id)
            )

        return await self._tg._wait_until(take, timeout, failure)

    async def messages_until_idle(
        self, idle: float = 0.3, timeout: float = DEFAULT_TIMEOUT
    ) -> list[SentMessage]:
        """Everything the bot sends here until it has done nothing for this chat for ``idle``.

        The quiet period only starts once the bot has fetched this user's updates.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        collected: list[SentMessage] = []
        activity = self._activity()
        quiet_since = loop.time()
        while True:
            changed = self._tg._changed
            while (message := self._take_sent()) is not None:
                collected.append(message)
            now = loop.time()
            current = self._activity()
            if current != activity or self._update_waiting():
                activity, quiet_since = current, now
            if now - quiet_since >= idle:
                return collected
            if now >= deadline:
                got = "\n".join(f"  {message}" for message in collected) or "  (none)"
                reason = (
                    f"the bot has not fetched the updates of {self} within {timeout}s"
                    if self._update_waiting()
                    else f"the bot kept working on the chat with {self} for {timeout}s "
                    f"without an idle gap of {idle}s"
                )
                raise AssertionError(
                    f"{reason}; collected:\n{got}\n" + self._tg.describe_chat(self.id)
                )
            wait = min(idle - (now - quiet_since), deadline - now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)

    def _update_waiting(self) -> bool:
        """An update of this user the bot has not fetched yet: it cannot be idle."""
        for update in self._tg._updates:
            for key in ("message", "edited_message", "callback_query"):
                payload = update.get(key)
                sender = payload.get("from") if isinstance(payload, dict) else None
                if isinstance(sender, dict) and sender.get("id") == self.id:
                    return True
        return False

    def _activity(self) -> int:
        """How many requests the bot has made about this chat so far."""
        queries = self._tg._callback_query_ids(self.id)
        count = 0
        for call in self._tg._calls:
            if call.method == "getUpdates":
                continue
            mine = call.params.get("chat_id") in (self.id, str(self.id))
            if mine or call.params.get("callback_query_id") in queries:
                count += 1
        return count + len(self._chat().events)

    # ------------------------------------------------------------------ state

    @property
    def last_message(self) -> SentMessage | None:
        """The bot's latest message here, as it is now (after edits)."""
        chat = self._chat()
        if not chat.sent:
            return None
        message_id = chat.sent[-1].message["message_id"]
        return self._tg._current(chat.messages[message_id])

    @property
    def messages(self) -> list[SentMessage]:
        """Every message the bot sent here, in order, as each is now."""
        chat = self._chat()
        return [
            self._tg._current(chat.messages[event.message["message_id"]]) for event in chat.sent
        ]

    @property
    def answered_callbacks(self) -> list[Call]:
        """answerCallbackQuery calls the bot made for this user's presses."""
        queries = self._tg._callback_query_ids(self.id)
        return [
            call
            for call in self._tg.calls("answerCallbackQuery")
            if call.ok and call.params.get("callback_query_id") in queries
        ]

    async def callback_answer(
        self, press_update: dict[str, Any], timeout: float = DEFAULT_TIMEOUT
    ) -> Call:
        """Wait for the bot to answer the callback query of one press."""
        query_id = press_update["callback_query"]["id"]
        return await self._tg.wait_for_call(
            "answerCallbackQuery",
            lambda call: call.params.get("callback_query_id") == query_id,
            timeout,
        )


def _message_id(message: MessageRef) -> int:
    if isinstance(message, SentMessage):
        return message.message_id
    if isinstance(message, int) and not isinstance(message, bool):
        return message
    if isinstance(message, dict):
        inner = message.get("message") or message.get("edited_message") or message
        message_id = inner.get("message_id") if isinstance(inner, dict) else None
        if isinstance(message_id, int):
            return message_id
    raise TypeError(f"cannot tell which message {message!r} is")


def _find_button(buttons: list[dict[str, Any]], wanted: str, message_id: int) -> dict[str, Any]:
    available = "; ".join(
        f"{button.get('text')!r}→{button.get('callback_data', button.get('url'))!r}"
        for button in buttons
    )
    for button in buttons:
        if button.get("text") == wanted:
            return button
    for button in buttons:
        if button.get("callback_data") == wanted:
            return button
    partial = [button for button in buttons if wanted in str(button.get("text", ""))]
    if len(partial) == 1:
        return partial[0]
    if partial:
        labels = ", ".join(repr(button.get("text")) for button in partial)
        raise AssertionError(
            f"{wanted!r} matches several buttons on #{message_id} ({labels}); "
            f"available: {available}"
        )
    raise AssertionError(f"no button {wanted!r} on #{message_id}; available: {available}")

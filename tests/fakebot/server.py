"""A fake Telegram Bot API server that a real python-telegram-bot Application talks to.

The bot under test runs unchanged, its ``base_url`` pointed at this server on 127.0.0.1.
The server answers like Telegram (same status codes, same error wording, same encodings),
records every request, keeps each chat's history, and lets the test play the users.
"""

# The waiting methods take a timeout on purpose: on expiry they fail the test with what
# was awaited and the chat so far, which a bare asyncio.timeout cannot say.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import functools
import itertools
import json
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .chat import ChatState, StoredMessage
from .errors import ApiError
from .formatting import format_text, utf16_len
from .markup import inline_buttons, parse_reply_markup
from .media import image_size
from .models import (
    DEFAULT_TIMEOUT,
    Call,
    ChatEvent,
    RejectedRequest,
    SentMessage,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
)
from .user import FakeUser

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_UPLOAD = 50 * 1024 * 1024
_MAX_DOWNLOAD = 20 * 1024 * 1024
_MAX_POLL_TIMEOUT = 50.0
_WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")

_UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
_DEFAULT_ALLOWED = _UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}

# Parameters the Bot API types as strings. Their form values are taken verbatim; every
# other value is JSON-decoded, as PTB JSON-encodes all non-string values.
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
        "secret_token", "ip_address", "file_id", "action", "language_code", "description",
        "short_description", "name", "title", "emoji", "business_connection_id",
        "message_effect_id", "query_id", "phone_number", "first_name", "last_name", "vcard",
        "address", "foursquare_id", "foursquare_type", "google_place_id", "google_place_type",
        "question", "explanation", "document", "photo", "sticker", "audio", "video", "voice",
        "animation", "video_note", "thumbnail", "cover", "performer", "custom_emoji_id",
        "sticker_set_name", "game_short_name", "payload", "provider_token", "currency",
        "start_parameter", "invite_link",
    }
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_SCOPE_TYPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_FILE_ID_PREFIX = {
    "document": "BQACAgIAAxkBAAI",
    "photo": "AgACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
}
_FILE_FOLDER = {"document": "documents", "photo": "photos", "sticker": "stickers"}
_PHOTO_LIMITS = (90, 320, 800, 1280)
_MAX_PHOTO_SIDE = 2560

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_dumps = functools.partial(json.dumps, ensure_ascii=False)

Handler = Callable[[dict[str, Any], web.Request], Awaitable[Any]]


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Poll:
    request: web.Request
    terminated: bool = False


@dataclass
class _CallbackQuery:
    user_id: int | None
    answered: bool = False


@dataclass
class _Failure:
    error_code: int
    description: str
    parameters: dict[str, Any] | None


class FakeTelegram:
    """The Bot API on 127.0.0.1, with the test in the role of Telegram and its users."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "greenlist_test_bot",
        *,
        bot_first_name: str = "Greenlist Test Bot",
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"token {token!r} is not shaped like a bot token ('<id>:<secret>')")
        self._token = token
        self._bot_id = int(token.split(":", 1)[0])
        self._bot_username = bot_username
        self._bot_first_name = bot_first_name
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._port: int | None = None
        self._closed = False
        self._started_at = time.monotonic()
        self._changed = asyncio.Event()

        self._calls: list[Call] = []
        self._returned_calls: set[int] = set()
        self._unknown_calls: list[Call] = []
        self._rejected: list[RejectedRequest] = []
        self._downloads: list[str] = []
        self._deliveries: list[WebhookDelivery] = []

        self._updates: list[dict[str, Any]] = []
        self._dropped: list[dict[str, Any]] = []
        self._next_update_id = 700_000_001
        self._allowed = _DEFAULT_ALLOWED
        self._active_poll: _Poll | None = None
        self._webhook: _Webhook | None = None
        self._logged_out = False

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, FakeUser] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_groups: dict[str, list[dict[str, Any]]] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._query_counter = itertools.count(1)

        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._texts: dict[tuple[str, str], str] = {}
        self._failures: dict[str, list[_Failure]] = {}

        self._call_listeners: list[Callable[[Call], None]] = []

        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._log_out,
            "close": self._close,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": functools.partial(self._set_text, "description", 512),
            "getMyDescription": functools.partial(self._get_text, "description"),
            "setMyShortDescription": functools.partial(self._set_text, "short_description", 120),
            "getMyShortDescription": functools.partial(self._get_text, "short_description"),
            "setMyName": functools.partial(self._set_text, "name", 64),
            "getMyName": functools.partial(self._get_text, "name"),
        }
        self._canonical = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start answering."""
        if self._runner is not None:
            raise RuntimeError("the fake Telegram server is already running")
        app = web.Application(client_max_size=_MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closed = False
        self._started_at = time.monotonic()
        self._session = aiohttp.ClientSession(timeout=_WEBHOOK_TIMEOUT)
        self._webhook_task = asyncio.create_task(
            self._deliver_to_webhook(), name="fake-telegram-webhook-delivery"
        )

    async def stop(self) -> None:
        """Release pending long polls and waiters, then close every socket."""
        if self._runner is None:
            return
        self._closed = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        await self._runner.cleanup()
        self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the fake Telegram server is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder.base_url`` takes: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return self._bot_id

    @property
    def bot_username(self) -> str:
        return self._bot_username

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self._bot_first_name,
            "username": self._bot_username,
        }

    # ------------------------------------------------------------------ playing Telegram

    def user(
        self,
        user_id: int,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        *,
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """The user with this id, who has started a private chat with the bot."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = FakeUser(
            self,
            user_id,
            first_name=first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        if user_id not in self._chats:
            info: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                info["last_name"] = last_name
            if username:
                info["username"] = username
            self._chats[user_id] = ChatState(info, _chat_instance(user_id))
        self._users[user_id] = user
        return user

    def register_chat(self, chat: dict[str, Any]) -> None:
        """Make a chat known, so the bot may write to it without having heard from it."""
        self._chat_of({"chat": chat})

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update as Telegram would; returns it with its update_id.

        An update without ``update_id`` gets the next one. A given id is kept as is, so a
        test can replay an update; ids below an offset the bot confirmed are dropped on its
        next poll, as Telegram drops them.
        """
        if not isinstance(update, dict):
            raise TypeError("an update is a dict shaped like a Bot API Update")
        admitted = self._admit(update)
        kind = _update_type(admitted)
        if kind is not None and kind not in self._allowed:
            self._dropped.append(admitted)
            return copy.deepcopy(admitted)
        self._updates.append(admitted)
        if len(self._updates) > 1 and self._updates[-2]["update_id"] > admitted["update_id"]:
            self._updates.sort(key=lambda queued: int(queued["update_id"]))
        self._notify()
        return copy.deepcopy(admitted)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to that chat now fail with 403."""
        chat = self._require_chat(user_id)
        chat.blocked = True
        self._member_update(chat, old="member", new="kicked")

    def unblock(self, user_id: int) -> None:
        chat = self._require_chat(user_id)
        chat.blocked = False
        self._member_update(chat, old="kicked", new="member")

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead.

        429 carries ``retry_after`` the way Telegram's flood control does.
        """
        canonical = self._canonical.get(method.lower())
        if canonical is None:
            raise ValueError(f"{method!r} is not a method this server implements")
        if times < 1:
            raise ValueError("times must be at least 1")
        parameters: dict[str, Any] | None = None
        if error_code == HTTPStatus.TOO_MANY_REQUESTS:
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            description = HTTPStatus(error_code).phrase
        failure = _Failure(error_code, description, parameters)
        self._failures.setdefault(canonical, []).extend([failure] * times)

    async def post_webhook(
        self, url: str, update: dict[str, Any], secret_token: str | None = None
    ) -> int:
        """POST one update to a webhook the way Telegram does; returns the HTTP status."""
        _check_loopback(url)
        admitted = self._admit(update)
        status, error = await self._post_update(url, admitted, secret_token)
        if status is None:
            raise ConnectionError(f"could not deliver update to {url}: {error}")
        return status

    def add_call_listener(self, listener: Callable[[Call], None]) -> Callable[[], None]:
        """Run ``listener(call)`` for every call as the server answers it, in answer order.

        For drivers with many simulated users (load tests): one callback per answer
        instead of every waiting user re-checking the whole state on each change. Returns
        a function that removes the listener again.
        """
        self._call_listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._call_listeners.remove(listener)

        return remove

    # ------------------------------------------------------------------ what happened

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call the bot made, in order (of one method, if given)."""
        if method is None:
            return list(self._calls)
        canonical = self._canonical.get(method.lower(), method)
        return [call for call in self._calls if call.method == canonical]

    @property
    def unknown_calls(self) -> list[Call]:
        """Calls of methods this server does not know: a typo, or a method to add here."""
        return list(self._unknown_calls)

    @property
    def errors(self) -> list[Call]:
        """Calls Telegram answered with an error."""
        return [call for call in self._calls if call.status not in (None, 200)]

    @property
    def conflicts(self) -> list[Call]:
        """getUpdates calls answered 409: two pollers, or polling with a webhook set."""
        return [call for call in self._calls if call.status == HTTPStatus.CONFLICT]

    @property
    def rejected(self) -> list[RejectedRequest]:
        """Requests refused for a wrong or malformed token."""
        return list(self._rejected)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        return copy.deepcopy(self._updates)

    @property
    def dropped_updates(self) -> list[dict[str, Any]]:
        """Updates of types the bot's allowed_updates excludes; Telegram never sends them."""
        return copy.deepcopy(self._dropped)

    @property
    def downloads(self) -> list[str]:
        """File paths the bot downloaded, in order."""
        return list(self._downloads)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return list(self._deliveries)

    @property
    def webhook_url(self) -> str | None:
        return self._webhook.url if self._webhook else None

    def file(self, file_id: str) -> StoredFile:
        try:
            return self._files[file_id]
        except KeyError:
            raise KeyError(f"no file with file_id {file_id!r}") from None

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]] | None:
        """The command list last set for a scope and language, None if never set."""
        key = (_scope_key(scope), language_code)
        found = self._commands.get(key)
        return copy.deepcopy(found) if found is not None else None

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        found = self._menu_buttons.get(chat_id)
        return copy.deepcopy(found) if found is not None else None

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The current state of a message the bot sent."""
        chat = self._chats.get(chat_id)
        stored = chat.messages.get(message_id) if chat else None
        if stored is None or not stored.from_bot:
            return None
        return self._current(stored)

    def describe_chat(self, chat_id: int, limit: int = 20) -> str:
        """The chat's recent history, the bot's failed calls and unknown methods."""
        chat = self._chats.get(chat_id)
        lines = [
            f"chat {chat_id}:",
            chat.describe(self._started_at, limit) if chat else "  (unknown chat)",
        ]
        failed = self.errors[-10:]
        if failed:
            lines.append("bot calls answered with an error:")
            lines.extend(f"  {call}" for call in failed)
        return "\n".join(lines)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Call:
        """The earliest answered call of ``method`` (matching ``predicate``) not yet returned.

        Each call is returned once, so waiting twice gives the first and then the second.
        """
        canonical = self._canonical.get(method.lower(), method)

        def take() -> Call | None:
            for index, call in enumerate(self._calls):
                if index in self._returned_calls or call.method != canonical:
                    continue
                if call.status is None or (predicate is not None and not predicate(call)):
                    continue
                self._returned_calls.add(index)
                return call
            return None

        def failure() -> str:
            recent = "\n".join(f"  {call}" for call in self._calls[-15:]) or "  (none)"
            which = f"{canonical} call matching the predicate" if predicate else f"{canonical} call"
            return f"no new {which} within {timeout}s; latest calls:\n{recent}"

        return await self._wait_until(take, timeout, failure)

    # ------------------------------------------------------------------ package internals

    def _notify(self) -> None:
        """Wake every waiter; each re-checks its own condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(
        self, check: Callable[[], _T | None], timeout: float, failure: Callable[[], str]
    ) -> _T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            found = check()
            if found is not None:
                return found
            if self._closed:
                raise AssertionError(failure() + "\n(the fake Telegram server has stopped)")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(failure())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _chat(self, chat_id: int) -> ChatState:
        return self._require_chat(chat_id)

    def _require_chat(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id}; create the user with tg.user({chat_id}) first")
        return chat

    def _snapshot(self, event: ChatEvent) -> SentMessage:
        return self._sent_message(event.method or "", event.message, event.params)

    def _current(self, stored: StoredMessage) -> SentMessage:
        return self._sent_message(
            stored.method or "", copy.deepcopy(stored.message), stored.params, stored.deleted
        )

    def _sent_message(
        self,
        method: str,
        message: dict[str, Any],
        params: dict[str, Any],
        deleted: bool = False,
    ) -> SentMessage:
        document = None
        photo = None
        if isinstance(message.get("document"), dict):
            document = self._files.get(message["document"].get("file_id", ""))
        if isinstance(message.get("photo"), list) and message["photo"]:
            photo = self._files.get(message["photo"][-1].get("file_id", ""))
        return SentMessage(
            method=method,
            message=message,
            params=params,
            document=document,
            photo=photo,
            deleted=deleted,
        )

    def _new_callback_query_id(self) -> str:
        return str(4_300_000_000_000_000_000 + self._bot_id * 1000 + next(self._query_counter))

    def _callback_query_ids(self, user_id: int) -> set[str]:
        return {qid for qid, query in self._callback_queries.items() if query.user_id == user_id}

    def _register_file(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        extension: str = "",
    ) -> StoredFile:
        number = next(self._file_counter)
        raw_id = self._bot_id.to_bytes(8, "big") + number.to_bytes(4, "big")
        raw_id += secrets.token_bytes(24)
        file_id = _FILE_ID_PREFIX[kind] + base64.urlsafe_b64encode(raw_id).decode().rstrip("=")
        unique = "AgAD" + base64.urlsafe_b64encode(raw_id[:12]).decode().rstrip("=")
        suffix = extension or (PurePosixPath(file_name).suffix if file_name else "")
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix):
            suffix = ""
        stored = StoredFile(
            kind=kind,  # type: ignore[arg-type]
            file_id=file_id,
            file_unique_id=unique,
            file_path=f"{_FILE_FOLDER[kind]}/file_{number}{suffix.lower()}",
            content=bytes(content),
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _register_photo(self, content: bytes, width: int, height: int) -> list[dict[str, Any]]:
        """Telegram keeps a photo in several sizes; each is a file of its own."""
        longest = max(width, height)
        limits = [limit for limit in _PHOTO_LIMITS if limit < longest]
        limits.append(min(longest, _MAX_PHOTO_SIDE))
        sizes: list[dict[str, Any]] = []
        for limit in limits:
            scale = limit / longest
            stored = self._register_file(
                "photo",
                content,
                mime_type="image/jpeg",
                width=max(1, round(width * scale)),
                height=max(1, round(height * scale)),
                extension=".jpg",
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.file_size,
                    "width": stored.width,
                    "height": stored.height,
                }
            )
        for size in sizes:
            self._photo_groups[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    @staticmethod
    def _document_json(stored: StoredFile) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if stored.file_name is not None:
            document["file_name"] = stored.file_name
        if stored.mime_type is not None:
            document["mime_type"] = stored.mime_type
        document.update(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_size=stored.file_size,
        )
        return document

    def _admit(self, update: dict[str, Any]) -> dict[str, Any]:
        """Give an update its id and put what it shows into the chat history."""
        admitted = copy.deepcopy(update)
        update_id = admitted.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self._next_update_id = max(self._next_update_id, update_id + 1)
        else:
            admitted["update_id"] = self._next_update_id
            self._next_update_id += 1
        self._log_update(admitted)
        return admitted

    def _log_update(self, update: dict[str, Any]) -> None:
        for key, kind in (("message", "user"), ("edited_message", "user_edit")):
            message = update.get(key)
            chat = self._chat_of(message)
            if chat is None or not isinstance(message, dict):
                continue
            message_id = message.get("message_id")
            if isinstance(message_id, int):
                chat.note_message_id(message_id)
                stored = chat.messages.get(message_id)
                if stored is None or kind == "user":
                    chat.messages[message_id] = StoredMessage(copy.deepcopy(message), False)
                else:
                    stored.message = copy.deepcopy(message)
            chat.record(kind, message)  # type: ignore[arg-type]
        query = update.get("callback_query")
        if isinstance(query, dict):
            sender = query.get("from")
            user_id = sender.get("id") if isinstance(sender, dict) else None
            if isinstance(query.get("id"), str):
                self._callback_queries[query["id"]] = _CallbackQuery(
                    user_id if isinstance(user_id, int) else None
                )
            message = query.get("message")
            chat = self._chat_of(message)
            if chat is not None and isinstance(message, dict):
                chat.record("press", message, note=_pressed_label(message, query.get("data")))
        member = update.get("my_chat_member")
        if isinstance(member, dict):
            self._chat_of(member)

    def _chat_of(self, holder: Any) -> ChatState | None:
        if not isinstance(holder, dict):
            return None
        info = holder.get("chat")
        if not isinstance(info, dict):
            return None
        chat_id = info.get("id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            return None
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = ChatState(copy.deepcopy(info), _chat_instance(chat_id))
            self._chats[chat_id] = chat
        return chat

    def _member_update(self, chat: ChatState, *, old: str, new: str) -> None:
        user = self._users.get(chat.id)
        sender = user.as_user() if user else {"id": chat.id, "is_bot": False, "first_name": "?"}
        bot = {key: value for key, value in self.bot_user.items()}
        new_member: dict[str, Any] = {"status": new, "user": bot}
        old_member: dict[str, Any] = {"status": old, "user": bot}
        for member in (new_member, old_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self.enqueue(
            {
                "my_chat_member": {
                    "chat": dict(chat.info),
                    "from": sender,
                    "date": int(time.time()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def _context(self, chat_id: int) -> str:
        return self.describe_chat(chat_id)

    # ------------------------------------------------------------------ HTTP

    def _refuse(self, request: web.Request, status: int, description: str) -> web.Response:
        self._rejected.append(RejectedRequest(request.path, status, time.monotonic()))
        self._notify()
        return web.json_response(
            {"ok": False, "error_code": status, "description": description},
            status=status,
            dumps=_dumps,
        )

    def _token_refusal(self, request: web.Request, token: str) -> web.Response | None:
        if not _TOKEN_RE.fullmatch(token):
            return self._refuse(request, HTTPStatus.NOT_FOUND, "Not Found")
        if token != self._token or self._logged_out:
            return self._refuse(request, HTTPStatus.UNAUTHORIZED, "Unauthorized")
        return None

    async def _handle_api(self, request: web.Request) -> web.Response:
        received = time.monotonic()
        refusal = self._token_refusal(request, request.match_info["token"])
        if refusal is not None:
            return refusal
        name = request.match_info["method"]
        canonical = self._canonical.get(name.lower())
        call = Call(method=canonical or name, params={}, at=received)
        self._calls.append(call)
        try:
            call.params = await self._read_params(request)
            if canonical is None:
                self._unknown_calls.append(call)
                raise ApiError(404, "Not Found: method not found")
            self._raise_injected_failure(canonical)
            result = await self._handlers[canonical](call.params, request)
        except ApiError as error:
            call.status, call.description = error.error_code, error.description
            response = web.json_response(error.payload(), status=error.error_code, dumps=_dumps)
        except asyncio.CancelledError:
            call.description = "abandoned: the client closed the connection"
            raise
        else:
            call.status, call.result = 200, result
            response = web.json_response({"ok": True, "result": result}, dumps=_dumps)
        finally:
            _LOGGER.debug("%s", call)
            if call.status is not None:
                call.answered_at = time.monotonic()
                self._tell_listeners(call)
            self._notify()
        return response

    def _tell_listeners(self, call: Call) -> None:
        for listener in tuple(self._call_listeners):
            try:
                listener(call)
            except Exception:
                # The bot must still get its answer; the failure shows in the log.
                _LOGGER.exception("call listener %r failed on %s", listener, call)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, str] = dict(request.query)
        typed: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                typed.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise ApiError(413, "Request Entity Too Large") from None
                except ValueError as error:
                    raise ApiError(400, f"Bad Request: can't parse request: {error}") from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        try:
                            content = value.file.read()
                        finally:
                            value.file.close()
                        files[key] = UploadedFile(value.filename, content, value.content_type)
                    elif isinstance(value, bytes | bytearray):
                        raw[key] = bytes(value).decode("utf-8", "replace")
                    else:
                        raw[key] = value
        params: dict[str, Any] = {key: _decode_param(key, value) for key, value in raw.items()}
        params.update(typed)
        used: set[str] = set()
        params = {key: _attach(value, files, used) for key, value in params.items()}
        for key, upload in files.items():
            if key not in used:
                params.setdefault(key, upload)
        return params

    def _raise_injected_failure(self, method: str) -> None:
        pending = self._failures.get(method)
        if pending:
            failure = pending.pop(0)
            raise ApiError(failure.error_code, failure.description, failure.parameters)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        refusal = self._token_refusal(request, request.match_info["token"])
        if refusal is not None:
            return refusal
        path = request.match_info["path"]
        stored = self._files_by_path.get(path)
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"},
                status=404,
                dumps=_dumps,
            )
        self._downloads.append(path)
        self._notify()
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ updates

    async def _get_updates(self, params: dict[str, Any], request: web.Request) -> Any:
        offset = _optional_int(params, "offset")
        limit = _optional_int(params, "limit")
        limit = 100 if limit is None or limit <= 0 else min(limit, 100)
        timeout = _optional_number(params, "timeout") or 0.0
        timeout = min(max(timeout, 0.0), _MAX_POLL_TIMEOUT)
        if "allowed_updates" in params:
            self._set_allowed(params["allowed_updates"])
        self._check_no_webhook()
        self._confirm(offset)

        poll = _Poll(request)
        if self._active_poll is not None:
            self._active_poll.terminated = True
        self._active_poll = poll
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                changed = self._changed
                if poll.terminated:
                    transport = request.transport
                    if transport is None or transport.is_closing():
                        return []
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                self._check_no_webhook()
                if self._closed:
                    return []
                if self._updates:
                    return copy.deepcopy(self._updates[:limit])
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            if self._active_poll is poll:
                self._active_poll = None

    def _check_no_webhook(self) -> None:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif -offset < len(self._updates):
            self._updates = self._updates[offset:]

    def _set_allowed(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ApiError(400, "Bad Request: can't parse allowed updates")
        chosen = frozenset(value) & _UPDATE_TYPES
        self._allowed = chosen or _DEFAULT_ALLOWED

    def _drop_pending(self, params: dict[str, Any]) -> None:
        if params.get("drop_pending_updates") is True:
            self._updates.clear()

    async def _set_webhook(self, params: dict[str, Any], request: web.Request) -> Any:
        url = params.get("url", "")
        if not isinstance(url, str):
            raise ApiError(400, "Bad Request: bad webhook: URL must be a string")
        if not url:
            self._set_allowed(params.get("allowed_updates"))
            self._drop_pending(params)
            self._webhook = None
            return True
        try:
            _check_loopback(url)
        except ValueError as error:
            raise ApiError(400, f"Bad Request: bad webhook: {error}") from None
        secret = params.get("secret_token")
        if secret is not None and not (
            isinstance(secret, str) and _SECRET_TOKEN_RE.fullmatch(secret)
        ):
            raise ApiError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        max_connections = _optional_int(params, "max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        self._set_allowed(params.get("allowed_updates"))
        self._drop_pending(params)
        ip_address = params.get("ip_address")
        self._webhook = _Webhook(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            ip_address=ip_address if isinstance(ip_address, str) else None,
        )
        self._notify()
        return True

    async def _delete_webhook(self, params: dict[str, Any], request: web.Request) -> Any:
        self._drop_pending(params)
        self._webhook = None
        self._notify()
        return True

    async def _get_webhook_info(self, params: dict[str, Any], request: web.Request) -> Any:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        hook = self._webhook
        if hook is not None:
            info.update(
                url=hook.url,
                max_connections=hook.max_connections,
                ip_address=hook.ip_address or "127.0.0.1",
            )
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            if self._allowed != _DEFAULT_ALLOWED:
                info["allowed_updates"] = sorted(self._allowed)
        return info

    async def _deliver_to_webhook(self) -> None:
        """POST queued updates to the webhook in order, retrying until it answers 2xx."""
        backoff = 0.05
        while not self._closed:
            changed = self._changed
            hook = self._webhook
            if hook is None or not self._updates:
                await changed.wait()
                continue
            update = self._updates[0]
            status, error = await self._post_update(hook.url, update, hook.secret_token)
            if status is not None and 200 <= status < 300:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                backoff = 0.05
            else:
                hook.last_error_date = int(time.time())
                hook.last_error_message = error or (
                    f"Wrong response from the webhook: {status} {_phrase(status)}"
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
            self._notify()

    async def _post_update(
        self, url: str, update: dict[str, Any], secret_token: str | None
    ) -> tuple[int | None, str | None]:
        if self._session is None:
            raise RuntimeError("the fake Telegram server is not started")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                url,
                data=_dumps(update).encode(),
                headers={"Content-Type": "application/json", **headers},
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as failure:
            error = f"Connection failed: {failure.__class__.__name__}: {failure}"
        self._deliveries.append(
            WebhookDelivery(int(update["update_id"]), url, status, error, time.monotonic())
        )
        return status, error

    # ------------------------------------------------------------------ bot identity

    async def _get_me(self, params: dict[str, Any], request: web.Request) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _log_out(self, params: dict[str, Any], request: web.Request) -> Any:
        self._logged_out = True
        return True

    async def _close(self, params: dict[str, Any], request: web.Request) -> Any:
        return True

    # ------------------------------------------------------------------ sending

    def _target_chat(self, params: dict[str, Any], *, blocked_fails: bool = True) -> ChatState:
        chat_id = _chat_id(params)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if blocked_fails and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _reply_target(self, chat: ChatState, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = reply.get("allow_sending_without_reply") is True
        else:
            message_id = params.get("reply_to_message_id")
            allow_missing = params.get("allow_sending_without_reply") is True
        if message_id is None:
            return None
        stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        replied = copy.deepcopy(stored.message)
        replied.pop("reply_to_message", None)
        return replied

    def _deliver_bot_message(
        self,
        chat: ChatState,
        method: str,
        params: dict[str, Any],
        content: dict[str, Any],
    ) -> dict[str, Any]:
        markup = parse_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user,
            "chat": dict(chat.info),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if params.get("protect_content") is True:
            message["has_protected_content"] = True
        chat.messages[message["message_id"]] = StoredMessage(
            copy.deepcopy(message), True, method, params
        )
        chat.record("bot", message, method=method, params=params)
        return copy.deepcopy(message)

    async def _send_message(self, params: dict[str, Any], request: web.Request) -> Any:
        chat = self._target_chat(params)
        text, entities = _formatted(params, "text", "entities", _MAX_TEXT)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver_bot_message(chat, "sendMessage", params, content)

    async def _send_document(self, params: dict[str, Any], request: web.Request) -> Any:
        chat = self._target_chat(params)
        document = params.get("document")
        if isinstance(document, UploadedFile):
            if not document.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            stored = self._register_file(
                "document",
                document.content,
                file_name=document.name,
                mime_type=_mime_type(document),
            )
        elif isinstance(document, str) and document:
            stored = self._existing_file(document, "document")
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        content: dict[str, Any] = {"document": self._document_json(stored)}
        content.update(_caption(params))
        return self._deliver_bot_message(chat, "sendDocument", params, content)

    async def _send_photo(self, params: dict[str, Any], request: web.Request) -> Any:
        chat = self._target_chat(params)
        photo = params.get("photo")
        if isinstance(photo, UploadedFile):
            size = image_size(photo.content)
            if size is None or min(size) <= 0:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            sizes = self._register_photo(photo.content, *size)
        elif isinstance(photo, str) and photo:
            stored = self._existing_file(photo, "photo")
            sizes = copy.deepcopy(self._photo_groups[stored.file_id])
        else:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        content: dict[str, Any] = {"photo": sizes}
        content.update(_caption(params))
        return self._deliver_bot_message(chat, "sendPhoto", params, content)

    def _existing_file(self, file_id: str, kind: str) -> StoredFile:
        if file_id.startswith(("http://", "https://")):
            raise ApiError(400, _WRONG_FILE)
        stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(400, _WRONG_FILE)
        if stored.kind != kind:
            raise ApiError(400, "Bad Request: type of file mismatch")
        return stored

    async def _send_chat_action(self, params: dict[str, Any], request: web.Request) -> Any:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ editing

    def _message_to_edit(self, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = _optional_int(params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: ChatState,
        stored: StoredMessage,
        method: str,
        params: dict[str, Any],
        edited: dict[str, Any],
    ) -> dict[str, Any]:
        markup = parse_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        else:
            edited.pop("reply_markup", None)
        if _visible(edited) == _visible(stored.message):
            raise ApiError(400, _NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        stored.message = edited
        stored.method = method
        stored.params = params
        chat.record("bot_edit", edited, method=method, params=params)
        return copy.deepcopy(edited)

    async def _edit_message_text(self, params: dict[str, Any], request: web.Request) -> Any:
        chat, stored = self._message_to_edit(params)
        if "text" not in stored.message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = _formatted(params, "text", "entities", _MAX_TEXT)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        edited = copy.deepcopy(stored.message)
        edited["text"] = text
        _set_or_drop(edited, "entities", entities)
        return self._apply_edit(chat, stored, "editMessageText", params, edited)

    async def _edit_message_caption(self, params: dict[str, Any], request: web.Request) -> Any:
        chat, stored = self._message_to_edit(params)
        if "text" in stored.message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        edited = copy.deepcopy(stored.message)
        edited.pop("caption", None)
        edited.pop("caption_entities", None)
        edited.update(_caption(params))
        return self._apply_edit(chat, stored, "editMessageCaption", params, edited)

    async def _edit_message_reply_markup(self, params: dict[str, Any], request: web.Request) -> Any:
        chat, stored = self._message_to_edit(params)
        edited = copy.deepcopy(stored.message)
        return self._apply_edit(chat, stored, "editMessageReplyMarkup", params, edited)

    async def _delete_message(self, params: dict[str, Any], request: web.Request) -> Any:
        chat = self._target_chat(params, blocked_fails=False)
        message_id = _optional_int(params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if not self._delete(chat, message_id, params):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _delete_messages(self, params: dict[str, Any], request: web.Request) -> Any:
        chat = self._target_chat(params, blocked_fails=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a list of 1-100 identifiers")
        for message_id in ids:
            if isinstance(message_id, int):
                self._delete(chat, message_id, params)
        return True

    def _delete(self, chat: ChatState, message_id: int, params: dict[str, Any]) -> bool:
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            return False
        stored.deleted = True
        chat.record("bot_delete", stored.message, method="deleteMessage", params=params)
        return True

    async def _answer_callback_query(self, params: dict[str, Any], request: web.Request) -> Any:
        query_id = params.get("callback_query_id")
        query = self._callback_queries.get(query_id) if isinstance(query_id, str) else None
        if query is None or query.answered:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        return True

    # ------------------------------------------------------------------ files

    async def _get_file(self, params: dict[str, Any], request: web.Request) -> Any:
        file_id = params.get("file_id")
        if not isinstance(file_id, str) or not file_id:
            raise ApiError(400, "Bad Request: file_id not specified")
        stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > _MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ bot settings

    async def _set_my_commands(self, params: dict[str, Any], request: web.Request) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        checked = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name, "description": description})
        key = (_scope_param(params), _language(params))
        self._commands[key] = checked
        return True

    async def _get_my_commands(self, params: dict[str, Any], request: web.Request) -> Any:
        key = (_scope_param(params), _language(params))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, params: dict[str, Any], request: web.Request) -> Any:
        key = (_scope_param(params), _language(params))
        self._commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: dict[str, Any], request: web.Request) -> Any:
        chat_id: int | None = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._target_chat(params, blocked_fails=False).id
        button = params.get("menu_button", {"type": "default"})
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        if button["type"] == "web_app":
            web_app = button.get("web_app")
            if not (
                isinstance(button.get("text"), str)
                and isinstance(web_app, dict)
                and str(web_app.get("url", "")).startswith("https://")
            ):
                raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        self._menu_buttons[chat_id] = copy.deepcopy(button)
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any], request: web.Request) -> Any:
        chat_id: int | None = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._target_chat(params, blocked_fails=False).id
        found = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        return copy.deepcopy(found) if found else {"type": "default"}

    async def _set_text(
        self, field: str, limit: int, params: dict[str, Any], request: web.Request
    ) -> Any:
        value = params.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            raise ApiError(
                400, f"Bad Request: {field} must be a string of at most {limit} characters"
            )
        key = (field, _language(params))
        if value:
            self._texts[key] = value
        else:
            self._texts.pop(key, None)
        return True

    async def _get_text(self, field: str, params: dict[str, Any], request: web.Request) -> Any:
        language = _language(params)
        value = self._texts.get((field, language), self._texts.get((field, ""), ""))
        if field == "name" and not value:
            value = self._bot_first_name
        return {field: value}


# ---------------------------------------------------------------------- request values


def _chat_instance(chat_id: int) -> str:
    return str((chat_id * 2_654_435_761 + 97) % 10**19 - 5 * 10**18)


def _update_type(update: dict[str, Any]) -> str | None:
    kinds = [key for key in update if key in _UPDATE_TYPES]
    return kinds[0] if len(kinds) == 1 else None


def _pressed_label(message: dict[str, Any], data: Any) -> str:
    for button in inline_buttons(message.get("reply_markup")):
        if button.get("callback_data") == data:
            return f"{button.get('text')}→{data}"
    return f"?→{data}"


def _decode_param(key: str, value: str) -> Any:
    if key in _STRING_PARAMS or value.startswith("attach://"):
        return value
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a Bot API value")


def _attach(value: Any, files: dict[str, UploadedFile], used: set[str]) -> Any:
    """Replace ``attach://name`` references with the uploaded part of that name."""
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name in files:
            used.add(name)
            return files[name]
        return value
    if isinstance(value, list):
        return [_attach(item, files, used) for item in value]
    if isinstance(value, dict):
        return {key: _attach(item, files, used) for key, item in value.items()}
    return value


def _optional_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ApiError(400, f"Bad Request: wrong parameter {name} in request")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise ApiError(400, f"Bad Request: wrong parameter {name} in request")


def _optional_number(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: wrong parameter {name} in request") from None


def _chat_id(params: dict[str, Any]) -> int:
    value = params.get("chat_id")
    if value is None or value == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    if isinstance(value, str) and value.startswith("@"):
        raise ApiError(400, "Bad Request: chat not found")
    chat_id = _optional_int(params, "chat_id")
    if chat_id is None:
        raise ApiError(400, "Bad Request: chat_id is empty")
    return chat_id


def _formatted(
    params: dict[str, Any], field: str, entities_field: str, limit: int
) -> tuple[str, list[dict[str, Any]]]:
    value = params.get(field)
    if value is None:
        return "", []
    if not isinstance(value, str):
        value = str(value)
    text, entities = format_text(
        value, params.get("parse_mode"), params.get(entities_field), field_name=entities_field
    )
    if utf16_len(text) > limit:
        raise ApiError(400, "Bad Request: message is too long")
    return text, entities


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    value = params.get("caption")
    if value is None or value == "":
        return {}
    text, entities = format_text(
        str(value),
        params.get("parse_mode"),
        params.get("caption_entities"),
        field_name="caption_entities",
    )
    if utf16_len(text) > _MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    if not text:
        return {}
    content: dict[str, Any] = {"caption": text}
    if entities:
        content["caption_entities"] = entities
    return content


def _set_or_drop(message: dict[str, Any], key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


def _visible(message: dict[str, Any]) -> tuple[Any, ...]:
    """What a user sees of a message, for Telegram's "message is not modified" check."""
    return tuple(
        message.get(key)
        for key in ("text", "entities", "caption", "caption_entities", "reply_markup")
    )


def _mime_type(upload: UploadedFile) -> str:
    guessed = mimetypes.guess_type(upload.name, strict=False)[0]
    return guessed or upload.mime_type or "application/octet-stream"


def _language(params: dict[str, Any]) -> str:
    value = params.get("language_code") or ""
    if not isinstance(value, str) or (value and not _LANGUAGE_RE.fullmatch(value)):
        raise ApiError(400, f"Bad Request: invalid language code {value!r} (two letters)")
    return value


def _scope_param(params: dict[str, Any]) -> str:
    scope = params.get("scope")
    if scope is not None and not isinstance(scope, dict):
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    try:
        return _scope_key(scope)
    except ValueError as error:
        raise ApiError(400, f"Bad Request: {error}") from None


def _scope_key(scope: dict[str, Any] | None) -> str:
    scope = scope or {"type": "default"}
    kind = scope.get("type")
    if kind not in _SCOPE_TYPES:
        raise ValueError(f"wrong bot command scope type {kind!r}")
    for required in _SCOPE_TYPES[kind]:
        if required not in scope:
            raise ValueError(f"bot command scope {kind!r} needs {required}")
    return json.dumps(scope, sort_keys=True)


def _check_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"{url!r} is not an http(s) URL on 127.0.0.1; nothing else is reachable")


def _phrase(status: int | None) -> str:
    try:
        return HTTPStatus(status or 0).phrase
    except ValueError:
        return ""

"""What the fake server records: calls, files and the messages a chat shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_TIMEOUT = 10.0
"""Seconds the waiting methods wait before failing the test."""


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request, as the bot uploaded it."""

    name: str
    content: bytes
    mime_type: str

    def __repr__(self) -> str:
        return f"UploadedFile(name={self.name!r}, {len(self.content)} bytes, {self.mime_type!r})"


@dataclass(slots=True)
class Call:
    """One Bot API request; the outcome fields are filled in once it is answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None
    result: Any = None
    description: str | None = None
    # When the server answered (time.monotonic()); for getUpdates, when the updates went out.
    answered_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __str__(self) -> str:
        if self.status is None:
            outcome = self.description or "pending"
        else:
            outcome = f"{self.status} {self.description}" if self.description else str(self.status)
        return f"{self.method}({_short_params(self.params)}) -> {outcome}"


def _short_params(params: dict[str, Any], width: int = 160) -> str:
    text = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file Telegram holds: downloadable through getFile and reusable by file_id."""

    kind: Literal["document", "photo", "sticker"]
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.content)

    def __repr__(self) -> str:
        return (
            f"StoredFile({self.kind}, name={self.file_name!r}, {self.file_size} bytes, "
            f"mime_type={self.mime_type!r})"
        )


@dataclass(frozen=True, slots=True)
class RejectedRequest:
    """A request refused before reaching a method (bad token, bad route)."""

    path: str
    status: int
    at: float


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    url: str
    status: int | None
    error: str | None
    at: float


Button = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent (or its state after an edit), as the user's chat shows it."""

    method: str
    message: dict[str, Any]
    params: dict[str, Any]
    document: StoredFile | None = None
    photo: StoredFile | None = None
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.message["chat"]["id"])

    @property
    def text(self) -> str:
        """The rendered text, or the caption of a document or photo ("" when neither)."""
        return str(self.message.get("text", self.message.get("caption", "")))

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.message.get("entities", self.message.get("caption_entities", [])))

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.message.get("reply_markup") or {}
        return [list(row) for row in markup.get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows as (label, callback_data or url)."""
        return [
            [
                (str(button.get("text", "")), button.get("callback_data", button.get("url")))
                for button in row
            ]
            for row in self.inline_keyboard
        ]

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Rows of a custom reply keyboard sent with the message, if any."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict) or "keyboard" not in markup:
            return None
        return [
            [button if isinstance(button, str) else str(button.get("text", "")) for button in row]
            for row in markup["keyboard"]
        ]

    @property
    def removes_keyboard(self) -> bool:
        markup = self.params.get("reply_markup")
        return isinstance(markup, dict) and bool(markup.get("remove_keyboard"))

    @property
    def parse_mode(self) -> str | None:
        mode = self.params.get("parse_mode")
        return mode if isinstance(mode, str) else None

    def __str__(self) -> str:
        text = self.text.replace("\n", "⏎")
        if len(text) > 120:
            text = text[:119] + "…"
        parts = [f"#{self.message_id} {text!r}"]
        if self.document is not None:
            parts.append(f"document={self.document.file_name!r} ({self.document.file_size} B)")
        if self.photo is not None:
            parts.append(f"photo ({self.photo.file_size} B)")
        if self.buttons:
            rows = " / ".join(
                " | ".join(f"{label}→{data}" for label, data in row) for row in self.buttons
            )
            parts.append(f"buttons: {rows}")
        if self.reply_keyboard:
            parts.append(f"keyboard: {self.reply_keyboard}")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


EventKind = Literal["user", "user_edit", "press", "bot", "bot_edit", "bot_delete"]


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One line of a chat's history, kept for waiting methods and readable failures."""

    kind: EventKind
    at: float
    message: dict[str, Any]
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""

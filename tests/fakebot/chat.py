"""Per-chat state: the messages both sides see, in order, with their current content."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from .models import ChatEvent, EventKind


@dataclass
class StoredMessage:
    """The current state of one message; edits and deletion change it in place."""

    message: dict[str, Any]
    from_bot: bool
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


class ChatState:
    """A chat the bot can write to, with the history the test asserts on."""

    def __init__(self, info: dict[str, Any], chat_instance: str) -> None:
        self.info = info
        self.chat_instance = chat_instance
        self.blocked = False
        self.messages: dict[int, StoredMessage] = {}
        self.events: list[ChatEvent] = []
        self.sent: list[ChatEvent] = []
        self.edits: list[ChatEvent] = []
        self._last_message_id = 0

    @property
    def id(self) -> int:
        return int(self.info["id"])

    def next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def note_message_id(self, message_id: int) -> None:
        """Keep ids increasing past messages whose id came from outside (raw updates)."""
        self._last_message_id = max(self._last_message_id, message_id)

    def record(
        self,
        kind: EventKind,
        message: dict[str, Any],
        *,
        method: str | None = None,
        params: dict[str, Any] | None = None,
        note: str = "",
    ) -> ChatEvent:
        event = ChatEvent(
            kind=kind,
            at=time.monotonic(),
            message=copy.deepcopy(message),
            method=method,
            params=dict(params or {}),
            note=note,
        )
        self.events.append(event)
        if kind == "bot":
            self.sent.append(event)
        elif kind == "bot_edit":
            self.edits.append(event)
        return event

    def latest_bot_messages(self) -> list[StoredMessage]:
        """Messages the bot sent that still exist, newest first."""
        return [
            stored
            for _, stored in sorted(self.messages.items(), reverse=True)
            if stored.from_bot and not stored.deleted
        ]

    def describe(self, started: float, limit: int = 20) -> str:
        """The last events as readable lines, for assertion messages."""
        lines = []
        for event in self.events[-limit:]:
            lines.append(f"  {event.at - started:8.3f}s {_label(event)} {_summary(event)}")
        if len(self.events) > limit:
            lines.insert(0, f"  … {len(self.events) - limit} earlier events")
        return "\n".join(lines) if lines else "  (nothing yet)"


_LABELS = {
    "user": "user  ",
    "user_edit": "user ✎",
    "press": "press ",
    "bot": "bot   ",
    "bot_edit": "bot  ✎",
    "bot_delete": "bot  ✗",
}


def _label(event: ChatEvent) -> str:
    return _LABELS[event.kind]


def _summary(event: ChatEvent) -> str:
    message = event.message
    if event.kind == "press":
        return f"[{event.note}] on #{message.get('message_id')}"
    if event.kind == "bot_delete":
        return f"#{message.get('message_id')}"
    body = message.get("text", message.get("caption"))
    if body is None:
        kinds = [
            key for key in ("document", "photo", "sticker", "location", "contact") if key in message
        ]
        body = f"<{', '.join(kinds) or 'message'}>"
    else:
        body = repr(body if len(body) <= 140 else body[:139] + "…")
    extra = []
    if "document" in message:
        extra.append(f"document={message['document'].get('file_name')!r}")
    buttons = [
        button.get("text", "")
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    if buttons:
        extra.append(f"buttons={buttons}")
    if event.method and event.kind != "bot":
        extra.append(f"via {event.method}")
    return f"#{message.get('message_id')} {body}" + (f" {' '.join(extra)}" if extra else "")

"""Every string that arrives from Telegram is cleaned here, and only here, before the
application (and so the database) sees it.

Telegram forwards what clients send: a first name may hold a NUL byte (which PostgreSQL
refuses in text, so every update from that person would fail), control characters that
mean nothing on screen, or half of a surrogate pair that no UTF-8 encoder accepts. Names,
usernames, file names, captions and typed answers all pass through `clean`, which drops
the control characters, replaces broken surrogates, and bounds the length to what the
column holding it (or Telegram itself) allows.
"""

from __future__ import annotations

import re

from telegram import Message, Update

from bot.services.outcome import Who
from conversations import FileInput

#: Telegram's own bounds (a name is first + last name, 64 each; a message 4,096 units);
#: the database columns are at least this wide.
NAME_MAX = 128
USERNAME_MAX = 32
FILE_NAME_MAX = 255
MIME_TYPE_MAX = 127
TEXT_MAX = 4096
FILE_ID_MAX = 256

# Control characters other than tab and line breaks, C1 controls included.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str, limit: int) -> str:
    """`text` without control characters or broken surrogates, at most `limit` characters."""
    text = _CONTROL.sub("", text)
    # A valid pair already became one character when the JSON was decoded; what is left in
    # the surrogate range is a half that cannot be stored or shown.
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return text[:limit]


def clean_optional(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    cleaned = clean(text, limit)
    return cleaned or None


def who_of(update: Update) -> Who:
    user = update.effective_user
    assert user is not None, "handlers are registered for updates that have a user"
    name = clean(user.full_name, NAME_MAX).strip() or str(user.id)
    return Who(
        user_id=user.id,
        name=name,
        username=clean_optional(user.username, USERNAME_MAX),
        language_hint=clean_optional(user.language_code, 16),
    )


def text_of(message: Message | None) -> str:
    """The typed text of a message, cleaned; empty when there is none."""
    if message is None or message.text is None:
        return ""
    return clean(message.text, TEXT_MAX)


def caption_of(message: Message) -> str | None:
    return clean_optional(message.caption, TEXT_MAX)


def file_input_of(message: Message) -> FileInput | None:
    """The uploaded document or the largest size of a photo, as the engine sees a file."""
    if message.document is not None:
        doc = message.document
        return FileInput(
            file_id=clean(doc.file_id, FILE_ID_MAX),
            file_unique_id=clean(doc.file_unique_id, FILE_ID_MAX // 2),
            file_name=clean_optional(doc.file_name, FILE_NAME_MAX),
            mime_type=clean_optional(doc.mime_type, MIME_TYPE_MAX),
            file_size=doc.file_size,
            kind="document",
        )
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        unique = clean(photo.file_unique_id, FILE_ID_MAX // 2)
        return FileInput(
            file_id=clean(photo.file_id, FILE_ID_MAX),
            file_unique_id=unique,
            file_name=f"photo_{unique}.jpg",
            mime_type="image/jpeg",
            file_size=photo.file_size,
            kind="photo",
        )
    return None

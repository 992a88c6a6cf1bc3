"""A fake Telegram Bot API for end-to-end tests that drive the real bot over HTTP.

Typical use::

    async with FakeTelegram() as tg:
        app = (
            ApplicationBuilder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .build()
        )
        async with running_application(app):
            user = tg.user(1001)
            await user.send_command("start")
            reply = await user.next_message()
            await user.press("是")
"""

from .application import running_application
from .formatting import utf16_len
from .media import image_size, png_bytes
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
from .server import FakeTelegram
from .user import FakeUser

__all__ = [
    "DEFAULT_TIMEOUT",
    "Call",
    "ChatEvent",
    "FakeTelegram",
    "FakeUser",
    "RejectedRequest",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
    "image_size",
    "png_bytes",
    "running_application",
    "utf16_len",
]

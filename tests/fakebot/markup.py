"""Validation of ``reply_markup`` the way the Bot API refuses bad keyboards."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError

_BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
_MAX_CALLBACK_DATA_BYTES = 64


def parse_reply_markup(value: Any) -> dict[str, Any] | None:
    """Return the markup as a dict, or raise the error Telegram gives for it."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError(400, _BAD_MARKUP) from None
    if not isinstance(value, dict):
        raise ApiError(400, _BAD_MARKUP)
    if "inline_keyboard" in value:
        _check_inline_keyboard(value["inline_keyboard"])
    elif "keyboard" in value:
        _check_reply_keyboard(value["keyboard"])
    elif not (value.get("remove_keyboard") is True or value.get("force_reply") is True):
        raise ApiError(400, _BAD_MARKUP)
    return value


def _rows(rows: Any, kind: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, f'Bad Request: field "{kind}" must be an Array of Array')
    return rows


def _check_inline_keyboard(rows: Any) -> None:
    for row in _rows(rows, "inline_keyboard"):
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    'InlineKeyboardButton must be an Object with field "text"',
                )
            actions = [name for name in _INLINE_ACTIONS if name in button]
            if not actions:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                if not 1 <= size <= _MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if "url" in button and not _valid_button_url(button["url"]):
                raise ApiError(
                    400, f"Bad Request: inline keyboard button URL '{button['url']}' is invalid"
                )


def _valid_button_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "tg":
        return bool(parts.netloc or parts.path)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_reply_keyboard(rows: Any) -> None:
    for row in _rows(rows, "keyboard"):
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text.strip():
                raise ApiError(400, "Bad Request: keyboard button text must be non-empty")


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All inline buttons of a markup, row by row."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]

"""The error answer of the Bot API, raised inside method implementations."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An ``{"ok": false, ...}`` answer with the HTTP status Telegram would use."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body

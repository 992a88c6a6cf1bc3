"""The buttons of the assessor desk, the admin desk and the privacy screen, as data.

Each kind of button is a small frozen dataclass; `encode` turns one into callback data and
`decode_desk`, `decode_admin` and `decode_privacy` turn data back into one, or into None
when the data is malformed (a forged or truncated button), which the caller answers like a
stale button. What a button may do is still decided by the service it reaches: decoding
only says what was asked, never whether the person may ask it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from conversations.callbacks import MAX_BYTES, pack, unpack

DESK = "as"
ADMIN = "ad"
PRIVACY = "pv"


# -- the assessor desk ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeskList:
    """A page of the session list with its filters (the desk's codes, checked there)."""

    status: str
    verdict: str
    category: str
    review: str
    page: int


@dataclass(frozen=True)
class DeskFind:
    """A page of a search; the text travels in the button, cut to fit."""

    page: int
    text: str


@dataclass(frozen=True)
class DeskOpen:
    session_id: int


@dataclass(frozen=True)
class DeskDecide:
    session_id: int
    code: str  # one of the desk's DECISION_CODES


@dataclass(frozen=True)
class DeskReopen:
    session_id: int


@dataclass(frozen=True)
class DeskCancel:
    token: str


@dataclass(frozen=True)
class DeskEvidence:
    file_id: int


@dataclass(frozen=True)
class DeskReport:
    session_id: int


DeskButton: TypeAlias = (
    DeskList
    | DeskFind
    | DeskOpen
    | DeskDecide
    | DeskReopen
    | DeskCancel
    | DeskEvidence
    | DeskReport
)


# -- the admin desk and the privacy screen -------------------------------------------------


@dataclass(frozen=True)
class AdminConfirm:
    token: str


@dataclass(frozen=True)
class AdminCancel:
    token: str


AdminButton: TypeAlias = AdminConfirm | AdminCancel


@dataclass(frozen=True)
class PrivacyAnswer:
    """Yes or no to erasing one's data; the token binds it to the question asked."""

    erase: bool
    token: str


Button: TypeAlias = DeskButton | AdminButton | PrivacyAnswer


def encode(button: Button) -> str:
    """The callback data of `button`; ValueError when it cannot fit Telegram's 64 bytes."""
    match button:
        case DeskList(status, verdict, category, review, page):
            return pack(DESK, "l", status, verdict, category, review, page)
        case DeskFind(page, text):
            return pack(DESK, "f", page, tail=text)
        case DeskOpen(session_id):
            return pack(DESK, "s", session_id)
        case DeskDecide(session_id, code):
            return pack(DESK, "d", session_id, code)
        case DeskReopen(session_id):
            return pack(DESK, "o", session_id)
        case DeskCancel(token):
            return pack(DESK, "x", token)
        case DeskEvidence(file_id):
            return pack(DESK, "e", file_id)
        case DeskReport(session_id):
            return pack(DESK, "p", session_id)
        case AdminConfirm(token):
            return pack(ADMIN, "c", token)
        case AdminCancel(token):
            return pack(ADMIN, "x", token)
        case PrivacyAnswer(erase, token):
            return pack(PRIVACY, "y" if erase else "n", token)
    raise TypeError(f"not a button: {button!r}")


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _one_number(fields: list[str]) -> int | None:
    return _number(fields[0]) if len(fields) == 1 else None


def _one_token(fields: list[str]) -> str | None:
    return fields[0] if len(fields) == 1 and fields[0] else None


def decode_desk(data: str) -> DeskButton | None:
    unpacked = unpack(data, DESK)
    if unpacked is None:
        return None
    verb, fields = unpacked
    if verb == "l" and len(fields) == 5:
        page = _number(fields[4])
        status, verdict, category, review = fields[:4]
        return None if page is None else DeskList(status, verdict, category, review, page)
    if verb == "f" and len(fields) >= 2:
        page = _number(fields[0])
        return None if page is None else DeskFind(page, ":".join(fields[1:]))
    if verb == "d" and len(fields) == 2:
        session_id = _number(fields[0])
        return None if session_id is None or not fields[1] else DeskDecide(session_id, fields[1])
    if verb == "x":
        token = _one_token(fields)
        return None if token is None else DeskCancel(token)
    number = _one_number(fields)
    if number is None:
        return None
    single: dict[str, Callable[[int], DeskButton]] = {
        "s": DeskOpen,
        "o": DeskReopen,
        "e": DeskEvidence,
        "p": DeskReport,
    }
    kind = single.get(verb)
    return None if kind is None else kind(number)


def decode_admin(data: str) -> AdminButton | None:
    unpacked = unpack(data, ADMIN)
    if unpacked is None:
        return None
    verb, fields = unpacked
    token = _one_token(fields)
    if token is None:
        return None
    if verb == "c":
        return AdminConfirm(token)
    if verb == "x":
        return AdminCancel(token)
    return None


def decode_privacy(data: str) -> PrivacyAnswer | None:
    unpacked = unpack(data, PRIVACY)
    if unpacked is None:
        return None
    verb, fields = unpacked
    token = _one_token(fields)
    if token is None or verb not in ("y", "n"):
        return None
    return PrivacyAnswer(erase=verb == "y", token=token)


__all__ = [
    "ADMIN",
    "DESK",
    "MAX_BYTES",
    "PRIVACY",
    "AdminButton",
    "AdminCancel",
    "AdminConfirm",
    "Button",
    "DeskButton",
    "DeskCancel",
    "DeskDecide",
    "DeskEvidence",
    "DeskFind",
    "DeskList",
    "DeskOpen",
    "DeskReopen",
    "DeskReport",
    "PrivacyAnswer",
    "decode_admin",
    "decode_desk",
    "decode_privacy",
    "encode",
]

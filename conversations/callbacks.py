"""Button callback data: short, self-describing, and bound to the screen that showed it.

Every button of the application is `<prefix>:<verb>[:<field>…]`, at most Telegram's 64
bytes; `pack` and `unpack` are that shape for every screen (the desk, the admin and the
privacy screens declare their kinds on top of them), and the interview's own kinds follow.

Interview format: `iv:<verb>[:<subject>[:<argument>]]`, e.g. `iv:a:white_list:y`. Question buttons
carry the question id, so a button pressed on an old message is recognised as stale instead
of answering whatever question happens to be current. Decoding never raises: anything
malformed decodes to None and is treated exactly like a stale button.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_BYTES", "PREFIX", "SEPARATOR", "Callback", "decode", "encode", "pack", "unpack"]

PREFIX = "iv"
MAX_BYTES = 64
SEPARATOR = ":"

ANSWER = "a"  # iv:a:<question>:<option value | y | n>
TOGGLE = "t"  # iv:t:<question>:<option value>
DONE = "d"  # iv:d:<question>
KEEP = "k"  # iv:k:<question>
SKIP = "s"  # iv:s:<question>
BACK = "b"  # iv:b:<question>
HELP = "h"  # iv:h:<question>
CLEAR = "x"  # iv:x:<question>
REVIEW = "rv"  # iv:rv:submit | iv:rv:continue | iv:rv:show | iv:rv:sec:<section>
EDIT = "ed"  # iv:ed:<question>
CANCEL = "cc"  # iv:cc:y | iv:cc:n
LANGUAGE = "lang"  # iv:lang:<code>
READ = "rd"  # iv:rd:<file digest prefix>.<field>:<y | n>  (a value read from a file)

_ARITY = {
    ANSWER: 2,
    TOGGLE: 2,
    DONE: 1,
    KEEP: 1,
    SKIP: 1,
    BACK: 1,
    HELP: 1,
    CLEAR: 1,
    EDIT: 1,
    CANCEL: 1,
    LANGUAGE: 1,
    READ: 2,
}
_REVIEW_ACTIONS = {"submit": 1, "continue": 1, "show": 1, "sec": 2}


@dataclass(frozen=True)
class Callback:
    verb: str
    subject: str
    argument: str | None = None


def _fits(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
    return data


def pack(prefix: str, verb: str, *fields: str | int, tail: str | None = None) -> str:
    """`prefix:verb:field…[:tail]`, refused (ValueError) when it would not come back whole.

    Fields are neither empty nor hold the separator; only `tail`, the last part, may hold
    anything (free text carried by a button), since decoding gives it the rest.
    """
    parts = [prefix, verb, *(str(field) for field in fields)]
    for part in parts:
        if not part or SEPARATOR in part:
            raise ValueError(f"callback field {part!r} is empty or holds {SEPARATOR!r}")
    if tail is not None:
        parts.append(tail)
    return _fits(SEPARATOR.join(parts))


def unpack(data: str, prefix: str) -> tuple[str, list[str]] | None:
    """The verb and the fields after it, or None when `data` is not `prefix`'s at all."""
    if len(data.encode("utf-8", errors="replace")) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 2 or parts[0] != prefix or not parts[1]:
        return None
    return parts[1], parts[2:]


def encode(verb: str, subject: str, argument: str | None = None) -> str:
    parts = [PREFIX, verb, subject] if argument is None else [PREFIX, verb, subject, argument]
    return _fits(SEPARATOR.join(parts))


def decode(data: str) -> Callback | None:
    """The callback, or None for anything not produced by `encode`."""
    if len(data.encode("utf-8", errors="replace")) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) < 3 or parts[0] != PREFIX or any(not part for part in parts):
        return None
    verb, rest = parts[1], parts[2:]
    expected = _REVIEW_ACTIONS.get(rest[0]) if verb == REVIEW else _ARITY.get(verb)
    if expected is None or len(rest) != expected:
        return None
    return Callback(verb, rest[0], rest[1] if len(rest) > 1 else None)

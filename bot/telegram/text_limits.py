"""Telegram's size limits, measured the way Telegram measures them.

The Bot API counts a message's length in UTF-16 code units, not in characters: an emoji
outside the Basic Multilingual Plane is one Python character but two units, so 2,100 emoji
are 4,200 units and over the 4,096 a message may hold. Everything the bot sends is measured
here before it goes out; a long text is split on line boundaries, never inside an HTML tag
or entity (a cut "&amp;" shows the reader "amp;"), and a tag left open at a cut is closed
there and opened again in the next part, so each part parses on its own.
"""

from __future__ import annotations

import re

from telegram.constants import CallbackQueryLimit, MessageLimit

MESSAGE_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
CALLBACK_ANSWER_LIMIT = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200
ELLIPSIS = "…"

# One indivisible piece of HTML text: a tag, an entity, or a single character.
_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|.", re.DOTALL)
_TAG = re.compile(r"<\s*(/)?\s*([A-Za-z0-9-]+)[^>]*>")


def utf16_len(text: str) -> int:
    """The length Telegram checks: characters beyond U+FFFF take two code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def shorten_plain(text: str, limit: int) -> str:
    """Plain (unescaped) text cut to `limit` UTF-16 units, an ellipsis marking the cut."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + ELLIPSIS


def shorten_html(text: str, limit: int) -> str:
    """HTML cut to `limit` units without breaking a tag or entity; open tags are closed."""
    if utf16_len(text) <= limit:
        return text
    first = split_html(text, limit - utf16_len(ELLIPSIS))[0]
    return _insert_before_closing(first, ELLIPSIS)


def _insert_before_closing(chunk: str, suffix: str) -> str:
    match = re.search(r"(?:</[^<>]*>)*$", chunk)
    at = match.start() if match else len(chunk)
    return chunk[:at] + suffix + chunk[at:]


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units each, cut at line breaks where a line fits.

    A line longer than a whole part is cut between tokens (never inside "&amp;" or "<b>");
    tags open at a cut are closed at its end and reopened at the next part's start.
    """
    if utf16_len(text) <= limit:
        return [text]
    lines = text.split("\n")
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, opening tag) open at the current point
    current: list[str] = []  # tokens of the part being built
    current_len = 0
    fresh = True  # nothing but reopened tags in the part yet: a line break there is dropped

    def overhead() -> int:
        return utf16_len(_closing(stack))

    def flush() -> None:
        nonlocal current, current_len, fresh
        fresh = True
        body = "".join(current)
        if body.strip("\n"):
            chunks.append(body.strip("\n") + _closing(stack))
        reopen = "".join(tag for _, tag in stack)
        current = [reopen] if reopen else []
        current_len = utf16_len(reopen)

    def push_token(token: str) -> None:
        nonlocal current_len, fresh
        if token == "\n" and fresh:
            return
        current.append(token)
        current_len += utf16_len(token)
        tag = _TAG.fullmatch(token)
        if not tag:
            fresh = False
        else:
            name = tag.group(2).lower()
            if tag.group(1):
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == name:
                        del stack[i]
                        break
            elif not token.endswith("/>"):
                stack.append((name, token))

    for index, line in enumerate(lines):
        piece = line if index == 0 else "\n" + line
        tokens = _TOKEN.findall(piece)
        piece_len = utf16_len(piece)
        if current_len + piece_len + overhead() + _stack_growth(tokens) <= limit:
            for token in tokens:
                push_token(token)
            continue
        # The line does not fit beside what is there: start a new part with it.
        if current_len > utf16_len("".join(tag for _, tag in stack)):
            flush()
        for token in tokens:
            size = utf16_len(token)
            if current_len + size + overhead() + _stack_growth([token]) > limit:
                flush()
            push_token(token)
    body = "".join(current)
    if body.strip("\n"):
        chunks.append(body.strip("\n") + _closing(stack))
    return chunks


def _stack_growth(tokens: list[str]) -> int:
    """Room for the closing tags that opening tags among `tokens` would need at a cut."""
    extra = 0
    for token in tokens:
        tag = _TAG.fullmatch(token)
        if tag and not tag.group(1) and not token.endswith("/>"):
            extra += len(tag.group(2)) + 3
    return extra

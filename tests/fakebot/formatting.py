"""Message text formatting the way Telegram applies it.

Telegram parses ``parse_mode`` markup server-side, answers malformed markup with
``400 Bad Request: can't parse entities: ...`` and stores the plain text plus entities
(offsets in UTF-16 code units), trimmed of surrounding whitespace. A bot that forgets to
escape a user's text only fails against a server that does the same, so this module
follows the Bot API server's parsers closely rather than accepting anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

_PARSE_ERROR = "Bad Request: can't parse entities: "
_SPACES = " \t\r\n\v\f\0"
_TRIM = " \t\r\n\v\f"

_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));")

_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_V2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}

ENTITY_TYPES = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
        "bold", "italic", "underline", "strikethrough", "spoiler", "blockquote",
        "expandable_blockquote", "code", "pre", "text_link", "text_mention", "custom_emoji",
        "date_time",
    }
)  # fmt: skip


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts offsets and limits in."""
    return len(text.encode("utf-16-le")) // 2


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _parse_error(message: str) -> ApiError:
    return ApiError(400, _PARSE_ERROR + message)


@dataclass
class _Builder:
    """Accumulates the plain text and its entities while a parser walks the markup."""

    parts: list[str] = field(default_factory=list)
    offset: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def text(self) -> str:
        return "".join(self.parts)

    def ends_with_newline(self) -> bool:
        return bool(self.parts) and self.parts[-1].endswith("\n")


def _decode_html_entity(source: str, index: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY_RE.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        decoded = _NAMED_HTML_ENTITIES.get(name)
        return (decoded, match.end()) if decoded is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


@dataclass
class _OpenTag:
    tag: str
    start: int
    argument: str = ""
    expandable: bool = False


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset; raise ApiError with Telegram's wording on bad markup."""
    out = _Builder()
    stack: list[_OpenTag] = []
    size = len(source)
    i = 0
    while i < size:
        char = source[i]
        if char == "&":
            decoded = _decode_html_entity(source, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < size and source[i] == "/":
            i = _close_html_tag(source, i + 1, begin, stack, out)
        else:
            i = _open_html_tag(source, i, begin, stack, out)
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.text(), out.entities


def _open_html_tag(source: str, i: int, begin: int, stack: list[_OpenTag], out: _Builder) -> int:
    size = len(source)
    name_start = i
    while i < size and source[i] not in _SPACES and source[i] != ">":
        i += 1
    if i >= size:
        raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    tag = source[name_start:i].lower()
    if tag not in _HTML_TAGS:
        raise _parse_error(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
        )
    opened = _OpenTag(tag=tag, start=out.offset)
    span_class = ""
    while True:
        while i < size and source[i] in _SPACES:
            i += 1
        if i >= size:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        if source[i] == ">":
            i += 1
            break
        attr_start = i
        while i < size and source[i] not in _SPACES and source[i] not in "=>":
            i += 1
        attribute = source[attr_start:i].lower()
        if not attribute:
            raise _parse_error(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        while i < size and source[i] in _SPACES:
            i += 1
        if i >= size or source[i] != "=":
            if tag == "blockquote" and attribute == "expandable":
                opened.expandable = True
                continue
            raise _parse_error(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(source, begin)}"
            )
        i += 1
        while i < size and source[i] in _SPACES:
            i += 1
        value, i = _html_attribute_value(source, i, tag, begin)
        if tag == "a" and attribute == "href":
            opened.argument = value
        elif tag == "code" and attribute == "class" and value.startswith("language-"):
            opened.argument = value.removeprefix("language-")
        elif tag == "span" and attribute == "class":
            span_class = value
        elif tag == "tg-emoji" and attribute == "emoji-id":
            opened.argument = value
    if tag == "span" and span_class != "tg-spoiler":
        raise _parse_error(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, begin)}'
        )
    stack.append(opened)
    return i


def _html_attribute_value(source: str, i: int, tag: str, begin: int) -> tuple[str, int]:
    size = len(source)
    if i >= size:
        raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    if source[i] in "'\"":
        quote = source[i]
        i += 1
        value: list[str] = []
        while i < size and source[i] != quote:
            if source[i] == "&":
                decoded = _decode_html_entity(source, i)
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                    continue
            value.append(source[i])
            i += 1
        if i >= size:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        return "".join(value), i + 1
    start = i
    while i < size and (source[i].isalnum() or source[i] in ".-_:"):
        i += 1
    if i == start:
        raise _parse_error(
            f'Expected quote in declaration of an attribute of the tag "{tag}" at byte offset '
            f"{_byte_offset(source, begin)}"
        )
    return source[start:i], i


def _close_html_tag(source: str, i: int, begin: int, stack: list[_OpenTag], out: _Builder) -> int:
    size = len(source)
    if not stack:
        raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
    name_start = i
    while i < size and source[i] not in _SPACES and source[i] != ">":
        i += 1
    name = source[name_start:i].lower()
    while i < size and source[i] in _SPACES:
        i += 1
    if i >= size or source[i] != ">":
        raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
    opened = stack.pop()
    if name and name != opened.tag:
        raise _parse_error(
            f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
            f'expected "</{opened.tag}>", found "</{name}>"'
        )
    kind = _HTML_ENTITY_TYPES[opened.tag]
    if kind == "text_link":
        if opened.argument:
            out.entity("text_link", opened.start, url=opened.argument)
    elif kind == "code" and opened.argument:
        out.entity("code", opened.start, language=opened.argument)
    elif kind == "pre":
        _close_pre(out, opened.start)
    elif kind == "custom_emoji":
        if opened.argument:
            out.entity("custom_emoji", opened.start, custom_emoji_id=opened.argument)
    elif kind == "blockquote":
        out.entity("expandable_blockquote" if opened.expandable else "blockquote", opened.start)
    else:
        out.entity(kind, opened.start)
    return i + 1


def _close_pre(out: _Builder, start: int) -> None:
    """``<pre><code class="language-x">`` becomes one pre entity carrying the language."""
    last = out.entities[-1] if out.entities else None
    if (
        last is not None
        and last["type"] == "code"
        and last["offset"] == start
        and last["length"] == out.offset - start
    ):
        out.entities.pop()
        if last.get("language"):
            out.entity("pre", start, language=last["language"])
            return
    out.entity("pre", start)


@dataclass
class _OpenMark:
    kind: str
    start: int
    byte_offset: int
    language: str = ""


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2, where every reserved character outside markup must be escaped."""
    out = _Builder()
    stack: list[_OpenMark] = []
    quote_start: int | None = None
    size = len(source)
    i = 0
    while i < size:
        char = source[i]
        at_line_start = i == 0 or source[i - 1] == "\n"
        if at_line_start and not stack:
            if char == ">":
                if quote_start is None:
                    quote_start = out.offset
                i += 1
                continue
            if quote_start is not None:
                _close_quote(out, quote_start)
                quote_start = None
        if char == "\\" and i + 1 < size and 0 < ord(source[i + 1]) <= 126:
            out.add(source[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        reserved = "`" if in_code else _V2_RESERVED
        if char not in reserved:
            out.add(char)
            i += 1
            continue
        following = source[i + 1] if i + 1 < size else ""
        if stack and _ends_v2_entity(stack[-1].kind, source, i):
            i = _close_v2_entity(source, i, stack.pop(), out)
            continue
        if in_code:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        i = _open_v2_entity(source, i, char, following, stack, out)
    if stack:
        opened = stack[-1]
        raise _parse_error(
            f"Can't find end of {_V2_TYPE_NAMES[opened.kind]} entity at byte offset "
            f"{opened.byte_offset}"
        )
    if quote_start is not None:
        _close_quote(out, quote_start)
    return out.text(), out.entities


def _close_quote(out: _Builder, start: int) -> None:
    end = out.offset - (1 if out.ends_with_newline() else 0)
    if end > start:
        out.entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _ends_v2_entity(kind: str, source: str, i: int) -> bool:
    char = source[i]
    following = source[i + 1] if i + 1 < len(source) else ""
    return {
        "bold": char == "*",
        "italic": char == "_" and following != "_",
        "underline": char == "_" and following == "_",
        "strikethrough": char == "~",
        "spoiler": char == "|" and following == "|",
        "code": char == "`",
        "pre": source.startswith("```", i),
        "text_link": char == "]",
        "custom_emoji": char == "]",
    }[kind]


def _open_v2_entity(
    source: str, i: int, char: str, following: str, stack: list[_OpenMark], out: _Builder
) -> int:
    byte_offset = _byte_offset(source, i)
    language = ""
    if char == "_" and following == "_":
        kind, i = "underline", i + 2
    elif char == "_":
        kind, i = "italic", i + 1
    elif char == "*":
        kind, i = "bold", i + 1
    elif char == "~":
        kind, i = "strikethrough", i + 1
    elif char == "|" and following == "|":
        kind, i = "spoiler", i + 2
    elif char == "[":
        kind, i = "text_link", i + 1
    elif char == "!" and following == "[":
        kind, i = "custom_emoji", i + 2
    elif source.startswith("```", i):
        kind, i = "pre", i + 3
        newline = source.find("\n", i)
        closing = source.find("```", i)
        if newline != -1 and (closing == -1 or newline < closing):
            language = source[i:newline].strip()
            i = newline + 1
    elif char == "`":
        kind, i = "code", i + 1
    else:
        raise _parse_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
    stack.append(_OpenMark(kind=kind, start=out.offset, byte_offset=byte_offset, language=language))
    return i


def _close_v2_entity(source: str, i: int, opened: _OpenMark, out: _Builder) -> int:
    kind = opened.kind
    if kind == "pre":
        if opened.language:
            out.entity("pre", opened.start, language=opened.language)
        else:
            out.entity("pre", opened.start)
        return i + 3
    if kind in ("underline", "spoiler"):
        out.entity(kind, opened.start)
        return i + 2
    if kind in ("text_link", "custom_emoji"):
        i += 1
        url = ""
        if i < len(source) and source[i] == "(":
            url, i = _v2_url(source, i + 1, opened.byte_offset)
        if kind == "text_link" and url:
            out.entity("text_link", opened.start, url=url)
        elif kind == "custom_emoji":
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
            if match is None:
                raise _parse_error(
                    f"Custom emoji entity at byte offset {opened.byte_offset} must have an "
                    "emoji identifier"
                )
            out.entity("custom_emoji", opened.start, custom_emoji_id=match.group(1))
        return i
    out.entity(kind, opened.start)
    return i + 1


def _v2_url(source: str, i: int, byte_offset: int) -> tuple[str, int]:
    url: list[str] = []
    while i < len(source) and source[i] != ")":
        if source[i] == "\\" and i + 1 < len(source) and 0 < ord(source[i + 1]) <= 126:
            url.append(source[i + 1])
            i += 2
            continue
        url.append(source[i])
        i += 1
    if i >= len(source):
        raise _parse_error(f"Can't find end of a URL at byte offset {byte_offset}")
    return "".join(url), i + 1


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown: no nesting, escapes only before its own markers."""
    out = _Builder()
    size = len(source)
    i = 0
    while i < size:
        char = source[i]
        if char == "\\" and i + 1 < size and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = _byte_offset(source, i)
        missing = _parse_error(f"Can't find end of the entity starting at byte offset {begin}")
        if char == "[":
            close = source.find("]", i + 1)
            if close == -1:
                raise missing
            start = out.offset
            out.add(source[i + 1 : close])
            i = close + 1
            if i < size and source[i] == "(":
                end = source.find(")", i + 1)
                if end == -1:
                    raise missing
                url = source[i + 1 : end]
                if url:
                    out.entity("text_link", start, url=url)
                i = end + 1
            continue
        if source.startswith("```", i):
            close = source.find("```", i + 3)
            if close == -1:
                raise missing
            body = source[i + 3 : close]
            language = ""
            newline = body.find("\n")
            if newline != -1 and body[:newline].strip() and " " not in body[:newline].strip():
                language, body = body[:newline].strip(), body[newline + 1 :]
            start = out.offset
            out.add(body)
            if language:
                out.entity("pre", start, language=language)
            else:
                out.entity("pre", start)
            i = close + 3
            continue
        close = source.find(char, i + 1)
        if close == -1:
            raise missing
        start = out.offset
        out.add(source[i + 1 : close])
        out.entity({"_": "italic", "*": "bold", "`": "code"}[char], start)
        i = close + 1
    return out.text(), out.entities


def validate_entities(text: str, entities: Any, field_name: str) -> list[dict[str, Any]]:
    """Check explicit entities the way the Bot API does before it stores them."""
    if not isinstance(entities, list):
        raise ApiError(400, f"Bad Request: can't parse {field_name} JSON object")
    total = utf16_len(text)
    checked: list[dict[str, Any]] = []
    for entity in entities:
        if not isinstance(entity, dict):
            raise ApiError(400, f"Bad Request: can't parse {field_name} JSON object")
        kind, offset, length = entity.get("type"), entity.get("offset"), entity.get("length")
        if kind not in ENTITY_TYPES:
            raise ApiError(400, f"Bad Request: can't parse MessageEntity: Unknown type {kind!r}")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise ApiError(
                400, 'Bad Request: can\'t parse MessageEntity: Field "offset" must be a number'
            )
        if length <= 0 or offset >= total:
            continue
        if kind == "text_link" and not entity.get("url"):
            raise ApiError(
                400, 'Bad Request: can\'t parse MessageEntity: Field "url" must be of type String'
            )
        checked.append({**entity, "length": min(length, total - offset)})
    return checked


def format_text(
    text: str, parse_mode: Any, entities: Any, *, field_name: str = "entities"
) -> tuple[str, list[dict[str, Any]]]:
    """Turn a request's text, parse_mode and entities into what Telegram stores."""
    if entities is not None:
        plain, found = text, validate_entities(text, entities, field_name)
    elif parse_mode in (None, ""):
        plain, found = text, []
    elif not isinstance(parse_mode, str):
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    else:
        mode = parse_mode.lower()
        if mode == "html":
            plain, found = parse_html(text)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return trim(plain, found)


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace as Telegram does, moving entities with the text."""
    stripped = text.lstrip(_TRIM)
    lead = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIM)
    total = utf16_len(stripped)
    moved: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            moved.append({**entity, "offset": start, "length": end - start})
    moved.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return stripped, moved


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entities Telegram attaches to a user's text."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")

"""Telegram's parse modes and entity offsets, reproduced by the fake server."""

from __future__ import annotations

import html
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.helpers import escape_markdown

from tests.fakebot.errors import ApiError
from tests.fakebot.formatting import (
    command_entities,
    format_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    trim,
    utf16_len,
)
from tests.fakebot.media import image_size, png_bytes


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>单位能耗</b> <i>E ≤ 46</i> kgce/t")
    assert text == "😀 单位能耗 E ≤ 46 kgce/t"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "italic", "offset": 8, "length": 6},
    ]


def test_html_links_code_blocks_and_character_references() -> None:
    text, entities = parse_html(
        '<a href="https://example.org/a?b=1&amp;c=2">导则</a> &lt;R&gt; &#x4E2D; A&B '
        '<pre><code class="language-json">{"ok": true}</code></pre>'
    )
    assert text == '导则 <R> 中 A&B {"ok": true}'
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 2, "url": "https://example.org/a?b=1&c=2"},
        {"type": "pre", "offset": 13, "length": 12, "language": "json"},
    ]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>未闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("能耗 <br> 高", 'Unsupported start tag "br" at byte offset 7'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_errors_carry_telegram_wording(markup: str, error: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_html(markup)
    assert refused.value.error_code == 400
    assert refused.value.description == "Bad Request: can't parse entities: " + error


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2(
        r"*粗* _斜_ __下__ ~删~ ||隐|| `a\`b` [链接](https://x.org/a\)b) 1\.5"
    )
    assert text == "粗 斜 下 删 隐 a`b 链接 1.5"
    assert [entity["type"] for entity in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.org/a)b"


def test_markdown_v2_errors() -> None:
    with pytest.raises(ApiError, match=r"Character '-' is reserved"):
        parse_markdown_v2("2020-01")
    with pytest.raises(ApiError, match="Can't find end of Bold entity at byte offset 3"):
        parse_markdown_v2("砖*未闭合")


def test_markdown_v2_block_quote() -> None:
    text, entities = parse_markdown_v2(">引用一\n>引用二\n正文")
    assert text == "引用一\n引用二\n正文"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 7}]


def test_legacy_markdown() -> None:
    assert parse_markdown("*粗* _斜_ `码` [链](https://x.org)") == (
        "粗 斜 码 链",
        [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "italic", "offset": 2, "length": 1},
            {"type": "code", "offset": 4, "length": 1},
            {"type": "text_link", "offset": 6, "length": 1, "url": "https://x.org"},
        ],
    )
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("_open")


def test_trim_moves_entities_with_the_text() -> None:
    assert trim("\n  <b>\n", [{"type": "bold", "offset": 1, "length": 5}]) == (
        "<b>",
        [{"type": "bold", "offset": 0, "length": 3}],
    )


def test_unsupported_parse_mode_is_refused() -> None:
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)


def test_command_entities_are_found_where_telegram_marks_them() -> None:
    assert command_entities("/start@greenlist_test_bot go /help") == [
        {"type": "bot_command", "offset": 0, "length": 25},
        {"type": "bot_command", "offset": 29, "length": 5},
    ]
    assert command_entities("a/b 1/2") == []


_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_html_escaped_text_reads_back_unchanged(text: str) -> None:
    assert format_text(html.escape(text, quote=False), "HTML", None) == trim(text, [])


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_markdown_v2_escaped_text_reads_back_unchanged(text: str) -> None:
    assert format_text(escape_markdown(text, version=2), "MarkdownV2", None) == trim(text, [])


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("砖😀") == 3


def test_image_sizes_are_read_from_headers() -> None:
    assert image_size(png_bytes(7, 5)) == (7, 5)
    assert image_size(b"GIF89a" + struct.pack("<HH", 30, 20) + b"\x00" * 8) == (30, 20)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0"
        + struct.pack(">HBHH", 17, 8, 480, 640)
        + b"\x00" * 12
    )
    assert image_size(jpeg) == (640, 480)
    assert image_size(b"%PDF-1.7") is None

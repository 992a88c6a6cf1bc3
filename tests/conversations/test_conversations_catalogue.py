"""Every text exists in every language, with the same placeholders, and is plain text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations import Catalogue
from conversations.bank import QuestionBank
from conversations.catalogue import placeholders
from conversations.engine import ENGINE_TEXTS
from criteria.catalogue import CatalogueError

CATALOGUE = Catalogue.load()

# Texts the chat front end needs from the catalogue besides the engine's own.
CHAT_TEXTS = [
    "chat.greeting",
    "chat.begin",
    "chat.welcome_back",
    "chat.cancel_confirm",
    "chat.cancel_yes",
    "chat.cancel_no",
    "chat.cancelled",
    "chat.language_switched",
    "chat.submitted_frozen",
    "chat.status_heading",
    "chat.status_line",
    "chat.status_empty",
    "chat.status_footer",
    "chat.verdict_qualified",
    "chat.verdict_not_qualified",
    "chat.verdict_pending",
    "chat.file_too_large",
    "chat.file_wrong_type",
    "chat.stale_button",
    "chat.nothing_to_skip",
    "chat.unavailable",
    "chat.error_apology",
    "chat.new_started",
    "chat.verdict_heading",
    "chat.returning_with_history",
    "chat.draft_exists",
    "chat.help_no_draft",
    "chat.terminal_banner",
    "chat.unsupported",
    *(
        f"chat.status_name.{s}"
        for s in ("in_progress", "submitted", "needs_info", "approved", "rejected")
    ),
    *(
        f"chat.command.{c}"
        for c in ("start", "status", "review", "back", "skip", "help", "language", "new", "cancel")
    ),
]


def test_both_languages_have_exactly_the_same_keys() -> None:
    assert CATALOGUE.languages == ("zh", "en")
    assert CATALOGUE.keys("zh") == CATALOGUE.keys("en")


@pytest.mark.parametrize("key", sorted(CATALOGUE.keys("zh")))
def test_placeholders_match_across_languages(key: str) -> None:
    assert placeholders(CATALOGUE.raw(key, "zh")) == placeholders(CATALOGUE.raw(key, "en"))


def test_every_text_the_engine_and_the_bank_use_exists() -> None:
    bank = QuestionBank.load()
    keys = list(ENGINE_TEXTS) + [s.title for s in bank.sections]
    keys += [u.label for u in bank.units.values()]
    for q in bank.questions:
        keys += [q.prompt, q.help, q.label, q.example, *(o.label for o in q.options)]
    assert CATALOGUE.missing(keys) == []


def test_the_chat_texts_exist() -> None:
    assert CATALOGUE.missing(CHAT_TEXTS) == []


def test_the_status_line_has_every_column() -> None:
    line = CATALOGUE.raw("chat.status_line", "zh")
    assert placeholders(line) == {"id", "company", "category", "status", "verdict", "date"}


def test_the_greeting_says_what_the_green_list_is_and_what_to_prepare() -> None:
    zh = CATALOGUE.text("chat.greeting", "zh")
    for phrase in (
        "绿名单",
        "烧结墙体材料绿名单评价导则",
        "2020",
        "营业执照",
        "12 个月",
        "检测报告",
    ):
        assert phrase in zh
    en = CATALOGUE.text("chat.greeting", "en")
    for phrase in (
        "green list",
        "2020",
        "business licence",
        "12 consecutive months",
        "test report",
    ):
        assert phrase in en


@pytest.mark.parametrize("key", sorted(k for k in CATALOGUE.keys("zh") if k.startswith("error.")))
def test_every_error_shows_an_example_of_a_good_answer(key: str) -> None:
    for lang in CATALOGUE.languages:
        fields = placeholders(CATALOGUE.raw(key, lang))
        assert fields & {"example", "expected"}, f"{lang}:{key} has no example"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_texts_are_plain_text(lang: str) -> None:
    markup = re.compile(r"<[a-z/][^>]*>|\*\*|__|```|\[[^\]]+\]\(")
    for key in CATALOGUE.keys(lang):
        assert not markup.search(CATALOGUE.raw(key, lang)), f"{lang}:{key} contains markup"


def test_a_missing_text_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match=r"'chat\.nonexistent' is missing from the 'zh' catalogue"):
        CATALOGUE.text("chat.nonexistent", "zh")
    with pytest.raises(KeyError, match="no catalogue for language 'fr'"):
        CATALOGUE.text("chat.greeting", "fr")
    with pytest.raises(KeyError, match="needs the parameter 'position'"):
        CATALOGUE.text("progress.line", "zh", total=3, section="x")


def test_placeholders_are_filled() -> None:
    assert CATALOGUE.text("progress.line", "zh", position=6, total=8, section="能源") == (
        "第 6/8 部分 · 能源"
    )
    assert CATALOGUE.text("progress.line", "en", position=6, total=8, section="Energy") == (
        "Part 6/8 · Energy"
    )


def test_the_packaged_catalogue_is_shared_and_read_only() -> None:
    assert Catalogue.load() is CATALOGUE
    with pytest.raises(TypeError):
        CATALOGUE._texts["zh"]["chat.greeting"] = "changed"  # type: ignore[index]


def test_a_catalogue_can_be_built_from_other_data() -> None:
    catalogue = Catalogue.from_yaml({"zh": "a:\n  b: 你好 {name}\n", "en": "a:\n  b: Hi {name}\n"})
    assert catalogue.text("a.b", "en", name="Li") == "Hi Li"
    with pytest.raises(ValueError, match="expected a text"):
        Catalogue.from_yaml({"zh": "a: 3\n"})


def test_texts_from_a_directory_are_checked_like_every_other_text_file(tmp_path: Path) -> None:
    (tmp_path / "texts.zh.yaml").write_text("chat:\n  hi: 你好 {name}\n  bye: 再见\n", "utf-8")
    (tmp_path / "texts.en.yaml").write_text("chat:\n  hi: Hi {who}\n", "utf-8")
    with pytest.raises(CatalogueError, match=r"texts\.en\.yaml: no en text for chat\.bye"):
        Catalogue.load(tmp_path)
    (tmp_path / "texts.en.yaml").write_text("chat:\n  hi: Hi {who}\n  bye: Bye\n", "utf-8")
    with pytest.raises(CatalogueError, match=r"chat\.hi: zh uses \['name'\] but en uses \['who'\]"):
        Catalogue.load(tmp_path)
    (tmp_path / "texts.en.yaml").write_text("chat:\n  hi: Hi {name}\n  bye: Bye\n", "utf-8")
    assert Catalogue.load(tmp_path).text("chat.hi", "en", name="Li") == "Hi Li"

"""The bilingual text catalogue: every sentence a user sees comes from here.

Texts are data so that wording can be corrected without touching the evaluator, and so
that each sentence exists in both languages with the same placeholders (checked on load,
which turns a missing translation into a packaging error instead of a runtime surprise).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import yaml

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CATALOGUE_FILE = "_texts.yaml"


class Text(NamedTuple):
    """One piece of text in both languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if check_language(lang) == "en" else self.zh


def check_language(lang: str) -> str:
    """Refuse an unsupported language loudly instead of silently falling back."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


Param = str | Text


def _placeholders(template: str) -> frozenset[str]:
    return frozenset(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field is not None
    )


class Catalogue:
    """Keyed texts, each with a zh and an en template sharing the same placeholders."""

    def __init__(self, entries: Mapping[str, object]) -> None:
        checked: dict[str, Text] = {}
        for key, entry in entries.items():
            if not isinstance(key, str) or not isinstance(entry, Mapping):
                raise ValueError(f"catalogue entry {key!r} must map languages to texts")
            if set(entry) != set(LANGUAGES):
                raise ValueError(
                    f"catalogue entry {key!r} must have exactly the languages "
                    f"{', '.join(LANGUAGES)}; it has {', '.join(map(str, entry))}"
                )
            zh, en = entry["zh"], entry["en"]
            if not isinstance(zh, str) or not isinstance(en, str) or not zh or not en:
                raise ValueError(f"catalogue entry {key!r} must have non-empty texts")
            if _placeholders(zh) != _placeholders(en):
                raise ValueError(
                    f"catalogue entry {key!r}: zh uses {sorted(_placeholders(zh))} but "
                    f"en uses {sorted(_placeholders(en))}"
                )
            checked[key] = Text(zh, en)
        self._entries = checked
        self._filled: dict[str, Text] = {}

    @classmethod
    def packaged(cls) -> Catalogue:
        return _packaged_catalogue()

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def text(self, key: str, /, **params: Param) -> Text:
        """The entry `key` with placeholders filled; Text params are used per language."""
        try:
            template = self._entries[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in the criteria catalogue") from None
        if not params:
            # Entries without placeholders are most of the texts: fill each one once.
            filled = self._filled.get(key)
            if filled is None:
                filled = self._filled[key] = Text(template.zh.format(), template.en.format())
            return filled
        zh: dict[str, str] = {}
        en: dict[str, str] = {}
        for name, value in params.items():
            if isinstance(value, Text):
                zh[name], en[name] = value
            else:
                zh[name] = en[name] = value
        return Text(template.zh.format(**zh), template.en.format(**en))

    def get(self, key: str, lang: str, /, **params: Param) -> str:
        return self.text(key, **params).get(lang)

    def join(self, separator_key: str, parts: Iterable[Text], /) -> Text:
        """Join texts with the language's own separator (full-width punctuation in zh)."""
        items = list(parts)
        separator = self._entries[separator_key]
        return Text(
            separator.zh.join(part.zh for part in items),
            separator.en.join(part.en for part in items),
        )


@lru_cache(maxsize=1)
def _packaged_catalogue() -> Catalogue:
    source = resources.files("criteria").joinpath("rulesets", CATALOGUE_FILE)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise ValueError(f"{CATALOGUE_FILE} must be a mapping of keys to texts")
    return Catalogue(data)


def catalogue() -> Catalogue:
    """The packaged catalogue (loaded once)."""
    return _packaged_catalogue()

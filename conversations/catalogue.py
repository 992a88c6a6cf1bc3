"""Every user-facing text, per language, from `data/texts.<lang>.yaml`.

Files are nested mappings; a text's key is its dotted path (`chat.greeting`). Texts use
`{name}` placeholders. The catalogue is immutable, so the packaged one is loaded once per
process and shared.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalogue", "placeholders"]

# Chinese first: the catalogue every other language is checked against.
DEFAULT_LANGUAGE = "zh"
LANGUAGES: tuple[str, ...] = ("zh", "en")


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` fields a text expects."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(text) if name is not None and name
    )


def _flatten(tree: Mapping[str, Any], prefix: str, into: dict[str, str], source: str) -> None:
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, dotted + ".", into, source)
        elif isinstance(value, str):
            into[dotted] = value
        else:
            raise ValueError(f"{source}: {dotted} is {type(value).__name__}, expected a text")


class _Params(dict[str, Any]):
    def __init__(self, key: str, lang: str, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.key = key
        self.lang = lang

    def __missing__(self, name: str) -> Any:
        raise KeyError(f"text {self.key!r} ({self.lang}) needs the parameter {name!r}")


class Catalogue:
    """Texts by language and key."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]], default: str = DEFAULT_LANGUAGE):
        if default not in texts:
            raise ValueError(f"the default language {default!r} has no texts")
        self._texts: Mapping[str, Mapping[str, str]] = MappingProxyType(
            {lang: MappingProxyType(dict(entries)) for lang, entries in texts.items()}
        )
        self.default = default

    @classmethod
    def from_yaml(cls, sources: Mapping[str, str], default: str = DEFAULT_LANGUAGE) -> Catalogue:
        """From YAML text per language."""
        texts: dict[str, dict[str, str]] = {}
        for lang, text in sources.items():
            tree = yaml.safe_load(text) or {}
            if not isinstance(tree, Mapping):
                raise ValueError(f"texts.{lang}.yaml: expected a mapping of texts")
            flat: dict[str, str] = {}
            _flatten(tree, "", flat, f"texts.{lang}.yaml")
            texts[lang] = flat
        return cls(texts, default)

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalogue:
        """The packaged catalogue (shared, it is immutable), or `texts.*.yaml` in `directory`."""
        if directory is None:
            return _packaged_catalogue()
        return cls.from_yaml(
            {lang: (directory / f"texts.{lang}.yaml").read_text("utf-8") for lang in LANGUAGES}
        )

    def merged(self, other: Catalogue) -> Catalogue:
        """This catalogue plus another's texts (a front end's own screens); a key defined
        twice is an error, so one text can never silently shadow another."""
        if set(self.languages) != set(other.languages):
            raise ValueError("catalogues to merge must cover the same languages")
        texts: dict[str, dict[str, str]] = {}
        for lang in self.languages:
            clash = sorted(set(self._texts[lang]) & set(other._texts[lang]))
            if clash:
                raise ValueError(f"texts defined twice: {', '.join(clash[:5])}")
            texts[lang] = {**self._texts[lang], **other._texts[lang]}
        return Catalogue(texts, self.default)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def keys(self, lang: str) -> frozenset[str]:
        return frozenset(self._language(lang))

    def has(self, key: str, lang: str) -> bool:
        return key in self._texts.get(lang, {})

    def raw(self, key: str, lang: str) -> str:
        """A text with its placeholders unfilled."""
        entries = self._language(lang)
        if key not in entries:
            raise KeyError(f"text {key!r} is missing from the {lang!r} catalogue")
        return entries[key]

    def text(self, key: str, lang: str, **params: Any) -> str:
        """The text for `key` in `lang` with its placeholders filled."""
        template = self.raw(key, lang)
        return template.format_map(_Params(key, lang, params))

    def all_forms(self, key: str) -> list[str]:
        """The text in every language, for matching what a supplier typed."""
        return [entries[key] for entries in self._texts.values() if key in entries]

    def missing(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """(language, key) pairs absent from the catalogue."""
        return [(lang, key) for key in keys for lang in self._texts if key not in self._texts[lang]]

    def _language(self, lang: str) -> Mapping[str, str]:
        if lang not in self._texts:
            raise KeyError(f"no catalogue for language {lang!r}; have {', '.join(self._texts)}")
        return self._texts[lang]


@cache
def _packaged_catalogue() -> Catalogue:
    data = resources.files("conversations").joinpath("data")
    return Catalogue.from_yaml(
        {lang: data.joinpath(f"texts.{lang}.yaml").read_text("utf-8") for lang in LANGUAGES}
    )

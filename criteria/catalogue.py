"""Every sentence a user sees, in every language, keyed by a dotted path (`chat.greeting`).

Texts are data so that wording can be corrected without touching code, and so that each
sentence exists in every language with the same `{name}` placeholders. The project keeps its
texts in two shapes of YAML file, and both are read here so that one set of rules holds for
all of them:

- one file per language (`texts.zh.yaml`, `texts.en.yaml`), nested mappings whose leaves are
  texts; the interview and the chat screens are written this way, one language at a time;
- one file whose leaves hold every language (`title: {zh: ..., en: ...}`), for texts that
  are written side by side (the verdicts, the report, the command line).

A catalogue is only built when every key has a non-empty text in every language and all of
them use the same placeholders, so a missing translation is a packaging error that names the
file and the key, not a surprise in front of a user. Catalogues are immutable: a packaged one
is loaded once per process and shared.

This module sits in the lowest layer (it imports nothing of the project) because the
criteria need texts for their verdicts; the layers above read their own files through it.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, NamedTuple, Self

import yaml

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogue",
    "CatalogueError",
    "Text",
    "check_language",
    "placeholders",
]

# Chinese first: the language every other one is checked against.
DEFAULT_LANGUAGE = "zh"
LANGUAGES: tuple[str, ...] = ("zh", "en")


class CatalogueError(ValueError):
    """A text file breaks the catalogue's rules; the message names the file and the key."""


class Text(NamedTuple):
    """One text in every language, for results that are rendered later in either."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if check_language(lang) == "en" else self.zh


def check_language(lang: str) -> str:
    """Refuse an unsupported language loudly instead of silently falling back."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def placeholders(template: str) -> frozenset[str]:
    """The parameters a text expects: `{name}`, also when written `{name.attr}` or `{name[0]}`."""
    return frozenset(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field
    )


def _fill(template: str, key: str, lang: str, params: Mapping[str, Any]) -> str:
    try:
        return template.format_map(params)
    except KeyError as exc:
        name = exc.args[0] if exc.args else ""
        if name in params:
            raise
        raise KeyError(f"text {key!r} ({lang}) needs the parameter {name!r}") from None


def _flatten(tree: Mapping[str, Any], prefix: str, into: dict[str, str], source: str) -> None:
    """A per-language file's nested mapping as dotted keys."""
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, dotted + ".", into, source)
        elif isinstance(value, str):
            into[dotted] = value
        else:
            raise CatalogueError(f"{source}: {dotted} is {type(value).__name__}, expected a text")


def _flatten_leaves(
    tree: Mapping[str, Any], prefix: str, into: dict[str, dict[str, str]], source: str
) -> None:
    """A file with every language in each leaf, as texts per language.

    A mapping that names any language is a leaf; a leaf that lacks a language is kept
    short so that the catalogue's check reports the missing translation by key.
    """
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if not isinstance(value, Mapping):
            raise CatalogueError(
                f"{source}: {dotted} must map {', '.join(LANGUAGES)} to texts or group texts"
            )
        if not set(value) & set(LANGUAGES):
            _flatten_leaves(value, dotted + ".", into, source)
            continue
        extra = sorted(map(str, set(value) - set(LANGUAGES)))
        if extra:
            raise CatalogueError(
                f"{source}: {dotted} must have exactly the languages {', '.join(LANGUAGES)}; "
                f"it also has {', '.join(extra)}"
            )
        for lang, text in value.items():
            if not isinstance(text, str):
                raise CatalogueError(
                    f"{source}: {dotted} ({lang}) is {type(text).__name__}, expected a text"
                )
            if dotted in into[lang]:
                raise CatalogueError(f"{source}: {dotted} is defined twice")
            into[lang][dotted] = text


def _parse(text: str, source: str) -> Mapping[str, Any]:
    try:
        tree = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(tree, Mapping):
        raise CatalogueError(f"{source}: expected a mapping of texts")
    return tree


class Catalogue:
    """Texts by language and key, each key in every language with the same placeholders."""

    def __init__(
        self,
        texts: Mapping[str, Mapping[str, str]],
        default: str = DEFAULT_LANGUAGE,
        *,
        files: Mapping[str, str] | None = None,
    ) -> None:
        """`files` names where each language's texts came from, for the error messages."""
        if default not in texts:
            raise CatalogueError(f"the default language {default!r} has no texts")
        named = {lang: (files or {}).get(lang, f"the {lang} texts") for lang in texts}
        _check(texts, default, named)
        self._texts: Mapping[str, Mapping[str, str]] = MappingProxyType(
            {lang: MappingProxyType(dict(entries)) for lang, entries in texts.items()}
        )
        self.default = default
        # Texts without parameters are most of the verdict's: each is filled once.
        self._filled: dict[str, Text] = {}

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_yaml(
        cls, sources: Mapping[str, str], default: str = DEFAULT_LANGUAGE, *, stem: str = "texts"
    ) -> Self:
        """From one YAML text per language, read from the files `<stem>.<lang>.yaml`."""
        texts: dict[str, dict[str, str]] = {}
        files: dict[str, str] = {}
        for lang, text in sources.items():
            files[lang] = f"{stem}.{lang}.yaml"
            texts[lang] = {}
            _flatten(_parse(text, files[lang]), "", texts[lang], files[lang])
        return cls(texts, default, files=files)

    @classmethod
    def from_leaves(
        cls, tree: Mapping[str, Any], *, source: str, default: str = DEFAULT_LANGUAGE
    ) -> Self:
        """From a mapping whose leaves hold every language (`key: {zh: ..., en: ...}`)."""
        texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        _flatten_leaves(tree, "", texts, source)
        return cls(texts, default, files=dict.fromkeys(LANGUAGES, source))

    @classmethod
    def from_leaves_yaml(cls, text: str, *, source: str, default: str = DEFAULT_LANGUAGE) -> Self:
        """From the YAML text of a file whose leaves hold every language."""
        return cls.from_leaves(_parse(text, source), source=source, default=default)

    @classmethod
    def packaged(cls, package: str, stem: str) -> Self:
        """A package's per-language files `<stem>.<lang>.yaml` (e.g. "data/texts")."""
        root = resources.files(package)
        return cls.from_yaml(
            {lang: root.joinpath(f"{stem}.{lang}.yaml").read_text("utf-8") for lang in LANGUAGES},
            stem=f"{package}/{stem}",
        )

    @classmethod
    def packaged_leaves(cls, package: str, path: str) -> Self:
        """A package's file whose leaves hold every language (e.g. "data/report_texts.yaml")."""
        text = resources.files(package).joinpath(path).read_text("utf-8")
        return cls.from_leaves_yaml(text, source=f"{package}/{path}")

    def merged(self, other: Catalogue) -> Self:
        """This catalogue plus another's texts (a front end's own screens); a key defined
        twice is an error, so one text can never silently shadow another."""
        if set(self.languages) != set(other.languages):
            raise CatalogueError("catalogues to merge must cover the same languages")
        texts: dict[str, dict[str, str]] = {}
        for lang in self.languages:
            clash = sorted(set(self._texts[lang]) & set(other._texts[lang]))
            if clash:
                raise CatalogueError(f"texts defined twice: {', '.join(clash[:5])}")
            texts[lang] = {**self._texts[lang], **other._texts[lang]}
        return type(self)(texts, self.default)

    # ------------------------------------------------------------------ reading

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def keys(self, lang: str | None = None) -> frozenset[str]:
        """Every key (all languages have the same ones)."""
        return frozenset(self._language(lang or self.default))

    def __contains__(self, key: object) -> bool:
        return key in self._texts[self.default]

    def has(self, key: str, lang: str) -> bool:
        return key in self._texts.get(lang, {})

    def raw(self, key: str, lang: str) -> str:
        """A text with its placeholders unfilled."""
        entries = self._language(lang)
        if key not in entries:
            raise KeyError(f"text {key!r} is missing from the {lang!r} catalogue")
        return entries[key]

    def text(self, key: str, lang: str, /, **params: Any) -> str:
        """The text for `key` in `lang` with its placeholders filled; a `Text` parameter
        gives its own text in that language."""
        values = {
            name: value.get(lang) if isinstance(value, Text) else value
            for name, value in params.items()
        }
        return _fill(self.raw(key, lang), key, lang, values)

    # The verdict's report, the command line and the PDF read texts as `get(key, lang)`.
    get = text

    def both(self, key: str, /, **params: Any) -> Text:
        """The text for `key` in both languages, each filled with its own `Text` parameters."""
        if not params:
            filled = self._filled.get(key)
            if filled is None:
                zh, en = self._templates(key)
                filled = self._filled[key] = Text(
                    _fill(zh, key, "zh", {}), _fill(en, key, "en", {})
                )
            return filled
        zh_values: dict[str, Any] = {}
        en_values: dict[str, Any] = {}
        for name, value in params.items():
            if isinstance(value, Text):
                zh_values[name], en_values[name] = value
            else:
                zh_values[name] = en_values[name] = value
        zh, en = self._templates(key)
        return Text(_fill(zh, key, "zh", zh_values), _fill(en, key, "en", en_values))

    def join(self, separator_key: str, parts: Iterable[Text], /) -> Text:
        """Join texts with each language's own separator (full-width punctuation in zh)."""
        items = list(parts)
        zh, en = self._templates(separator_key)
        return Text(zh.join(part.zh for part in items), en.join(part.en for part in items))

    def all_forms(self, key: str) -> list[str]:
        """The text in every language, for matching what a user typed."""
        return [entries[key] for entries in self._texts.values() if key in entries]

    def missing(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """(language, key) pairs absent from the catalogue."""
        return [(lang, key) for key in keys for lang in self._texts if key not in self._texts[lang]]

    def _templates(self, key: str) -> Text:
        try:
            return Text(self._texts["zh"][key], self._texts["en"][key])
        except KeyError:
            raise KeyError(f"no text {key!r} in the catalogue") from None

    def _language(self, lang: str) -> Mapping[str, str]:
        if lang not in self._texts:
            raise KeyError(f"no catalogue for language {lang!r}; have {', '.join(self._texts)}")
        return self._texts[lang]


def _check(texts: Mapping[str, Mapping[str, str]], default: str, files: Mapping[str, str]) -> None:
    """Every key in every language, never empty, with the default language's placeholders."""
    reference = texts[default]
    for lang, entries in texts.items():
        untranslated = sorted(reference.keys() - entries.keys())
        if untranslated:
            raise CatalogueError(f"{files[lang]}: no {lang} text for {_some(untranslated)}")
        unknown = sorted(entries.keys() - reference.keys())
        if unknown:
            raise CatalogueError(f"{files[default]}: no {default} text for {_some(unknown)}")
        for key, template in entries.items():
            if not template:
                raise CatalogueError(f"{files[lang]}: {key} has an empty {lang} text")
            if lang == default:
                continue
            expected, found = placeholders(reference[key]), placeholders(template)
            if expected != found:
                where = " and ".join(dict.fromkeys((files[default], files[lang])))
                raise CatalogueError(
                    f"{where}: {key}: {default} uses {sorted(expected)} "
                    f"but {lang} uses {sorted(found)}"
                )


def _some(keys: list[str]) -> str:
    return ", ".join(keys[:5]) + (f" (and {len(keys) - 5} more)" if len(keys) > 5 else "")

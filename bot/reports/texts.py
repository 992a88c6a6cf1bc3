"""Bilingual texts of the assessor tools (the PDF report, the `greenlist` assessor commands).

The files live under bot/data; each leaf maps zh and en to texts with the same
placeholders, checked on load, so a missing translation is a packaging error rather than a
surprise in front of a user.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

LANGUAGES: tuple[str, ...] = ("zh", "en")


class CatalogueError(RuntimeError):
    """A packaged catalogue is broken: a packaging defect, named precisely."""


class Strict(BaseModel):
    """Packaged data: unknown keys are typos, and nothing changes after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def check_language(lang: str) -> str:
    """`lang` if the assessor tools speak it; a ValueError naming the choices if not."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


class AssessorTexts:
    """Bilingual texts of the assessor tools, keyed by dotted path (`verdict.qualified`).

    Every leaf holds a zh and an en text with the same placeholders, checked on load, so a
    missing translation is a packaging error rather than a surprise in front of a user.
    """

    def __init__(self, tree: Mapping[str, Any], source: str) -> None:
        self._entries: dict[str, Localised] = {}
        self._flatten(tree, "", source)

    def _flatten(self, tree: Mapping[str, Any], prefix: str, source: str) -> None:
        for key, value in tree.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, Mapping) and set(value) == set(LANGUAGES):
                entry = Localised.model_validate(value)
                if _placeholders(entry.zh) != _placeholders(entry.en):
                    raise CatalogueError(f"{source}: {dotted} uses different placeholders")
                self._entries[dotted] = entry
            elif isinstance(value, Mapping):
                self._flatten(value, dotted + ".", source)
            else:
                raise CatalogueError(f"{source}: {dotted} must map zh and en to texts")

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: str, lang: str, **params: Any) -> str:
        try:
            template = self._entries[key].get(lang)
        except KeyError:
            raise KeyError(f"no assessor text {key!r}") from None
        return template.format(**params) if params else template


def _placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def packaged_text(name: str) -> str:
    """The raw text of a file under bot/data (e.g. "report_texts.yaml")."""
    return resources.files("bot").joinpath("data", name).read_text("utf-8")


@cache
def assessor_texts(name: str) -> AssessorTexts:
    """A packaged text file under bot/data (e.g. "report_texts.yaml"), loaded once."""
    source = f"bot/data/{name}"
    try:
        data = yaml.safe_load(packaged_text(name))
        if not isinstance(data, Mapping):
            raise CatalogueError(f"{source} must be a mapping of keys to texts")
        return AssessorTexts(data, source)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{source} is invalid: {exc}") from exc


__all__ = [
    "LANGUAGES",
    "AssessorTexts",
    "CatalogueError",
    "Localised",
    "Strict",
    "assessor_texts",
    "check_language",
    "packaged_text",
]

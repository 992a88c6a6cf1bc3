"""The criteria's own texts: clause titles, reasons, gaps, advice, report headings,
validation messages and the command line's texts, from `rulesets/_texts.yaml`.

They are written with both languages side by side in one file; the catalogue that reads them
(and every other text file of the project) is `criteria.catalogue`.
"""

from __future__ import annotations

from functools import cache

from criteria.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Catalogue, Text, check_language

__all__ = [
    "CATALOGUE_FILE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogue",
    "Text",
    "catalogue",
    "check_language",
    "clause_labels",
    "fixed_text",
]

CATALOGUE_FILE = "_texts.yaml"


@cache
def catalogue() -> Catalogue:
    """The packaged criteria texts (loaded once: the catalogue is immutable)."""
    return Catalogue.packaged_leaves("criteria", f"rulesets/{CATALOGUE_FILE}")


@cache
def fixed_text(key: str) -> Text:
    """A text without placeholders, in both languages (the catalogue never changes)."""
    return catalogue().both(key)


@cache
def clause_labels(clauses: tuple[str, ...]) -> Text:
    """Clauses named by their labels, as an enumeration."""
    return catalogue().join("sep.enum", [fixed_text(f"clause.{c}.label") for c in clauses])

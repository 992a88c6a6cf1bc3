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
]

CATALOGUE_FILE = "_texts.yaml"


@cache
def catalogue() -> Catalogue:
    """The packaged criteria texts (loaded once: the catalogue is immutable)."""
    return Catalogue.packaged_leaves("criteria", f"rulesets/{CATALOGUE_FILE}")

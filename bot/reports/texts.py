"""Bilingual texts of the assessor tools (the PDF report, the `greenlist` assessor commands).

The files live under bot/data, one file with zh and en in each leaf; they load through the
project's one catalogue (criteria.catalogue), so a missing translation or a placeholder
that differs between languages is a packaging error rather than a surprise in front of a
user. The export's column file is structured data, not texts: `Localised` and `Strict`
validate it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from criteria.catalogue import LANGUAGES, Catalogue, CatalogueError, check_language

#: The assessor tools' texts are the one catalogue's; the name says whose they are.
AssessorTexts = Catalogue


class Strict(BaseModel):
    """Packaged data: unknown keys are typos, and nothing changes after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def packaged_text(name: str) -> str:
    """The raw text of a file under bot/data (e.g. "report_texts.yaml")."""
    return resources.files("bot").joinpath("data", name).read_text("utf-8")


@cache
def assessor_texts(name: str) -> AssessorTexts:
    """A packaged text file under bot/data (e.g. "report_texts.yaml"), loaded once, under
    the same placeholder and translation checks as every other text of the project."""
    return Catalogue.packaged_leaves("bot", f"data/{name}")


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

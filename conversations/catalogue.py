"""The interview's texts, per language, from `data/texts.<lang>.yaml`.

Files are nested mappings; a text's key is its dotted path (`chat.greeting`). The rules every
text file of the project follows (same keys and placeholders in every language) and the way
texts are filled live in `criteria.catalogue`; this module only knows where the interview's
own files are.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from criteria.catalogue import DEFAULT_LANGUAGE, LANGUAGES, placeholders
from criteria.catalogue import Catalogue as _Catalogue

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalogue", "placeholders"]


class Catalogue(_Catalogue):
    """The project's text catalogue, able to load the interview's packaged texts."""

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalogue:
        """The packaged catalogue (shared, it is immutable), or `texts.*.yaml` in `directory`."""
        if directory is None:
            return _packaged_catalogue()
        return cls.from_yaml(
            {lang: (directory / f"texts.{lang}.yaml").read_text("utf-8") for lang in LANGUAGES},
            stem=str(directory / "texts"),
        )


@cache
def _packaged_catalogue() -> Catalogue:
    return Catalogue.packaged("conversations", "data/texts")

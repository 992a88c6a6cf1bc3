"""The export's columns as data: `bot/data/export_columns.yaml`, validated once per process.

Each column names its headers in both languages, where its value comes from and how it is
shown, so a column is added or reordered without touching code. The sheet names, the
words for yes / no and the verdicts, and the status names live in the same file.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from bot.reports.texts import CatalogueError, Localised, Strict
from conversations.localtime import local_zone
from storage import Status

Kind = Literal[
    "text",
    "integer",
    "number",
    "number2",
    "yes_no",
    "verdict",
    "status",
    "category",
    "datetime",
    "date",
    "clauses",
    "link_or_files",
    "factors",
    "reasons",
]
CATALOGUE_FILE = "data/export_columns.yaml"

SESSION_ROOTS = frozenset({"session", "answers", "state", "evaluation", "derived"})
DERIVED = frozenset({"ruleset", "evidence_count"})


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters count twice."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class ColumnSpec(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    source: tuple[str, ...] = Field(min_length=2)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    localised: bool = False
    # The threshold a figure is judged against (a source like `source`): the figure then
    # shows the decimals that keep it on the threshold's side, as the verdict reads it.
    beside: tuple[str, ...] | None = Field(default=None, min_length=2)
    # Excel column width in characters; by default the header's width.
    width: int | None = Field(default=None, ge=4, le=120)

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def column_width(self, lang: str) -> int:
        if self.width is not None:
            return self.width
        return min(max(display_width(self.header(lang)) + 2, 10), 48)

    @model_validator(mode="after")
    def _derived_is_known(self) -> ColumnSpec:
        if self.source[0] == "derived" and (len(self.source) != 2 or self.source[1] not in DERIVED):
            raise ValueError(f"column {self.key}: derived values are {', '.join(sorted(DERIVED))}")
        if self.source[0] == "state" and len(self.source) != 2:
            raise ValueError(f"column {self.key}: a state source is [state, QUESTION_ID]")
        if self.beside is not None and self.kind not in ("number", "number2"):
            raise ValueError(f"column {self.key}: only a number is shown beside a threshold")
        return self


class ExportCatalogue(Strict):
    version: int
    sheets: dict[Literal["sessions", "clauses", "clauses_continued"], Localised]
    values: dict[Literal["yes", "no", "qualified", "not_qualified", "list_separator"], Localised]
    statuses: dict[str, Localised]
    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    clause_columns: tuple[ColumnSpec, ...] = Field(min_length=1)

    @field_validator("statuses")
    @classmethod
    def _every_status(cls, value: dict[str, Localised]) -> dict[str, Localised]:
        missing = [status.value for status in Status if status.value not in value]
        if missing:
            raise ValueError(f"statuses lack a name for: {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _sources_and_keys(self) -> ExportCatalogue:
        if set(self.sheets) != {"sessions", "clauses", "clauses_continued"}:
            raise ValueError("sheets must name sessions, clauses and clauses_continued")
        if "{n}" not in self.sheets["clauses_continued"].zh + self.sheets["clauses_continued"].en:
            raise ValueError("sheets.clauses_continued must contain {n}")
        for group, columns, roots in (
            ("columns", self.columns, SESSION_ROOTS),
            ("clause_columns", self.clause_columns, SESSION_ROOTS | {"clause"}),
        ):
            keys = [column.key for column in columns]
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            if duplicates:
                raise ValueError(f"{group}: duplicate keys {', '.join(duplicates)}")
            for column in columns:
                for source in (column.source, column.beside or column.source):
                    if source[0] not in roots:
                        raise ValueError(
                            f"{group}.{column.key}: source must start with one of "
                            f"{', '.join(sorted(roots))}"
                        )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """Where times are shown: the project's one local zone."""
        return local_zone()

    def status_name(self, status: str, lang: str) -> str:
        entry = self.statuses.get(str(status))
        return entry.get(lang) if entry is not None else str(status)

    def value_word(self, key: Literal["yes", "no", "qualified", "not_qualified"], lang: str) -> str:
        return self.values[key].get(lang)


@cache
def export_catalogue() -> ExportCatalogue:
    """The packaged column catalogue (validated once per process)."""
    source = resources.files("bot").joinpath(CATALOGUE_FILE)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return ExportCatalogue.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"bot/{CATALOGUE_FILE} is invalid: {exc}") from exc


__all__ = [
    "CATALOGUE_FILE",
    "ColumnSpec",
    "ExportCatalogue",
    "Kind",
    "display_width",
    "export_catalogue",
]

"""Assessors' exports: every session as one row of Excel or CSV, plus its clause results.

The columns are data (`bot/data/export_columns.yaml`): headers in both languages and where
each value comes from, so a column is added without touching this module. Rows stream
from the database in keyset batches straight into the .xlsx package (or the csv module),
so an export of any size runs in flat memory. Times are stored in UTC and shown in the
catalogue's timezone (Asia/Shanghai).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import string
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from criteria import CLAUSE_IDS, DEFAULT_RULESET_ID, PRODUCT_CATEGORIES, load_ruleset
from storage import AssessmentSession, Database, Status

ExportFormat = Literal["xlsx", "csv"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
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
]
LANGUAGES: tuple[str, ...] = ("zh", "en")
CATALOGUE_FILE = "data/export_columns.yaml"
DEFAULT_BATCH_SIZE = 500
# Excel's row limit, the header row included; clause rows beyond it go to a new sheet.
EXCEL_MAX_ROWS = 1_048_576
# Deflate level of the .xlsx package. The sheet XML is very repetitive: level 1 shrinks it
# to about 10 % at twice the speed of level 6 (about 7 %), which would add some 3 s to an
# export of 100,000 sessions.
ZIP_LEVEL = 1

_SESSION_ROOTS = frozenset({"session", "answers", "state", "evaluation", "derived"})
_DERIVED = frozenset({"ruleset", "evidence_count"})
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_CENT = Decimal("0.01")


# -- the catalogue ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class ColumnSpec(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    source: tuple[str, ...] = Field(min_length=2)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    localised: bool = False
    # Excel column width in characters; by default the header's width.
    width: int | None = Field(default=None, ge=4, le=120)

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def column_width(self, lang: str) -> int:
        if self.width is not None:
            return self.width
        return min(max(_display_width(self.header(lang)) + 2, 10), 48)

    @model_validator(mode="after")
    def _derived_is_known(self) -> ColumnSpec:
        if self.source[0] == "derived" and (
            len(self.source) != 2 or self.source[1] not in _DERIVED
        ):
            raise ValueError(f"column {self.key}: derived values are {', '.join(sorted(_DERIVED))}")
        if self.source[0] == "state" and len(self.source) != 2:
            raise ValueError(f"column {self.key}: a state source is [state, QUESTION_ID]")
        return self


class ExportCatalogue(_Strict):
    version: int
    timezone: str
    sheets: dict[Literal["sessions", "clauses", "clauses_continued"], Localised]
    values: dict[Literal["yes", "no", "qualified", "not_qualified", "list_separator"], Localised]
    statuses: dict[str, Localised]
    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    clause_columns: tuple[ColumnSpec, ...] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

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
            ("columns", self.columns, _SESSION_ROOTS),
            ("clause_columns", self.clause_columns, _SESSION_ROOTS | {"clause"}),
        ):
            keys = [column.key for column in columns]
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            if duplicates:
                raise ValueError(f"{group}: duplicate keys {', '.join(duplicates)}")
            for column in columns:
                if column.source[0] not in roots:
                    raise ValueError(
                        f"{group}.{column.key}: source must start with one of "
                        f"{', '.join(sorted(roots))}"
                    )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def status_name(self, status: str, lang: str) -> str:
        entry = self.statuses.get(str(status))
        return entry.get(lang) if entry is not None else str(status)

    def value_word(self, key: Literal["yes", "no", "qualified", "not_qualified"], lang: str) -> str:
        return self.values[key].get(lang)


class CatalogueError(RuntimeError):
    """The packaged export catalogue is broken: a packaging defect, named precisely."""


@cache
def export_catalogue() -> ExportCatalogue:
    """The packaged column catalogue (validated once per process)."""
    source = resources.files("bot").joinpath(CATALOGUE_FILE)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return ExportCatalogue.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"bot/{CATALOGUE_FILE} is invalid: {exc}") from exc


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


@cache
def assessor_texts(name: str) -> AssessorTexts:
    """A packaged text file under bot/data (e.g. "report_texts.yaml"), loaded once."""
    source = f"bot/data/{name}"
    try:
        data = yaml.safe_load(resources.files("bot").joinpath("data", name).read_text("utf-8"))
        if not isinstance(data, Mapping):
            raise CatalogueError(f"{source} must be a mapping of keys to texts")
        return AssessorTexts(data, source)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{source} is invalid: {exc}") from exc


# -- shared helpers -----------------------------------------------------------------------


def local_time(moment: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    """A stored UTC time as wall-clock time in the display zone, without tzinfo.

    Spreadsheets cannot hold a timezone, so the value is made naive after conversion.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone or export_catalogue().zone)
    return local.replace(tzinfo=None, microsecond=0)


def start_of_day_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """Midnight of `day` in the display zone, as an aware UTC datetime for queries."""
    return datetime.combine(day, time.min, tzinfo=zone or export_catalogue().zone).astimezone(UTC)


def status_names(lang: str = "zh") -> dict[str, str]:
    """Each status value with its display name, e.g. submitted -> 已提交待审核."""
    catalogue = export_catalogue()
    return {status.value: catalogue.status_name(status.value, lang) for status in Status}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


@cache
def _category_labels(lang: str) -> dict[str, str]:
    ruleset = load_ruleset(DEFAULT_RULESET_ID)
    return {category: ruleset.category_label(category, lang) for category in PRODUCT_CATEGORIES}


def category_label(category: str | None, lang: str = "zh") -> str | None:
    """The product category's name in `lang`, or the stored code if it is not known."""
    if not category:
        return None
    return _category_labels(lang).get(category, category)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _iso_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _dig(document: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document


# -- rows -----------------------------------------------------------------------------------


@dataclass
class _Context:
    """What one row's values are read from."""

    session: AssessmentSession
    answers: Mapping[str, Any]
    details: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    derived: dict[str, Any] = field(default_factory=dict)
    clause: Mapping[str, Any] = field(default_factory=dict)


def _context(session: AssessmentSession, evidence_count: int) -> _Context:
    answers = session.answers if isinstance(session.answers, Mapping) else {}
    state = session.state if isinstance(session.state, Mapping) else {}
    details = state.get("answers")
    evaluation = session.evaluation if isinstance(session.evaluation, Mapping) else {}
    ruleset = (
        f"{session.ruleset_id}@{session.ruleset_version}"
        if session.ruleset_id and session.ruleset_version is not None
        else None
    )
    return _Context(
        session=session,
        answers=answers,
        details=details if isinstance(details, Mapping) else {},
        evaluation=evaluation,
        derived={"ruleset": ruleset, "evidence_count": evidence_count},
    )


Getter = Callable[[_Context], Any]
Formatter = Callable[[Any], Any]


def _getter(column: ColumnSpec, lang: str) -> Getter:
    root, *path = column.source
    if column.localised and lang == "en":
        path[-1] = f"{path[-1]}_en"
    if root == "session":
        attribute = path[0]
        return lambda ctx: getattr(ctx.session, attribute, None)
    if root == "derived":
        name = path[0]
        return lambda ctx: ctx.derived.get(name)
    if root == "state":
        question = path[0]
        return lambda ctx: ctx.details.get(question)
    if root == "answers":
        return lambda ctx: _dig(ctx.answers, path)
    if root == "evaluation":
        return lambda ctx: _dig(ctx.evaluation, path)
    return lambda ctx: _dig(ctx.clause, path)


class _Formats:
    """Turns stored values into cell values for one language and one file format."""

    def __init__(self, catalogue: ExportCatalogue, lang: str, fmt: ExportFormat) -> None:
        self.catalogue = catalogue
        self.lang = lang
        self.xlsx = fmt == "xlsx"
        self.yes = catalogue.value_word("yes", lang)
        self.no = catalogue.value_word("no", lang)
        self.qualified = catalogue.value_word("qualified", lang)
        self.not_qualified = catalogue.value_word("not_qualified", lang)
        self.separator = catalogue.values["list_separator"].get(lang)
        self.statuses = status_names(lang)
        self.zone = catalogue.zone

    def formatter(self, kind: Kind) -> Formatter:
        formatter: Formatter = getattr(self, f"_{kind}")
        return formatter

    def _plain_text(self, value: str) -> str | None:
        if not value:
            return None
        if self.xlsx:
            return value  # always written as text, never as a formula
        if value.startswith(_FORMULA_START):
            return "'" + value
        return value

    def _text(self, value: Any) -> Any:
        if value is None or isinstance(value, (dict, list)):
            return None
        return self._plain_text(value if isinstance(value, str) else str(value))

    def _integer(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return self._text(value)

    def _number(self, value: Any) -> Any:
        number = _decimal(value)
        if number is None:
            return None
        return number if self.xlsx else format(number, "f")

    def _number2(self, value: Any) -> Any:
        number = _decimal(value)
        if number is None:
            return None
        rounded = number.quantize(_CENT, rounding=ROUND_HALF_UP)
        return rounded if self.xlsx else format(rounded, "f")

    def _yes_no(self, value: Any) -> Any:
        if value is True:
            return self.yes
        if value is False:
            return self.no
        return None

    def _verdict(self, value: Any) -> Any:
        if value is True:
            return self.qualified
        if value is False:
            return self.not_qualified
        return None

    def _status(self, value: Any) -> Any:
        if value is None:
            return None
        text = str(getattr(value, "value", value))
        return self.statuses.get(text, text)

    def _category(self, value: Any) -> Any:
        return category_label(value, self.lang) if isinstance(value, str) else None

    def _datetime(self, value: Any) -> Any:
        if not isinstance(value, datetime):
            return None
        local = local_time(value, self.zone)
        assert local is not None
        return local if self.xlsx else local.isoformat(sep=" ", timespec="seconds")

    def _date(self, value: Any) -> Any:
        day = _iso_date(value)
        if day is None:
            return None
        return day if self.xlsx else day.isoformat()

    def _clauses(self, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            return None
        return self.separator.join(str(item) for item in value)

    def _link_or_files(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._plain_text(value.strip())
        if isinstance(value, list):
            names = [
                str(item.get("file_name") or item.get("file_unique_id") or "")
                for item in value
                if isinstance(item, Mapping)
            ]
            return self._plain_text(self.separator.join(name for name in names if name))
        return None


@dataclass(frozen=True)
class _Sheet:
    """The compiled columns of one sheet: headers, widths and one reader per column."""

    headers: list[str]
    widths: list[int]
    readers: list[tuple[Getter, Formatter]]

    def row(self, ctx: _Context) -> list[Any]:
        return [fmt(get(ctx)) for get, fmt in self.readers]


def _compile(columns: Iterable[ColumnSpec], formats: _Formats) -> _Sheet:
    headers: list[str] = []
    widths: list[int] = []
    readers: list[tuple[Getter, Formatter]] = []
    for column in columns:
        headers.append(column.header(formats.lang))
        widths.append(column.column_width(formats.lang))
        readers.append((_getter(column, formats.lang), formats.formatter(column.kind)))
    return _Sheet(headers, widths, readers)


def ordered_clauses(evaluation: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The evaluation's clause results in the guideline's order (4.1a ... 5.4).

    PostgreSQL's JSONB keeps object keys in its own order, not the order they were written.
    """
    clauses = evaluation.get("clauses")
    if not isinstance(clauses, Mapping):
        return []
    known = {clause: index for index, clause in enumerate(CLAUSE_IDS)}
    items = [(str(key), value) for key, value in clauses.items() if isinstance(value, Mapping)]
    return sorted(items, key=lambda item: (known.get(item[0], len(known)), item[0]))


def _clause_contexts(ctx: _Context) -> Iterator[_Context]:
    for _, result in ordered_clauses(ctx.evaluation):
        ctx.clause = result
        yield ctx
    ctx.clause = {}


# -- writers ------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


# SpreadsheetML written directly: openpyxl's write-only mode spends ~6 µs per cell, which
# puts 100,000 sessions (12 million cells with the clause sheet) past a minute on its own;
# this writer needs well under 1 µs per cell and streams just the same.
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX_TEXT = 32_767
# Cell formats in styles.xml: 0 plain, 1 bold header, 2 date, 3 date and time.
_STYLE_HEADER, _STYLE_DATE, _STYLE_DATETIME = 1, 2, 3
_STYLES = f"""{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_text(value: str) -> str:
    if len(value) > _EXCEL_MAX_TEXT:
        value = value[:_EXCEL_MAX_TEXT]
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _xml_attribute(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


class _Columns:
    """Per-column prefixes of `<c r="...` so a row costs string joins, nothing more."""

    def __init__(self, count: int) -> None:
        self.letters = [_column_letter(i) for i in range(1, count + 1)]

    def row(self, index: int, values: Sequence[Any], style: int | None = None) -> str:
        cells = []
        for letter, value in zip(self.letters, values, strict=False):
            if value is None:
                continue
            ref = f"{letter}{index}"
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                text = _xml_text(value)
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                styled = f' s="{style}"' if style is not None else ""
                cells.append(
                    f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>'
                )
            elif kind is int or kind is float:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif kind is Decimal:
                cells.append(f'<c r="{ref}"><v>{value:f}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif kind is datetime:
                serial = (value - _EXCEL_EPOCH).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>')
            elif kind is date:
                serial = (value - _EXCEL_EPOCH.date()).days
                cells.append(f'<c r="{ref}" s="{_STYLE_DATE}"><v>{serial}</v></c>')
            else:
                text = _xml_text(str(value))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        return f'<row r="{index}">{"".join(cells)}</row>'


class _Worksheet:
    """One worksheet streamed as XML to a binary sink: head, rows, then the tail.

    The header row is frozen and carries an autofilter over every written row.
    """

    def __init__(self, title: str, sheet: _Sheet, sink: BinaryIO) -> None:
        headers = sheet.headers
        self.title = _sheet_title(title)
        self.width = len(headers)
        self.rows = 0
        self._sink = sink
        self._columns = _Columns(len(headers))
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(sheet.widths, start=1)
        )
        head = (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
            + self._columns.row(1, list(headers), style=_STYLE_HEADER)
        )
        self._sink.write(head.encode("utf-8"))

    def append_many(self, rows: Iterable[Sequence[Any]]) -> None:
        parts = []
        for values in rows:
            self.rows += 1
            parts.append(self._columns.row(self.rows + 1, values))
        if parts:
            self._sink.write("".join(parts).encode("utf-8"))

    @property
    def filter_range(self) -> str:
        return f"$A$1:${_column_letter(self.width)}${self.rows + 1}"

    def finish(self) -> None:
        tail = (
            f'</sheetData><autoFilter ref="A1:{_column_letter(self.width)}{self.rows + 1}"/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        self._sink.write(tail.encode("utf-8"))


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet"


class _XlsxWriter:
    """An .xlsx package written as it goes: memory stays flat at any size.

    Clause rows stream straight into their zip entries (the bulk of the data); session
    rows go to a temporary file that joins the package at the end, since a zip archive
    takes one entry at a time. Clause rows beyond Excel's row limit continue on a new sheet.
    """

    def __init__(
        self,
        out: BinaryIO,
        catalogue: ExportCatalogue,
        sessions: _Sheet,
        clauses: _Sheet,
        lang: str,
    ) -> None:
        self._zip = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
        )
        self._catalogue = catalogue
        self._lang = lang
        self._clause_sheet = clauses
        # Lives until close() or abort(); TemporaryFile removes itself when closed.
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115
        self._sessions = _Worksheet(catalogue.sheets["sessions"].get(lang), sessions, self._spool)
        self._clause_sheets: list[_Worksheet] = []
        self._clause_entry: BinaryIO | None = None
        self._open_clause_sheet()

    def _open_clause_sheet(self) -> None:
        if self._clause_entry is not None:
            self._clause_sheets[-1].finish()
            self._clause_entry.close()
        number = len(self._clause_sheets) + 1
        sheets = self._catalogue.sheets
        title = (
            sheets["clauses"].get(self._lang)
            if number == 1
            else sheets["clauses_continued"].get(self._lang).format(n=number)
        )
        entry = self._zip.open(f"xl/worksheets/sheet{number + 1}.xml", "w", force_zip64=True)
        self._clause_entry = entry  # type: ignore[assignment]
        self._clause_sheets.append(_Worksheet(title, self._clause_sheet, entry))  # type: ignore[arg-type]

    def add_batch(self, contexts: Iterable[_Context], rows: list[list[Any]]) -> None:
        self._sessions.append_many(rows)
        clause_rows: list[list[Any]] = []
        limit = EXCEL_MAX_ROWS - 1
        for ctx in contexts:
            for clause_ctx in _clause_contexts(ctx):
                clause_rows.append(self._clause_sheet.row(clause_ctx))
        while clause_rows:
            sheet = self._clause_sheets[-1]
            room = limit - sheet.rows
            if room <= 0:
                self._open_clause_sheet()
                continue
            sheet.append_many(clause_rows[:room])
            clause_rows = clause_rows[room:]

    def close(self) -> None:
        self._clause_sheets[-1].finish()
        assert self._clause_entry is not None
        self._clause_entry.close()
        self._sessions.finish()
        self._spool.seek(0)
        with self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            shutil.copyfileobj(self._spool, entry, 1 << 20)
        self._spool.close()
        sheets = [self._sessions, *self._clause_sheets]
        self._write_package(sheets)
        self._zip.close()

    def abort(self) -> None:
        """Release the temporary file and the archive after a failure; `out` is garbage."""
        with contextlib.suppress(Exception):
            if self._clause_entry is not None:
                self._clause_entry.close()
        with contextlib.suppress(Exception):
            self._zip.close()
        self._spool.close()

    def _write_package(self, sheets: Sequence[_Worksheet]) -> None:
        count = len(sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{relations}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{_xml_attribute(sheet.title)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_xml_text(_quoted_title(sheet.title))}!{sheet.filter_range}</definedName>"
            for i, sheet in enumerate(sheets)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{entries}</sheets>"
            f"<definedNames>{names}</definedNames></workbook>",
        )
        self._zip.writestr("xl/styles.xml", _STYLES)


def _quoted_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class _CsvWriter:
    """UTF-8 with a byte order mark, so Excel opens Chinese text correctly."""

    def __init__(self, out: BinaryIO, sheet: _Sheet, clauses: bool) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
        self._writer = csv.writer(self._text)
        self._sheet = sheet
        self._clauses = clauses
        self._writer.writerow(sheet.headers)

    def add_batch(self, contexts: Iterable[_Context], rows: list[list[Any]]) -> None:
        if not self._clauses:
            self._writer.writerows(rows)
            return
        for ctx in contexts:
            for clause_ctx in _clause_contexts(ctx):
                self._writer.writerow(self._sheet.row(clause_ctx))

    def close(self) -> None:
        self._text.flush()
        self._text.detach()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._text.detach()


# -- the export ---------------------------------------------------------------------------


async def export_sessions(
    db: Database,
    out: BinaryIO | Path,
    *,
    fmt: ExportFormat,
    status: str | None = None,
    since: date | None = None,
    lang: str = "zh",
    clauses: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Write the matching sessions to `out`; returns how many sessions were exported.

    `status` keeps one status (its stored value, e.g. "submitted"); `since` keeps sessions
    submitted on or after that day in the display timezone (drafts never submitted are
    left out). xlsx holds two sheets, sessions and clause results; CSV holds the sessions,
    or with `clauses=True` the clause results instead.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    check_language(lang)
    if status is not None and status not in {s.value for s in Status}:
        allowed = ", ".join(s.value for s in Status)
        raise ValueError(f"unknown status {status!r}; expected one of: {allowed}")
    if isinstance(out, Path):
        return await _export_to_path(
            db,
            out,
            fmt=fmt,
            status=status,
            since=since,
            lang=lang,
            clauses=clauses,
            batch_size=batch_size,
        )
    catalogue = export_catalogue()
    formats = _Formats(catalogue, lang, fmt)
    sessions_sheet = _compile(catalogue.columns, formats)
    clause_sheet = _compile(catalogue.clause_columns, formats)
    since_utc = start_of_day_utc(since, catalogue.zone) if since is not None else None

    writer: _XlsxWriter | _CsvWriter
    if fmt == "xlsx":
        writer = _XlsxWriter(out, catalogue, sessions_sheet, clause_sheet, lang)
    else:
        writer = _CsvWriter(out, clause_sheet if clauses else sessions_sheet, clauses)
    count = 0
    try:
        async with (
            db.unit_of_work() as uow,
            contextlib.aclosing(
                uow.sessions.iter_for_export(status=status, since=since_utc, batch_size=batch_size)
            ) as batches,
        ):
            async for batch in batches:
                files = await uow.evidence.count_by_session([row.id for row in batch])
                contexts = [_context(session, files.get(session.id, 0)) for session in batch]
                writer.add_batch(contexts, [sessions_sheet.row(ctx) for ctx in contexts])
                count += len(batch)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return count


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


async def _export_to_path(db: Database, path: Path, **options: Any) -> int:
    """Write beside `path` and rename at the end: a failed export leaves no half file."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path(".")
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            count = await export_sessions(db, stream, **options)
        # mkstemp creates the file private (0600); give it the mode any new file gets.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return count


__all__ = [
    "EXPORT_FORMATS",
    "AssessorTexts",
    "CatalogueError",
    "ColumnSpec",
    "ExportCatalogue",
    "ExportFormat",
    "assessor_texts",
    "category_label",
    "export_catalogue",
    "export_sessions",
    "local_time",
    "ordered_clauses",
    "start_of_day_utc",
    "status_names",
]

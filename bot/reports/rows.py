"""From a stored session to the cells of its export rows.

The column catalogue is compiled once per export into one (read, format) pair per column,
so a row costs a function call per cell and nothing more: an export of 100,000 sessions
formats about 12 million cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from bot.reports.columns import ColumnSpec, ExportCatalogue, Kind
from bot.reports.display import (
    category_label,
    dig,
    iso_date,
    local_time,
    ordered_clauses,
    status_names,
    to_decimal,
)
from bot.reports.xlsx import ShownNumber
from criteria.figures import figure, figure_decimals, figure_or_none, unit_shown
from storage import AssessmentSession

ExportFormat = Literal["xlsx", "csv"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RowContext:
    """What one row's values are read from."""

    session: AssessmentSession
    answers: Mapping[str, Any]
    details: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    derived: dict[str, Any] = field(default_factory=dict)
    clause: Mapping[str, Any] = field(default_factory=dict)


def row_context(session: AssessmentSession, evidence_count: int) -> RowContext:
    answers = session.answers if isinstance(session.answers, Mapping) else {}
    state = session.state if isinstance(session.state, Mapping) else {}
    details = state.get("answers")
    evaluation = session.evaluation if isinstance(session.evaluation, Mapping) else {}
    ruleset = (
        f"{session.ruleset_id}@{session.ruleset_version}"
        if session.ruleset_id and session.ruleset_version is not None
        else None
    )
    return RowContext(
        session=session,
        answers=answers,
        details=details if isinstance(details, Mapping) else {},
        evaluation=evaluation,
        derived={"ruleset": ruleset, "evidence_count": evidence_count},
    )


def clause_contexts(ctx: RowContext) -> Iterator[RowContext]:
    """The same context once per clause result, in the guideline's order."""
    for _, result in ordered_clauses(ctx.evaluation):
        ctx.clause = result
        yield ctx
    ctx.clause = {}


Getter = Callable[[RowContext], Any]
Formatter = Callable[[Any], Any]


def _getter(column: ColumnSpec, lang: str) -> Getter:
    value = _source_getter(column.source, column.localised and lang == "en")
    if column.beside is None:
        return value
    threshold = _source_getter(column.beside, False)
    return lambda ctx: (value(ctx), threshold(ctx))


def _source_getter(source: tuple[str, ...], english: bool) -> Getter:
    root, *path = source
    if english:
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
        return lambda ctx: dig(ctx.answers, path)
    if root == "evaluation":
        return lambda ctx: dig(ctx.evaluation, path)
    return lambda ctx: dig(ctx.clause, path)


class CellFormats:
    """Turns stored values into cell values for one language and one file format.

    xlsx cells keep their types (numbers, dates) and are always written as text, never as
    formulas; csv cells are text, and a text that a spreadsheet would run as a formula is
    quoted.
    """

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

    def formatter(self, kind: Kind, beside: bool = False) -> Formatter:
        """How a column's values become cells; `beside`: each value comes with the
        threshold it is judged against."""
        formatter: Callable[..., Any] = getattr(self, f"_{kind}")
        if beside:
            return lambda pair: formatter(*pair)
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

    def _figure(self, value: Any, threshold: Any, places: int | None) -> Any:
        """A number as the chat and the report show it. An Excel cell keeps the exact
        number and shows the same decimals through its number format; a CSV cell is that
        figure without thousands separators, which would turn it into text for programs
        that read the file back."""
        number = to_decimal(value)
        if number is None:
            return None
        beside = to_decimal(threshold)
        if self.xlsx:
            return ShownNumber(number, figure_decimals(number, beside, places))
        return figure(number, beside, places, separators=False)

    def _number(self, value: Any, threshold: Any = None) -> Any:
        return self._figure(value, threshold, None)

    def _number2(self, value: Any, threshold: Any = None) -> Any:
        return self._figure(value, threshold, 2)

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
        day = iso_date(value)
        if day is None:
            return None
        return day if self.xlsx else day.isoformat()

    def _clauses(self, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            return None
        return self.separator.join(str(item) for item in value)

    def _factors(self, value: Any) -> Any:
        """Each carrier as formula A.2 took it, with its factor and source, in one cell:
        the assessor sees what decided E without opening the JSON."""
        if not isinstance(value, list) or not value:
            return None
        suffix = "_en" if self.lang == "en" else ""
        parts = []
        for item in value:
            if not isinstance(item, dict):
                continue
            label = item.get(f"label{suffix}") or item.get("label")
            source = item.get(f"source{suffix}") or item.get("source")
            amount = figure_or_none(item.get("amount"), places=None)
            factor = figure_or_none(item.get("factor"), places=None)
            unit = unit_shown(str(item.get("unit")))
            per = unit_shown(str(item.get("factor_unit")))
            used = f"{amount} {unit} × {factor} {per}" if factor is not None else f"{amount} {unit}"
            note = item.get(f"note{suffix}") or item.get("note")
            parts.append(f"{label} {used}（{source}）" + (f"（{note}）" if note else ""))
        return self._plain_text("\n".join(parts))

    def _reasons(self, value: Any) -> Any:
        """The review reasons, one a line, in the export's language."""
        if not isinstance(value, list) or not value:
            return None
        key = "text_en" if self.lang == "en" else "text"
        lines = [str(r.get(key) or r.get("text")) for r in value if isinstance(r, dict)]
        return self._plain_text("\n".join(lines))

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
class CompiledSheet:
    """The compiled columns of one sheet: headers, widths and one reader per column."""

    headers: list[str]
    widths: list[int]
    readers: list[tuple[Getter, Formatter]]

    def row(self, ctx: RowContext) -> list[Any]:
        return [fmt(get(ctx)) for get, fmt in self.readers]


def compile_sheet(columns: Iterable[ColumnSpec], formats: CellFormats) -> CompiledSheet:
    headers: list[str] = []
    widths: list[int] = []
    readers: list[tuple[Getter, Formatter]] = []
    for column in columns:
        headers.append(column.header(formats.lang))
        widths.append(column.column_width(formats.lang))
        readers.append(
            (
                _getter(column, formats.lang),
                formats.formatter(column.kind, beside=column.beside is not None),
            )
        )
    return CompiledSheet(headers, widths, readers)


def clause_rows(contexts: Iterable[RowContext], sheet: CompiledSheet) -> list[list[Any]]:
    """One row per session and clause result, sessions in the order given."""
    rows: list[list[Any]] = []
    for ctx in contexts:
        for clause_ctx in clause_contexts(ctx):
            rows.append(sheet.row(clause_ctx))
    return rows


__all__ = [
    "EXPORT_FORMATS",
    "CellFormats",
    "CompiledSheet",
    "ExportFormat",
    "RowContext",
    "clause_contexts",
    "clause_rows",
    "compile_sheet",
    "row_context",
]

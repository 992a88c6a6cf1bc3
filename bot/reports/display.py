"""How stored values are shown to assessors, one definition each for the exports, the PDF
report and the assessor commands: local time, status and category names, numbers, and the
guideline's order of clauses. Numbers are written by `criteria.figures`, the one formatter
every surface shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.columns import export_catalogue
from conversations.localtime import local_zone
from criteria import CLAUSE_IDS, DEFAULT_RULESET_ID, PRODUCT_CATEGORIES, load_ruleset
from storage import Status

# -- time ---------------------------------------------------------------------------------


def local_time(moment: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    """A stored UTC time as wall-clock time in the display zone, without tzinfo.

    Spreadsheets cannot hold a timezone, so the value is made naive after conversion.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone or local_zone())
    return local.replace(tzinfo=None, microsecond=0)


def start_of_day_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """Midnight of `day` in the display zone, as an aware UTC datetime for queries."""
    return datetime.combine(day, time.min, tzinfo=zone or local_zone()).astimezone(UTC)


# -- names --------------------------------------------------------------------------------


def status_names(lang: str = "zh") -> dict[str, str]:
    """Each status value with its display name, e.g. submitted -> 已提交待审核."""
    catalogue = export_catalogue()
    return {status.value: catalogue.status_name(status.value, lang) for status in Status}


@cache
def _category_labels(lang: str) -> dict[str, str]:
    ruleset = load_ruleset(DEFAULT_RULESET_ID)
    return {category: ruleset.category_label(category, lang) for category in PRODUCT_CATEGORIES}


def category_label(category: str | None, lang: str = "zh") -> str | None:
    """The product category's name in `lang`, or the stored code if it is not known."""
    if not category:
        return None
    return _category_labels(lang).get(category, category)


# -- numbers ------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal | None:
    """A stored number as an exact Decimal; None for anything that is not a finite number."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# -- stored documents ---------------------------------------------------------------------


def iso_date(value: Any) -> date | None:
    """A day stored as a date or an ISO text; None for anything else."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def dig(document: Any, path: Sequence[str]) -> Any:
    """The value at `path` in nested mappings, or None where the path breaks off."""
    for key in path:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document


def ordered_clauses(evaluation: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The evaluation's clause results in the guideline's order (4.1a ... 5.4).

    Sessions stored as PostgreSQL's jsonb (before migration 0007) keep object keys in its
    own order, not the order they were written.
    """
    clauses = evaluation.get("clauses")
    if not isinstance(clauses, Mapping):
        return []
    known = {clause: index for index, clause in enumerate(CLAUSE_IDS)}
    items = [(str(key), value) for key, value in clauses.items() if isinstance(value, Mapping)]
    return sorted(items, key=lambda item: (known.get(item[0], len(known)), item[0]))


__all__ = [
    "category_label",
    "dig",
    "iso_date",
    "local_time",
    "ordered_clauses",
    "start_of_day_utc",
    "status_names",
    "to_decimal",
]

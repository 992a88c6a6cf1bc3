"""The one way a number is written for a person, on every surface (chat, text report, card,
PDF, Excel, CSV, admin screens).

A reader compares figures at a glance, so every surface writes them alike: thousands
separated, no trailing zeros that say nothing ("2,142,900 kgce", not "2142900.00 kgce").
Beside a threshold a figure takes as many decimals as it needs to sit on the same side of
it as the exact value: 46.000003 never reads "46" beside a failed "≤ 46", and 79.9999 %
never reads "80" beside a failed "≥ 80".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from criteria._numbers import (
    MAX_DECIMAL_PLACES,
    Number,
    _digits,
    _ratio,
    _round_half_up,
    _trimmed,
    plain,
)

Figure = Number | str

__all__ = ["Figure", "figure", "figure_decimals", "figure_or_none", "unit_shown"]


def _number(value: Figure) -> Number:
    """A number, or the numeric text an evaluation stores, as an exact number."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return value


def _sign(number: int) -> int:
    return (number > 0) - (number < 0)


def _plain_text(value: Figure, beside: Figure | None, places: int | None) -> str:
    """The figure without separators: what `figure` groups and `figure_decimals` counts."""
    number = _number(value)
    if places is None:
        return plain(number, MAX_DECIMAL_PLACES)
    numerator, denominator = _ratio(number)
    digits = places
    scaled = _round_half_up(numerator, denominator, digits)
    if beside is not None:
        # Integers throughout: the shown value scaled/10^d against the threshold tn/td.
        target_numerator, target_denominator = _ratio(_number(beside))
        side = _sign(numerator * target_denominator - target_numerator * denominator)
        while digits < MAX_DECIMAL_PLACES and side != _sign(
            scaled * target_denominator - target_numerator * 10**digits
        ):
            digits += 1
            scaled = _round_half_up(numerator, denominator, digits)
    return _trimmed(_digits(scaled, digits))


def figure(
    value: Figure, beside: Figure | None = None, places: int | None = 2, *, separators: bool = True
) -> str:
    """`value` as a person reads it: thousands separated, rounded half up to at most
    `places` decimals (None: every decimal it has), trailing zeros dropped; beside a
    threshold, with the decimals it takes to stay on the threshold's side.

    `value` and `beside` are numbers or the numeric texts an evaluation stores. Without
    `separators` the text stays readable by programs (a CSV cell), digits otherwise alike.
    """
    text = _plain_text(value, beside, places)
    if not separators:
        return text
    sign = "-" if text.startswith("-") else ""
    whole, point, decimals = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{point}{decimals}"


def figure_decimals(value: Figure, beside: Figure | None = None, places: int | None = 2) -> int:
    """How many decimals `figure` shows for the same arguments: a spreadsheet cell keeps
    the exact number and shows it through a number format with these decimals."""
    if places is None and beside is None and type(value) is Decimal and value.is_finite():
        # An export counts these for millions of cells: a stored Decimal's own digits say it.
        text = format(value, "f")
        point = text.find(".")
        if point < 0:
            return 0
        decimals = len(text.rstrip("0")) - point - 1
        if decimals <= MAX_DECIMAL_PLACES:
            return max(decimals, 0)
    _, _, shown = _plain_text(value, beside, places).partition(".")
    return len(shown)


def figure_or_none(
    value: object, beside: object = None, places: int | None = 2, *, separators: bool = True
) -> str | None:
    """`figure` of a stored value that may be missing or not a number (None then); a
    threshold that is not a number is left out."""
    number = _readable(value)
    if number is None:
        return None
    return figure(number, _readable(beside), places, separators=separators)


def _readable(value: object) -> Figure | None:
    """A stored value as a number `figure` takes, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    if not isinstance(value, (int, Decimal, Fraction, str)):
        return None
    try:
        _number(value)
    except ValueError:
        return None
    return value


def unit_shown(unit: str) -> str:
    """A unit as a reader writes it beside a figure: m³, not the rulesets' plain m3."""
    return unit.replace("m3", "m³")

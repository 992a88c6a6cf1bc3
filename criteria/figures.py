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

from criteria._numbers import MAX_DECIMAL_PLACES, Number, fixed, plain

Figure = Number | str

__all__ = ["Figure", "decimals_beside", "figure", "figure_or_none", "grouped_digits"]


def _exact(value: Figure) -> Fraction:
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return Fraction(value)


def _sign(number: Fraction) -> int:
    return (number > 0) - (number < 0)


def decimals_beside(value: Figure, beside: Figure, places: int = 2) -> int:
    """How many decimals `value` needs, at least `places`, to be on the same side of
    `beside` once rounded as it is exactly (the spreadsheet's number format needs it)."""
    exact, threshold = _exact(value), _exact(beside)
    side = _sign(exact - threshold)
    for digits in range(places, MAX_DECIMAL_PLACES + 1):
        rounded = Fraction(fixed(exact, digits))
        if _sign(rounded - threshold) == side:
            return digits
    return MAX_DECIMAL_PLACES


def grouped_digits(text: str) -> str:
    """Plain digits ('-1234567.5') with thousands separators ('-1,234,567.5')."""
    sign = "-" if text.startswith("-") else ""
    whole, point, decimals = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{point}{decimals}"


def figure(value: Figure, beside: Figure | None = None, places: int | None = 2) -> str:
    """`value` as a person reads it: thousands separated, rounded half up to at most
    `places` decimals (None: every decimal it has), trailing zeros dropped; beside a
    threshold, with the decimals it takes to stay on its side of it.

    `value` is a number or the numeric text an evaluation stores.
    """
    exact = _exact(value)
    if places is None:
        text = plain(value if isinstance(value, Decimal) else exact, MAX_DECIMAL_PLACES)
    else:
        digits = places if beside is None else decimals_beside(exact, beside, places)
        text = plain(Decimal(fixed(exact, digits)), MAX_DECIMAL_PLACES)
    return grouped_digits(text)


def figure_or_none(value: object, beside: object = None, places: int | None = 2) -> str | None:
    """`figure` of a stored value that may be missing or not a number (None then); a
    threshold that is not a number is left out."""
    number = _readable(value)
    if number is None:
        return None
    return figure(number, _readable(beside), places)


def _readable(value: object) -> Figure | None:
    """A stored value as a number `figure` takes, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    if not isinstance(value, (int, Decimal, Fraction, str)):
        return None
    try:
        _exact(value)
    except ValueError:
        return None
    return value

"""Exact numbers: reading them from JSON/YAML, deciding with them, showing them.

Amounts arrive as JSON numbers or numeric strings. Floats are read through their shortest
repr, so 0.1 stays 0.1 instead of the binary approximation behind it. Everything
that decides a verdict is computed on Fractions, so no intermediate rounding can flip a
comparison; rounding happens only when a number becomes text.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Bounds on what a number may look like, so that converting it to a Fraction stays cheap:
# 1E+999999 is a valid Decimal but an absurd quantity for a brick plant.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 28


class NumberProblem(ValueError):
    """A value that cannot be used as an exact number; `kind` names the problem."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def to_decimal(value: object) -> Decimal:
    """Read a JSON/YAML number or numeric string exactly; raise NumberProblem otherwise."""
    if isinstance(value, bool):
        raise NumberProblem("not_a_number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise NumberProblem("not_a_number")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise NumberProblem("not_a_number") from None
    else:
        raise NumberProblem("not_a_number")
    if not number.is_finite():
        raise NumberProblem("not_finite")
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise NumberProblem("too_large")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise NumberProblem("too_precise")
    return number


def exact(value: Decimal | int | Fraction) -> Fraction:
    """The exact rational value of a Decimal (Fraction accepts Decimals without loss)."""
    return Fraction(value)


def _round_half_up(value: Fraction, places: int) -> int:
    """value × 10^places rounded half away from zero, as users expect from a report."""
    scaled = value * 10**places
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return -magnitude if scaled < 0 else magnitude


def fixed(value: Fraction | Decimal | int, places: int) -> str:
    """Text with exactly `places` decimals (half-up), never an exponent, never '-0'."""
    scaled = _round_half_up(Fraction(value), places)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def plain(value: Fraction | Decimal | int, max_places: int = 10) -> str:
    """Text without trailing zeros; exact whenever the value has at most max_places decimals."""
    text = fixed(Fraction(value), max_places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def shown(
    value: Fraction,
    reference: Fraction | Decimal | int | None = None,
    places: int = 2,
    max_places: int = MAX_DECIMAL_PLACES,
) -> str:
    """value to `places` decimals, or more when fewer would make it look equal to reference.

    A unit energy of 46.0001 against a limit of 46 must not be printed as '46.00 > 46'.
    """
    if reference is None:
        return fixed(value, places)
    target = Fraction(reference)
    for digits in range(places, max_places + 1):
        if value == target or Fraction(_round_half_up(value, digits), 10**digits) != target:
            return fixed(value, digits)
    return fixed(value, max_places)


def percent(part: Fraction, whole: Fraction) -> Fraction:
    """part / whole as a percentage; whole must be positive."""
    return part * 100 / whole

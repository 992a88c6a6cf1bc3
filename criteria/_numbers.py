"""Exact numbers: reading them from JSON/YAML, deciding with them, showing them.

Amounts arrive as JSON numbers or numeric strings. Floats are read through their shortest
repr, so 0.1 stays 0.1 instead of the binary approximation behind it. Everything that
decides a verdict is exact: sums, differences and products of the inputs are Decimals
computed in the EXACT context, and the few quotients (ratios, energy per tonne, relative
shortfalls) are Fractions. Rounding happens only when a number becomes text, and it works
on the integer numerator and denominator, so it is exact for both kinds.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation, Rounded
from fractions import Fraction

# Bounds on what a number may look like, so that exact arithmetic on it stays cheap:
# 1E+999999 is a valid Decimal but an absurd quantity for a brick plant.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 28

# Decimal arithmetic that never rounds. A valid input has at most 43 significant digits
# (MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES) and the evaluator multiplies at most two of them
# before adding, so results stay far below this precision; should one ever reach it, the
# trapped Inexact raises instead of rounding a verdict silently.
EXACT = Context(prec=1000, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded, InvalidOperation])

Number = Fraction | Decimal | int


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


def _ratio(value: Number) -> tuple[int, int]:
    """Numerator and positive denominator of value, without building a Fraction."""
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    if isinstance(value, Decimal):
        return value.as_integer_ratio()
    if isinstance(value, int):
        return int(value), 1
    rational = Fraction(value)  # anything else Fraction reads exactly (floats, strings)
    return rational.numerator, rational.denominator


def _round_half_up(numerator: int, denominator: int, places: int) -> int:
    """numerator/denominator × 10^places rounded half away from zero, as users expect.

    One integer division gives exactly what flooring |value| × 10^places + 1/2 as a
    Fraction gives, for much less work: with q, r = divmod(|n| × 10^places, d),
    floor(q + r/d + 1/2) is q + 1 when 2r >= d and q otherwise.
    """
    magnitude, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        magnitude += 1
    return -magnitude if numerator < 0 else magnitude


def _digits(scaled: int, places: int) -> str:
    """A rounded value × 10^places written with `places` decimals, never as '-0'."""
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def fixed(value: Number, places: int) -> str:
    """Text with exactly `places` decimals (half-up), never an exponent, never '-0'."""
    return _digits(_round_half_up(*_ratio(value), places), places)


def plain(value: Number, max_places: int = 10) -> str:
    """Text without trailing zeros; exact whenever the value has at most max_places decimals."""
    if isinstance(value, Decimal):
        # Most values are inputs with few decimals: their own digits are the answer.
        text = format(value, "f")  # every digit, never an exponent
        point = text.find(".")
        if point < 0 or len(text) - point - 1 <= max_places:
            return _trimmed(text)
    return _trimmed(fixed(value, max_places))


def _trimmed(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(part: Number, whole: Number) -> Fraction:
    """part / whole as a percentage, exactly; whole must be positive."""
    part_numerator, part_denominator = _ratio(part)
    whole_numerator, whole_denominator = _ratio(whole)
    return Fraction(part_numerator * whole_denominator * 100, part_denominator * whole_numerator)


def quotient(part: Number, whole: Number) -> Fraction:
    """part / whole, exactly; whole must not be zero."""
    part_numerator, part_denominator = _ratio(part)
    whole_numerator, whole_denominator = _ratio(whole)
    return Fraction(part_numerator * whole_denominator, part_denominator * whole_numerator)

"""Display rounding works on integers yet gives exactly what Fraction arithmetic gives.

`fixed` and `plain` used to scale and floor Fractions; they now divide the integer numerator
by the denominator (and `plain` reads a short Decimal's own digits), and so does `figure`
beside a threshold. The
Fraction versions are kept below as the specification, and every property compares the
two on the numbers the evaluator shows: inputs (up to 15 integer digits and 28 decimals),
sums and products of them, and quotients such as R = m1/m or E = e/P.
"""

from __future__ import annotations

import math
from decimal import Decimal, Inexact
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from criteria._numbers import (
    EXACT,
    MAX_DECIMAL_PLACES,
    fixed,
    percent,
    plain,
    quotient,
)
from criteria.figures import figure

MANY = settings(max_examples=400, deadline=None)

# ---------------------------------------------------------------- the specification


def reference_round_half_up(value: Fraction, places: int) -> int:
    scaled = value * 10**places
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return -magnitude if scaled < 0 else magnitude


def reference_fixed(value: Fraction | Decimal | int, places: int) -> str:
    scaled = reference_round_half_up(Fraction(value), places)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def reference_plain(value: Fraction | Decimal | int, max_places: int = 10) -> str:
    text = reference_fixed(Fraction(value), max_places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def reference_figure(
    value: Fraction | Decimal | int,
    reference: Fraction | Decimal | int | None = None,
    places: int = 2,
) -> str:
    """Rounded to `places`, or to as many more as put it on the reference's side."""
    value = Fraction(value)
    digits = places
    if reference is not None:
        target = Fraction(reference)
        side = (value > target) - (value < target)
        while digits < MAX_DECIMAL_PLACES:
            rounded = Fraction(reference_round_half_up(value, digits), 10**digits)
            if (rounded > target) - (rounded < target) == side:
                break
            digits += 1
    text = reference_fixed(value, digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# ---------------------------------------------------------------- numbers to try


def _decimal(negative: bool, coefficient: int, exponent: int) -> Decimal:
    return Decimal(f"{'-' if negative else ''}{coefficient}E{exponent}")


# Anything from 1E-56 (a product of two 28-decimal inputs) up to about 1E+58, either sign.
decimals = st.builds(
    _decimal, st.booleans(), st.integers(0, 10**43), st.integers(-56, 15)
) | st.decimals(allow_nan=False, allow_infinity=False)

# Amounts as an answers document or a ruleset may hold them.
inputs = st.builds(
    _decimal, st.booleans(), st.integers(0, 10**15 - 1), st.integers(-MAX_DECIMAL_PLACES, 0)
).filter(lambda d: d.adjusted() < 15)

places = st.integers(0, MAX_DECIMAL_PLACES)


@st.composite
def ties(draw: st.DrawFn) -> tuple[Decimal, int]:
    """A value and a number of places it lies exactly halfway at, or a hair beside that."""
    at = draw(places)
    body = draw(st.integers(0, 10**20))
    nudge = draw(st.sampled_from(["", "000001", "4999999", "5000001"]))
    digit = "5" if not nudge or nudge == "000001" else ""
    value = Decimal(f"{body}{digit}{nudge}E-{at + 1 + len(nudge)}")
    return (-value if draw(st.booleans()) else value), at


@st.composite
def quotients(draw: st.DrawFn) -> Fraction:
    """part / whole of two inputs, as R = m1/m × 100 or E = e/P are formed."""
    part = draw(inputs)
    whole = draw(inputs.filter(lambda d: d != 0))
    return Fraction(part) * draw(st.sampled_from([1, 100])) / Fraction(whole)


rationals = decimals | quotients() | st.fractions() | st.integers(-(10**20), 10**20)


# ---------------------------------------------------------------- fixed and plain


@MANY
@given(rationals, places)
@example(Fraction(2765, 1000), 2)
@example(Fraction(-1, 1000), 2)
@example(Decimal("-0"), 0)
@example(Decimal("-0.004"), 2)
@example(Decimal("1E+14"), 28)
@example(Decimal("9.99999999999999999999999999995"), 28)
def test_fixed_matches_fraction_rounding(value: Fraction | Decimal | int, at: int) -> None:
    assert fixed(value, at) == reference_fixed(value, at)


@MANY
@given(ties())
def test_fixed_rounds_ties_away_from_zero_like_fractions(tie: tuple[Decimal, int]) -> None:
    value, at = tie
    assert fixed(value, at) == reference_fixed(value, at)
    assert fixed(Fraction(value), at) == reference_fixed(value, at)


@MANY
@given(rationals, st.sampled_from([0, 2, 4, 10, MAX_DECIMAL_PLACES]))
@example(Decimal("46.000"), 10)
@example(Decimal("-0.00"), 10)
@example(Decimal("-0.000000000004"), 10)
@example(Decimal("0.00000000005"), 10)
@example(Decimal("5E+2"), 10)
@example(Decimal("123.45678901235"), 10)
def test_plain_matches_fraction_rounding(value: Fraction | Decimal | int, at: int) -> None:
    assert plain(value, at) == reference_plain(value, at)


@MANY
@given(ties())
def test_plain_of_a_tie_matches_fraction_rounding(tie: tuple[Decimal, int]) -> None:
    value, at = tie
    assert plain(value, at) == reference_plain(value, at)


# ---------------------------------------------------------------- shown against a limit


@st.composite
def against_a_limit(draw: st.DrawFn) -> tuple[Fraction | Decimal, Decimal]:
    """A figure and the limit it is compared with, often equal or a hair apart."""
    limit = draw(inputs.map(abs))
    how = draw(st.sampled_from(["any", "equal", "near", "quotient"]))
    value: Fraction | Decimal
    if how == "any":
        value = draw(decimals)
    elif how == "equal":
        value = Fraction(limit) if draw(st.booleans()) else limit
    elif how == "near":
        step = Decimal(f"1E-{draw(st.integers(1, 40))}")
        value = EXACT.add(limit, step * draw(st.sampled_from([-5, -1, 1, 5])))
    else:
        value = draw(quotients())
    return value, limit


@MANY
@given(against_a_limit(), st.sampled_from([0, 2]))
@example((Fraction(460001, 10000), Decimal(46)), 2)
@example((Decimal("46.0000000000000000000000000000001"), Decimal(46)), 2)
@example((Fraction(1, 10**40), Decimal(0)), 0)
@example((Decimal("45.9951"), Decimal("45.999")), 2)
def test_figure_matches_fraction_rounding(
    pair: tuple[Fraction | Decimal, Decimal], at: int
) -> None:
    value, limit = pair
    assert figure(value, limit, at, separators=False) == reference_figure(value, limit, at)
    assert figure(value, 0, at, separators=False) == reference_figure(value, 0, at)
    assert figure(value, separators=False) == reference_figure(value)


# ---------------------------------------------------------------- exact arithmetic


@MANY
@given(inputs, inputs)
def test_exact_context_sums_and_multiplies_without_rounding(a: Decimal, b: Decimal) -> None:
    assert Fraction(EXACT.add(a, b)) == Fraction(a) + Fraction(b)
    assert Fraction(EXACT.subtract(a, b)) == Fraction(a) - Fraction(b)
    assert Fraction(EXACT.multiply(a, b)) == Fraction(a) * Fraction(b)
    assert Fraction(EXACT.divide(a, 100)) == Fraction(a) / 100


@MANY
@given(rationals, rationals.filter(lambda v: v != 0))
def test_percent_and_quotient_are_exact(
    part: Fraction | Decimal, whole: Fraction | Decimal
) -> None:
    assert quotient(part, whole) == Fraction(part) / Fraction(whole)
    assert percent(part, whole) == Fraction(part) * 100 / Fraction(whole)


def test_exact_context_refuses_to_round() -> None:
    with pytest.raises(Inexact):
        EXACT.divide(Decimal(1), Decimal(3))

"""The one number formatter: what a person reads for a figure, on any surface."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from criteria.figures import figure, figure_decimals, figure_or_none


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("2142900.00"), "2,142,900"),
        ("12700.00", "12,700"),
        (Decimal("265901.5"), "265,901.5"),
        (Decimal("37.9712"), "37.97"),
        (Decimal("2.345"), "2.35"),  # half up, as people round
        (Decimal("-2.345"), "-2.35"),
        (Decimal("-1234567.891"), "-1,234,567.89"),
        (Decimal("-0.001"), "0"),  # never "-0"
        (Decimal("1E+6"), "1,000,000"),  # never an exponent
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (Fraction(137, 3), "45.67"),
    ],
)
def test_a_figure_has_separators_and_no_empty_decimals(value: object, shown: str) -> None:
    assert figure(value) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "threshold", "shown"),
    [
        ("46.000003", "46", "46.000003"),  # a failed ≤ 46 never reads "46"
        ("79.9999", "80", "79.9999"),  # a failed ≥ 80 never reads "80"
        ("45.9999", "46", "45.9999"),  # a met ≤ 46 never reads "46" either way
        ("46", "46", "46"),  # on the threshold: nothing to tell apart
        ("42.9", "46", "42.9"),
        ("47.27", "46", "47.27"),
        # Rounding to two places would land on the other side (46.00 > 45.999).
        ("45.9951", "45.999", "45.995"),
        (Fraction(460001, 10000), 46, "46.0001"),
        (Fraction(1, 10**12), 0, "0.000000000001"),
        ("1000000.0000004", "1000000", "1,000,000.0000004"),
    ],
)
def test_a_figure_beside_a_threshold_stays_on_its_side(
    value: object, threshold: object, shown: str
) -> None:
    assert figure(value, threshold) == shown  # type: ignore[arg-type]


def test_every_decimal_when_asked_for_them() -> None:
    assert figure(Decimal("0.1229"), places=None) == "0.1229"
    assert figure("2600000", places=None) == "2,600,000"
    assert figure(Decimal("12.50"), places=None) == "12.5"
    assert figure(Decimal("0.214286"), places=6) == "0.214286"
    assert figure(Decimal("1.10000"), places=4) == "1.1"


def test_without_separators_for_programs_that_read_it_back() -> None:
    assert figure("2142900.00", separators=False) == "2142900"
    assert figure("46.000003", "46", separators=False) == "46.000003"


def test_the_decimals_a_figure_shows_for_a_number_format() -> None:
    assert figure_decimals("2142900.00") == 0
    assert figure_decimals("37.9712") == 2
    assert figure_decimals("37.9") == 1
    assert figure_decimals("46.000003", "46") == 6
    assert figure_decimals("0.1229", places=None) == 4


def test_a_stored_value_that_is_no_number_shows_nothing() -> None:
    assert figure_or_none(None) is None
    assert figure_or_none("") is None
    assert figure_or_none("n/a") is None
    assert figure_or_none(True) is None
    assert figure_or_none(float("nan")) is None
    assert figure_or_none(1.5) == "1.5"
    assert figure_or_none("46.000003", "46") == "46.000003"
    assert figure_or_none("46.000003", "n/a") == "46"  # a broken threshold is left out


def test_text_that_is_no_number_is_refused() -> None:
    with pytest.raises(ValueError, match="not a number"):
        figure("abc")


@pytest.mark.parametrize(
    "value", ["0", "120000", "0.1229", "12.50", "1E+3", "-0.000", "1.0000000000000000000000000001"]
)
def test_the_decimals_of_a_stored_number_match_its_figure(value: str) -> None:
    number = Decimal(value)
    shown = figure(number, places=None)
    assert figure_decimals(number, places=None) == len(shown.partition(".")[2])

"""A carbon estimate from the same energy answers: an estimate, never part of the verdict.

Fuels: CO2 = activity × NCV × carbon content × oxidation × 44/12; electricity and
purchased heat by their average factors. Every factor is ruleset data with its source and
year. It helps a plant toward clause 5.3, which still needs accounting to a standard and
publication of the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from criteria.answers import Answers
from criteria.energy_accounting import CarrierUse
from criteria.ruleset import Ruleset

_CO2_PER_C = Fraction(44, 12)


@dataclass(frozen=True)
class CarbonEstimate:
    """kg CO2 in total and per tonne of output, and which carriers had no emission factor."""

    total_kg: Fraction
    per_tonne_kg: Fraction | None
    per_carrier_kg: dict[str, Fraction]
    not_covered: list[str]


def estimate(answers: Answers, ruleset: Ruleset, uses: list[CarrierUse]) -> CarbonEstimate | None:
    """None when the ruleset has no emission factors or no carrier was reported."""
    factors = ruleset.carbon
    if factors is None or not uses:
        return None
    per_carrier: dict[str, Fraction] = {}
    not_covered: list[str] = []
    for use in uses:
        amount = Fraction(use.amount)
        if use.carrier == "electricity_kwh":
            per_carrier[use.carrier] = amount * Fraction(factors.electricity_kg_per_kwh)
            continue
        if use.carrier == "purchased_heat_mj":
            per_carrier[use.carrier] = amount * Fraction(factors.heat_kg_per_mj)
            continue
        fuel = factors.fuels.get(use.carrier)
        if fuel is None:
            not_covered.append(use.carrier)
            continue
        if fuel.ncv_gj_per_unit is not None:
            ncv = Fraction(fuel.ncv_gj_per_unit)
        elif use.carrier == "internal_fuel_kg" and answers.energy.internal_fuel_lcv_kj_per_kg:
            ncv = Fraction(answers.energy.internal_fuel_lcv_kj_per_kg) / 1_000_000
        else:
            not_covered.append(use.carrier)
            continue
        # GJ × tC/TJ = kg C (1 tC/TJ = 1 kg C/GJ).
        carbon_kg = amount * ncv * Fraction(fuel.carbon_t_per_tj) * Fraction(fuel.oxidation)
        per_carrier[use.carrier] = carbon_kg * _CO2_PER_C
    total = sum(per_carrier.values(), Fraction(0))
    output = answers.energy.output_t
    per_tonne = total / Fraction(output) if output > 0 else None
    return CarbonEstimate(total, per_tonne, per_carrier, not_covered)


def tonnes(kg: Fraction) -> Fraction:
    return kg / 1000


__all__ = ["CarbonEstimate", "estimate", "tonnes"]

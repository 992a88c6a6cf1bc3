"""Formula A.2's e, carrier by carrier: amount, factor, source and standard coal.

Each carrier used is kept as a line so that every verdict can show the factors it used;
what the ruleset does not count, or cannot convert, is kept too, with the reason, so an
assessor sees everything the plant reported. Standard coal is exact: Decimals for fixed
factors, Fractions where a calorific value is divided by 29307.6 kJ/kgce.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from criteria._numbers import EXACT
from criteria.answers import Answers
from criteria.ruleset import Ruleset
from criteria.texts import Text, catalogue
from criteria.vocabulary import CARRIERS

Exact = Decimal | Fraction
ZERO = Decimal(0)


@dataclass(frozen=True)
class CarrierUse:
    """One carrier the plant reported, and how formula A.2 takes it."""

    carrier: str
    label: Text
    amount: Decimal
    unit: str
    factor: Exact | None  # None: no factor (cannot be converted)
    factor_unit: str
    source: Text
    kgce: Exact  # 0 when not counted
    counted: bool
    note: Text | None = None  # why it is not counted


def _label(carrier: str) -> Text:
    key = f"carrier.{carrier}"
    texts = catalogue()
    return texts.both(key) if key in texts else Text(carrier, carrier)


def _amount_unit(factor_unit: str) -> str:
    return factor_unit.split("/", 1)[1] if "/" in factor_unit else ""


def _sum(values: list[Exact]) -> Exact:
    """Exact sum: a Decimal while every part is one, a Fraction otherwise."""
    if all(isinstance(v, Decimal) for v in values):
        total = ZERO
        for value in values:
            assert isinstance(value, Decimal)
            total = EXACT.add(total, value)
        return total
    return sum((Fraction(v) for v in values), Fraction(0))


def carrier_uses(answers: Answers, ruleset: Ruleset) -> list[CarrierUse]:
    """Every carrier with an amount, in the order of the ruleset, then internal and other fuels."""
    energy = answers.energy
    accounting = ruleset.accounting
    uses: list[CarrierUse] = []
    for carrier in CARRIERS:
        amount = energy.carrier(carrier)
        if amount <= 0:
            continue
        setting = ruleset.factor(carrier)
        factor: Exact = setting.value
        source = setting.source.text
        lcv = energy.natural_gas_lcv_kj_per_m3
        if carrier == "natural_gas_m3" and lcv and accounting is not None:
            factor = Fraction(lcv) / Fraction(accounting.standard_coal_kj_per_kg.value)
            source = catalogue().both(
                "energy.source_measured_lcv",
                lcv=str(lcv),
                source=accounting.natural_gas_lcv.source.text,
            )
        counted = setting.counts
        kgce: Exact = (
            (
                EXACT.multiply(amount, factor)
                if isinstance(factor, Decimal)
                else factor * Fraction(amount)
            )
            if counted
            else ZERO
        )
        uses.append(
            CarrierUse(
                carrier,
                _label(carrier),
                amount,
                _amount_unit(setting.unit),
                factor,
                setting.unit,
                source,
                kgce,
                counted,
                None if counted else catalogue().both("energy.not_counted_by_ruleset"),
            )
        )
    if energy.internal_fuel_kg > 0:
        uses.append(_internal_fuel(answers, ruleset))
    for fuel in energy.other_fuels:
        if fuel.amount <= 0:
            continue
        source = catalogue().both(
            "energy.source_other_fuel",
            source=fuel.source or catalogue().both("energy.source_missing"),
        )
        uses.append(
            CarrierUse(
                f"other:{fuel.name}",
                Text(fuel.name, fuel.name),
                fuel.amount,
                fuel.unit,
                fuel.kgce_per_unit,
                f"kgce/{fuel.unit}",
                source,
                EXACT.multiply(fuel.amount, fuel.kgce_per_unit),
                fuel.kgce_per_unit > 0,
                None if fuel.kgce_per_unit > 0 else catalogue().both("energy.other_no_factor"),
            )
        )
    return uses


def _internal_fuel(answers: Answers, ruleset: Ruleset) -> CarrierUse:
    energy = answers.energy
    accounting = ruleset.accounting
    label = _label("internal_fuel_kg")
    lcv = energy.internal_fuel_lcv_kj_per_kg

    def not_counted(source: Text, note: Text) -> CarrierUse:
        return CarrierUse(
            "internal_fuel_kg", label, energy.internal_fuel_kg, "kg", None, "kgce/kg", source,
            ZERO, False, note,
        )  # fmt: skip

    if accounting is None or not accounting.internal_fuel.counts:
        reason = accounting.internal_fuel.source.text if accounting else label
        return not_counted(reason, reason)
    if not lcv:
        rule = accounting.internal_fuel
        return not_counted(rule.source.text, rule.without_lcv.text)
    factor = Fraction(lcv) / Fraction(accounting.standard_coal_kj_per_kg.value)
    source = catalogue().both(
        "energy.source_internal_lcv", lcv=str(lcv), source=accounting.internal_fuel.source.text
    )
    return CarrierUse(
        "internal_fuel_kg",
        label,
        energy.internal_fuel_kg,
        "kg",
        factor,
        "kgce/kg",
        source,
        factor * Fraction(energy.internal_fuel_kg),
        True,
    )


def counted_energy(uses: list[CarrierUse]) -> Exact:
    """e of formula A.2: the standard coal of every counted carrier."""
    return _sum([use.kgce for use in uses if use.counted])


def energy_at(uses: list[CarrierUse], carrier: str, factor: Decimal) -> Exact:
    """e with one carrier's factor replaced (to test a range factor at its ends)."""
    parts: list[Exact] = []
    for use in uses:
        if not use.counted:
            continue
        if use.carrier == carrier:
            parts.append(EXACT.multiply(use.amount, factor))
        else:
            parts.append(use.kgce)
    return _sum(parts)
